package oauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// from returns a client of e's server whose connections come from ip (any
// 127.0.0.x works on Linux), so the server sees that client address.
func (e *testEnv) from(ip string) *testEnv {
	tr := e.ts.Client().Transport.(*http.Transport).Clone()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr.DialContext = d.DialContext
	c := *e
	c.client = &http.Client{Transport: tr}
	e.t.Cleanup(tr.CloseIdleConnections)
	return &c
}

func (e *testEnv) password(user, password string) *response {
	e.t.Helper()
	return e.post("/oauth/token", url.Values{"grant_type": {"password"}, "username": {user}, "password": {password},
		"client_id": {"cli"}, "client_secret": {"s3cr3t"}})
}

// countingCompare replaces the server's bcrypt comparison: it counts the
// comparisons, and those of passwords starting with "burst-" wait for the
// gate (if any) to open.
type countingCompare struct {
	compared atomic.Int32
	waiting  atomic.Int32
	gate     chan struct{}
}

func (c *countingCompare) compare(hash, pw []byte) error {
	c.compared.Add(1)
	if c.gate != nil && strings.HasPrefix(string(pw), "burst-") {
		c.waiting.Add(1)
		<-c.gate
		c.waiting.Add(-1)
	}
	return bcrypt.CompareHashAndPassword(hash, pw)
}

// Issue 9 item 3: the lockout was read before hashing and counted after,
// so a concurrent burst was hashed in full (9 failures, then 9 wrong and
// the right password at once: the right one won on guess 19 with a limit
// of 10). A slot is now reserved before the comparison.
func TestLockoutBurstNeverComparesMoreThanTheLimit(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.HashWorkers, c.HashWait = 64, 10*time.Second })
	cc := &countingCompare{gate: make(chan struct{})}
	e.srv.compare = cc.compare
	for i := 0; i < 9; i++ {
		expectError(t, e.password("alice", fmt.Sprint("wrong-", i)), http.StatusBadRequest, "invalid_grant")
	}

	// The burst's comparisons are held until the right password was tried.
	var answered atomic.Int32
	answers := make(chan *response, 9)
	for i := 0; i < 9; i++ {
		go func() {
			r := e.password("alice", fmt.Sprint("burst-", i))
			answered.Add(1)
			answers <- r
		}()
	}
	// Wait until every burst request was refused or is being compared.
	deadline := time.Now().Add(10 * time.Second)
	for answered.Load()+cc.waiting.Load() < 9 {
		if time.Now().After(deadline) {
			t.Fatalf("burst stuck: %d answered, %d comparing", answered.Load(), cc.waiting.Load())
		}
		time.Sleep(time.Millisecond)
	}
	right := e.password("alice", alicePassword)
	close(cc.gate)
	for i := 0; i < 9; i++ {
		expectError(t, <-answers, http.StatusBadRequest, "invalid_grant")
	}
	if right.Status == http.StatusOK {
		t.Fatalf("the right password was accepted as guess %d with a limit of 10", cc.compared.Load())
	}
	expectError(t, right, http.StatusBadRequest, "invalid_grant")
	if n := cc.compared.Load(); n != 10 {
		t.Fatalf("%d passwords compared with a limit of 10", n)
	}

	// A bigger burst on a fresh name: never more than the limit compared,
	// and every answer is the one of a wrong password (no 500, no 503).
	cc.compared.Store(0)
	var wg sync.WaitGroup
	statuses := make(chan string, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.password("dave", fmt.Sprint("burst-", i))
			statuses <- fmt.Sprint(r.Status, " ", r.str("error"))
		}()
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != "400 invalid_grant" {
			t.Fatalf("burst answer %s", s)
		}
	}
	if n := cc.compared.Load(); n > 10 {
		t.Fatalf("%d of a burst of 50 passwords compared with a limit of 10", n)
	}
	expectError(t, e.password("dave", "Dave-Pa55word"), http.StatusBadRequest, "invalid_grant")
}

