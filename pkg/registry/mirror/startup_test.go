package mirror_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
	"github.com/ks-apiserver/ks-apiserver/test/fixtures"
)

// cpuTime is the CPU time the process has used so far (user and system,
// every thread: the collector's too), which a busy machine does not inflate
// the way it inflates wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// heapFromOS is the heap memory the process holds from the OS: what RSS
// counts of the heap.
func heapFromOS() (inUse, fromOS uint64) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc, m.HeapSys - m.HeapReleased
}

// BenchmarkStartupFill is ks-apiserver's start-up over 100,000 realistic
// pods without the network: each pod decoded from protobuf as the informer
// decodes the initial list's events, compacted, stored by the informer and
// indexed by the cache. It prints where the time goes (CPU time of the
// process, the collector's included, and wall time per step) and the memory
// after: the heap the caches keep (the engine's bytes), the heap held from
// the OS (what RSS shows, GC headroom and start-up garbage included), and
// the same after the memory is returned once synced (what ks-apiserver now
// does). It runs without a memory limit (GOGC 100 throughout) and with the
// 2 GiB limit of artifacts/deploy (GOGC raised during the sync, as
// ks-apiserver does when a limit is set).
// Targets: RSS once synced <= 2x the engine's bytes; time to ready <= 10 s.
func BenchmarkStartupFill(b *testing.B) {
	n := 100_000
	if testing.Short() {
		n = 1_000 // a smoke run: the benchmark works, the figure means little
	}
	var res *mirror.Resource
	for _, r := range registryresources.All() {
		if r.Name == "pods" {
			res = &r
			break
		}
	}
	encoded := make([][]byte, n)
	for i := range encoded {
		data, err := fixtures.RealisticPod(i).Marshal()
		if err != nil {
			b.Fatal(err)
		}
		encoded[i] = data
	}
	b.Run("no-memory-limit", func(b *testing.B) { startupFill(b, res, encoded) })
	b.Run("memory-limit-2GiB", func(b *testing.B) {
		prev := debug.SetMemoryLimit(2 << 30 * 9 / 10) // applyMemoryLimit's 90% of the container's limit
		defer debug.SetMemoryLimit(prev)
		startupFill(b, res, encoded)
	})
	b.Run("informer", func(b *testing.B) { startupInformer(b, res, encoded) })
}

// startupInformer is the same start-up through client-go's machinery, as
// ks-apiserver runs it: a shared informer with the compacting transform,
// whose initial list is streamed (the watch-list client, client-go's
// default), each pod decoded from protobuf on the stream's own goroutine
// as client-go's stream watcher decodes them, and the cache following the
// informer. It prints the wall time until the cache is synced, and the
// process's CPU time.
func startupInformer(b *testing.B, res *mirror.Resource, encoded [][]byte) {
	n := len(encoded)
	for range b.N {
		runtime.GC()
		fw := watch.NewFakeWithChanSize(64, false)
		lw := &cache.ListWatch{
			ListWithContextFunc: func(context.Context, metav1.ListOptions) (k8sruntime.Object, error) {
				return nil, fmt.Errorf("only the streamed list is served here")
			},
			WatchFuncWithContext: func(_ context.Context, opts metav1.ListOptions) (watch.Interface, error) {
				if opts.SendInitialEvents == nil || !*opts.SendInitialEvents {
					return nil, fmt.Errorf("only the streamed list is served here")
				}
				return fw, nil
			},
		}
		inf := cache.NewSharedIndexInformer(lw, &corev1.Pod{}, 0, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
		compactor := &mirror.Compactor{}
		compactor.Follow(mirror.PodsResource, inf.GetStore())
		if err := inf.SetTransform(compactor.Compact); err != nil {
			b.Fatal(err)
		}
		c := mirror.NewCache(res, 0)
		if err := c.Follow(inf); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		restoreGC := mirror.RelaxGCForSync()
		cpu0, start := cpuTime(), time.Now()
		go func() {
			for i, data := range encoded {
				p := &corev1.Pod{}
				if err := p.Unmarshal(data); err != nil {
					panic(err)
				}
				p.ResourceVersion = strconv.Itoa(i + 1)
				fw.Add(p)
			}
			fw.Action(watch.Bookmark, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{ResourceVersion: strconv.Itoa(n),
				Annotations: map[string]string{metav1.InitialEventsAnnotationKey: "true"}}})
		}()
		go inf.Run(ctx.Done())
		for !c.Synced() {
			time.Sleep(5 * time.Millisecond)
		}
		wall, cpu := time.Since(start), cpuTime()-cpu0
		restoreGC()
		if got := c.Index().Len(); got != n {
			b.Fatalf("cache holds %d pods, want %d", got, n)
		}
		cancel()
		b.ReportMetric(wall.Seconds(), "s-synced")
		b.ReportMetric(cpu.Seconds(), "cpu-s-synced")
		fmt.Printf("start-up through a shared informer (streamed initial list, compacting transform, cache following) of %d pods: synced after %.1f s wall, %.1f s CPU\n",
			n, wall.Seconds(), cpu.Seconds())
	}
}

