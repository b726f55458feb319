package query

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// TestListVisited checks the count behind the items-visited metric: a list
// the trees answer by position reads its page only, a filtered one reads
// every candidate, a label-selected one the selected objects.
func TestListVisited(t *testing.T) {
	ix := NewIndex(testType())
	for i := range 1000 {
		p := testPod(fmt.Sprintf("ns-%d", i%10), fmt.Sprintf("p-%04d", i), i, corev1.PodRunning)
		if i%100 == 0 {
			p.Labels = map[string]string{"rare": "yes"}
		}
		if err := ix.Set(p); err != nil {
			t.Fatal(err)
		}
	}
	rare, err := labels.NewRequirement("rare", selection.Equals, []string{"yes"})
	if err != nil {
		t.Fatal(err)
	}
	running := func(it *Item) bool { return it.Object.(*corev1.Pod).Status.Phase == corev1.PodRunning }
	for _, tc := range []struct {
		name string
		req  Request
		want int
	}{
		{"newest 10", Request{SortBy: SortByCreationTimestamp, Descending: true, Limit: 10}, 10},
		{"one namespace, a page", Request{Namespace: "ns-3", Limit: 5}, 5},
		{"filtered, exact total", Request{Filters: []Predicate{running}, Limit: 10}, 1000},
		{"filtered in a namespace", Request{Namespace: "ns-3", Filters: []Predicate{running}, Limit: 10}, 100},
		{"label-selected", Request{Labels: []labels.Requirement{*rare}, Limit: 10}, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := ix.Snapshot().List(tc.req)
			if res.Visited != tc.want {
				t.Errorf("visited %d items, want %d (total %d, page %d)", res.Visited, tc.want, res.Total, len(res.Items))
			}
		})
	}
}

// TestClusteredSelectionPages checks label-selected pages whose objects
// sit together in the list's order (a ReplicaSet's pods, by name), which
// the walk reaches by testing slots in a tight loop, and an evenly spread
// selection: exact pages and totals in both directions and after a cursor,
// and the walk reads no further than the match after the page.
func TestClusteredSelectionPages(t *testing.T) {
	ix := NewIndex(testType())
	const n, from, to = 20000, 12000, 13000
	for i := range n {
		p := testPod("ns", fmt.Sprintf("p%05d", i), i, corev1.PodRunning)
		p.Labels = map[string]string{"spread": fmt.Sprint(i%20 == 0)}
		if i >= from && i < to {
			p.Labels["app"] = "rs"
		}
		if err := ix.Set(p); err != nil {
			t.Fatal(err)
		}
	}
	req := func(k, v string) []labels.Requirement {
		r, err := labels.NewRequirement(k, selection.Equals, []string{v})
		if err != nil {
			t.Fatal(err)
		}
		return []labels.Requirement{*r}
	}
	rs, spread := req("app", "rs"), req("spread", "true")
	snap := ix.Snapshot()
	for _, tc := range []struct {
		name    string
		req     Request
		first   string
		visited int
	}{
		{"clustered, page 40 of 10 by name", Request{SortBy: SortByName, Labels: rs, Offset: 390, Limit: 10}, "p12390", 12401},
		{"clustered, descending", Request{SortBy: SortByName, Descending: true, Labels: rs, Offset: 390, Limit: 10}, "p12609", 7401},
		{"clustered, after a cursor", Request{SortBy: SortByName, Labels: rs, Limit: 10,
			After: &Cursor{Key: Key{Str: "p12389"}, Namespace: "ns", Name: "p12389"}}, "p12390", 7610},
		{"evenly spread", Request{SortBy: SortByName, Labels: spread, Offset: 390, Limit: 10}, "p07800", 8001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, via := range []int{0, viaWalk} {
				tc.req.via = via
				res := snap.List(tc.req)
				if len(res.Items) != 10 || res.Items[0].Name != tc.first || res.Total != 1000 || res.Remaining != 600 {
					t.Fatalf("via %d: %d items from %v, total %d, remaining %d; want 10 from %s, total 1000, remaining 600",
						via, len(res.Items), names(res.Items[:min(1, len(res.Items))]), res.Total, res.Remaining, tc.first)
				}
				if res.Visited != tc.visited {
					t.Errorf("via %d: visited %d items, want %d", via, res.Visited, tc.visited)
				}
			}
		})
	}
}
