package mirror

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ks-apiserver/ks-apiserver/pkg/query"
)

// DefaultEventWindow is how many recent events a Cache keeps for watches
// that resume from a resourceVersion; older ones are answered 410 Expired.
const DefaultEventWindow = 10000

// event is one change of an upstream object, at the resourceVersion rv.
type event struct {
	typ  watch.EventType
	obj  runtime.Object // the object after the change (the last state for deletes)
	prev runtime.Object // the object before the change, nil for adds
	rv   uint64
}

// Cache is ks-apiserver's own view of one upstream resource, fed by the
// events of its informer: the objects in sorted indexes, the
// resourceVersion they are at, a window of recent events for watches that
// resume, and the active watchers. Gets, lists and watches all read it, so a
// list at resourceVersion R followed by a watch from R neither misses nor
// repeats an event. It holds the informer's objects, never copies, and never
// changes them.
type Cache struct {
	res *Resource
	// index holds the objects, by key and in the sorted trees lists are
	// answered from; it changes under mu together with rv.
	index *query.Index

	mu     sync.RWMutex
	rv     uint64
	synced bool
	// window holds the most recent events in a ring; every event after
	// windowStart is in it.
	window      []event
	next        int
	size        int
	windowStart uint64
	watchers    map[*cacheWatcher]struct{}

	// kept are snapshots that continue tokens refer to, by resourceVersion,
	// so the pages of one walk all read the state of its first page.
	keptMu sync.Mutex
	kept   map[uint64]keptSnapshot

	metrics *cacheMetrics
	// streams is initialStreams outside tests.
	streams chan struct{}
	// memo shares the served objects, and their encodings, between the
	// watches that send the same objects.
	memo *servedMemo
	// clock times snapshot retention, freshness waits and bookmarks; tests
	// replace it to step time.
	clock clock.WithTicker
}

// keptSnapshot is a snapshot retained for continue tokens until expires.
type keptSnapshot struct {
	snap    *query.Snapshot
	expires time.Time
}

// Snapshot retention for continue tokens: a walk that takes longer than
// snapshotTTL between pages, or one of more than maxKeptSnapshots concurrent
// walks, continues on the current state instead (still returning every
// object that did not change exactly once).
const (
	snapshotTTL      = 2 * time.Minute
	maxKeptSnapshots = 32
)

// NewCache returns an empty cache keeping up to window events.
func NewCache(res *Resource, window int) *Cache {
	if window <= 0 {
		window = DefaultEventWindow
	}
	res.CompleteQuery() // a no-op for resources of an Upstream
	return &Cache{
		res:      res,
		index:    query.NewIndex(res.QueryType()),
		kept:     map[uint64]keptSnapshot{},
		window:   make([]event, window),
		watchers: map[*cacheWatcher]struct{}{},
		metrics:  newCacheMetrics(res.Name),
		clock:    clock.RealClock{},
		streams:  initialStreams,
		memo:     newServedMemo(res.ToServed, clock.RealClock{}),
	}
}

// Follow feeds the cache from informer and marks it synced once the
// informer's initial list has reached it.
func (c *Cache) Follow(informer cache.SharedIndexInformer) error {
	reg, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.apply(watch.Added, obj, nil) },
		UpdateFunc: func(old, obj any) { c.apply(watch.Modified, obj, old) },
		DeleteFunc: func(obj any) { c.apply(watch.Deleted, obj, nil) },
	})
	if err != nil {
		return fmt.Errorf("follow %s: %w", c.res.Name, err)
	}
	// Every failed list-and-watch is followed by a new list. A shared
	// informer already started (by another user) keeps its handler.
	_ = informer.SetWatchErrorHandlerWithContext(func(ctx context.Context, r *cache.Reflector, err error) {
		c.metrics.relists.Inc()
		cache.DefaultWatchErrorHandler(ctx, r, err)
	})
	started := time.Now()
	go func() {
		// HasSynced of a registration turns true once every object of the
		// initial list was delivered to this handler.
		if !cache.WaitForCacheSync(nil, reg.HasSynced) {
			return
		}
		// The initial list is the state at the list's version, which may be
		// newer than every object in it (or the list empty): history before
		// it is unknown, so watches may resume only from there on. An event
		// the informer stored just before this point may still be on its
		// way to the handler; it is then recorded at this version.
		listed, _ := strconv.ParseUint(informer.LastSyncResourceVersion(), 10, 64)
		c.mu.Lock()
		c.synced = true
		c.rv = max(c.rv, listed)
		c.windowStart = c.rv
		objects := c.index.Len()
		c.mu.Unlock()
		klog.InfoS("Upstream cache synced", "resource", c.res.Name, "objects", objects,
			"after", time.Since(started).Round(time.Millisecond))
	}()
	return nil
}

