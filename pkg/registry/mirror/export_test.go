package mirror

import (
	"context"

	"k8s.io/apimachinery/pkg/watch"

	"github.com/ks-apiserver/ks-apiserver/pkg/query"
)

// ApplyEvent feeds one informer event to c, as the handler Follow registers
// does.
func (c *Cache) ApplyEvent(typ watch.EventType, obj, old any) { c.apply(typ, obj, old) }

// WatchAll starts a watch of every object of c from its current state, a
// streaming list (sendInitialEvents with bookmarks) when streaming is set.
// listUnderLock starts it as ks-apiserver did up to commit ddc15f4:
// the initial state listed whole while holding the cache's exclusive lock,
// kept to measure the change against.
func (c *Cache) WatchAll(ctx context.Context, streaming, listUnderLock bool) (watch.Interface, error) {
	req := watchRequest{initial: true, initialEnd: streaming, bookmarks: streaming}
	if !listUnderLock {
		return c.watch(ctx, req, c.res.Convert)
	}
	w := newCacheWatcher(c, req, c.res.Convert)
	c.mu.Lock()
	all := c.index.Snapshot().List(query.Request{Limit: -1})
	backlog := make([]event, 0, len(all.Items))
	for _, it := range all.Items {
		backlog = append(backlog, event{typ: watch.Added, obj: it.Object, rv: c.rv})
	}
	startRV := c.rv
	c.watchers[w] = struct{}{}
	c.mu.Unlock()
	go w.run(ctx, nil, backlog, startRV)
	return w, nil
}
