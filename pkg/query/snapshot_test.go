package query

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

func testType() *Type {
	return (&Type{
		Resource: "pods", Namespaced: true,
		Filters: map[string]Filter{
			"phase": {Attr: func(obj runtime.Object) string { return string(obj.(*corev1.Pod).Status.Phase) }},
		},
	}).Complete()
}

func testPod(ns, name string, created int, phase corev1.PodPhase) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: name,
			CreationTimestamp: metav1.NewTime(time.Unix(int64(created), 0)),
		},
		Status: corev1.PodStatus{Phase: phase},
	}
}

// reference is KubeSphere's algorithm with a total order: filter everything,
// sort everything, slice.
func reference(objs map[string]*corev1.Pod, r Request, filter func(*corev1.Pod) bool) Result {
	var all []*corev1.Pod
	for _, p := range objs {
		if r.Namespace != "" && p.Namespace != r.Namespace {
			continue
		}
		all = append(all, p)
	}
	cmp := func(a, b *corev1.Pod) int {
		if r.SortBy == "" {
			if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
				return c
			}
			return strings.Compare(a.Name, b.Name)
		}
		var c int
		if r.SortBy == SortByName {
			c = strings.Compare(a.Name, b.Name)
		} else {
			c = a.CreationTimestamp.Compare(b.CreationTimestamp.Time)
		}
		if c == 0 {
			c = strings.Compare(a.Namespace, b.Namespace)
		}
		if c == 0 {
			c = strings.Compare(a.Name, b.Name)
		}
		return c
	}
	slices.SortFunc(all, func(a, b *corev1.Pod) int {
		if r.Descending {
			return cmp(b, a)
		}
		return cmp(a, b)
	})
	var res Result
	var matching []*corev1.Pod
	for _, p := range all {
		if filter == nil || filter(p) {
			matching = append(matching, p)
		}
	}
	res.Total = len(matching)
	start := 0
	if r.After != nil {
		probe := testPod(r.After.Namespace, r.After.Name, 0, "")
		if r.SortBy == "" || r.SortBy == SortByCreationTimestamp {
			probe.CreationTimestamp = metav1.NewTime(time.Unix(0, r.After.Key.Time))
		}
		for start < len(matching) {
			c := cmp(matching[start], probe)
			if r.Descending {
				c = -c
			}
			if c > 0 {
				break
			}
			start++
		}
	}
	start += r.Offset
	start = min(start, len(matching))
	end := len(matching)
	if r.Limit >= 0 {
		end = min(end, start+r.Limit)
	}
	for _, p := range matching[start:end] {
		res.Items = append(res.Items, &Item{Object: p, Namespace: p.Namespace, Name: p.Name})
	}
	res.Remaining = len(matching) - end
	return res
}

func names(items []*Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Namespace + "/" + it.Name
	}
	return out
}

// TestSnapshotListMatchesReference changes an index at random and checks
// every kind of list against filtering and sorting everything.
func TestSnapshotListMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ix := NewIndex(testType())
	objs := map[string]*corev1.Pod{}
	var prev *Snapshot
	var prevObjs map[string]*corev1.Pod
	phases := []corev1.PodPhase{corev1.PodRunning, corev1.PodPending, corev1.PodFailed}
	// Up to 12,000 objects: trees several levels deep, leaves splitting
	// and merging.
	for step := 0; step < 24000; step++ {
		ns := fmt.Sprintf("ns%d", rng.IntN(4))
		name := fmt.Sprintf("p%04d", rng.IntN(3000))
		if step > 18000 && rng.IntN(3) > 0 {
			// shrink: deletes dominate near the end
			for key, old := range objs {
				ix.Delete(old)
				delete(objs, key)
				break
			}
			continue
		}
		key := ns + "/" + name
		switch op := rng.IntN(10); {
		case op < 7:
			created := rng.IntN(20) // many ties
			if old, ok := objs[key]; ok && rng.IntN(2) == 0 {
				created = int(old.CreationTimestamp.Unix()) // a status change
			}
			p := testPod(ns, name, created, phases[rng.IntN(len(phases))])
			p.Labels = randomLabels(rng, name)
			if old, ok := objs[key]; ok && rng.IntN(2) == 0 {
				p.Labels = old.Labels // labels unchanged
			}
			if err := ix.Set(p); err != nil {
				t.Fatal(err)
			}
			objs[key] = p
		default:
			if old, ok := objs[key]; ok {
				ix.Delete(old)
				delete(objs, key)
			}
		}
		if step%1000 != 0 && step != 23999 {
			continue
		}
		snap := ix.Snapshot()
		if prev != nil {
			// The previous snapshot still answers as of its moment, labels
			// included, while objects changed labels since.
			for trial := 0; trial < 20; trial++ {
				r, filter := randomRequest(t, rng, ix.Type(), prevObjs, true)
				checkList(t, step, prev, prevObjs, r, filter)
			}
		}
		prev, prevObjs = snap, maps.Clone(objs)
		if snap.Len() != len(objs) {
			t.Fatalf("step %d: snapshot has %d items, want %d", step, snap.Len(), len(objs))
		}
		for trial := 0; trial < 20; trial++ {
			ns, name := fmt.Sprintf("ns%d", rng.IntN(4)), fmt.Sprintf("p%04d", rng.IntN(3000))
			_, want := objs[ns+"/"+name]
			if it, got := snap.Get(ns, name); got != want || got && (it.Namespace != ns || it.Name != name) {
				t.Fatalf("step %d: Get(%s, %s) = %v, %v; want present=%v", step, ns, name, it, got, want)
			}
		}
		for trial := 0; trial < 60; trial++ {
			r, filter := randomRequest(t, rng, ix.Type(), objs, trial%2 == 0)
			checkList(t, step, snap, objs, r, filter)
			if trial%10 != 0 || r.Limit <= 0 {
				continue
			}
			// Page through the list with each page's last item as the
			// cursor, as continue tokens do.
			r.After, r.Offset = nil, 0
			for pages := 0; pages < 30; pages++ {
				res := checkList(t, step, snap, objs, r, filter)
				if res.Remaining == 0 || res.Last == nil {
					break
				}
				r.After = res.Last
			}
		}
	}
}

