package mirror_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
	"github.com/ks-apiserver/ks-apiserver/test/fixtures"
)

// eventInterval paces the upstream events: 50 pod changes a second, slow
// enough that a watcher reading its 100k initial objects on a busy 2-core
// machine is not closed for falling 1000 events behind.
const eventInterval = 20 * time.Millisecond

// BenchmarkWatchStartStall prints the longest time one upstream event took
// to be applied to a cache of 100k realistic pods while 50 watches of all
// pods start at once (half plain, half sendInitialEvents streaming lists),
// each read by a client to the end of its initial state. Three runs on the
// same cache and event stream: as watches start now (registered under the
// cache's lock, the state sent from a snapshot outside it, a page at a time
// per initialStreams slot, live events caught up from the window after the
// state); the baseline, with the initial state listed under the lock as up
// to commit ddc15f4; and the same stream with no watch starting, what an
// event costs alone. With all 50 streams sending at once, the event handler,
// once preempted, waited behind them in the scheduler's global queue for up
// to 1.5 s (seen in runtime traces); what remains above the idle figure is
// the garbage collector's (assists) and the machine's. Target: <= 1 ms.
func BenchmarkWatchStartStall(b *testing.B) {
	n, watches := 100_000, 50
	if testing.Short() {
		n, watches = 2_000, 4 // a smoke run: the benchmark works, the figure means little
	}
	objs := make([]k8sruntime.Object, n)
	for i := range n {
		obj, _ := mirror.Compact(fixtures.RealisticPod(i))
		objs[i] = obj.(k8sruntime.Object)
	}
	var decl []mirror.Resource
	for _, res := range registryresources.All() {
		if res.Name == "pods" {
			decl = append(decl, res)
		}
	}
	up := mirror.NewFixedCaches(decl, map[string][]k8sruntime.Object{"pods": objs})
	c, _ := up.Cache(up.Resources()[0])
	s := &stallStream{c: c, objs: objs, rv: c.ResourceVersion()}

	for range b.N {
		after := s.run(b, watches, false)
		before := s.run(b, watches, true)
		idle := s.run(b, 0, false)
		b.ReportMetric(float64(after.worst.Microseconds())/1000, "max-stall-ms")
		b.ReportMetric(float64(before.worst.Microseconds())/1000, "baseline-max-stall-ms")
		b.ReportMetric(float64(idle.worst.Microseconds())/1000, "idle-max-stall-ms")
		fmt.Printf("watch start, %d watches of %d pods, longest event application stall: %v (%s) | baseline, listed under the cache lock as up to ddc15f4: %v (%s) | no watch starting: %v (%s) | target <= 1ms\n",
			watches, n, after.worst, after, before.worst, before, idle.worst, idle)
	}
}

// stallStream applies a paced stream of pod changes to a cache.
type stallStream struct {
	c    *mirror.Cache
	objs []k8sruntime.Object
	rv   uint64
	i    int
}

// stallFigures is what one run measured.
type stallFigures struct {
	worst, p99, elapsed time.Duration
	events, closed      int
}

func (f stallFigures) String() string {
	return fmt.Sprintf("p99 %v of %d events in %v, %d watchers closed as too slow",
		f.p99, f.events, f.elapsed.Round(time.Millisecond), f.closed)
}

// run starts watches watches at once while applying the stream, and
// measures how long each change took to apply until every watch had read
// its initial state (for 5s when there are none).
func (s *stallStream) run(b *testing.B, watches int, underLock bool) stallFigures {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := make(chan struct{})
	applied := make(chan []time.Duration)
	go func() {
		var stalls []time.Duration
		tick := time.NewTicker(eventInterval)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				applied <- stalls
				return
			case <-tick.C:
			}
			k := (s.i * 7919) % len(s.objs)
			s.i++
			old := s.objs[k].(*corev1.Pod)
			p := *old // the cached pod is never changed
			s.rv++
			p.ResourceVersion = fmt.Sprint(s.rv)
			p.Status.ContainerStatuses = slices.Clone(p.Status.ContainerStatuses)
			p.Status.ContainerStatuses[0].RestartCount++
			s.objs[k] = &p
			start := time.Now()
			s.c.ApplyEvent(watch.Modified, &p, old)
			stalls = append(stalls, time.Since(start))

		}
	}()

	start := time.Now()
	var wg sync.WaitGroup
	var closed atomic.Int32
	for i := range watches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			streaming := i%2 == 1
			w, err := s.c.WatchAll(ctx, streaming, underLock)
			if err != nil {
				b.Error(err)
				return
			}
			defer w.Stop()
			added := 0
			for e := range w.ResultChan() {
				switch e.Type {
				case watch.Added:
					if added++; !streaming && added == len(s.objs) {
						return
					}
				case watch.Bookmark:
					if m, err := meta.Accessor(e.Object); err == nil && m.GetAnnotations()[metav1.InitialEventsAnnotationKey] == "true" {
						return
					}
				}
			}
			closed.Add(1)
		}()
	}
	wg.Wait()
	if watches == 0 {
		time.Sleep(5 * time.Second) // the stream runs alone, for the noise floor
	}
	f := stallFigures{elapsed: time.Since(start), closed: int(closed.Load())}
	close(stop)
	stalls := <-applied
	slices.Sort(stalls)
	f.events = len(stalls)
	if f.events > 0 {
		f.worst, f.p99 = stalls[f.events-1].Round(time.Microsecond), stalls[f.events*99/100].Round(time.Microsecond)
	}
	return f
}
