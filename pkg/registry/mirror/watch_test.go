package mirror

import (
	"context"
	"fmt"
	"math/rand"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	testingclock "k8s.io/utils/clock/testing"
)

// applied is one event the test applied to the cache, at rv.
type applied struct {
	typ       watch.EventType
	obj, prev *corev1.Pod
	rv        uint64
}

// seen is one event as a watch client sees it.
type seen struct {
	typ watch.EventType
	key string
	rv  uint64
}

func (s seen) String() string { return fmt.Sprintf("%s %s@%d", s.typ, s.key, s.rv) }

func podKey(p *corev1.Pod) string { return p.Namespace + "/" + p.Name }

func podRV(p *corev1.Pod) uint64 {
	rv, _ := strconv.ParseUint(p.ResourceVersion, 10, 64)
	return rv
}

// watchCase is one kind of watch started while events are applied.
type watchCase struct {
	name string
	req  func(current uint64) watchRequest
}

// watchCases are the watches the concurrency test starts: every kind of
// start, and selections that turn updates into ADDED and DELETED.
func watchCases() []watchCase {
	web := labels.SelectorFromSet(labels.Set{"app": "web"})
	nameHas1 := func(obj k8sruntime.Object) bool { return strings.Contains(obj.(*corev1.Pod).Name, "1") }
	return []watchCase{
		{"plain", func(uint64) watchRequest { return watchRequest{initial: true} }},
		{"sendInitialEvents", func(uint64) watchRequest {
			return watchRequest{initial: true, initialEnd: true, bookmarks: true}
		}},
		{"resourceVersion", func(rv uint64) watchRequest { return watchRequest{resume: true, from: rv - 50} }},
		{"filtered", func(uint64) watchRequest {
			return watchRequest{initial: true, namespace: "ns-1", label: web, filter: nameHas1}
		}},
		{"filtered sendInitialEvents", func(uint64) watchRequest {
			return watchRequest{initial: true, initialEnd: true, bookmarks: true, label: web, filter: nameHas1}
		}},
		{"filtered resourceVersion", func(rv uint64) watchRequest {
			return watchRequest{resume: true, from: rv - 50, label: web}
		}},
	}
}

// matchesReq is the test's own statement of what a watch selects.
func matchesReq(req watchRequest, p *corev1.Pod) bool {
	if p == nil || req.namespace != "" && p.Namespace != req.namespace {
		return false
	}
	if req.label != nil && !req.label.Matches(labels.Set(p.Labels)) {
		return false
	}
	return req.filter == nil || req.filter(p)
}

// expected is what a watch with req should see: the state at rv start
// (when it sends an initial state) then every later event as its selection
// shows it.
func expected(req watchRequest, initial []*corev1.Pod, history []applied, start uint64) (out []seen, initialLen int) {
	if req.initial {
		state := map[string]*corev1.Pod{}
		for _, p := range initial {
			state[podKey(p)] = p
		}
		for _, e := range history {
			if e.rv > start {
				break
			}
			if e.typ == watch.Deleted {
				delete(state, podKey(e.obj))
			} else {
				state[podKey(e.obj)] = e.obj
			}
		}
		keys := make([]string, 0, len(state))
		for k, p := range state {
			if matchesReq(req, p) {
				keys = append(keys, k)
			}
		}
		// (namespace, name) order; the test's names contain no "/".
		slices.SortFunc(keys, func(a, b string) int {
			na, nb := strings.SplitN(a, "/", 2), strings.SplitN(b, "/", 2)
			if c := strings.Compare(na[0], nb[0]); c != 0 {
				return c
			}
			return strings.Compare(na[1], nb[1])
		})
		for _, k := range keys {
			out = append(out, seen{watch.Added, k, podRV(state[k])})
		}
		if req.initialEnd {
			out = append(out, seen{watch.Bookmark, "", start})
		}
		initialLen = len(out)
	} else {
		start = req.from
	}
	for _, e := range history {
		if e.rv <= start {
			continue
		}
		cur, prev := matchesReq(req, e.obj), matchesReq(req, e.prev)
		typ := e.typ
		switch {
		case e.typ != watch.Modified && !cur:
			continue
		case e.typ == watch.Modified && cur && !prev:
			typ = watch.Added
		case e.typ == watch.Modified && !cur && prev:
			typ = watch.Deleted
		case e.typ == watch.Modified && !cur:
			continue
		}
		out = append(out, seen{typ, podKey(e.obj), e.rv})
	}
	return out, initialLen
}