func startupFill(b *testing.B, res *mirror.Resource, encoded [][]byte) {
	n := len(encoded)
	for range b.N {
		runtime.GC()
		debug.FreeOSMemory()
		base, baseOS := heapFromOS()
		store := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
		c := mirror.NewCache(res, 0)
		var compactor mirror.Compactor // the pods informer's transform, as ks-apiserver sets it
		compactor.Follow(mirror.PodsResource, store)
		var decode, compact, add, index time.Duration
		restoreGC := mirror.RelaxGCForSync()
		cpu0 := cpuTime()
		for _, data := range encoded {
			t0 := time.Now()
			p := &corev1.Pod{}
			if err := p.Unmarshal(data); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			obj, _ := compactor.Compact(p)
			t2 := time.Now()
			_ = store.Add(obj)
			t3 := time.Now()
			c.ApplyEvent(watch.Added, obj, nil)
			t4 := time.Now()
			decode, compact, add, index = decode+t1.Sub(t0), compact+t2.Sub(t1), add+t3.Sub(t2), index+t4.Sub(t3)
		}
		total := decode + compact + add + index
		cpu := cpuTime() - cpu0
		_, held := heapFromOS()
		restoreGC()
		runtime.GC()
		runtime.GC()
		live, _ := heapFromOS()
		debug.FreeOSMemory()
		_, returned := heapFromOS()
		engine := float64(live - base)
		mb := func(v float64) float64 { return v / 1e6 }
		b.ReportMetric(total.Seconds(), "s-fill")
		b.ReportMetric(cpu.Seconds(), "cpu-s-fill")
		b.ReportMetric(engine/float64(n), "engine-B/pod")
		b.ReportMetric(float64(held-baseOS)/engine, "held/engine")
		b.ReportMetric(float64(returned-baseOS)/engine, "returned/engine")
		fmt.Printf("start-up fill of %d pods: %.1f s CPU, %.1f s wall (decode %.1f s, compact %.1f s, informer store %.1f s, cache index %.1f s); "+
			"engine %.0f MB (%.0f B/pod); heap held from the OS %.0f MB when synced (%.1fx the engine: GC headroom and start-up garbage), "+
			"%.0f MB (%.1fx) once returned after sync (target <= 2x)\n",
			n, cpu.Seconds(), total.Seconds(), decode.Seconds(), compact.Seconds(), add.Seconds(), index.Seconds(),
			mb(engine), engine/float64(n), mb(float64(held-baseOS)), float64(held-baseOS)/engine, mb(float64(returned-baseOS)), float64(returned-baseOS)/engine)
		runtime.KeepAlive(store)
		runtime.KeepAlive(c)
	}
}
