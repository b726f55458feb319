package apiserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestInsecureHandler(t *testing.T) {
	var reached *http.Request
	h := InsecureHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = r }))
	cases := []struct {
		path, auth string
		want       int // 0: passed on to the full chain
	}{
		{"/oauth/token", "", 0},
		{"/.well-known/openid-configuration", "", 0},
		{"/healthz", "", 0},
		{"/readyz/oauth", "", 0},
		{"/kapis/resources.kubesphere.io/v1alpha3/nodes", "Bearer abc", 0},
		{"/kapis/resources.kubesphere.io/v1alpha3/nodes", "bearer abc", 0},
		{"/kapis/resources.kubesphere.io/v1alpha3/nodes", "", http.StatusUnauthorized},
		{"/kapis/resources.kubesphere.io/v1alpha3/nodes", "Bearer ", http.StatusUnauthorized},
		{"/kapis/resources.kubesphere.io/v1alpha3/nodes", "Basic YTpi", http.StatusUnauthorized},
		{"/apis/resources.kubesphere.io/v1alpha3/nodes", "Bearer abc", http.StatusNotFound},
		{"/readyzz", "", http.StatusNotFound},
		{"/kapis", "Bearer abc", http.StatusNotFound},
		{"/metrics", "", http.StatusNotFound},
		{"/", "", http.StatusNotFound},
	}
	for _, c := range cases {
		reached = nil
		req := httptest.NewRequest(http.MethodGet, c.path, nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		req.Header.Set("X-Remote-User", "admin")
		req.Header.Set("X-Remote-Extra-Scopes", "all")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch {
		case c.want == 0 && reached == nil:
			t.Errorf("%s %q: not served (%d)", c.path, c.auth, rec.Code)
		case c.want == 0 && (reached.Header.Get("X-Remote-User") != "" || reached.Header.Get("X-Remote-Extra-Scopes") != ""):
			t.Errorf("%s: front-proxy headers reach the chain", c.path)
		case c.want != 0 && (reached != nil || rec.Code != c.want || !strings.Contains(rec.Body.String(), `"kind":"Status"`)):
			t.Errorf("%s %q: %d %s, want a %d Status", c.path, c.auth, rec.Code, rec.Body, c.want)
		}
	}
}

func TestCloseOnShutdown(t *testing.T) {
	down := make(chan struct{})
	h := withCloseOnShutdown(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), down)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Header().Get("Connection") != "" {
		t.Error("Connection: close before shutdown")
	}
	close(down)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Header().Get("Connection") != "close" {
		t.Error("no Connection: close once shutting down")
	}
}
