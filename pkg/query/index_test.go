package query

import (
	"fmt"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestGroupSum checks the running totals of a group as members are added,
// changed, moved between keys and deleted.
func TestGroupSum(t *testing.T) {
	typ := (&Type{Resource: "pods", Namespaced: true,
		Groups: map[string]func(runtime.Object) []string{
			"node": func(obj runtime.Object) []string { return []string{obj.(*corev1.Pod).Spec.NodeName} },
		},
		Sums: map[string]func(runtime.Object) []int64{
			"node": func(obj runtime.Object) []int64 {
				return []int64{1, int64(len(obj.(*corev1.Pod).Spec.Containers))}
			},
		},
	}).Complete()
	ix := NewIndex(typ)
	pod := func(name, node string, containers int) *corev1.Pod {
		p := testPod("a", name, 1, corev1.PodRunning)
		p.Spec.NodeName = node
		p.Spec.Containers = make([]corev1.Container, containers)
		return p
	}
	set := func(p *corev1.Pod) {
		t.Helper()
		if err := ix.Set(p); err != nil {
			t.Fatal(err)
		}
	}
	want := func(node string, sums ...int64) {
		t.Helper()
		if got := ix.GroupSum("node", node); !slices.Equal(got, sums) {
			t.Fatalf("sums of %s: %v, want %v", node, got, sums)
		}
	}
	set(pod("p1", "n1", 2))
	set(pod("p2", "n1", 3))
	set(pod("p3", "n2", 1))
	want("n1", 2, 5)
	want("n2", 1, 1)
	set(pod("p2", "n1", 1)) // changed in place
	want("n1", 2, 3)
	set(pod("p2", "n2", 1)) // moved
	want("n1", 1, 2)
	want("n2", 2, 2)
	ix.Delete(pod("p1", "n1", 2))
	want("n1")
	ix.Delete(pod("p2", "n2", 1))
	ix.Delete(pod("p3", "n2", 1))
	want("n2")
}

// A string's signature covers the signature of every substring.
func TestNameSignatureCoversSubstrings(t *testing.T) {
	for _, name := range []string{"svc-01-00001f3b-0003e8", "a", "ab", "abc", "kube-apiserver-node-1", "ñandú-ü"} {
		sig := NameSignature(name)
		for i := 0; i <= len(name); i++ {
			for j := i; j <= len(name); j++ {
				if sub := NameSignature(name[i:j]); sig&sub != sub {
					t.Errorf("signature of %q does not cover %q", name, name[i:j])
				}
			}
		}
	}
	if NameSignature("xyz") == 0 || NameSignature("xy") != 0 {
		t.Error("three-byte strings have a signature, shorter ones none")
	}
}

// TestLabelIndexFollowsObjects checks the postings as objects are added,
// relabelled and deleted: keys and values no object has are dropped, and
// slots of deleted objects are handed out again.
func TestLabelIndexFollowsObjects(t *testing.T) {
	ix := NewIndex(testType())
	pod := func(name string, ls map[string]string) *corev1.Pod {
		p := testPod("a", name, 1, corev1.PodRunning)
		p.Labels = ls
		return p
	}
	set := func(p *corev1.Pod) {
		t.Helper()
		if err := ix.Set(p); err != nil {
			t.Fatal(err)
		}
	}
	members := func(key, value string) []string {
		t.Helper()
		var out []string
		snap := ix.Snapshot()
		lk, ok := snap.labels.keys.get(key)
		if !ok {
			return nil
		}
		p := lk.all
		if value != "" {
			p, _ = lk.values.get(value)
		}
		p.each(func(id uint32) { out = append(out, snap.labels.slots.get(id).Name) })
		slices.Sort(out)
		return out
	}
	set(pod("p1", map[string]string{"app": "web", "tier": "front"}))
	set(pod("p2", map[string]string{"app": "web"}))
	set(pod("p3", map[string]string{"app": "db"}))
	if got := members("app", "web"); !slices.Equal(got, []string{"p1", "p2"}) {
		t.Fatalf("app=web: %v", got)
	}
	set(pod("p1", map[string]string{"app": "db"})) // value changed, tier dropped
	if got := members("app", "web"); !slices.Equal(got, []string{"p2"}) {
		t.Fatalf("app=web after relabel: %v", got)
	}
	if got := members("app", "db"); !slices.Equal(got, []string{"p1", "p3"}) {
		t.Fatalf("app=db after relabel: %v", got)
	}
	if got := members("tier", ""); got != nil {
		t.Fatalf("tier is on %v after its last object dropped it", got)
	}
	ix.Delete(pod("p2", nil))
	if got := members("app", "web"); got != nil {
		t.Fatalf("app=web after delete: %v", got)
	}
	set(pod("p4", map[string]string{"app": "web"}))
	if snap := ix.Snapshot(); snap.labels.next != 3 || snap.labels.live.len() != 3 {
		t.Fatalf("slots: next %d, live %d; want the deleted object's slot reused", snap.labels.next, snap.labels.live.len())
	}
	for _, name := range []string{"p1", "p3", "p4"} {
		ix.Delete(pod(name, nil))
	}
	if snap := ix.Snapshot(); snap.labels.keys.len() != 0 || snap.labels.live != nil {
		t.Fatalf("an empty index has %d label keys, live %v", snap.labels.keys.len(), snap.labels.live)
	}
}

// TestAttrPostingsFollowObjects checks that an exact attribute filter
// (phase here, pods' status in ks-apiserver) is answered from postings, not
// as a predicate on every item, and that the postings follow changes and
// deletes while an older snapshot keeps its own.
func TestAttrPostingsFollowObjects(t *testing.T) {
	typ := testType()
	ix := NewIndex(typ)
	set := func(p *corev1.Pod) {
		t.Helper()
		if err := ix.Set(p); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 200 {
		p := testPod("a", fmt.Sprintf("p%03d", i), i, corev1.PodRunning)
		if i%4 == 0 {
			p.Status.Phase = corev1.PodPending
		}
		p.Labels = map[string]string{"app": fmt.Sprint("app", i%2)}
		set(p)
	}
	q, err := Parse(map[string][]string{"phase": {"Running"}}, Native, typ, nil)
	if err != nil || len(q.Filters) != 0 || len(q.Attrs) != 1 {
		t.Fatalf("phase=Running: %v, %d predicates, %d attribute filters; want it answered from postings", err, len(q.Filters), len(q.Attrs))
	}
	app0, _ := labels.NewRequirement("app", "=", []string{"app0"})
	list := func(snap *Snapshot) Result {
		return snap.List(Request{SortBy: SortByCreationTimestamp, Descending: true, Labels: []labels.Requirement{*app0}, Attrs: q.Attrs, Limit: 3})
	}
	before := ix.Snapshot()
	if got := list(before); got.Total != 50 || len(got.Items) != 3 || got.Items[0].Name != "p198" || got.Remaining != 47 {
		t.Fatalf("app=app0 and Running: total %d, %d items, first %v, remaining %d; want 50, 3, p198, 47", got.Total, len(got.Items), got.Items, got.Remaining)
	}
	set(testPod("a", "p198", 198, corev1.PodFailed)) // phase changes; labels go too
	ix.Delete(testPod("a", "p194", 194, ""))
	p := testPod("a", "p196", 196, corev1.PodRunning) // Pending before
	p.Labels = map[string]string{"app": "app0"}
	set(p)
	after := list(ix.Snapshot())
	if after.Total != 49 || after.Items[0].Name != "p196" || after.Items[1].Name != "p190" {
		t.Fatalf("after changes: total %d, first %s, %s; want 49 from p196, p190", after.Total, after.Items[0].Name, after.Items[1].Name)
	}
	if got := list(before); got.Total != 50 || got.Items[0].Name != "p198" {
		t.Fatalf("the older snapshot changed: total %d, first %s", got.Total, got.Items[0].Name)
	}
	if !q.Matches(typ, testPod("a", "x", 1, corev1.PodRunning)) || q.Matches(typ, testPod("a", "x", 1, corev1.PodPending)) {
		t.Fatal("Matches (watches) must test the attribute filter")
	}
	for i := range 200 {
		ix.Delete(testPod("a", fmt.Sprintf("p%03d", i), 0, ""))
	}
	for i, m := range ix.Snapshot().labels.attrs {
		if m.len() != 0 {
			t.Fatalf("attribute %d keeps %d values in an empty index", i, m.len())
		}
	}
}

// Lists of snapshots taken while objects change labels see each snapshot
// whole: a requirement and its complement always add up to the snapshot's
// size (run with -race).
func TestLabelIndexConcurrentReads(t *testing.T) {
	ix := NewIndex(testType())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 20000 {
			p := testPod("ns", fmt.Sprintf("p%03d", i%300), i%7, corev1.PodRunning)
			p.Labels = map[string]string{"app": fmt.Sprint("a", i%3)}
			if i%5 == 0 {
				p.Labels = nil
			}
			if i%11 == 0 {
				ix.Delete(p)
				continue
			}
			if err := ix.Set(p); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	sels := [][2]string{{"app=a1", "app!=a1"}, {"app", "!app"}, {"app in (a0,a2)", "app notin (a0,a2)"}}
	for reads := 0; ; reads++ {
		select {
		case <-done:
			if reads < 10 {
				t.Fatalf("only %d reads during the writes", reads)
			}
			return
		default:
		}
		snap := ix.Snapshot()
		for _, pair := range sels {
			total := 0
			for _, s := range pair {
				sel, err := labels.Parse(s)
				if err != nil {
					t.Fatal(err)
				}
				reqs, _ := sel.Requirements()
				total += snap.List(Request{Labels: reqs, SortBy: SortByCreationTimestamp, Limit: 5}).Total
			}
			if total != snap.Len() {
				t.Fatalf("%s and %s select %d of a snapshot of %d", pair[0], pair[1], total, snap.Len())
			}
		}
	}
}

// TestSetBetweenSnapshotsDoesNotCopy checks that changes no snapshot has
// seen are made in place: the initial list's inserts, one per object, must
// not copy a path of every tree and label posting each (the start-up cost at
// 100k objects), while the snapshot taken before them stays unchanged.
func TestSetBetweenSnapshotsDoesNotCopy(t *testing.T) {
	ix := NewIndex(testType())
	pod := func(i int) *corev1.Pod {
		p := testPod(fmt.Sprintf("ns%d", i%7), fmt.Sprintf("p%06d", i*7919%100000), i%50, corev1.PodRunning)
		p.Labels = map[string]string{"app": fmt.Sprintf("a%d", i%3), "tier": "web"}
		return p
	}
	for i := range 5000 {
		if err := ix.Set(pod(i)); err != nil {
			t.Fatal(err)
		}
	}
	snap := ix.Snapshot()
	before := names(snap.List(Request{Limit: -1}).Items)
	i := 5000
	allocs := testing.AllocsPerRun(2000, func() {
		p := pod(i) // 3 allocations of its own in the fixture (object, labels, names)
		i++
		if err := ix.Set(p); err != nil {
			t.Fatal(err)
		}
	})
	// Set's own work: the item and its slices, the key, the map entry; a
	// split now and then. Copying paths costs several per tree and posting.
	t.Logf("%.1f allocations per Set between snapshots", allocs)
	if allocs > 20 {
		t.Errorf("Set between snapshots allocates %.1f times per object, want <= 20 (paths copied?)", allocs)
	}
	if after := names(snap.List(Request{Limit: -1}).Items); !slices.Equal(before, after) {
		t.Fatalf("snapshot changed by later sets: %d items before, %d after", len(before), len(after))
	}
	if got := ix.Snapshot().Len(); got != i {
		t.Fatalf("index has %d items, want %d", got, i)
	}
	sel, _ := labels.Parse("app=a1,tier=web")
	reqs, _ := sel.Requirements()
	want := 0
	for j := range i {
		if j%3 == 1 {
			want++
		}
	}
	if got := ix.Snapshot().List(Request{Labels: reqs, Limit: -1}).Total; got != want {
		t.Fatalf("app=a1,tier=web: %d items, want %d", got, want)
	}
}
