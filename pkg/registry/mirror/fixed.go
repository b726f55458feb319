package mirror

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// NewFixedUpstream serves fixed objects, by resource name, with no informer
// and no cluster: for tests, benchmarks and fuzzing of what reads the caches.
// Every resource is discovered and synced; objects need numeric
// resourceVersions.
func NewFixedUpstream(resources []Resource, objects map[string][]runtime.Object) *Upstream {
	u := NewUpstream(nil, resources, 0, 0)
	for _, res := range u.resources {
		c := NewCache(res, 0)
		for _, obj := range objects[res.Name] {
			c.apply(watch.Added, obj, nil)
		}
		c.synced, c.windowStart = true, c.rv
		u.caches[res.Name] = c
	}
	close(u.discovered)
	return u
}
