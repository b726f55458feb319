package apiserver

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	k8sruntime "k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	"github.com/ks-apiserver/ks-apiserver/test/fixtures"
)

// BenchmarkFullListEncode prints the time, size and allocations of encoding
// a full list of 100,000 realistic pods with the server's codecs, in JSON
// (what every client got before protobuf was generated) beside protobuf; the
// best of three runs each.
func BenchmarkFullListEncode(b *testing.B) {
	n := 100_000
	if testing.Short() {
		n = 1_000 // a smoke run: the benchmark works, the figure means little
	}
	list := podList(n)
	var js, pb encodeCost
	for range b.N {
		js = encodeList(b, k8sruntime.ContentTypeJSON, list)
		pb = encodeList(b, k8sruntime.ContentTypeProtobuf, list)
	}
	b.ReportMetric(js.seconds, "json-s")
	b.ReportMetric(pb.seconds, "protobuf-s")
	b.ReportMetric(float64(js.bytes)/float64(n), "json-B/pod")
	b.ReportMetric(float64(pb.bytes)/float64(n), "protobuf-B/pod")
	fmt.Printf("full list of %d pods, encoded: JSON %.3f s, %.0f MB, %.0f MB allocated | protobuf %.3f s, %.0f MB, %.0f MB allocated (%.0f%% of JSON's time, %.0f%% of its size)\n",
		n, js.seconds, mib(js.bytes), mib(js.alloc), pb.seconds, mib(pb.bytes), mib(pb.alloc),
		100*pb.seconds/js.seconds, 100*float64(pb.bytes)/float64(js.bytes))
}

type encodeCost struct {
	seconds      float64
	bytes, alloc uint64
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

// podList is a served list of n realistic pods, as the registry converts
// them (encoding walks every field, shared or not).
func podList(n int) *v1alpha3.PodList {
	list := &v1alpha3.PodList{TotalItems: int64(n), Items: make([]v1alpha3.Pod, n)}
	list.ResourceVersion = "123456"
	for i := range n {
		p := fixtures.RealisticPod(i)
		p.ManagedFields = nil
		list.Items[i] = v1alpha3.Pod{ObjectMeta: p.ObjectMeta, Spec: p.Spec, Status: p.Status}
	}
	return list
}

// encodeList encodes list with the group's serializer for mediaType, as
// the handlers do, into a counting writer.
func encodeList(b *testing.B, mediaType string, list *v1alpha3.PodList) encodeCost {
	ns := negotiatedSerializer(Scheme, Codecs, v1alpha3.SchemeGroupVersion)
	info, ok := k8sruntime.SerializerInfoForMediaType(ns.SupportedMediaTypes(), mediaType)
	if !ok {
		b.Fatalf("no serializer for %s", mediaType)
	}
	enc := ns.EncoderForVersion(info.Serializer, v1alpha3.SchemeGroupVersion)
	best := encodeCost{seconds: -1}
	for range 3 {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var w countingWriter
		start := time.Now()
		if err := enc.Encode(list, &w); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start).Seconds()
		runtime.ReadMemStats(&after)
		if best.seconds < 0 || took < best.seconds {
			best = encodeCost{seconds: took, bytes: uint64(w), alloc: after.TotalAlloc - before.TotalAlloc}
		}
	}
	return best
}

type countingWriter int64

func (w *countingWriter) Write(p []byte) (int, error) {
	*w += countingWriter(len(p))
	return len(p), nil
}
