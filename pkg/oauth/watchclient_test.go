package oauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
)

// The watches of sessions, users and keys use Build's watch configuration
// (in ks-apiserver: gated, so they wait through a kube-apiserver outage
// instead of backing off), and only they do.
func TestBuildWatchesThroughWatchConfig(t *testing.T) {
	var mu sync.Mutex
	seen := map[string][]string{} // by client: the lists and watches it sent
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Header.Get("X-Client")] = append(seen[r.Header.Get("X-Client")], r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Query().Get("watch") == "true":
			<-r.Context().Done()
		case strings.HasSuffix(r.URL.Path, "/users"):
			_, _ = w.Write([]byte(`{"apiVersion":"iam.kubesphere.io/v1beta1","kind":"UserList","metadata":{"resourceVersion":"1"},"items":[]}`))
		case strings.HasSuffix(r.URL.Path, "/secrets"):
			_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"SecretList","metadata":{"resourceVersion":"1"},"items":[]}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"Status","status":"Failure","reason":"NotFound","code":404}`))
		}
	}))
	defer upstream.Close()
	tagged := func(client string) *rest.Config {
		cfg := &rest.Config{Host: upstream.URL}
		cfg.ContentType = "application/json"
		cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
			return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
				r = r.Clone(r.Context())
				r.Header.Set("X-Client", client)
				return rt.RoundTrip(r)
			})
		})
		return cfg
	}
	o := NewOptions()
	o.BcryptCost = 4
	_, rt, err := o.Build(tagged("direct"), tagged("watch"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := rt.Store.Start(ctx); err != nil {
		t.Fatal(err)
	}
	rt.Users.Start(ctx)
	err = wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		return len(seen["watch"]) >= 2, nil // sessions and users
	})
	mu.Lock()
	defer mu.Unlock()
	if err != nil || len(seen["direct"]) > 0 {
		t.Fatalf("lists and watches: through the watch configuration %v, through the direct one %v; want all through the watch configuration", seen["watch"], seen["direct"])
	}
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