// TestWatchStartDuringEvents starts every kind of watch while events are
// applied to the cache and checks that each sees exactly the state at the
// moment it was registered and then every later event once, in order: no
// gap, no duplicate, resourceVersions increasing.
func TestWatchStartDuringEvents(t *testing.T) {
	const initialPods, events, perCase = 600, 3000, 4
	rng := rand.New(rand.NewSource(1))
	var rv uint64
	mk := func(ns, name, app string, gen int) *corev1.Pod {
		rv++
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: name, ResourceVersion: fmt.Sprint(rv),
			Labels: map[string]string{"app": app}, Annotations: map[string]string{"gen": fmt.Sprint(gen)},
		}}
	}
	apps := []string{"web", "db"}
	var initial []*corev1.Pod
	live := map[string]*corev1.Pod{}
	var keys []string
	for i := range initialPods {
		p := mk(fmt.Sprintf("ns-%d", i%4), fmt.Sprintf("p%d", i), apps[i%2], 0)
		initial = append(initial, p)
		live[podKey(p)] = p
		keys = append(keys, podKey(p))
	}
	objs := make([]k8sruntime.Object, len(initial))
	for i, p := range initial {
		objs[i] = p
	}
	podsRes := testPods()
	podsRes.New = func() k8sruntime.Object { return &corev1.Pod{} }
	podsRes.ToServed = identity
	c := NewCache(podsRes, 2*events)
	for _, o := range objs {
		c.apply(watch.Added, o, nil)
	}
	c.synced, c.windowStart = true, c.rv

	// The events, made in advance: updates that move pods in and out of
	// the selections, creations and deletions. Objects are never changed
	// once made.
	var history []applied
	for i := range events {
		switch k := rng.Intn(10); {
		case k < 6 && len(keys) > 0:
			old := live[keys[rng.Intn(len(keys))]]
			p := mk(old.Namespace, old.Name, apps[rng.Intn(2)], i)
			live[podKey(p)] = p
			history = append(history, applied{watch.Modified, p, old, rv})
		case k < 8 || len(keys) == 0:
			p := mk(fmt.Sprintf("ns-%d", rng.Intn(4)), fmt.Sprintf("n%d", i), apps[rng.Intn(2)], i)
			live[podKey(p)] = p
			keys = append(keys, podKey(p))
			history = append(history, applied{watch.Added, p, nil, rv})
		default:
			j := rng.Intn(len(keys))
			old := live[keys[j]]
			keys = slices.Delete(keys, j, j+1)
			delete(live, podKey(old))
			rv++
			gone := old.DeepCopy()
			gone.ResourceVersion = fmt.Sprint(rv)
			history = append(history, applied{watch.Deleted, gone, old, rv})
		}
	}
	// Every watch ends with this one, which all of them select.
	sentinel := mk("ns-1", "z1-sentinel", "web", events)
	history = append(history, applied{watch.Added, sentinel, nil, rv})

	type result struct {
		name        string
		req         watchRequest
		before, got uint64 // the cache's version before and after the start
		events      []seen
		err         string
	}
	cases := watchCases()
	results := make([]*result, len(cases)*perCase)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// The applier keeps every watcher's queue short, so none is closed as
	// too slow on a slow (race-detecting) machine.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, e := range history {
			for {
				c.mu.RLock()
				busy := false
				for w := range c.watchers {
					busy = busy || len(w.input) > watchInput/2
				}
				c.mu.RUnlock()
				if !busy {
					break
				}
				runtime.Gosched()
			}
			var old any
			if e.typ == watch.Modified {
				old = e.prev
			}
			c.apply(e.typ, e.obj, old)
			runtime.Gosched()
		}
	}()
	for i := range results {
		tc := cases[i%len(cases)]
		res := &result{name: tc.name}
		results[i] = res
		// Start the watches spread over the stream.
		threshold := uint64(initialPods) + uint64((i+1)*events/(len(results)+1))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c.ResourceVersion() < threshold {
				runtime.Gosched()
			}
			res.before = c.ResourceVersion()
			res.req = tc.req(res.before)
			// Served as the API serves them: the watches share one
			// served object per cached object.
			w, err := c.watch(ctx, res.req, c.memo.serve)
			res.got = c.ResourceVersion()
			if err != nil {
				res.err = err.Error()
				return
			}
			defer w.Stop()
			for e := range w.ResultChan() {
				obj := e.Object
				if co, ok := obj.(k8sruntime.CacheableObject); ok {
					obj = co.GetObject()
				}
				p, ok := obj.(*corev1.Pod)
				if !ok {
					res.err = fmt.Sprintf("event object %T", e.Object)
					return
				}
				s := seen{e.Type, podKey(p), podRV(p)}
				if e.Type == watch.Bookmark {
					s.key = ""
					if p.Annotations[metav1.InitialEventsAnnotationKey] != "true" {
						continue // a periodic bookmark
					}
				}
				res.events = append(res.events, s)
				if p == sentinel {
					return
				}
			}
			res.err = "the watch ended before the last event"
		}()
	}
	wg.Wait()

	for i, res := range results {
		t.Run(fmt.Sprintf("%s#%d", res.name, i/len(cases)), func(t *testing.T) {
			if res.err != "" {
				t.Fatal(res.err)
			}
			// It is exactly the state at one version the cache had during
			// the start, then everything after it.
			var want []seen
			n, start := 0, res.req.from
			if res.req.initial {
				for start = res.before; start <= res.got; start++ {
					if want, n = expected(res.req, initial, history, start); slices.Equal(res.events, want) {
						break
					}
				}
			} else {
				want, _ = expected(res.req, initial, history, 0)
			}
			if !slices.Equal(res.events, want) {
				want, _ = expected(res.req, initial, history, res.before)
				t.Fatalf("not the state at any version from %d to %d and the events after it: got %d events, want %d at %d\n%s",
					res.before, res.got, len(res.events), len(want), res.before, diff(res.events, want))
			}
			// The initial state is at most at the start's version, and the
			// versions of the events after it increase.
			last := start
			for j, e := range res.events {
				switch {
				case j < n && e.rv > start:
					t.Errorf("initial %v newer than the start at %d", e, start)
				case j >= n && e.rv <= last:
					t.Errorf("event %v after version %d", e, last)
				case j >= n:
					last = e.rv
				}
			}
		})
	}
}

