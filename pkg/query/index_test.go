package query

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestGroupMemo checks that a memo is reused while the group key's members
// are unchanged and recomputed as soon as one of them changes.
func TestGroupMemo(t *testing.T) {
	typ := (&Type{Resource: "pods", Namespaced: true, Groups: map[string]func(runtime.Object) []string{
		"node": func(obj runtime.Object) []string { return []string{obj.(*corev1.Pod).Spec.NodeName} },
	}}).Complete()
	ix := NewIndex(typ)
	pod := func(name, node string) *corev1.Pod {
		p := testPod("a", name, 1, corev1.PodRunning)
		p.Spec.NodeName = node
		return p
	}
	for _, p := range []*corev1.Pod{pod("p1", "n1"), pod("p2", "n1"), pod("p3", "n2")} {
		if err := ix.Set(p); err != nil {
			t.Fatal(err)
		}
	}
	calls := 0
	count := func(objs []runtime.Object) any { calls++; return len(objs) }
	memo := func(key string) int { return ix.GroupMemo("node", key, count).(int) }

	if got := memo("n1"); got != 2 || calls != 1 {
		t.Fatalf("first: %d (calls %d)", got, calls)
	}
	if got := memo("n1"); got != 2 || calls != 1 {
		t.Fatalf("unchanged group recomputed: %d (calls %d)", got, calls)
	}
	if err := ix.Set(pod("p3", "n2")); err != nil { // another node's pod
		t.Fatal(err)
	}
	if memo("n1"); calls != 1 {
		t.Fatalf("a change on n2 recomputed n1 (calls %d)", calls)
	}
	if err := ix.Set(pod("p2", "n2")); err != nil { // p2 moves to n2
		t.Fatal(err)
	}
	if got := memo("n1"); got != 1 || calls != 2 {
		t.Fatalf("after a member left: %d (calls %d)", got, calls)
	}
	ix.Delete(pod("p1", "n1"))
	if got := memo("n1"); got != 0 || calls != 3 {
		t.Fatalf("after the last member was deleted: %d (calls %d)", got, calls)
	}
	if got := memo("n2"); got != 2 {
		t.Fatalf("n2: %d", got)
	}
}
