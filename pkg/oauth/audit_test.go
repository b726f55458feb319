package oauth

import (
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/component-base/metrics/testutil"
	"k8s.io/klog/v2"
)

// fakeHistory collects the login history in memory.
type fakeHistory struct {
	mu      sync.Mutex
	entries []LoginEntry
}

func (f *fakeHistory) Record(_ context.Context, e LoginEntry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.entries = append(f.entries, e)
	return nil
}

func (f *fakeHistory) all() []LoginEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]LoginEntry(nil), f.entries...)
}

// captureLogs sends klog's output at its default verbosity to a buffer for
// the rest of the test.
func captureLogs(t *testing.T) *syncBuffer {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	_ = fs.Set("v", "0")
	_ = fs.Set("logtostderr", "false")
	var out syncBuffer
	klog.SetOutput(&out)
	t.Cleanup(func() {
		_ = fs.Set("logtostderr", "true")
		klog.SetOutput(nil)
	})
	return &out
}

// auditLines are the "Auth audit" lines of the logs that have every one of
// the key="value" pairs given.
func auditLines(logs string, pairs ...string) []string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if !strings.Contains(l, `"Auth audit"`) {
			continue
		}
		ok := true
		for i := 0; i+1 < len(pairs); i += 2 {
			ok = ok && strings.Contains(l, pairs[i]+`="`+pairs[i+1]+`"`)
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}

