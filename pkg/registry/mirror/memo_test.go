package mirror

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
	testingclock "k8s.io/utils/clock/testing"
)

// The memo gives the same served object for the same cached object, holds
// at most two generations of objects, and forgets everything once nothing
// is looked up for two memoAge periods, so an idle cache keeps no
// encodings.
func TestServedMemoBoundsAndForgets(t *testing.T) {
	fc := testingclock.NewFakeClock(time.Now())
	m := newServedMemo(identity, asyncClock{fc})
	var objs []k8sruntime.Object
	for i := range 3 * sharedGeneration {
		objs = append(objs, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprint(i)}})
	}
	first := m.serve(objs[0])
	if again := m.serve(objs[0]); again != first {
		t.Fatal("the same cached object was served as two objects")
	}
	if other := m.serve(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "0"}}); other == first {
		t.Fatal("another cached object with the same name was served as the first")
	}
	for _, obj := range objs {
		m.serve(obj)
	}
	if n := m.len(); n > 2*sharedGeneration {
		t.Fatalf("the memo holds %d objects after %d lookups, want at most %d", n, len(objs), 2*sharedGeneration)
	}
	if got := m.serve(objs[len(objs)-1]).(*servedObject).upstream; got != objs[len(objs)-1] {
		t.Fatal("a served object wraps another cached object")
	}

	// Idle: one period moves everything to the older generation, the next
	// drops it, and no timer is left behind.
	held := m.len()
	fc.Step(memoAge)
	pollUntil(t, "the memo aged once", func() bool { return fc.HasWaiters() })
	if n := m.len(); n == 0 || n >= held {
		t.Fatalf("after one idle period the memo holds %d objects, want the newer generation of %d", n, held)
	}
	fc.Step(memoAge)
	pollUntil(t, "the memo forgot everything", func() bool { return m.len() == 0 })
	if fc.HasWaiters() {
		t.Fatal("an idle memo keeps a timer")
	}
	// A lookup starts aging again.
	m.serve(objs[0])
	if !fc.HasWaiters() {
		t.Fatal("a memo holding objects has no timer to forget them")
	}
}

// asyncClock runs AfterFunc callbacks in their own goroutine, as the real
// clock does (the fake clock runs them while it holds its lock).
type asyncClock struct{ *testingclock.FakeClock }

func (c asyncClock) AfterFunc(d time.Duration, f func()) clock.Timer {
	return c.FakeClock.AfterFunc(d, func() { go f() })
}

// len is how many objects the memo holds (one looked up again in the newer
// generation counts twice).
func (m *servedMemo) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.cur) + len(m.prev)
}
