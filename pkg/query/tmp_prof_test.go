package query_test

import (
	"net/url"
	"testing"
)

func BenchmarkTmpC(b *testing.B) {
	c := newBenchCluster(b, 100_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.list(b, c.pods, c.podType, "", url.Values{"name": {"svc-01"}, "status": {"Running"}, "limit": {"10"}})
	}
}
func BenchmarkTmpE(b *testing.B) {
	c := newBenchCluster(b, 100_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.list(b, c.nodes, c.nodeType, "", url.Values{"limit": {"10"}})
	}
}
