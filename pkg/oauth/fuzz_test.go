package oauth

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
)

// FuzzTokenEndpoint feeds arbitrary bodies, content types and
// Authorization headers to /oauth/token: the answer is always a well-formed
// RFC 6749 JSON error or success with no-store headers, never a 5xx other
// than 503, never a panic.
func FuzzTokenEndpoint(f *testing.F) {
	seeds := []struct{ body, ct, auth string }{
		{"grant_type=password&username=alice&password=" + alicePassword + "&client_id=cli&client_secret=s3cr3t", "application/x-www-form-urlencoded", ""},
		{"grant_type=password&username=alice&password=x", "application/x-www-form-urlencoded", "Basic Y2xpOnMzY3IzdA=="},
		{"grant_type=refresh_token&refresh_token=00000000000000000000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&client_id=cli&client_secret=s3cr3t", "application/x-www-form-urlencoded", ""},
		{"grant_type=password&grant_type=password", "application/x-www-form-urlencoded", ""},
		{`{"grant_type":"password"}`, "application/json", ""},
		{"%zz=%", "application/x-www-form-urlencoded; charset=utf-8", "basic !!!"},
		{"grant_type=password&username=\xff&password=\x00", "application/x-www-form-urlencoded", "Bearer x"},
		{"scope=openid%20admin&grant_type=password&username=a&password=b&client_id=cli&client_secret=s3cr3t", "application/x-www-form-urlencoded", ""},
	}
	for _, s := range seeds {
		f.Add(s.body, s.ct, s.auth)
	}
	var e *testEnv
	f.Fuzz(func(t *testing.T, body, ct, auth string) {
		if e == nil {
			e = newTestEnv(t)
		}
		req := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		e.srv.Handler().ServeHTTP(rec, req)
		if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		if rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("Pragma") != "no-cache" {
			t.Fatalf("no-store missing for %q", body)
		}
		var out map[string]any
		if err := json.NewDecoder(bytes.NewReader(rec.Body.Bytes())).Decode(&out); err != nil {
			t.Fatalf("not JSON: %q", rec.Body.String())
		}
		if rec.Code == http.StatusOK {
			if out["access_token"] == nil {
				t.Fatalf("200 without a token: %s", rec.Body)
			}
		} else if s, _ := out["error"].(string); s == "" {
			t.Fatalf("error without code: %s", rec.Body)
		}
	})
}

// FuzzTokenReview feeds arbitrary bodies to the TokenReview webhook through
// ServingHandler, with a caller allowed to review ("$TOKEN" in a body
// stands for a valid access token): never a panic or a 5xx, and 200 only
// for a well-formed TokenReview of authentication.k8s.io/v1 or v1beta1,
// answered in the version it was asked.
func FuzzTokenReview(f *testing.F) {
	for _, seed := range []string{
		`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"$TOKEN"}}`,
		`{"apiVersion":"authentication.k8s.io/v1beta1","kind":"TokenReview","spec":{"token":"$TOKEN","audiences":["https://kubernetes.default.svc"]}}`,
		`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"$TOKEN","audiences":["other"]}}`,
		`{"apiVersion":"authentication.k8s.io/v2","kind":"TokenReview","spec":{"token":"x"}}`,
		`{"apiVersion":"authentication.k8s.io/v1","kind":"SubjectAccessReview"}`,
		`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":7}}`,
		`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":null,"status":{"authenticated":true}}`,
		`[]`, `null`, `not json`, "",
	} {
		f.Add(seed)
	}
	var (
		e     *testEnv
		h     http.Handler
		token string
	)
	f.Fuzz(func(t *testing.T, body string) {
		if e == nil {
			e = newTestEnv(t, func(c *Config) { c.AuthorizeReview = func(*http.Request) bool { return true } })
			h = e.srv.ServingHandler(ServingLimits{BodyTimeout: time.Second, MaxInFlight: 10, MaxInFlightPerIP: 10, MaxReviewsInFlight: 10}, nil, nil)
			token = e.login().str("access_token")
		}
		body = strings.ReplaceAll(body, "$TOKEN", token)
		req := httptest.NewRequest(http.MethodPost, ReviewPath, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		var in authenticationv1.TokenReview
		wellFormed := len(body) <= maxReviewBody && json.Unmarshal([]byte(body), &in) == nil && in.Kind == "TokenReview" &&
			(in.APIVersion == "authentication.k8s.io/v1" || in.APIVersion == "authentication.k8s.io/v1beta1")
		if (rec.Code == http.StatusOK) != wellFormed {
			t.Fatalf("status %d for %q (well-formed: %v): %s", rec.Code, body, wellFormed, rec.Body)
		}
		if rec.Code != http.StatusOK {
			return
		}
		var out authenticationv1.TokenReview
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Kind != "TokenReview" || out.APIVersion != in.APIVersion ||
			out.Status.Error != "" {
			t.Fatalf("answer to %q: %s", body, rec.Body)
		}
		if out.Status.Authenticated && (out.Status.User.Username != "alice" || in.Spec.Token != token) {
			t.Fatalf("authenticated %q for %q", out.Status.User.Username, body)
		}
	})
}
