package mirror_test

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
	"github.com/ks-apiserver/ks-apiserver/test/fixtures"
)

// BenchmarkMetricsCost prints what the ks_apiserver_ metrics cost, on vs
// off side by side, on 100k realistic pods: query scenario (a) (the newest
// 10 pods cluster-wide, through the store /apis and /kapis lists use,
// timed and counted by shape) and the application of pod events to the
// cache (counted by type, objects gauge, event lag histogram). Off is what
// a series is while its metric is not registered: a no-op.
func BenchmarkMetricsCost(b *testing.B) {
	n := 100_000
	if testing.Short() {
		n = 1_000 // a smoke run: the benchmark works, the figure means little
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
	res := up.Resources()[0]
	c, _ := up.Cache(res)
	store := mirror.NewStore(res, c)
	newest := mirror.Selection{Query: &query.Query{SortBy: query.SortByCreationTimestamp}, Limit: 10}
	list := func() {
		r, _, err := store.Select(newest)
		if err != nil || len(r.Items) != 10 {
			b.Fatalf("newest 10: %d items, %v", len(r.Items), err)
		}
	}
	// A stream of container restarts, each a new resourceVersion.
	rv := c.ResourceVersion()
	next := 0
	apply := func() {
		p := objs[next%n].(*corev1.Pod).DeepCopy()
		p.Status.ContainerStatuses[0].RestartCount++
		rv++
		p.ResourceVersion = fmt.Sprint(rv)
		c.ApplyEvent(watch.Modified, p, objs[next%n])
		objs[next%n] = p
		next++
	}

	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "pods\tscenario\tmetrics on\tmetrics off\tcost\t")
	for range b.N {
		for _, sc := range []struct {
			name string
			f    func()
		}{
			{"(a) newest 10 pods cluster-wide", list},
			{"pod event applied to the cache", apply},
		} {
			// Alternate, and keep each side's best of three, so that
			// neither side pays for the other's garbage.
			var on, off time.Duration
			for round := range 3 {
				c.SetMetrics(false)
				d := timePerCall(sc.f)
				if round == 0 || d < off {
					off = d
				}
				c.SetMetrics(true)
				d = timePerCall(sc.f)
				if round == 0 || d < on {
					on = d
				}
			}
			fmt.Fprintf(w, "%d\t%s\t%v\t%v\t%+.1f%%\t\n", n, sc.name, on.Round(10*time.Nanosecond), off.Round(10*time.Nanosecond),
				100*(float64(on)-float64(off))/float64(off))
		}
	}
	_ = w.Flush()
}

// timePerCall runs f for at least 300 ms (and 100 times) and returns the
// mean time per call.
func timePerCall(f func()) time.Duration {
	f()
	runtime.GC()
	start := time.Now()
	calls := 0
	for calls < 100 || time.Since(start) < 300*time.Millisecond {
		f()
		calls++
	}
	return time.Since(start) / time.Duration(calls)
}
