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

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
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
			w, err := c.watch(ctx, res.req, func(o k8sruntime.Object) k8sruntime.Object { return o })
			res.got = c.ResourceVersion()
			if err != nil {
				res.err = err.Error()
				return
			}
			defer w.Stop()
			for e := range w.ResultChan() {
				p, ok := e.Object.(*corev1.Pod)
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
	res.Convert = func(o k8sruntime.Object) k8sruntime.Object { return o }
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
	w, err := c.watch(ctx, watchRequest{initial: true}, res.Convert)
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
