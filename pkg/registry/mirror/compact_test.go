package mirror_test

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
	"github.com/ks-apiserver/ks-apiserver/test/fixtures"
)

// A compacted object passes Compact again unchanged and without a single
// write, while requests read it and the parts it shares with other pods:
// the race detector (make unit) fails this test on any write. A deep copy
// is a new object and is compacted again; a freshly decoded one is not
// taken for a compacted one.
func TestCompactAgainWritesNothing(t *testing.T) {
	var pods []*corev1.Pod
	for i := range 40 { // several pods of each of a few ReplicaSets: shared parts
		obj, _ := mirror.Compact(fixtures.Decoded(t, fixtures.RealisticPod(i%4*fixtures.ReplicaSets+i/4)))
		pods = append(pods, obj.(*corev1.Pod))
	}
	want := make([]string, len(pods))
	for i, p := range pods {
		if !mirror.IsCompacted(p) {
			t.Fatalf("pod %d is not marked compacted", i)
		}
		data, _ := json.Marshal(p)
		want[i] = string(data)
	}

	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 { // requests reading the cached pods meanwhile
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, p := range pods {
					_, _ = json.Marshal(p)
				}
			}
		})
	}
	for round := range 3 {
		for i, p := range pods {
			if out, err := mirror.Compact(p); err != nil || out != any(p) {
				t.Fatalf("round %d: Compact(pod %d) = %p, %v; want the same object", round, i, out, err)
			}
		}
	}
	close(stop)
	wg.Wait()
	for i, p := range pods {
		if data, _ := json.Marshal(p); string(data) != want[i] {
			t.Fatalf("pod %d changed by a second compaction:\n%s\n%s", i, data, want[i])
		}
	}

	if cp := pods[0].DeepCopy(); mirror.IsCompacted(cp) {
		t.Error("a deep copy of a compacted pod is taken for compacted")
	}
	fresh := fixtures.Decoded(t, fixtures.RealisticPod(0))
	fresh.ManagedFields = []metav1.ManagedFieldsEntry{} // as JSON "managedFields": [] decodes
	if mirror.IsCompacted(fresh) {
		t.Error("a decoded pod with empty managedFields is taken for compacted")
	}
}

// An informer whose initial list is streamed (the watch-list client, client-go's
// default) hands each object to its transform twice; the second time the
// object still carries Compact's mark (so Compact skips it, see
// TestCompactAgainWritesNothing): were the mark lost on the way (a copy
// between the two passes), every object would be compacted twice.
func TestInformerCompactsEachObjectOnce(t *testing.T) {
	const n = 50
	fw := watch.NewFakeWithChanSize(n+1, false)
	for i := range n {
		p := fixtures.Decoded(t, fixtures.RealisticPod(i))
		p.ResourceVersion = "7"
		fw.Add(p)
	}
	fw.Action(watch.Bookmark, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{ResourceVersion: "7",
		Annotations: map[string]string{metav1.InitialEventsAnnotationKey: "true"}}})
	var streamed atomic.Bool
	lw := &cache.ListWatch{
		ListWithContextFunc: func(context.Context, metav1.ListOptions) (k8sruntime.Object, error) {
			return nil, context.Canceled // only the streamed list is served here
		},
		WatchFuncWithContext: func(_ context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			streamed.Store(opts.SendInitialEvents != nil && *opts.SendInitialEvents)
			return fw, nil
		},
	}
	inf := cache.NewSharedIndexInformer(lw, &corev1.Pod{}, 0, cache.Indexers{})
	var seen, compacted atomic.Int32
	if err := inf.SetTransform(func(obj any) (any, error) {
		seen.Add(1)
		if !mirror.IsCompacted(obj) {
			compacted.Add(1)
		}
		return mirror.Compact(obj)
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go inf.Run(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		t.Fatal("informer did not sync")
	}
	if !streamed.Load() {
		t.Fatal("the informer did not stream its initial list; the test does not exercise what it is about")
	}
	if got := len(inf.GetStore().List()); got != n {
		t.Fatalf("store holds %d pods, want %d", got, n)
	}
	for _, obj := range inf.GetStore().List() {
		if !mirror.IsCompacted(obj) {
			t.Fatalf("%s is stored uncompacted", obj.(*corev1.Pod).Name)
		}
	}
	if compacted.Load() != n {
		t.Errorf("compacted %d times for %d objects (the transform saw %d)", compacted.Load(), n, seen.Load())
	}
	t.Logf("the transform saw %d objects, compacted %d", seen.Load(), compacted.Load())
}
