package mirror

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	testingclock "k8s.io/utils/clock/testing"
)

// clocked is a synced cache of pods on a fake clock.
func clocked(pods ...*corev1.Pod) (*Cache, *testingclock.FakeClock) {
	c := podCache(pods...)
	fc := testingclock.NewFakeClock(time.Unix(1_000_000, 0))
	c.clock = fc
	return c, fc
}

// freshWait runs c.waitFresh(ctx, want) in the background.
type freshWait struct {
	fc   *testingclock.FakeClock
	done chan error
}

func startFreshWait(ctx context.Context, c *Cache, fc *testingclock.FakeClock, want uint64) *freshWait {
	f := &freshWait{fc: fc, done: make(chan error, 1)}
	go func() { f.done <- c.waitFresh(ctx, want) }()
	return f
}

// outcome waits until the wait either returned (its error) or waits on the
// clock again (still waiting): after a step, it does one or the other.
func (f *freshWait) outcome(t *testing.T) (err error, returned bool) {
	t.Helper()
	var got error
	pollUntil(t, "the freshness wait to return or wait on the clock", func() bool {
		select {
		case got = <-f.done:
			returned = true
			return true
		default:
			return f.fc.HasWaiters()
		}
	})
	return got, returned
}

// A read of a version the cache has not reached waits, and returns once
// the cache reaches it.
func TestWaitFreshCatchesUp(t *testing.T) {
	c, fc := clocked(pod("ns", "a", nil))
	want := c.ResourceVersion() + 2
	f := startFreshWait(context.Background(), c, fc, want)
	if err, returned := f.outcome(t); returned {
		t.Fatalf("returned %v with the cache at %d, behind %d", err, c.ResourceVersion(), want)
	}
	c.apply(watch.Added, pod("ns", "b", nil), nil)
	fc.Step(freshnessPoll)
	if err, returned := f.outcome(t); returned {
		t.Fatalf("returned %v with the cache at %d, behind %d", err, c.ResourceVersion(), want)
	}
	c.apply(watch.Added, pod("ns", "c", nil), nil)
	fc.Step(freshnessPoll)
	if err, returned := f.outcome(t); !returned || err != nil {
		t.Fatalf("with the cache at %d, wanting %d: returned %v, %v; want nil", c.ResourceVersion(), want, returned, err)
	}
	// A version the cache holds, or none, does not wait at all.
	for _, v := range []uint64{0, want} {
		if err := c.waitFresh(context.Background(), v); err != nil {
			t.Errorf("waitFresh(%d) at %d: %v", v, c.ResourceVersion(), err)
		}
	}
}

