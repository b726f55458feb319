package mirror

import (
	"context"
	"fmt"
	goruntime "runtime"
	"sort"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ks-apiserver/ks-apiserver/pkg/query"
)

// BookmarkInterval is how often a watch that allows bookmarks gets one, so
// its client can resume from a recent resourceVersion even when nothing it
// selects changes.
var BookmarkInterval = 30 * time.Second

// watchRequest is what a watch asks for, already validated.
type watchRequest struct {
	namespace string
	label     labels.Selector
	field     fields.Selector
	// filter holds the KubeSphere filters of the request (nil for none).
	filter func(runtime.Object) bool
	// initial: send the current state as ADDED events first.
	initial bool
	// resume: replay the events after from (when not initial).
	resume bool
	from   uint64
	// initialEnd: mark the end of the initial state with a bookmark carrying
	// the k8s.io/initial-events-end annotation (sendInitialEvents=true).
	initialEnd bool
	bookmarks  bool
}

// watchInput is how many live events a watcher may have queued before it is
// considered too slow and closed (beyond the resultBuffer its client has
// been handed and not read). A watcher sending its initial state gets
// none: it catches up from the cache's window afterwards, so a long initial
// state is bounded by the window, not by this queue.
const watchInput = 1000

// resultBuffer is how many events a watcher hands its client without
// waiting for it: the client (the API server's watch handler) and the
// watcher take turns a batch at a time instead of an event at a time. With
// an event at a time, 50 watches of 100k pods starting together made two
// goroutine switches per object, and the informer's event handler,
// preempted at the end of the time slice those switches shared, waited
// milliseconds for a processor (longest stall 16 ms, p99 1 ms, at load ~1;
// with 128, under 0.4 ms in most runs).
const resultBuffer = 128

// initialPage is how many objects of the initial state a watcher reads from
// its snapshot at a time.
const initialPage = 256

// watch starts a watch. The watcher is registered under the cache's lock
// together with what it sends first (a snapshot of the current state, or
// the replayed events), so nothing is missed or repeated between them; the
// state itself is read from the snapshot outside the lock, so a large
// initial state delays no event and no read. A watcher that sends a state
// takes live events only once it has caught up with the window (catchUp).
func (c *Cache) watch(ctx context.Context, req watchRequest, serve func(runtime.Object) runtime.Object) (watch.Interface, error) {
	w := newCacheWatcher(c, req, serve)
	c.mu.Lock()
	if req.resume && !req.initial && req.from < c.windowStart {
		start := c.windowStart
		c.mu.Unlock()
		c.metrics.expired.Inc()
		return nil, apierrors.NewResourceExpired(fmt.Sprintf(
			"too old resource version: %d (%s can resume watches from %d)", req.from, c.res.Name, start))
	}
	var snap *query.Snapshot
	var backlog []event
	switch {
	case req.initial:
		// The trees are persistent: taking the snapshot copies a few roots.
		snap = c.index.Snapshot()
	case req.resume:
		backlog = c.eventsAfter(req.from)
	}
	startRV := c.rv
	w.live = snap == nil
	c.watchers[w] = struct{}{}
	c.metrics.watchers.Inc()
	c.mu.Unlock()

	go w.run(ctx, snap, backlog, startRV)
	return w, nil
}

// eventsAfter returns a copy of the window's events after resourceVersion
// from, oldest first. The caller holds c.mu.
func (c *Cache) eventsAfter(from uint64) []event {
	at := func(i int) event { return c.window[(c.next-c.size+i+len(c.window))%len(c.window)] }
	// The window is in resourceVersion order.
	first := sort.Search(c.size, func(i int) bool { return at(i).rv > from })
	backlog := make([]event, 0, c.size-first)
	for i := first; i < c.size; i++ {
		backlog = append(backlog, at(i))
	}
	return backlog
}

// newCacheWatcher returns a watcher of c, not yet registered.
func newCacheWatcher(c *Cache, req watchRequest, serve func(runtime.Object) runtime.Object) *cacheWatcher {
	return &cacheWatcher{
		cache: c, req: req, serve: serve,
		input:  make(chan event, watchInput),
		result: make(chan watch.Event, resultBuffer),
		done:   make(chan struct{}),
	}
}

