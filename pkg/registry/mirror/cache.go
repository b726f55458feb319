package mirror

import (
	"fmt"
	"strconv"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
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
// events of its informer: the objects by key and namespace, the
// resourceVersion they are at, a window of recent events for watches that
// resume, and the active watchers. Gets, lists and watches all read it, so a
// list at resourceVersion R followed by a watch from R neither misses nor
// repeats an event. It holds the informer's objects, never copies, and never
// changes them.
type Cache struct {
	res *Resource

	mu          sync.RWMutex
	objects     map[string]runtime.Object
	byNamespace map[string]map[string]runtime.Object
	rv          uint64
	synced      bool
	// window holds the most recent events in a ring; every event after
	// windowStart is in it.
	window      []event
	next        int
	size        int
	windowStart uint64
	watchers    map[*cacheWatcher]struct{}
}

// NewCache returns an empty cache keeping up to window events.
func NewCache(res *Resource, window int) *Cache {
	if window <= 0 {
		window = DefaultEventWindow
	}
	return &Cache{
		res:         res,
		objects:     map[string]runtime.Object{},
		byNamespace: map[string]map[string]runtime.Object{},
		window:      make([]event, window),
		watchers:    map[*cacheWatcher]struct{}{},
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
		c.mu.Unlock()
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
	key := m.GetName()
	if c.res.Namespaced {
		key = m.GetNamespace() + "/" + key
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
		prev = c.objects[key]
		delete(c.objects, key)
		if ns := c.byNamespace[m.GetNamespace()]; ns != nil {
			delete(ns, key)
			if len(ns) == 0 {
				delete(c.byNamespace, m.GetNamespace())
			}
		}
	} else {
		c.objects[key] = obj
		ns := c.byNamespace[m.GetNamespace()]
		if ns == nil {
			ns = map[string]runtime.Object{}
			c.byNamespace[m.GetNamespace()] = ns
		}
		ns[key] = obj
	}
	// A delete found by a relist carries the last known version, not the
	// deletion's; it must not move the cache backwards.
	if rv > c.rv {
		c.rv = rv
	} else {
		rv = c.rv
	}
	if !c.synced {
		return // part of the initial state, not history
	}
	e := event{typ: typ, obj: obj, prev: prev, rv: rv}
	if c.size == len(c.window) {
		c.windowStart = c.window[c.next].rv
	} else {
		c.size++
	}
	c.window[c.next] = e
	c.next = (c.next + 1) % len(c.window)
	for w := range c.watchers {
		if !w.send(e) {
			// A watcher that cannot keep up is closed; its client watches
			// again from the last resourceVersion it saw.
			delete(c.watchers, w)
			w.terminate()
		}
	}
}

// snapshot is the cache's objects of one namespace ("" for all) at rv.
type snapshot struct {
	objects []runtime.Object
	rv      uint64
}

// list returns the objects of namespace (all namespaces for "") and the
// resourceVersion they are at, taken together.
func (c *Cache) list(namespace string) snapshot {
	c.mu.RLock()
	defer c.mu.RUnlock()
	src := c.objects
	if namespace != "" && c.res.Namespaced {
		src = c.byNamespace[namespace]
	}
	out := make([]runtime.Object, 0, len(src))
	for _, obj := range src {
		out = append(out, obj)
	}
	return snapshot{objects: out, rv: c.rv}
}

// get returns the object namespace/name and the cache's resourceVersion.
func (c *Cache) get(namespace, name string) (runtime.Object, bool, uint64) {
	key := name
	if c.res.Namespaced {
		key = namespace + "/" + name
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	obj, ok := c.objects[key]
	return obj, ok, c.rv
}

// namespaces returns the namespaces that have objects.
func (c *Cache) namespaces() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]string, 0, len(c.byNamespace))
	for ns := range c.byNamespace {
		out = append(out, ns)
	}
	return out
}

// ResourceVersion is the version of the newest change the cache holds.
func (c *Cache) ResourceVersion() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.rv
}
