package mirror

import (
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Both the API and /kapis read through SyncedCache: no cache while the
// upstream resource is absent, a 503 while the cache fills up.
func TestSyncedCache(t *testing.T) {
	u := NewCaches(nil, []Resource{{Name: "pods"}}, 0, 0)
	res := u.Resources()[0]
	if c, err := u.SyncedCache(res); c != nil || err != nil {
		t.Fatalf("absent upstream: %v, %v; want no cache and no error", c, err)
	}
	c := NewCache(res, 1)
	u.caches[res.Name] = c
	if got, err := u.SyncedCache(res); got != nil || !apierrors.IsServiceUnavailable(err) || !strings.Contains(err.Error(), "the cache of pods is not yet synced") {
		t.Fatalf("filling cache: %v, %v; want a 503 naming pods", got, err)
	}
	c.synced = true
	if got, err := u.SyncedCache(res); got != c || err != nil {
		t.Fatalf("synced cache: %v, %v", got, err)
	}
}
