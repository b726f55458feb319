package oauth

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// laggingCache is another replica's view of a MemoryStore: its watch cache
// holds only what was loaded (the watch has not delivered anything yet),
// and it counts the reads LoadSession makes.
type laggingCache struct {
	*MemoryStore
	mu     sync.Mutex
	cached map[string]*Session
	loads  atomic.Int32
	hold   chan struct{} // when set, loads wait for it
}

func (l *laggingCache) CachedSession(id string) (*Session, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.cached[id]
	return s, ok
}

func (l *laggingCache) LoadSession(ctx context.Context, id string) (*Session, error) {
	l.loads.Add(1)
	if l.hold != nil {
		<-l.hold
	}
	s, err := l.MemoryStore.GetSession(ctx, id)
	if err == nil {
		l.mu.Lock()
		l.cached[id] = s
		l.mu.Unlock()
	}
	return s, err
}

// Issue 9 item 6: a token issued by one replica is accepted by another
// before that replica's watch delivered the session, through a bounded
// lookup: only for fresh tokens, once per session at a time, and a missing
// session is not looked up again.
func TestFreshTokenAcceptedBeforeTheWatchDeliversItsSession(t *testing.T) {
	a := newTestEnv(t)
	view := &laggingCache{MemoryStore: a.store, cached: map[string]*Session{}}
	b, err := New(testConfig(t, view, a.users, a.clock))
	if err != nil {
		t.Fatal(err)
	}
	b.keys.Store(a.srv.keys.Load())

	tok := a.login().str("access_token")
	if _, err := b.VerifyAccessToken(tok, ""); err != nil {
		t.Fatalf("a fresh token from another replica: %v", err)
	}
	if _, err := b.VerifyAccessToken(tok, ""); err != nil || view.loads.Load() != 1 {
		t.Fatalf("second check: %v after %d loads, want 1 (the session is cached now)", err, view.loads.Load())
	}

	// Concurrent first uses of one fresh token read the session once.
	view.loads.Store(0)
	view.hold = make(chan struct{})
	tok = a.login().str("access_token")
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := b.VerifyAccessToken(tok, "")
			errs <- err
		}()
	}
	waitFor(t, "a load started", func() bool { return view.loads.Load() > 0 })
	time.Sleep(20 * time.Millisecond) // let the others queue behind it
	close(view.hold)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := view.loads.Load(); n != 1 {
		t.Fatalf("%d loads for one session", n)
	}
	view.hold = nil

	// A revoked session (a logout on A) is read once, then refused from memory.
	view.loads.Store(0)
	tok = a.login().str("access_token")
	if r := a.do(http.MethodGet, "/oauth/logout", "", "Authorization", "Bearer "+tok); r.Status >= 400 {
		t.Fatalf("logout: %d %s", r.Status, r.Body)
	}
	for i := 0; i < 50; i++ {
		if _, err := b.VerifyAccessToken(tok, ""); err == nil {
			t.Fatal("a logged-out token was accepted")
		}
	}
	if n := view.loads.Load(); n != 1 {
		t.Fatalf("%d loads for a revoked session, want 1", n)
	}

	// A token older than the window whose session is not cached is refused
	// without a read (the watch would have delivered a live session).
	view.loads.Store(0)
	tok = a.login().str("access_token")
	a.clock.Add(2 * freshTokenWindow)
	if _, err := b.VerifyAccessToken(tok, ""); err == nil {
		t.Fatal("an old token with no cached session was accepted")
	}
	if n := view.loads.Load(); n != 0 {
		t.Fatalf("%d loads for an old token", n)
	}
}