func tokenCount(t *testing.T, grant, outcome string) float64 {
	t.Helper()
	v, err := testutil.GetCounterMetricValue(tokenRequests.WithLabelValues(grant, outcome))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestAuditAndMetrics runs a user's session through the served handler
// (the one ks-apiserver mounts) and checks that each step moves its series
// by one, logs one audit line at the default verbosity with its outcome,
// records logins of existing accounts, and never logs a credential.
func TestAuditAndMetrics(t *testing.T) {
	RegisterMetrics()
	logs := captureLogs(t)
	history := &fakeHistory{}
	e := newServingEnv(t, ServingLimits{BodyTimeout: 5 * time.Second, MaxInFlight: 100, MaxInFlightPerIP: 100, MaxReviewsInFlight: 100})
	e.srv.cfg.LoginHistory = history
	e.srv.cfg.MaxFailures = 2
	e.srv.lockout.MaxFailures = 2
	c := e.client("h1", "")
	var last map[string]any // the last token response
	post := func(path string, f url.Values, headers ...string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, "https://"+e.addr+path, strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if path == "/oauth/token" && resp.StatusCode == http.StatusOK {
			last = nil
			_ = json.NewDecoder(resp.Body).Decode(&last)
		}
		return resp.StatusCode
	}
	password := func(user, pw string) url.Values {
		return url.Values{"grant_type": {"password"}, "username": {user}, "password": {pw}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}}
	}

	issued, invalid := tokenCount(t, GrantPassword, "issued"), tokenCount(t, GrantPassword, "invalid_grant")
	badClient := tokenCount(t, GrantPassword, "invalid_client")
	if code := post("/oauth/token", password("alice", alicePassword)); code != http.StatusOK {
		t.Fatalf("login: %d", code)
	}
	login := last
	if d := tokenCount(t, GrantPassword, "issued") - issued; d != 1 {
		t.Errorf("a login added %v issued, want 1", d)
	}
	post("/oauth/token", password("alice", "Wrong-Secret-1"))
	if d := tokenCount(t, GrantPassword, "invalid_grant") - invalid; d != 1 {
		t.Errorf("a wrong password added %v invalid_grant, want 1", d)
	}
	post("/oauth/token", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"x"}, "client_id": {"cli"}, "client_secret": {"Wrong-Client-Secret"}})
	if d := tokenCount(t, GrantPassword, "invalid_client") - badClient; d != 1 {
		t.Errorf("a wrong client secret added %v invalid_client, want 1", d)
	}
	// The second failure from this address locks alice out of it: the
	// third attempt is not compared.
	post("/oauth/token", password("alice", "Wrong-Secret-2"))
	post("/oauth/token", password("alice", "Wrong-Secret-4"))
	post("/oauth/token", password("nobody", "Wrong-Secret-3"))

	refresh := login["refresh_token"].(string)
	reuse, _ := testutil.GetCounterMetricValue(refreshReuse)
	post("/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}})
	e.clock.Add(time.Minute)
	post("/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}})
	if v, _ := testutil.GetCounterMetricValue(refreshReuse); v-reuse != 1 {
		t.Errorf("refresh-token reuse counted %v times, want 1", v-reuse)
	}

	// A fresh session (bob's account is disabled, dave logs in) for the
	// webhook, revocation and logout.
	if code := post("/oauth/token", password("dave", "Dave-Pa55word")); code != http.StatusOK {
		t.Fatalf("dave's login: %d", code)
	}
	access := last["access_token"].(string)
	authenticated, _ := testutil.GetCounterMetricValue(tokenReviews.WithLabelValues("authenticated"))
	forbidden, _ := testutil.GetCounterMetricValue(tokenReviews.WithLabelValues("forbidden"))
	reviewBody := review("authentication.k8s.io/v1", access)
	for _, caller := range []string{"kube-apiserver", "someone"} {
		req, _ := http.NewRequest(http.MethodPost, "https://"+e.addr+ReviewPath, strings.NewReader(reviewBody))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Test-User", caller)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if v, _ := testutil.GetCounterMetricValue(tokenReviews.WithLabelValues("authenticated")); v-authenticated != 1 {
		t.Errorf("authenticated reviews +%v, want 1", v-authenticated)
	}
	if v, _ := testutil.GetCounterMetricValue(tokenReviews.WithLabelValues("forbidden")); v-forbidden != 1 {
		t.Errorf("forbidden reviews +%v, want 1", v-forbidden)
	}
	post("/oauth/logout", url.Values{}, "Authorization", "Bearer "+access)
	post("/oauth/revoke", url.Values{"token": {refresh}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}})
	if v, _ := testutil.GetCounterMetricValue(requestsTotal.WithLabelValues("/oauth/logout", "200")); v < 1 {
		t.Errorf("requests to /oauth/logout with 200: %v", v)
	}

	klog.Flush()
	out := logs.String()
	if got := auditLines(out, "event", "token", "user", "alice", "outcome", "invalid_grant", "reason", "wrong password"); len(got) != 2 {
		t.Errorf("audit lines of alice's wrong passwords: %d, want 2", len(got))
	}
	for _, want := range [][]string{
		{"event", "token", "user", "alice", "outcome", "issued", "client", "cli"},
		{"event", "token", "outcome", "invalid_client"},
		{"event", "token", "user", "alice", "outcome", "invalid_grant", "reason", "locked out: too many failed logins"},
		{"event", "lockout", "user", "alice", "scope", "address"},
		{"event", "token", "user", "", "outcome", "invalid_grant", "reason", "unknown user"},
		{"event", "refresh", "user", "alice", "outcome", "issued"},
		{"event", "refresh", "user", "alice", "outcome", "invalid_grant", "reason", "refresh token reuse: the session was ended"},
		{"event", "tokenreview", "user", "dave", "outcome", "authenticated"},
		{"event", "tokenreview", "outcome", "forbidden"},
		{"event", "logout", "user", "dave", "outcome", "logged_out"},
		{"event", "revoke", "client", "cli", "outcome", "ignored"},
	} {
		if got := auditLines(out, want...); len(got) != 1 {
			t.Errorf("audit lines with %q: %d, want 1", want, len(got))
		}
	}
	if strings.Contains(out, "nobody") {
		t.Error("the audit trail names an unknown account as typed")
	}
	for _, s := range []string{alicePassword, "Dave-Pa55word", "s3cr3t", "Wrong-Secret-1", "Wrong-Secret-4", "Wrong-Client-Secret", refresh, access} {
		if strings.Contains(out, s) {
			t.Errorf("logs contain the credential %q", s)
		}
	}

	// Login records: the two successful logins and alice's two counted
	// failures, none for the unknown name or the locked-out attempt.
	var got []LoginEntry
	err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		got = history.all()
		return len(got) >= 4, nil
	})
	if err != nil || len(got) != 4 {
		t.Fatalf("login records: %+v", got)
	}
	succeeded := 0
	for _, r := range got {
		if r.Success {
			succeeded++
		} else if r.User != "alice" || r.Reason != "wrong password" {
			t.Errorf("failed login record %+v, want alice's wrong password", r)
		}
		if r.SourceIP == "" {
			t.Errorf("login record %+v has no source address", r)
		}
	}
	if succeeded != 2 {
		t.Errorf("successful login records: %d, want 2", succeeded)
	}
}
