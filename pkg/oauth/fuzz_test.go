package oauth

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
