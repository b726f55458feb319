package kapis_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/kapis"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror/mirrortest"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
	"github.com/ks-apiserver/ks-apiserver/test/fixtures"
)

func fixedHandler(tb testing.TB) http.Handler {
	objects := map[string][]runtime.Object{}
	for i := range 40 {
		objects["pods"] = append(objects["pods"], fixtures.RealisticPod(i))
	}
	for i := range 5 {
		objects["nodes"] = append(objects["nodes"], fixtures.RealisticNode(i))
	}
	return kapis.New(mirrortest.NewCaches(tb, registryresources.All(), objects), nil)
}

// FuzzListHandler sends arbitrary paths, query strings and methods to the
// /kapis handler: it never panics, never answers 5xx, and always answers
// JSON (a list, an object or a Status).
func FuzzListHandler(f *testing.F) {
	for _, seed := range []struct{ path, query, method string }{
		{"/pods", "sortBy=createTime&limit=10", "GET"},
		{"/namespaces/team-001/pods", "page=2&limit=3&sortBy=name&ascending=true", "GET"},
		{"/nodes", "status=running", "GET"},
		{"/nodes/node-0001", "", "GET"},
		{"/namespaces/team-001/pods/missing", "", "GET"},
		{"/namespaces/team-001", "", "GET"},
		{"/namespaces/x/nodes", "", "GET"},
		{"/foos", "", "GET"},
		{"/pods", "labelSelector=a%3D(b", "GET"},
		{"/pods", "limit=abc&page=-1", "GET"},
		{"/pods", "page=9223372036854775807&limit=9223372036854775807", "GET"},
		{"/pods", "", "POST"},
		{"//pods//", "", "GET"},
		{"/namespaces//pods", "", "GET"},
		{"/a/b/c/d/e", "", "GET"},
		{"/users", "email=alice%40example.com", "HEAD"},
	} {
		f.Add(seed.path, seed.query, seed.method)
	}
	h := fixedHandler(f)
	f.Fuzz(func(t *testing.T, path, query, method string) {
		if strings.ContainsAny(method, " \t\r\n") || method == "" {
			method = http.MethodGet
		}
		req, err := http.NewRequest(method, "https://ks"+kapis.Prefix+"/", nil)
		if err != nil {
			return
		}
		req.URL.Path = kapis.Prefix + path
		req.URL.RawQuery = query
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s: %d %s", method, req.URL.Path, query, rec.Code, rec.Body)
		}
		if method != http.MethodHead && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s?%s: %d, not JSON: %.200s", method, req.URL.Path, query, rec.Code, rec.Body)
		}
	})
}