// cacheWatcher is one client's watch on a Cache.
type cacheWatcher struct {
	cache *Cache
	req   watchRequest
	serve func(runtime.Object) runtime.Object

	input chan event
	// live is set, under the cache's lock, once the watcher takes live
	// events into input.
	live     bool
	result   chan watch.Event
	done     chan struct{}
	stopOnce sync.Once
}

// ResultChan delivers the events; it is closed when the watch ends.
func (w *cacheWatcher) ResultChan() <-chan watch.Event { return w.result }

// Stop ends the watch.
func (w *cacheWatcher) Stop() {
	w.cache.mu.Lock()
	if _, ok := w.cache.watchers[w]; ok {
		delete(w.cache.watchers, w)
		w.cache.metrics.watchers.Dec()
	}
	w.cache.mu.Unlock()
	w.terminate()
}

// terminate ends the watch without touching the cache's watcher set; the
// cache calls it under its lock.
func (w *cacheWatcher) terminate() {
	w.stopOnce.Do(func() { close(w.done) })
}

// send queues a live event; false when the watcher is too slow or gone.
func (w *cacheWatcher) send(e event) bool {
	select {
	case <-w.done:
		return false
	default:
	}
	select {
	case w.input <- e:
		return true
	default:
		return false
	}
}

// run sends the initial state of snap (nil for none) or the backlog of
// replayed events, the initial-events-end bookmark when asked, and then the
// live events queued since the registration at startRV.
func (w *cacheWatcher) run(ctx context.Context, snap *query.Snapshot, backlog []event, startRV uint64) {
	defer close(w.result)
	defer w.Stop()
	lastRV := startRV
	if w.req.resume && !w.req.initial && w.req.from > lastRV {
		lastRV = w.req.from
	}
	if snap != nil {
		if !w.sendState(ctx, snap, startRV) {
			return
		}
		var ok bool
		if backlog, ok = w.catchUp(startRV); !ok {
			return
		}
	}
	if w.req.initialEnd {
		if !w.bookmark(ctx, startRV, true) {
			return
		}
	}
	for _, e := range backlog {
		if !w.emit(ctx, e) {
			return
		}
	}
	var tick <-chan time.Time
	if w.req.bookmarks {
		ticker := w.cache.clock.NewTicker(BookmarkInterval)
		defer ticker.Stop()
		tick = ticker.C()
	}
	for {
		select {
		case e := <-w.input:
			if w.req.resume && !w.req.initial && e.rv <= w.req.from {
				continue
			}
			lastRV = e.rv
			if !w.emit(ctx, e) {
				return
			}
		case <-tick:
			if !w.bookmark(ctx, lastRV, false) {
				return
			}
		case <-w.done:
			return
		case <-ctx.Done():
			return
		}
	}
}

// catchUp makes a watcher that sent the state at rv live, and returns the
// events since rv it has still to send; false when it was stopped, or when
// those events have left the window (it is closed as too slow, and its
// client watches again).
func (w *cacheWatcher) catchUp(rv uint64) ([]event, bool) {
	c := w.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.watchers[w]; !ok {
		return nil, false
	}
	if rv < c.windowStart {
		delete(c.watchers, w)
		w.terminate()
		c.metrics.watchers.Dec()
		c.metrics.closedSlow.Inc()
		return nil, false
	}
	w.live = true
	return c.eventsAfter(rv), true
}

// sendState sends the objects of snap, taken at rv, as ADDED events in
// (namespace, name) order, as lists give them; a page at a time, so the
// state is never copied whole, each page holding one of the initialStreams
// slots.
func (w *cacheWatcher) sendState(ctx context.Context, snap *query.Snapshot, rv uint64) bool {
	ns := w.req.namespace
	if !w.cache.res.Namespaced {
		ns = ""
	}
	var after *query.Cursor
	for {
		page := snap.List(query.Request{Namespace: ns, After: after, Limit: initialPage})
		if !w.sendPage(ctx, page.Items) {
			return false
		}
		if page.Remaining == 0 {
			return true
		}
		after = page.Last
		// A stream and its reader hand the processor to each other; the
		// yield lets the scheduler serve its global queue in between.
		goruntime.Gosched()
	}
}

