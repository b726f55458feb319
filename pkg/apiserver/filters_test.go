package apiserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericfilters "k8s.io/apiserver/pkg/server/filters"
)

// One user's long-running requests are capped while they last; other
// users, lists and system:masters are not counted.
func TestLongRunningPerUser(t *testing.T) {
	release := make(chan struct{})
	var started sync.WaitGroup
	h := withLongRunningPerUser(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("watch") == "1" {
			started.Done()
			<-release
		}
	}), 2, genericfilters.BasicLongRunningRequestCheck(sets.NewString("watch"), sets.NewString()))
	serve := func(name, verb string, groups ...string) *httptest.ResponseRecorder {
		path := "/apis/resources.kubesphere.io/v1alpha3/pods"
		if verb == "watch" {
			path += "?watch=1"
		}
		r := httptest.NewRequest(http.MethodGet, path, nil)
		ctx := genericapirequest.WithRequestInfo(r.Context(), &genericapirequest.RequestInfo{IsResourceRequest: true, Verb: verb})
		ctx = genericapirequest.WithUser(ctx, &user.DefaultInfo{Name: name, Groups: groups})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r.WithContext(ctx))
		return rec
	}
	var done sync.WaitGroup
	hold := func(name string, groups ...string) {
		started.Add(1)
		done.Add(1)
		go func() { defer done.Done(); serve(name, "watch", groups...) }()
		started.Wait()
	}
	hold("alice")
	hold("alice")
	if rec := serve("alice", "watch"); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" ||
		!strings.Contains(rec.Body.String(), `"reason":"TooManyRequests"`) {
		t.Fatalf("third watch: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	if rec := serve("alice", "list"); rec.Code != http.StatusOK {
		t.Fatalf("list at the cap: %d", rec.Code)
	}
	hold("bob")
	hold("root", user.SystemPrivilegedGroup)
	hold("root", user.SystemPrivilegedGroup)
	hold("root", user.SystemPrivilegedGroup)
	close(release)
	done.Wait()
	// Ended watches give their places back.
	for range 3 {
		started.Add(1)
		if rec := serve("alice", "watch"); rec.Code != http.StatusOK {
			started.Done()
			t.Fatalf("watch after the others ended: %d %s", rec.Code, rec.Body)
		}
	}
}