// randomRequest is a random list of the reference test, with label
// requirements (as the label filter or as Request.Labels) when labelled.
func randomRequest(t *testing.T, rng *rand.Rand, typ *Type, objs map[string]*corev1.Pod, labelled bool) (Request, func(*corev1.Pod) bool) {
	t.Helper()
	phases := []corev1.PodPhase{corev1.PodRunning, corev1.PodPending, corev1.PodFailed}
	r := Request{
		SortBy:     []string{"", SortByName, SortByCreationTimestamp}[rng.IntN(3)],
		Descending: rng.IntN(2) == 0,
		Offset:     rng.IntN(5) + rng.IntN(2)*rng.IntN(3000),
		Limit:      rng.IntN(12) - 1 + rng.IntN(2)*rng.IntN(200),
	}
	if rng.IntN(3) == 0 {
		r.Namespace = fmt.Sprintf("ns%d", rng.IntN(5))
	}
	var filters []func(*corev1.Pod) bool
	if rng.IntN(2) == 0 {
		phase := phases[rng.IntN(len(phases))]
		sub := []string{fmt.Sprint(rng.IntN(10)), fmt.Sprintf("%02d", rng.IntN(100)), fmt.Sprintf("p%d", rng.IntN(4)), fmt.Sprintf("%03d", rng.IntN(300)), fmt.Sprintf("p%03d", rng.IntN(300))}[rng.IntN(5)]
		filters = append(filters, func(p *corev1.Pod) bool { return p.Status.Phase == phase && strings.Contains(p.Name, sub) })
		q, err := Parse(map[string][]string{"phase": {string(phase)}, "name": {sub}}, Native, typ, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Filters, r.Attrs, r.NameSig = q.Filters, q.Attrs, q.NameSig
	}
	if labelled {
		text := randomSelector(rng)
		sel, err := labels.Parse(text)
		if err != nil {
			t.Fatalf("selector %q: %v", text, err)
		}
		filters = append(filters, func(p *corev1.Pod) bool { return sel.Matches(labels.Set(p.Labels)) })
		if rng.IntN(2) == 0 {
			q, err := Parse(map[string][]string{"label": {text}}, Native, typ, nil)
			if err != nil || len(q.Filters) != 0 {
				t.Fatalf("label filter %q: %v, %d predicates", text, err, len(q.Filters))
			}
			r.Labels = q.Labels
		} else {
			r.Labels, _ = sel.Requirements()
		}
	}
	if rng.IntN(2) == 0 && len(objs) > 0 {
		// continue after some existing or deleted position
		p := testPod(fmt.Sprintf("ns%d", rng.IntN(4)), fmt.Sprintf("p%04d", rng.IntN(3000)), rng.IntN(20), "")
		r.After = &Cursor{Namespace: p.Namespace, Name: p.Name}
		switch r.SortBy {
		case SortByName:
			r.After.Key = Key{Str: p.Name}
		case SortByCreationTimestamp:
			r.After.Key = Key{Time: p.CreationTimestamp.UnixNano()}
		default:
			r.After.Key = Key{Str: p.Name}
		}
	}
	if r.After != nil && r.Namespace != "" {
		r.After.Namespace = r.Namespace
	}
	if r.SortBy == "" && r.After != nil {
		r.After.Key = Key{Str: r.After.Name}
	}
	var filter func(*corev1.Pod) bool
	if len(filters) > 0 {
		filter = func(p *corev1.Pod) bool {
			for _, f := range filters {
				if !f(p) {
					return false
				}
			}
			return true
		}
	}
	return r, filter
}

// checkList compares a list of snap with the reference over objs; a list
// with label requirements is answered both ways, picking and walking,
// besides the way its cost chooses.
func checkList(t *testing.T, step int, snap *Snapshot, objs map[string]*corev1.Pod, r Request, filter func(*corev1.Pod) bool) Result {
	t.Helper()
	want := reference(objs, r, filter)
	vias := []int{0}
	if len(r.Labels) > 0 {
		vias = append(vias, viaPick, viaWalk)
	}
	var first Result
	for i, via := range vias {
		r.via = via
		got := snap.List(r)
		if i == 0 {
			first = got
		}
		if !slices.Equal(names(got.Items), names(want.Items)) || got.Total != want.Total || got.Remaining != want.Remaining {
			t.Fatalf("step %d, request %+v:\n got %v total %d remaining %d\nwant %v total %d remaining %d",
				step, r, names(got.Items), got.Total, got.Remaining, names(want.Items), want.Total, want.Remaining)
		}
		if n := len(got.Items); n > 0 && (got.Last == nil || got.Last.Name != got.Items[n-1].Name || got.Last.Namespace != got.Items[n-1].Namespace) {
			t.Fatalf("step %d: last %+v is not the page's last item", step, got.Last)
		}
	}
	return first
}

// TestSnapshotIsImmutable checks that a snapshot keeps its state while the
// index changes.
func TestSnapshotIsImmutable(t *testing.T) {
	ix := NewIndex(testType())
	for i := 0; i < 100; i++ {
		if err := ix.Set(testPod("a", fmt.Sprintf("p%02d", i), i, corev1.PodRunning)); err != nil {
			t.Fatal(err)
		}
	}
	snap := ix.Snapshot()
	before := names(snap.List(Request{Limit: -1}).Items)
	for i := 0; i < 100; i += 2 {
		ix.Delete(testPod("a", fmt.Sprintf("p%02d", i), 0, ""))
		if err := ix.Set(testPod("b", fmt.Sprintf("p%02d", i), i, corev1.PodPending)); err != nil {
			t.Fatal(err)
		}
	}
	if after := names(snap.List(Request{Limit: -1}).Items); !slices.Equal(before, after) {
		t.Fatalf("snapshot changed:\nbefore %v\nafter %v", before, after)
	}
	if got := ix.Snapshot().List(Request{Namespace: "b", Limit: -1}).Total; got != 50 {
		t.Fatalf("new snapshot has %d items in b, want 50", got)
	}
	if it, ok := snap.Get("a", "p02"); !ok || it.Name != "p02" {
		t.Fatalf("Get from old snapshot: %v %v", it, ok)
	}
	if _, ok := ix.Snapshot().Get("a", "p02"); ok {
		t.Fatal("Get from new snapshot found a deleted item")
	}
}

// randomLabels gives an object some of the label keys of the reference
// test: a and b with few values, d with fifty, n numeric, u unique.
func randomLabels(rng *rand.Rand, name string) map[string]string {
	ls := map[string]string{}
	if rng.IntN(5) > 0 {
		ls["a"] = []string{"x", "y", "z"}[rng.IntN(3)]
	}
	if rng.IntN(2) == 0 {
		ls["b"] = []string{"x", "y"}[rng.IntN(2)]
	}
	if rng.IntN(10) < 7 {
		ls["d"] = fmt.Sprintf("d%02d", rng.IntN(50))
	}
	if rng.IntN(2) == 0 {
		ls["n"] = fmt.Sprint(rng.IntN(5))
	}
	if rng.IntN(10) == 0 {
		ls["u"] = name
	}
	if len(ls) == 0 {
		return nil
	}
	return ls
}

// randomSelector is one to three requirements of every operator over the
// keys of randomLabels, and a key no object has.
func randomSelector(rng *rand.Rand) string {
	value := func(key string) string {
		switch key {
		case "a", "b":
			return []string{"x", "y", "z", "w"}[rng.IntN(4)]
		case "d":
			return fmt.Sprintf("d%02d", rng.IntN(52))
		case "n":
			return fmt.Sprint(rng.IntN(6))
		case "u":
			return fmt.Sprintf("p%04d", rng.IntN(3000))
		}
		return "x"
	}
	var reqs []string
	for range 1 + rng.IntN(3) {
		key := []string{"a", "b", "d", "n", "u", "zz"}[rng.IntN(6)]
		switch op := rng.IntN(9); op {
		case 0:
			reqs = append(reqs, key+"="+value(key))
		case 1:
			reqs = append(reqs, key+"=="+value(key))
		case 2:
			reqs = append(reqs, key+"!="+value(key))
		case 3, 4:
			vs := []string{value(key), value(key), value(key)}[:1+rng.IntN(3)]
			word := " in "
			if op == 4 {
				word = " notin "
			}
			reqs = append(reqs, key+word+"("+strings.Join(vs, ",")+")")
		case 5:
			reqs = append(reqs, key)
		case 6:
			reqs = append(reqs, "!"+key)
		case 7:
			reqs = append(reqs, fmt.Sprintf("n>%d", rng.IntN(5)))
		default:
			reqs = append(reqs, fmt.Sprintf("n<%d", rng.IntN(5)))
		}
	}
	return strings.Join(reqs, ",")
}