// diff shows where two event sequences first differ.
func diff(got, want []seen) string {
	for i := range max(len(got), len(want)) {
		if i >= len(got) || i >= len(want) || got[i] != want[i] {
			lo := max(i-2, 0)
			return fmt.Sprintf("from event %d:\n got  %v\n want %v", i, got[lo:min(i+3, len(got))], want[lo:min(i+3, len(want))])
		}
	}
	return ""
}

// A watch start holds the cache's lock for the same small work whatever the
// cache holds: it takes a snapshot and registers, and copies no objects;
// the state is sent from the snapshot afterwards.
func TestWatchStartCopiesNothing(t *testing.T) {
	res := testPods()
	res.New = func() k8sruntime.Object { return &corev1.Pod{} }
	res.ToServed = func(o k8sruntime.Object) k8sruntime.Object { return o }
	var objs []k8sruntime.Object
	for i := range 50_000 {
		objs = append(objs, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
			Namespace: fmt.Sprintf("ns-%d", i%50), Name: fmt.Sprintf("p%d", i), ResourceVersion: fmt.Sprint(i + 1),
		}})
	}
	c := synced(res, objs...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	w, err := c.watch(ctx, watchRequest{initial: true}, res.ToServed)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	// The watcher's channels and, if its goroutine already started, one
	// page of the state: 1000 queued events take 40 KB.
	if n := after.TotalAlloc - before.TotalAlloc; n > 128<<10 {
		t.Errorf("starting a watch of %d objects allocated %d bytes, want a constant <= 128 KiB", len(objs), n)
	}
	// All of the state still comes.
	got := 0
	for e := range w.ResultChan() {
		if e.Type != watch.Added {
			t.Fatalf("%s event in the initial state", e.Type)
		}
		if got++; got == len(objs) {
			break
		}
	}
}

