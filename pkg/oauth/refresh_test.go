package oauth

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
)

func TestR30_MissingRefreshToken(t *testing.T) {
	e := newTestEnv(t)
	expectError(t, e.refresh("", "cli", "s3cr3t"), http.StatusBadRequest, "invalid_request")
}

// Attack case 30: rotation; the new token differs and works.
func TestR30_RefreshRotates(t *testing.T) {
	e := newTestEnv(t)
	first := e.login()
	r := e.refresh(first.str("refresh_token"), "cli", "s3cr3t")
	if r.Status != http.StatusOK || r.str("refresh_token") == first.str("refresh_token") || r.str("refresh_token") == "" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if err := e.verify(r.str("access_token")); err != nil {
		t.Fatal(err)
	}
	if r2 := e.refresh(r.str("refresh_token"), "cli", "s3cr3t"); r2.Status != http.StatusOK {
		t.Fatalf("second rotation: %d %s", r2.Status, r2.Body)
	}
}

// Attack case 33: refresh with another client's credentials.
func TestR31_RefreshTokenBoundToClient(t *testing.T) {
	e := newTestEnv(t)
	first := e.login()
	expectError(t, e.refresh(first.str("refresh_token"), "other", "other-secret"), http.StatusBadRequest, "invalid_grant")
	// The rightful client still can.
	if r := e.refresh(first.str("refresh_token"), "cli", "s3cr3t"); r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}

// Attack cases 34, 36: garbage, access and ID tokens, expired sessions.
func TestR32_InvalidExpiredRevokedRefreshTokens(t *testing.T) {
	e := newTestEnv(t)
	login := e.login("scope", "openid")
	rt := login.str("refresh_token")
	for _, bad := range []string{"garbage", rt[:len(rt)-1], rt + "A", strings.Repeat("0", 32) + "." + strings.Repeat("A", 43),
		login.str("access_token"), login.str("id_token")} {
		expectError(t, e.refresh(bad, "cli", "s3cr3t"), http.StatusBadRequest, "invalid_grant")
	}
	// Idle timeout.
	e.clock.Add(4*time.Hour + time.Minute)
	expectError(t, e.refresh(rt, "cli", "s3cr3t"), http.StatusBadRequest, "invalid_grant")
	// Absolute lifetime, refreshing regularly.
	e2 := newTestEnv(t)
	rt = e2.login().str("refresh_token")
	for i := 0; i < 8; i++ {
		e2.clock.Add(3 * time.Hour)
		r := e2.refresh(rt, "cli", "s3cr3t")
		if i < 7 {
			if r.Status != http.StatusOK {
				t.Fatalf("refresh %d: %d %s", i, r.Status, r.Body)
			}
			rt = r.str("refresh_token")
			continue
		}
		expectError(t, r, http.StatusBadRequest, "invalid_grant")
	}
}

// Attack case 35.
func TestR33_R34_ScopeOnRefresh(t *testing.T) {
	e := newTestEnv(t)
	login := e.login("scope", "openid email")
	expectError(t, e.refresh(login.str("refresh_token"), "cli", "s3cr3t", "scope", "openid profile"), http.StatusBadRequest, "invalid_scope")
	narrow := e.refresh(login.str("refresh_token"), "cli", "s3cr3t", "scope", "openid")
	if narrow.Status != http.StatusOK || narrow.str("scope") != "openid" {
		t.Fatalf("%d %s", narrow.Status, narrow.Body)
	}
	// The new refresh token keeps the original scope.
	again := e.refresh(narrow.str("refresh_token"), "cli", "s3cr3t")
	if again.str("scope") != "openid email" {
		t.Fatalf("scope after narrowing: %q", again.str("scope"))
	}
}

// R35, attack case 31: reuse outside the grace window ends the session,
// including its newest refresh token and its access tokens.
func TestR35_ReuseRevokesTheSession(t *testing.T) {
	e := newTestEnv(t)
	login := e.login()
	next := e.refresh(login.str("refresh_token"), "cli", "s3cr3t")
	e.clock.Add(11 * time.Second)
	expectError(t, e.refresh(login.str("refresh_token"), "cli", "s3cr3t"), http.StatusBadRequest, "invalid_grant")
	expectError(t, e.refresh(next.str("refresh_token"), "cli", "s3cr3t"), http.StatusBadRequest, "invalid_grant")
	if e.verify(next.str("access_token")) == nil || e.verify(login.str("access_token")) == nil {
		t.Fatal("access tokens of a revoked session still verify")
	}
	// An older ancestor (not just the previous one) counts as reuse too.
	e2 := newTestEnv(t)
	t0 := e2.login().str("refresh_token")
	t1 := e2.refresh(t0, "cli", "s3cr3t").str("refresh_token")
	t2 := e2.refresh(t1, "cli", "s3cr3t").str("refresh_token")
	e2.refresh(t2, "cli", "s3cr3t")
	expectError(t, e2.refresh(t0, "cli", "s3cr3t"), http.StatusBadRequest, "invalid_grant")
	if len(e2.store.CachedSessions()) != 0 {
		t.Fatal("session survived the reuse of an ancestor")
	}
}

