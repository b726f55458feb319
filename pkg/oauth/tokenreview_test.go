package oauth

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// decodeStatus reads a webhook error answer as kube-apiserver's webhook
// client does: a JSON metav1.Status turned into an API error.
func decodeStatus(t *testing.T, what string, resp *http.Response, wantCode int) error {
	t.Helper()
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var st metav1.Status
	if err := json.Unmarshal(body, &st); err != nil || resp.StatusCode != wantCode ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
		st.Kind != "Status" || st.APIVersion != "v1" || st.Status != metav1.StatusFailure || int(st.Code) != wantCode || st.Message == "" {
		t.Fatalf("%s: %d %q %s, want a %d Status", what, resp.StatusCode, resp.Header.Get("Content-Type"), body, wantCode)
	}
	return apierrors.FromObject(&st)
}

// The TokenReview webhook answers every error as a Kubernetes Status with
// the reason kube-apiserver's client classifies it by; a token it does not
// accept is still 200 authenticated:false.
func TestTokenReviewErrorsAreStatus(t *testing.T) {
	const timeout = 400 * time.Millisecond
	e := newServingEnv(t, ServingLimits{BodyTimeout: timeout, MaxInFlight: 10, MaxInFlightPerIP: 10, MaxReviewsInFlight: 10})
	tok := e.testEnv.login().str("access_token")
	call := func(method, user, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, e.ts.URL+ReviewPath, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Test-User", user)
		resp, err := e.client("h2", "127.0.0.1").Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	for _, c := range []struct {
		name, method, user, body string
		code                     int
		is                       func(error) bool
	}{
		{"GET", http.MethodGet, "kube-apiserver", "", http.StatusMethodNotAllowed, apierrors.IsMethodNotSupported},
		{"anonymous", http.MethodPost, "", review("authentication.k8s.io/v1", tok), http.StatusForbidden, apierrors.IsForbidden},
		{"another user", http.MethodPost, "alice", review("authentication.k8s.io/v1", tok), http.StatusForbidden, apierrors.IsForbidden},
		{"bad credentials", http.MethodPost, "bad", review("authentication.k8s.io/v1", tok), http.StatusUnauthorized, apierrors.IsUnauthorized},
		{"not JSON", http.MethodPost, "kube-apiserver", "not json", http.StatusBadRequest, apierrors.IsBadRequest},
		{"another kind", http.MethodPost, "kube-apiserver", `{"apiVersion":"authentication.k8s.io/v1","kind":"SubjectAccessReview"}`, http.StatusBadRequest, apierrors.IsBadRequest},
		{"over 1 MiB", http.MethodPost, "kube-apiserver", review("authentication.k8s.io/v1", strings.Repeat("a", 2<<20)), http.StatusRequestEntityTooLarge, apierrors.IsRequestEntityTooLargeError},
	} {
		resp := call(c.method, c.user, c.body)
		if c.code == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != http.MethodPost {
			t.Errorf("%s: Allow %q", c.name, resp.Header.Get("Allow"))
		}
		if err := decodeStatus(t, c.name, resp, c.code); !c.is(err) {
			t.Errorf("%s: %v (reason %q) is not classified as a %d", c.name, err, apierrors.ReasonForError(err), c.code)
		}
	}

	// A slow body: 408, a Timeout kube-apiserver retries.
	conn, br := e.slowPost(t, "127.0.0.1", ReviewPath, "kube-apiserver")
	_ = conn.SetReadDeadline(time.Now().Add(timeout + 5*time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := decodeStatus(t, "slow body", resp, http.StatusRequestTimeout); !apierrors.IsTimeout(err) {
		t.Errorf("slow body: %v is not a Timeout", err)
	}

	// A bad token is no error.
	resp = call(http.MethodPost, "kube-apiserver", review("authentication.k8s.io/v1", "not-a-token"))
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"kind":"TokenReview"`) || strings.Contains(string(body), `"authenticated":true`) {
		t.Fatalf("bad token: %d %s", resp.StatusCode, body)
	}
}

// Over the webhook's budget: 429 as a Status whose details carry the
// Retry-After, which client-go reads from the Status, not the header.
func TestTokenReviewTooManyIsStatus(t *testing.T) {
	e := newServingEnv(t, ServingLimits{BodyTimeout: time.Minute, MaxInFlight: 10, MaxInFlightPerIP: 10, MaxReviewsInFlight: 1})
	e.slowPost(t, "127.0.0.1", ReviewPath, "kube-apiserver")
	e.waitInFlight(t, e.h.reviews, 1)
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+ReviewPath, strings.NewReader(review("authentication.k8s.io/v1", "x")))
	req.Header.Set("X-Test-User", "kube-apiserver")
	resp, err := e.client("h1", "127.0.0.1").Do(req)
	if err != nil {
		t.Fatal(err)
	}
	retryAfter := resp.Header.Get("Retry-After")
	err = decodeStatus(t, "over the budget", resp, http.StatusTooManyRequests)
	if delay, ok := apierrors.SuggestsClientDelay(err); !apierrors.IsTooManyRequests(err) || !ok || delay != 1 || retryAfter != "1" {
		t.Fatalf("over the budget: %v, delay %d %v, Retry-After %q", err, delay, ok, retryAfter)
	}
}