// receive returns the next event of w, failing the test when none comes in
// a generous bound (the events it waits for were already applied).
func receive(t *testing.T, w watch.Interface) (watch.Event, bool) {
	t.Helper()
	select {
	case e, ok := <-w.ResultChan():
		return e, ok
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
		return watch.Event{}, false
	}
}

// receiveRVs reads n events of w and returns their resourceVersions.
func receiveRVs(t *testing.T, w watch.Interface, n int) []uint64 {
	t.Helper()
	var rvs []uint64
	for range n {
		e, ok := receive(t, w)
		if !ok {
			t.Fatalf("the watch ended after %v", rvs)
		}
		rvs = append(rvs, podRV(e.Object.(*corev1.Pod)))
	}
	return rvs
}

func registered(c *Cache, w watch.Interface) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.watchers[w.(*cacheWatcher)]
	return ok
}

func identity(o k8sruntime.Object) k8sruntime.Object { return o }

// A watcher whose client does not read keeps its registration while its
// queue has room (watchInput events beyond the one being sent), and is
// closed by the event that finds the queue full; its client sees the
// watch end and watches again from the last version it got.
func TestWatchClosesSlowWatcher(t *testing.T) {
	c := podCache(pod("ns", "a", nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// serve blocks the watcher on its first event until released, as a
	// client that stopped reading does.
	serving, release := make(chan struct{}, 1), make(chan struct{})
	serve := func(o k8sruntime.Object) k8sruntime.Object {
		select {
		case serving <- struct{}{}:
		default:
		}
		<-release
		return o
	}
	w, err := c.watch(ctx, watchRequest{resume: true, from: c.ResourceVersion()}, serve)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	first := pod("ns", "p-0000", nil)
	c.apply(watch.Added, first, nil)
	select {
	case <-serving:
	case <-time.After(10 * time.Second):
		t.Fatal("the watcher did not take its first event")
	}
	for i := range watchInput {
		c.apply(watch.Added, pod("ns", fmt.Sprintf("p-%04d", i+1), nil), nil)
	}
	if !registered(c, w) {
		t.Fatalf("closed with %d events queued, which its queue holds", watchInput)
	}
	c.apply(watch.Added, pod("ns", "p-overflow", nil), nil)
	if registered(c, w) {
		t.Fatalf("still registered after an event found its queue of %d full", watchInput)
	}
	close(release)
	// What it still delivers is in order from the first event, and the
	// channel closes.
	next := podRV(first)
	for {
		e, ok := receive(t, w)
		if !ok {
			break
		}
		if got := podRV(e.Object.(*corev1.Pod)); got != next {
			t.Fatalf("after closing: event at %d, want %d", got, next)
		}
		next++
	}
}

// The window holds the last events: a watch resumes from any version at or
// after the oldest evicted event's (replaying exactly what followed, then
// live events), and a watch from before it is 410 Expired.
func TestWatchResumeWindow(t *testing.T) {
	const window = 4
	c := NewCache(testPods(), window)
	c.apply(watch.Added, pod("ns", "a", nil), nil)
	c.synced, c.windowStart = true, c.rv
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := c.ResourceVersion()
	var rvs []uint64
	add := func() {
		p := pod("ns", fmt.Sprintf("p-%d", len(rvs)), nil)
		c.apply(watch.Added, p, nil)
		rvs = append(rvs, podRV(p))
	}
	for range window {
		add()
	}
	// Full, nothing evicted yet: everything since start replays.
	w, err := c.watch(ctx, watchRequest{resume: true, from: start}, identity)
	if err != nil {
		t.Fatalf("watch from the window's start: %v", err)
	}
	if got := receiveRVs(t, w, window); !slices.Equal(got, rvs) {
		t.Errorf("replayed %v, want %v", got, rvs)
	}
	w.Stop()

	add() // evicts the first event
	_, err = c.watch(ctx, watchRequest{resume: true, from: start}, identity)
	if !apierrors.IsResourceExpired(err) {
		t.Fatalf("watch from %d after its next event left the window: %v, want 410 Expired", start, err)
	}
	if want := fmt.Sprintf("can resume watches from %d", rvs[0]); !strings.Contains(err.Error(), want) {
		t.Errorf("410 message %q does not say %q", err, want)
	}
	w, err = c.watch(ctx, watchRequest{resume: true, from: rvs[0]}, identity)
	if err != nil {
		t.Fatalf("watch from the evicted event's version %d: %v", rvs[0], err)
	}
	defer w.Stop()
	if got := receiveRVs(t, w, window); !slices.Equal(got, rvs[1:]) {
		t.Errorf("replayed %v, want %v", got, rvs[1:])
	}
	// Then the live events, with no gap and no repeat.
	add()
	if got := receiveRVs(t, w, 1); got[0] != rvs[len(rvs)-1] {
		t.Errorf("live event after the replay at %d, want %d", got[0], rvs[len(rvs)-1])
	}
}

// A watch asking for bookmarks gets one each BookmarkInterval, at the
// version of the last event it was sent.
func TestWatchBookmarkAtLastVersion(t *testing.T) {
	res := testPods()
	res.New = func() k8sruntime.Object { return &corev1.Pod{} }
	c := synced(res, pod("ns", "a", nil))
	fc := testingclock.NewFakeClock(time.Unix(1_000_000, 0))
	c.clock = fc
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w, err := c.watch(ctx, watchRequest{resume: true, from: c.ResourceVersion(), bookmarks: true}, identity)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	p := pod("ns", "b", nil)
	c.apply(watch.Added, p, nil)
	if e, _ := receive(t, w); e.Type != watch.Added {
		t.Fatalf("first event %s, want ADDED", e.Type)
	}
	pollUntil(t, "the bookmark ticker to start", fc.HasWaiters)
	fc.Step(BookmarkInterval)
	e, _ := receive(t, w)
	if got := e.Object.(*corev1.Pod).ResourceVersion; e.Type != watch.Bookmark || got != p.ResourceVersion {
		t.Errorf("after %v: %s at %s, want BOOKMARK at %s", BookmarkInterval, e.Type, got, p.ResourceVersion)
	}
}

// pollUntil waits for cond, failing the test after a generous bound.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), time.Millisecond, 10*time.Second, true,
		func(context.Context) (bool, error) { return cond(), nil })
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// blockingServe serves objects unchanged, but the first call blocks until
// release is closed, as a client that does not read yet; serving is
// signalled when it is reached.
func blockingServe() (serve func(k8sruntime.Object) k8sruntime.Object, serving chan struct{}, release chan struct{}) {
	serving, release = make(chan struct{}, 1), make(chan struct{})
	serve = func(o k8sruntime.Object) k8sruntime.Object {
		select {
		case serving <- struct{}{}:
		default:
		}
		<-release
		return o
	}
	return serve, serving, release
}

func waitServing(t *testing.T, serving chan struct{}) {
	t.Helper()
	select {
	case <-serving:
	case <-time.After(10 * time.Second):
		t.Fatal("the watcher did not start sending")
	}
}

// A watch whose initial state takes longer than watchInput events is not
// closed as too slow: it catches up from the window, so its client gets the
// state, the initial-events-end bookmark, then every later event once.
func TestWatchInitialStateOutlastsQueue(t *testing.T) {
	res := testPods()
	res.New = func() k8sruntime.Object { return &corev1.Pod{} }
	a := pod("ns", "a", nil)
	c := NewCache(res, 2*watchInput)
	c.streams = make(chan struct{}, 1) // not shared with other tests
	c.apply(watch.Added, a, nil)
	c.synced, c.windowStart = true, c.rv
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	serve, serving, release := blockingServe()
	w, err := c.watch(ctx, watchRequest{initial: true, initialEnd: true, bookmarks: true}, serve)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	start := c.ResourceVersion()
	waitServing(t, serving)
	var want []uint64
	for i := range watchInput + 10 {
		p := pod("ns", fmt.Sprintf("p-%04d", i), nil)
		c.apply(watch.Added, p, nil)
		want = append(want, podRV(p))
	}
	if !registered(c, w) {
		t.Fatalf("closed while sending its initial state, %d events behind", len(want))
	}
	close(release)
	if got := receiveRVs(t, w, 1); got[0] != podRV(a) {
		t.Fatalf("initial state %v, want %d", got, podRV(a))
	}
	e, _ := receive(t, w)
	if rv := e.Object.(*corev1.Pod).ResourceVersion; e.Type != watch.Bookmark || rv != fmt.Sprint(start) {
		t.Fatalf("after the state: %s at %s, want the initial-events-end BOOKMARK at %d", e.Type, rv, start)
	}
	if got := receiveRVs(t, w, len(want)); !slices.Equal(got, want) {
		t.Fatalf("events after the state: %d, from %d to %d; want %d from %d to %d",
			len(got), got[0], got[len(got)-1], len(want), want[0], want[len(want)-1])
	}
}

// A watch whose initial state took so long that the events since have left
// the window is closed after the state, counted as too slow; its client
// watches again.
func TestWatchInitialStateOutlastsWindow(t *testing.T) {
	const window = 4
	c := NewCache(testPods(), window)
	c.streams = make(chan struct{}, 1)
	c.apply(watch.Added, pod("ns", "a", nil), nil)
	c.synced, c.windowStart = true, c.rv
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	serve, serving, release := blockingServe()
	w, err := c.watch(ctx, watchRequest{initial: true}, serve)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	waitServing(t, serving)
	for i := range window + 1 {
		c.apply(watch.Added, pod("ns", fmt.Sprintf("p-%d", i), nil), nil)
	}
	close(release)
	if e, ok := receive(t, w); !ok || e.Type != watch.Added {
		t.Fatalf("initial state: %v %v", e.Type, ok)
	}
	if e, ok := receive(t, w); ok {
		t.Fatalf("got %s after the window moved past the state's version, want the watch closed", e.Type)
	}
	if registered(c, w) {
		t.Error("still registered after it was closed")
	}
}

// A page of an initial state holds one of the initialStreams slots while
// its client reads, and lets it go after pageHold when the client does not:
// a stuck client delays the other watches by pageHold at most.
func TestWatchStuckClientLetsOthersStream(t *testing.T) {
	// More objects than a client is handed without reading.
	var pods []*corev1.Pod
	for i := range resultBuffer + 2 {
		pods = append(pods, pod("ns", fmt.Sprintf("p%03d", i), nil))
	}
	c, fc := clocked(pods...)
	c.streams = make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stuck, err := c.watch(ctx, watchRequest{initial: true}, identity)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Stop()
	// stuck fills what its client is handed, then waits on the client,
	// still holding the only slot, with its page timer running.
	pollUntil(t, "the stuck page's timer", func() bool {
		return len(stuck.ResultChan()) == resultBuffer && fc.HasWaiters()
	})
	w, err := c.watch(ctx, watchRequest{initial: true}, identity)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	select {
	case e := <-w.ResultChan():
		t.Fatalf("got %s %v while the only slot is held", e.Type, e.Object)
	case <-time.After(50 * time.Millisecond):
	}
	fc.Step(pageHold)
	if got := receiveRVs(t, w, len(pods)); len(got) != len(pods) {
		t.Fatalf("initial state after the stuck page let go: %d of %d objects", len(got), len(pods))
	}
}
