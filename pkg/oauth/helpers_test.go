package oauth

import (
	"context"
	cryptorand "crypto/rand"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const (
	alicePassword = "Alice-Pa55word"
	testIssuer    = "https://ks.example.com/oauth"
)

// testEnv is a Server over a real TLS listener with in-memory state.
type testEnv struct {
	t      *testing.T
	srv    *Server
	ts     *httptest.Server
	store  *MemoryStore
	users  *MemoryUsers
	clock  *clock
	client *http.Client
}

var hashCache sync.Map

func mustHash(t testing.TB, pw string, cost int) string {
	key := pw + "/" + string(rune('a'+cost))
	if h, ok := hashCache.Load(key); ok {
		return h.(string)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	if err != nil {
		t.Fatal(err)
	}
	hashCache.Store(key, string(h))
	return string(h)
}

func testUser(t testing.TB, name, password string, cost int, state iamv1beta1.UserState, groups ...string) *iamv1beta1.User {
	return &iamv1beta1.User{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name)},
		Spec: iamv1beta1.UserSpec{Email: name + "@example.com", Groups: groups, Lang: "en",
			EncryptedPassword: mustHash(t, password, cost)},
		Status: iamv1beta1.UserStatus{State: state},
	}
}

func testClients(t testing.TB) *Clients {
	clients, err := NewClients([]ClientConfig{
		DefaultClientConfig(),
		{ID: "cli", Secret: "s3cr3t", Grants: []string{GrantPassword, GrantRefreshToken}},
		{ID: "other", Secret: "other-secret", Grants: []string{GrantPassword, GrantRefreshToken}},
		{ID: "my:client", Secret: "p@ss w+rd%", Grants: []string{GrantPassword, GrantRefreshToken}},
		{ID: "refresh-only", Secret: "r", Grants: []string{GrantRefreshToken}},
		{ID: "web", Secret: "web-secret", Grants: []string{GrantPassword, GrantRefreshToken},
			RedirectURIs: []string{"https://console.example.com/logged-out"}, AccessTokenTTL: "10m"},
	}, 2*time.Hour, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return clients
}

func testConfig(t testing.TB, store Store, users Users, c *clock) Config {
	return Config{
		Issuer: testIssuer, Audiences: DefaultAudiences(testIssuer),
		AccessTokenTTL: 2 * time.Hour, RefreshTokenTTL: 24 * time.Hour, IdleTimeout: 4 * time.Hour,
		RefreshGrace: 10 * time.Second, Leeway: 30 * time.Second,
		MaxFailures: 10, LockoutWindow: 10 * time.Minute,
		IPRate: 0, IPBurst: 0, HashWorkers: 4, HashWait: 2 * time.Second, BcryptCost: bcrypt.MinCost,
		Clients: testClients(t), Store: store, Users: users, Now: c.Now,
		AuthorizeReview: func(r *http.Request) bool { return r.Header.Get("X-Test-Reviewer") == "kube-apiserver" },
	}
}

func newTestEnv(t *testing.T, mutate ...func(*Config)) *testEnv {
	t.Helper()
	c := &clock{t: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
	store := NewMemoryStore()
	users := NewMemoryUsers(
		testUser(t, "alice", alicePassword, bcrypt.MinCost, iamv1beta1.UserActive, "developers"),
		testUser(t, "bob", "Bob-Pa55word", bcrypt.MinCost, iamv1beta1.UserDisabled),
		testUser(t, "dave", "Dave-Pa55word", bcrypt.MinCost, ""),
	)
	cfg := testConfig(t, store, users, c)
	for _, m := range mutate {
		m(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	set, err := NewKeySet(c.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.SetKeys(*set); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv.Handler())
	// Handshakes cut short by clients that give up are expected noise here.
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return &testEnv{t: t, srv: srv, ts: ts, store: store, users: users, clock: c, client: ts.Client()}
}

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   map[string]any
}

func (r *response) str(key string) string {
	s, _ := r.JSON[key].(string)
	return s
}

// do sends a request to path with a raw body and headers.
func (e *testEnv) do(method, path, body string, headers ...string) *response {
	e.t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, e.ts.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	out := &response{Status: resp.StatusCode, Header: resp.Header, Body: data}
	_ = json.Unmarshal(data, &out.JSON)
	return out
}

// post sends a form to path.
func (e *testEnv) post(path string, form url.Values, headers ...string) *response {
	e.t.Helper()
	return e.do(http.MethodPost, path, form.Encode(), headers...)
}

// login runs a password grant for alice with the cli client.
func (e *testEnv) login(extra ...string) *response {
	e.t.Helper()
	f := url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePassword},
		"client_id": {"cli"}, "client_secret": {"s3cr3t"}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	r := e.post("/oauth/token", f)
	if r.Status != http.StatusOK && len(extra) == 0 {
		e.t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	return r
}

func (e *testEnv) refresh(token, clientID, secret string, extra ...string) *response {
	e.t.Helper()
	f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}, "client_id": {clientID}, "client_secret": {secret}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return e.post("/oauth/token", f)
}

// expectError checks an RFC 6749 error answer.
func expectError(t *testing.T, r *response, status int, code string) {
	t.Helper()
	if r.Status != status || r.str("error") != code {
		t.Fatalf("want %d %s, got %d %s", status, code, r.Status, r.Body)
	}
	if _, ok := r.JSON["access_token"]; ok {
		t.Fatalf("error answer carries a token: %s", r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error Content-Type %q", ct)
	}
	if r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("Pragma") != "no-cache" {
		t.Fatalf("error without no-store/no-cache: %v", r.Header)
	}
}

func (e *testEnv) verify(token string) error {
	_, err := e.srv.VerifyAccessToken(token, "")
	return err
}

func iamv1beta1UserActive() iamv1beta1.UserState { return iamv1beta1.UserActive }

// randReader is crypto/rand for ecdsa.Sign in tests.
type randReader struct{}

func (randReader) Read(p []byte) (int, error) { return cryptorand.Read(p) }

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

// waitUser waits until the user satisfies cond, for the outcome of a
// background status update, and fails the test naming what after 10s.
func waitUser(t *testing.T, e *testEnv, name, what string, cond func(*iamv1beta1.User) bool) {
	t.Helper()
	var last *iamv1beta1.User
	err := wait.PollUntilContextTimeout(t.Context(), 5*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		u, ok := e.users.User(name)
		last = u
		return ok && cond(u), nil
	})
	if err != nil {
		t.Fatalf("user %s: %s not reached: %+v", name, what, last)
	}
}

// waitUserState waits until the user's status.state is state.
func waitUserState(t *testing.T, e *testEnv, name string, state iamv1beta1.UserState) {
	t.Helper()
	waitUser(t, e, name, "state "+string(state), func(u *iamv1beta1.User) bool { return u.Status.State == state })
}