// initialStreams bounds how many pages of initial states are sent at once,
// in all caches: on 2 processors, 50 watches streaming 100k objects each at
// once kept the informer's event handler waiting for a processor for up to
// 1.5 s (preempted, it queued behind them); with one page at a time, at
// most a few ms. Half the processors stream, the rest apply events and
// answer reads.
var initialStreams = make(chan struct{}, max(1, goruntime.GOMAXPROCS(0)/2))

// pageHold is how long a page may hold its initialStreams slot: a client
// that does not read for that long lets the other watches stream.
const pageHold = time.Second

// sendPage sends items of the initial state, holding an initialStreams
// slot until they are sent or pageHold has passed.
func (w *cacheWatcher) sendPage(ctx context.Context, items []*query.Item) bool {
	select {
	case w.cache.streams <- struct{}{}:
	case <-w.done:
		return false
	case <-ctx.Done():
		return false
	}
	held := true
	release := func() {
		if held {
			held = false
			<-w.cache.streams
		}
	}
	defer release()
	hold := w.cache.clock.NewTimer(pageHold)
	defer hold.Stop()
	for _, it := range items {
		if !w.matches(it.Object) {
			continue
		}
		e := watch.Event{Type: watch.Added, Object: w.serve(it.Object)}
		if held {
			select {
			case w.result <- e:
				continue
			case <-hold.C():
				release()
			case <-w.done:
				return false
			case <-ctx.Done():
				return false
			}
		}
		if !w.deliver(ctx, e) {
			return false
		}
	}
	return true
}

// emit sends the event as the watcher's client sees it: filtered by its
// selectors, an update that enters the selection is an ADDED, one that leaves
// it a DELETED.
func (w *cacheWatcher) emit(ctx context.Context, e event) bool {
	cur := w.matches(e.obj)
	prev := e.prev != nil && w.matches(e.prev)
	typ := e.typ
	switch e.typ {
	case watch.Added, watch.Deleted:
		if !cur {
			return true
		}
	case watch.Modified:
		switch {
		case cur && prev:
		case cur:
			typ = watch.Added
		case prev:
			typ = watch.Deleted
		default:
			return true
		}
	}
	return w.deliver(ctx, watch.Event{Type: typ, Object: w.serve(e.obj)})
}

func (w *cacheWatcher) matches(obj runtime.Object) bool {
	m, err := meta.Accessor(obj)
	if err != nil {
		return false
	}
	if w.req.namespace != "" && w.cache.res.Namespaced && m.GetNamespace() != w.req.namespace {
		return false
	}
	if w.req.label != nil && !w.req.label.Matches(labels.Set(m.GetLabels())) {
		return false
	}
	if w.req.field != nil && !w.req.field.Matches(w.cache.res.fieldSet(obj, m)) {
		return false
	}
	return w.req.filter == nil || w.req.filter(obj)
}

// bookmark sends a BOOKMARK at rv; initialEnd marks the end of the initial
// events of a streaming list.
func (w *cacheWatcher) bookmark(ctx context.Context, rv uint64, initialEnd bool) bool {
	obj := w.cache.res.New()
	m, err := meta.Accessor(obj)
	if err != nil {
		return false
	}
	m.SetResourceVersion(fmt.Sprint(rv))
	if initialEnd {
		m.SetAnnotations(map[string]string{metav1.InitialEventsAnnotationKey: "true"})
	}
	w.cache.metrics.bookmarks.Inc()
	return w.deliver(ctx, watch.Event{Type: watch.Bookmark, Object: obj})
}

func (w *cacheWatcher) deliver(ctx context.Context, e watch.Event) bool {
	select {
	case w.result <- e:
		return true
	case <-w.done:
		return false
	case <-ctx.Done():
		return false
	}
}