// A cache that does not catch up is waited for freshnessWait exactly, then
// the read fails as kube-apiserver's does: 504 with the
// ResourceVersionTooLarge cause, which client-go's reflectors recognise.
func TestWaitFreshTimesOut(t *testing.T) {
	c, fc := clocked(pod("ns", "a", nil))
	want := c.ResourceVersion() + 1
	f := startFreshWait(context.Background(), c, fc, want)
	for waited := time.Duration(0); waited < freshnessWait; waited += freshnessPoll {
		if err, returned := f.outcome(t); returned {
			t.Fatalf("returned %v after %v, before %v", err, waited, freshnessWait)
		}
		fc.Step(freshnessPoll)
	}
	// At the bound itself it still waits; one poll later it gives up.
	if err, returned := f.outcome(t); returned {
		t.Fatalf("returned %v at %v, the bound", err, freshnessWait)
	}
	fc.Step(freshnessPoll)
	err, returned := f.outcome(t)
	if !returned || !apierrors.IsTimeout(err) || !apierrors.HasStatusCause(err, metav1.CauseTypeResourceVersionTooLarge) {
		t.Fatalf("after %v: returned %v, %v; want 504 with cause %s", freshnessWait+freshnessPoll, returned, err, metav1.CauseTypeResourceVersionTooLarge)
	}

	// A request that ends stops waiting.
	ctx, cancel := context.WithCancel(context.Background())
	f = startFreshWait(ctx, c, fc, want)
	if err, returned := f.outcome(t); returned {
		t.Fatalf("returned %v before the request ended", err)
	}
	cancel()
	select {
	case err := <-f.done:
		if !apierrors.IsTimeout(err) {
			t.Errorf("after the request ended: %v, want a 504", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still waiting 10s after the request ended")
	}
}

// A snapshot kept for a walk's continue tokens is retained for snapshotTTL
// after its last page, then dropped (and purged by the next keep).
func TestKeptSnapshotExpires(t *testing.T) {
	c, fc := clocked(pod("ns", "a", nil))
	snap, rv := c.snapshot()
	c.keep(rv, snap)
	fc.Step(snapshotTTL)
	if got, ok := c.retained(rv); !ok || got != snap {
		t.Fatalf("not retained %v after it was kept", snapshotTTL)
	}
	c.keep(rv, snap) // the next page: retained for another snapshotTTL
	fc.Step(snapshotTTL)
	if _, ok := c.retained(rv); !ok {
		t.Fatalf("not retained %v after its last page", snapshotTTL)
	}
	fc.Step(time.Nanosecond)
	if _, ok := c.retained(rv); ok {
		t.Fatalf("retained longer than %v after its last page", snapshotTTL)
	}
	c.keep(rv+1, snap)
	if len(c.kept) != 1 {
		t.Errorf("kept %d snapshots after an expired one was purged, want 1", len(c.kept))
	}
}

// At most maxKeptSnapshots are kept: a new walk evicts the oldest version's
// snapshot, a further page of a kept walk evicts nothing.
func TestKeptSnapshotsEvictOldest(t *testing.T) {
	c, fc := clocked(pod("ns", "a", nil))
	snap, _ := c.snapshot()
	const base = 100
	for i := range maxKeptSnapshots {
		c.keep(base+uint64(i), snap)
		fc.Step(time.Second)
	}
	c.keep(base+maxKeptSnapshots-1, snap)
	if _, ok := c.retained(base); !ok {
		t.Fatal("a further page of a kept walk evicted another walk's snapshot")
	}
	c.keep(base+maxKeptSnapshots, snap)
	if _, ok := c.retained(base); ok {
		t.Errorf("the oldest snapshot, at %d, is still kept with %d others", base, maxKeptSnapshots)
	}
	for v := uint64(base + 1); v <= base+maxKeptSnapshots; v++ {
		if _, ok := c.retained(v); !ok {
			t.Errorf("snapshot at %d evicted, not the oldest", v)
		}
	}
	if len(c.kept) != maxKeptSnapshots {
		t.Errorf("kept %d snapshots, want %d", len(c.kept), maxKeptSnapshots)
	}
}

// A walk's next page reads its first page's snapshot while it is retained,
// the current state from the token's position once it is not, and is 410
// Expired once changes since the first page have left the window.
func TestContinueFromSnapshotKeyOrExpired(t *testing.T) {
	const window = 3
	up := NewCaches(nil, []Resource{*servedPods()}, time.Minute, 100)
	c := NewCache(up.resources[0], window)
	pods := make([]*corev1.Pod, 6)
	for i := range pods {
		pods[i] = pod("ns", fmt.Sprintf("p%d", i), nil)
		c.apply(watch.Added, pods[i], nil)
	}
	c.synced, c.windowStart = true, c.rv
	fc := testingclock.NewFakeClock(time.Unix(1_000_000, 0))
	c.clock = fc
	up.caches["pods"] = c
	close(up.discovered)
	r := NewREST(up.Resources()[0], podsResource, up, nil, nil)
	list := func(options *metainternalversion.ListOptions) (*servedPodList, error) {
		obj, err := r.List(inNamespace(""), options)
		if err != nil {
			return nil, err
		}
		return obj.(*servedPodList), nil
	}
	itemNames := func(l *servedPodList) (out []string) {
		for _, p := range l.Items {
			out = append(out, p.Name)
		}
		return out
	}

	first, err := list(&metainternalversion.ListOptions{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	// p2 is deleted after the first page.
	gone := pods[2].DeepCopy()
	gone.ResourceVersion = fmt.Sprint(lastRV.Add(1))
	c.apply(watch.Deleted, gone, nil)

	next := &metainternalversion.ListOptions{Limit: 2, Continue: first.Continue}
	fromSnap, err := list(next)
	if err != nil {
		t.Fatal(err)
	}
	if got := itemNames(fromSnap); fmt.Sprint(got) != "[p2 p3]" || fromSnap.ResourceVersion != first.ResourceVersion {
		t.Errorf("second page while retained: %v at %s, want [p2 p3] at %s (the first page's state)", got, fromSnap.ResourceVersion, first.ResourceVersion)
	}

	fc.Step(snapshotTTL + time.Nanosecond)
	byKey, err := list(next)
	if err != nil {
		t.Fatal(err)
	}
	if got := itemNames(byKey); fmt.Sprint(got) != "[p3 p4]" || byKey.ResourceVersion != first.ResourceVersion {
		t.Errorf("second page after %v: %v at %s, want [p3 p4] (the current state) at %s", snapshotTTL, got, byKey.ResourceVersion, first.ResourceVersion)
	}

	for i := range window {
		c.apply(watch.Added, pod("ns", fmt.Sprintf("q%d", i), nil), nil)
	}
	if _, err := list(next); !apierrors.IsResourceExpired(err) {
		t.Errorf("second page once changes since the first left the window: %v, want 410 Expired", err)
	}
}
