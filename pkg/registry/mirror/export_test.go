package mirror

import (
	"context"

	dto "github.com/prometheus/client_model/go"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ks-apiserver/ks-apiserver/pkg/query"
)

// NewFixedCaches serves fixed objects, by resource name, with no informer
// (as mirrortest.NewCaches does through informers), for this package's
// benchmarks: the caches alone, filled synchronously. Every resource is
// discovered and synced; objects need numeric resourceVersions.
func NewFixedCaches(resources []Resource, objects map[string][]runtime.Object) *Caches {
	u := NewCaches(nil, resources, 0, 0)
	for _, res := range u.resources {
		c := NewCache(res, 0)
		for _, obj := range objects[res.Name] {
			c.apply(watch.Added, obj, nil)
		}
		c.synced, c.windowStart = true, c.rv
		u.caches[res.Name] = c
	}
	close(u.discovered)
	return u
}

// ApplyEvent feeds one informer event to c, as the handler Follow registers
// does.
func (c *Cache) ApplyEvent(typ watch.EventType, obj, old any) { c.apply(typ, obj, old) }

// WatchStart is how WatchAll starts a watch.
type WatchStart int

const (
	// WatchShared starts it as ks-apiserver does.
	WatchShared WatchStart = iota
	// WatchPerWatch converts each object for each watch, as up to commit
	// b89ee40, kept to measure sharing against.
	WatchPerWatch
	// WatchUnderLock starts it as ks-apiserver did up to commit ddc15f4:
	// the initial state listed whole while holding the cache's exclusive
	// lock (objects shared), kept to measure the change against.
	WatchUnderLock
)

// WatchAll starts a watch of every object of c from its current state, a
// streaming list (sendInitialEvents with bookmarks) when streaming is set.
func (c *Cache) WatchAll(ctx context.Context, streaming bool, how WatchStart) (watch.Interface, error) {
	req := watchRequest{initial: true, initialEnd: streaming, bookmarks: streaming}
	switch how {
	case WatchShared:
		return c.watch(ctx, req, c.memo.serve)
	case WatchPerWatch:
		return c.watch(ctx, req, c.res.ToServed)
	}
	w := newCacheWatcher(c, req, c.memo.serve)
	c.mu.Lock()
	all := c.index.Snapshot().List(query.Request{Limit: -1})
	backlog := make([]event, 0, len(all.Items))
	for _, it := range all.Items {
		backlog = append(backlog, event{typ: watch.Added, obj: it.Object, rv: c.rv})
	}
	startRV := c.rv
	w.live = true
	c.watchers[w] = struct{}{}
	c.mu.Unlock()
	go w.run(ctx, nil, backlog, startRV)
	return w, nil
}

// SetMetrics points the cache's series at the registered metrics (on), or
// at no-ops, what every series is while its metric is not registered (off).
func (c *Cache) SetMetrics(on bool) {
	if on {
		RegisterMetrics()
		c.metrics = newCacheMetrics(c.res.Name)
		return
	}
	var n noopMetric
	m := &cacheMetrics{
		objects: n, watchers: n, kept: n, added: n, modified: n, deleted: n, lag: n,
		closedSlow: n, bookmarks: n, expired: n, relists: n,
		contSnapshot: n, contKey: n, contExpired: n, waitCaughtUp: n, waitTimeout: n,
	}
	for i := range shapes {
		m.duration[i], m.visited[i] = n, n
	}
	c.metrics = m
}

// noopMetric does nothing, as an unregistered component-base metric.
type noopMetric struct{}

func (noopMetric) Inc()                    {}
func (noopMetric) Dec()                    {}
func (noopMetric) Add(float64)             {}
func (noopMetric) Sub(float64)             {}
func (noopMetric) Set(float64)             {}
func (noopMetric) SetToCurrentTime()       {}
func (noopMetric) Observe(float64)         {}
func (noopMetric) Write(*dto.Metric) error { return nil }

// IsCompacted tells whether Compact has done obj.
func IsCompacted(obj any) bool {
	m, err := meta.Accessor(obj)
	return err == nil && isCompacted(m)
}

// MountEqual and MountStatusEqual are the field-by-field comparisons of
// mounts.
var MountEqual, MountStatusEqual = mountEqual, mountStatusEqual

func (h WatchStart) String() string {
	return [...]string{"shared", "per watch", "under lock"}[h]
}

// ResultBuffer is how many events a watcher hands its client at a time.
const ResultBuffer = resultBuffer