// R35, attack case 32: within the grace window the same old token yields
// the same successor (a lost response can be retried), and 20 concurrent
// refreshes of one token produce exactly one successor.
func TestR35_GraceWindowReturnsTheSameSuccessor(t *testing.T) {
	e := newTestEnv(t)
	login := e.login()
	a := e.refresh(login.str("refresh_token"), "cli", "s3cr3t")
	e.clock.Add(5 * time.Second)
	b := e.refresh(login.str("refresh_token"), "cli", "s3cr3t")
	if b.Status != http.StatusOK || a.str("refresh_token") != b.str("refresh_token") {
		t.Fatalf("retry in grace: %d %s", b.Status, b.Body)
	}
	if c := e.refresh(b.str("refresh_token"), "cli", "s3cr3t"); c.Status != http.StatusOK {
		t.Fatalf("successor after grace retry: %d %s", c.Status, c.Body)
	}

	e2 := newTestEnv(t)
	rt := e2.login().str("refresh_token")
	var wg sync.WaitGroup
	results := make(chan string, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e2.refresh(rt, "cli", "s3cr3t")
			if r.Status == http.StatusOK {
				results <- r.str("refresh_token")
			} else {
				results <- "error: " + string(r.Body)
			}
		}()
	}
	wg.Wait()
	close(results)
	seen := map[string]int{}
	for r := range results {
		seen[r]++
	}
	if len(seen) != 1 {
		t.Fatalf("concurrent refreshes gave %d different answers: %v", len(seen), seen)
	}
	for r := range seen {
		if strings.HasPrefix(r, "error: ") {
			t.Fatalf("all 20 concurrent refreshes failed alike: %s", r)
		}
	}
}

// Attack case 37: account deleted, disabled, password changed.
func TestR35_SessionEndsWithTheAccount(t *testing.T) {
	for name, change := range map[string]func(e *testEnv){
		"disabled": func(e *testEnv) {
			u, _ := e.users.User("alice")
			u.Status.State = iamv1beta1.UserDisabled
			e.users.Put(u)
		},
		"deleted": func(e *testEnv) { e.users.Delete("alice") },
		"recreated": func(e *testEnv) {
			u, _ := e.users.User("alice")
			u.UID = "a-new-uid"
			e.users.Put(u)
		},
		"password changed": func(e *testEnv) {
			u, _ := e.users.User("alice")
			u.Spec.EncryptedPassword = mustHash(t, "New-Pa55word", 4)
			e.users.Put(u)
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := newTestEnv(t)
			login := e.login()
			change(e)
			if e.verify(login.str("access_token")) == nil {
				t.Fatal("access token still verifies")
			}
			expectError(t, e.refresh(login.str("refresh_token"), "cli", "s3cr3t"), http.StatusBadRequest, "invalid_grant")
		})
	}
}

// Attack case 39: two logins are two independent sessions.
func TestR35_TwoDevicesHaveIndependentFamilies(t *testing.T) {
	e := newTestEnv(t)
	a, b := e.login(), e.login()
	e.clock.Add(time.Minute)
	e.refresh(a.str("refresh_token"), "cli", "s3cr3t")
	e.refresh(a.str("refresh_token"), "cli", "s3cr3t") // reuse: ends a's session only
	if r := e.refresh(b.str("refresh_token"), "cli", "s3cr3t"); r.Status != http.StatusOK {
		t.Fatalf("the other device was logged out: %d %s", r.Status, r.Body)
	}
}

// Attack case 40: storage holds no raw token.
func TestR48_RefreshTokensStoredOnlyAsHashes(t *testing.T) {
	e := newTestEnv(t)
	login := e.login()
	next := e.refresh(login.str("refresh_token"), "cli", "s3cr3t")
	if next.Status != http.StatusOK {
		t.Fatalf("refresh: %d %s", next.Status, next.Body)
	}
	raws := e.store.RawSessions()
	if len(raws) == 0 {
		t.Fatal("the store holds no session: nothing was checked")
	}
	for _, raw := range raws {
		for _, tok := range []string{login.str("refresh_token"), next.str("refresh_token"), login.str("access_token")} {
			_, secret, _ := strings.Cut(tok, ".")
			if strings.Contains(string(raw), secret) {
				t.Fatalf("a token is stored in clear: %s", raw)
			}
		}
	}
}