// Issue 9 item 4: failures count per (name, client address) with
// MaxFailures and per name with the much higher MaxFailuresPerUser, so an
// attacker cannot lock the owner out from the owner's own address; a
// success clears its address's count.
func TestLockoutPerAddressAndPerUser(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.MaxFailures, c.MaxFailuresPerUser = 3, 8 })
	owner, attacker := e.from("127.0.0.1"), e.from("127.0.0.2")
	for i := 0; i < 3; i++ {
		expectError(t, attacker.password("alice", fmt.Sprint("guess-", i)), http.StatusBadRequest, "invalid_grant")
	}
	expectError(t, attacker.password("alice", alicePassword), http.StatusBadRequest, "invalid_grant")
	if r := owner.password("alice", alicePassword); r.Status != http.StatusOK {
		t.Fatalf("the owner is locked out by another address's failures: %d %s", r.Status, r.Body)
	}

	// A success from an address clears that address's count.
	typo := e.from("127.0.0.3")
	for round := 0; round < 3; round++ {
		for i := 0; i < 2; i++ {
			expectError(t, typo.password("alice", fmt.Sprint("typo-", round, i)), http.StatusBadRequest, "invalid_grant")
		}
		if r := typo.password("alice", alicePassword); r.Status != http.StatusOK {
			t.Fatalf("round %d: a success did not clear the address's count: %d %s", round, r.Status, r.Body)
		}
	}

	// The per-user ceiling (8) counts every address: 3 from .2 so far, then
	// 3 from .4 and 2 from .5 lock the name everywhere.
	for i := 0; i < 3; i++ {
		e.from("127.0.0.4").password("alice", fmt.Sprint("four-", i))
	}
	if u, _ := e.users.User("alice"); u.Status.State == "AuthLimitExceeded" {
		t.Fatal("AuthLimitExceeded before the per-user limit")
	}
	for i := 0; i < 2; i++ {
		e.from("127.0.0.5").password("alice", fmt.Sprint("five-", i))
	}
	for _, ip := range []string{"127.0.0.1", "127.0.0.6"} {
		expectError(t, e.from(ip).password("alice", alicePassword), http.StatusBadRequest, "invalid_grant")
	}
	waitFor(t, "the User's status shows the lockout", func() bool {
		u, _ := e.users.User("alice")
		return u.Status.State == "AuthLimitExceeded"
	})
	r, _ := e.store.GetLoginRecord(t.Context(), recordKey("alice"))
	if len(r.Attempts) != 8 {
		t.Fatalf("the record holds %d attempts, want the 8 counted", len(r.Attempts))
	}
	e.clock.Add(11 * time.Minute)
	if r := owner.password("alice", alicePassword); r.Status != http.StatusOK {
		t.Fatalf("after the window: %d %s", r.Status, r.Body)
	}
}

// A reservation that cannot be stored is no reason to compare a password:
// the login fails closed with 503; conflicts with other replicas are
// retried.
func TestLockoutStorageErrorsFailClosed(t *testing.T) {
	store := &flakyRecords{MemoryStore: NewMemoryStore()}
	e := newTestEnv(t, func(c *Config) { c.Store = store })
	cc := &countingCompare{}
	e.srv.compare = cc.compare

	store.conflicts.Store(5) // another replica wins five times
	if r := e.password("alice", alicePassword); r.Status != http.StatusOK {
		t.Fatalf("after conflicts: %d %s", r.Status, r.Body)
	}
	store.conflicts.Store(1000)
	r := e.password("alice", alicePassword)
	expectError(t, r, http.StatusServiceUnavailable, "temporarily_unavailable")
	store.conflicts.Store(0)
	store.fail.Store(true)
	expectError(t, e.password("alice", alicePassword), http.StatusServiceUnavailable, "temporarily_unavailable")
	if n := cc.compared.Load(); n != 1 {
		t.Fatalf("%d passwords compared, want only the one with a slot", n)
	}
}

// flakyRecords is a MemoryStore whose login-record writes conflict a given
// number of times, or whose record reads fail.
type flakyRecords struct {
	*MemoryStore
	conflicts atomic.Int32
	fail      atomic.Bool
}

func (f *flakyRecords) GetLoginRecord(ctx context.Context, key string) (*LoginRecord, error) {
	if f.fail.Load() {
		return nil, errors.New("kube-apiserver unavailable")
	}
	return f.MemoryStore.GetLoginRecord(ctx, key)
}

func (f *flakyRecords) SaveLoginRecord(ctx context.Context, r *LoginRecord) error {
	if f.conflicts.Add(-1) >= 0 {
		return ErrConflict
	}
	f.conflicts.Store(0)
	return f.MemoryStore.SaveLoginRecord(ctx, r)
}

// waitFor polls cond for up to 5 s (background status updates).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
