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
