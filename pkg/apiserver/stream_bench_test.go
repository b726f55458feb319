package apiserver

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	genericapifilters "k8s.io/apiserver/pkg/endpoints/filters"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/client-go/rest"

	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror/mirrortest"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
	"github.com/ks-apiserver/ks-apiserver/test/fixtures"
)

// fixedPodServer is a whole ks-apiserver over n realistic pods compacted as
// the informers compact them, in caches with no informer behind them.
func fixedPodServer(b *testing.B, n int) *Server {
	b.Helper()
	pods := make([]k8sruntime.Object, n)
	for i := range pods {
		obj, _ := mirror.Compact(fixtures.RealisticPod(i))
		pods[i] = obj.(k8sruntime.Object)
	}
	generic := completableConfig()
	generic.LoopbackClientConfig = &rest.Config{Host: "https://127.0.0.1:1"}
	// A full list of 100,000 pods on a busy machine may outlast the default
	// minute; the benchmark measures it, not the timeout.
	generic.RequestTimeout = time.Hour
	withOpenAPI(generic)
	cfg := &Config{GenericConfig: generic, ExtraConfig: ExtraConfig{
		Caches: mirrortest.NewCaches(b, registryresources.All(), map[string][]k8sruntime.Object{"pods": pods}),
	}}
	completed, err := cfg.Complete()
	if err != nil {
		b.Fatal(err)
	}
	srv, err := completed.New()
	if err != nil {
		b.Fatal(err)
	}
	return srv
}

// rssBytes is the process's resident set size.
func rssBytes() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// processCPU is the CPU time the process has used, which other processes
// on a busy machine do not inflate as they do wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFullList serves ten full lists of 20,000 and 100,000 realistic pods through
// the whole handler chain, typed JSON, protobuf and kubectl's Table, streamed beside
// the generic handler (the baseline: what served every list before), and
// prints the time of one list, the live heap held halfway through writing
// it, and the process's RSS before and after the ten lists. Targets: RSS
// after <= 1.2x before; live heap O(one object), not O(list).
func BenchmarkFullList(b *testing.B) {
	sizes := []int{20_000, 100_000}
	if testing.Short() {
		sizes = []int{1_000} // a smoke run: the benchmark works, the figure means little
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("pods=%d", n), func(b *testing.B) { benchmarkFullList(b, n) })
	}
}

func benchmarkFullList(b *testing.B, n int) {
	srv := fixedPodServer(b, n)
	resolver := &genericapirequest.RequestInfoFactory{APIPrefixes: sets.NewString("apis"), GrouplessAPIPrefixes: sets.NewString("api")}
	handlers := []struct {
		name string
		h    http.Handler
	}{
		// Streamed first, every media type: RSS the generic handler grew
		// would not come back in time to measure the streamed one.
		{"streamed", srv.GenericAPIServer.Handler},
		{"generic handler", genericapifilters.WithRequestInfo(srv.GenericAPIServer.Handler.Director, resolver)},
	}
	// Protobuf first: of the generic handler's runs, only the first starts
	// from an RSS no other run has grown.
	accepts := []string{protobuf, "application/json", acceptTable}
	names := map[string]string{"application/json": "typed JSON", protobuf: "protobuf (typed)", acceptTable: "Table (kubectl)"}
	results := map[string]map[string]string{} // by media type, by handler
	for _, hc := range handlers {
		for _, accept := range accepts {
			what := names[accept]
			if results[accept] == nil {
				results[accept] = map[string]string{}
			}
			b.Run(fmt.Sprintf("%s/%s", strings.Fields(what)[0], hc.name), func(b *testing.B) {
				const lists = 10
				var elapsed time.Duration
				var growth int64
				var size int
				rssBefore := rssBytes()
				cpuBefore := processCPU()
				for range b.N {
					for i := range lists {
						req := httptest.NewRequest(http.MethodGet, "/apis/resources.kubesphere.io/v1alpha3/pods", nil)
						req.Header.Set("Accept", accept)
						// The second list is measured: the first gives its size.
						w := &heapWriter{header: http.Header{}, expect: size, measured: i != 1}
						if i == 1 {
							w.base = liveHeap()
						}
						start := time.Now()
						hc.h.ServeHTTP(w, req)
						elapsed += time.Since(start)
						if i == 1 {
							growth = w.growth
						}
						size = w.written
					}
				}
				rssAfter := rssBytes()
				perList := elapsed / time.Duration(b.N*lists)
				cpuPerList := (processCPU() - cpuBefore) / time.Duration(b.N*lists)
				b.ReportMetric(perList.Seconds(), "s/list")
				b.ReportMetric(cpuPerList.Seconds(), "cpu-s/list")
				b.ReportMetric(float64(growth)/1e6, "live-MB-halfway")
				b.ReportMetric(float64(rssAfter)/float64(rssBefore), "rss-after/before")
				results[accept][hc.name] = fmt.Sprintf("%.2f s/list (%.2f s CPU, GC included), live heap +%.1f MB halfway, RSS %.0f -> %.0f MB (%.2fx)",
					perList.Seconds(), cpuPerList.Seconds(), float64(growth)/1e6, float64(rssBefore)/1e6, float64(rssAfter)/1e6, float64(rssAfter)/float64(rssBefore))
				if hc.name == "generic handler" {
					fmt.Printf("full list of %d pods, %s (%.0f MB): generic handler (baseline) %s | streamed %s\n",
						n, what, float64(size)/1e6, results[accept]["generic handler"], results[accept]["streamed"])
				}
			})
		}
	}
}