// Synced reports whether the cache holds the informer's initial list.
func (c *Cache) Synced() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.synced
}

func (c *Cache) apply(typ watch.EventType, item, oldItem any) {
	arrived := time.Now()
	if tomb, ok := item.(cache.DeletedFinalStateUnknown); ok {
		item = tomb.Obj
	}
	obj, ok := item.(runtime.Object)
	if !ok {
		return
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return
	}
	rv, err := strconv.ParseUint(m.GetResourceVersion(), 10, 64)
	if err != nil {
		klog.ErrorS(err, "Upstream object has a non-numeric resourceVersion; ignored", "resource", c.res.Name, "object", klog.KObj(m))
		return
	}
	var prev runtime.Object
	if oldItem != nil {
		prev, _ = oldItem.(runtime.Object)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if typ == watch.Modified && prev != nil {
		if pm, err := meta.Accessor(prev); err == nil && pm.GetResourceVersion() == m.GetResourceVersion() {
			return // a resync, not a change
		}
	}
	if typ != watch.Modified {
		prev = nil
	}
	if typ == watch.Deleted {
		prev, _ = c.index.Get(m.GetNamespace(), m.GetName())
		c.index.Delete(obj)
	} else if err := c.index.Set(obj); err != nil {
		klog.ErrorS(err, "Cannot index upstream object", "resource", c.res.Name, "object", klog.KObj(m))
	}
	// A delete found by a relist carries the last known version, not the
	// deletion's; it must not move the cache backwards.
	if rv > c.rv {
		c.rv = rv
	} else {
		rv = c.rv
	}
	c.metrics.objects.Set(float64(c.index.Len()))
	if !c.synced {
		c.metrics.event(typ, arrived)
		return // part of the initial state, not history
	}
	defer c.metrics.event(typ, arrived)
	e := event{typ: typ, obj: obj, prev: prev, rv: rv}
	if c.size == len(c.window) {
		c.windowStart = c.window[c.next].rv
	} else {
		c.size++
	}
	c.window[c.next] = e
	c.next = (c.next + 1) % len(c.window)
	for w := range c.watchers {
		if !w.live {
			continue // sending its initial state; it catches up from the window
		}
		if !w.send(e) {
			// A watcher that cannot keep up is closed; its client watches
			// again from the last resourceVersion it saw.
			delete(c.watchers, w)
			w.terminate()
			c.metrics.watchers.Dec()
			c.metrics.closedSlow.Inc()
		}
	}
}

// snapshot returns the sorted indexes and the resourceVersion they are at,
// taken together.
func (c *Cache) snapshot() (*query.Snapshot, uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.index.Snapshot(), c.rv
}

// keep retains snap, at rv, for the continue tokens of a walk.
func (c *Cache) keep(rv uint64, snap *query.Snapshot) {
	now := c.clock.Now()
	c.keptMu.Lock()
	defer c.keptMu.Unlock()
	for v, k := range c.kept {
		if now.After(k.expires) {
			delete(c.kept, v)
		}
	}
	if _, ok := c.kept[rv]; !ok && len(c.kept) >= maxKeptSnapshots {
		oldest := uint64(0)
		for v := range c.kept {
			if oldest == 0 || v < oldest {
				oldest = v
			}
		}
		delete(c.kept, oldest)
	}
	c.kept[rv] = keptSnapshot{snap: snap, expires: now.Add(snapshotTTL)}
	c.metrics.kept.Set(float64(len(c.kept)))
}

// retained returns the snapshot kept at rv, if it still is.
func (c *Cache) retained(rv uint64) (*query.Snapshot, bool) {
	c.keptMu.Lock()
	defer c.keptMu.Unlock()
	k, ok := c.kept[rv]
	if !ok || c.clock.Now().After(k.expires) {
		return nil, false
	}
	return k.snap, true
}

// Index returns the cache's sorted indexes.
func (c *Cache) Index() *query.Index { return c.index }

// get returns the object namespace/name and the cache's resourceVersion.
func (c *Cache) get(namespace, name string) (runtime.Object, bool, uint64) {
	if !c.res.Namespaced {
		namespace = ""
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	obj, ok := c.index.Get(namespace, name)
	return obj, ok, c.rv
}

// ResourceVersion is the version of the newest change the cache holds.
func (c *Cache) ResourceVersion() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.rv
}
