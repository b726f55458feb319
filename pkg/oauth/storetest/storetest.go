// Package storetest is the conformance suite of oauth.Store: the same
// checks run against the in-memory store (unit tests) and the Secret-backed
// store on a real kube-apiserver (end-to-end tests), so both keep the
// semantics the token endpoint relies on: compare-and-swap updates, a
// source-of-truth read, and deletions that reach every replica's cache.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"testing"
	"time"

	"github.com/ks-apiserver/ks-apiserver/pkg/oauth"
)

// Run runs the suite. a and b are two views of one backend (two replicas);
// for a single-process store they may be the same value. prefix makes the
// ids of this run unique.
func Run(t *testing.T, a, b oauth.Store, prefix string) {
	ctx := context.Background()
	// Ids are 32 hex digits like real session ids: a digest of prefix, then n.
	h := fnv.New64a()
	h.Write([]byte(prefix))
	run := h.Sum64()
	id := func(n int) string { return fmt.Sprintf("%016x%016x", run, n) }
	now := time.Now().UTC().Truncate(time.Second)
	newSession := func(n int) *oauth.Session {
		return &oauth.Session{ID: id(n), User: "alice", UserUID: "uid", PasswordFingerprint: "fp", ClientID: "cli",
			Scope: []string{"openid"}, CreatedAt: now, LastRefresh: now, ExpiresAt: now.Add(time.Hour), RefreshHash: "h0"}
	}

	t.Run("create, get, create again", func(t *testing.T) {
		s := newSession(1)
		if err := a.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		if s.Version == "" {
			t.Fatal("no version after create")
		}
		got, err := b.GetSession(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != s.ID || got.User != "alice" || got.RefreshHash != "h0" || got.Version != s.Version || !got.ExpiresAt.Equal(s.ExpiresAt) || len(got.Scope) != 1 {
			t.Fatalf("read back %+v, wrote %+v", got, s)
		}
		if err := a.CreateSession(ctx, newSession(1)); err == nil {
			t.Fatal("a second session with the same id was created")
		}
		if _, err := a.GetSession(ctx, id(999)); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("missing session: %v", err)
		}
	})

	t.Run("compare-and-swap update", func(t *testing.T) {
		s := newSession(2)
		if err := a.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		stale := *s
		s.RefreshHash = "h1"
		if err := b.UpdateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		stale.RefreshHash = "other"
		if err := a.UpdateSession(ctx, &stale); !errors.Is(err, oauth.ErrConflict) {
			t.Fatalf("stale update: %v", err)
		}
		got, _ := a.GetSession(ctx, s.ID)
		if got.RefreshHash != "h1" {
			t.Fatalf("hash %q after a lost race", got.RefreshHash)
		}
		// Concurrent rotations from both views: exactly one wins per version.
		var wins sync.Map
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				store := []oauth.Store{a, b}[i%2]
				c := *got
				c.RefreshHash = fmt.Sprint("h2-", i)
				if store.UpdateSession(ctx, &c) == nil {
					wins.Store(i, true)
				}
			}()
		}
		wg.Wait()
		n := 0
		wins.Range(func(any, any) bool { n++; return true })
		if n != 1 {
			t.Fatalf("%d concurrent updates of one version succeeded", n)
		}
	})

	t.Run("delete reaches the other replica's cache", func(t *testing.T) {
		s := newSession(3)
		if err := a.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		if !eventually(func() bool { _, ok := b.CachedSession(s.ID); return ok }) {
			t.Fatal("the other replica never saw the session")
		}
		if err := a.DeleteSession(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		if _, ok := a.CachedSession(s.ID); ok {
			t.Fatal("the deleting replica still has the session")
		}
		start := time.Now()
		if !eventually(func() bool { _, ok := b.CachedSession(s.ID); return !ok }) {
			t.Fatalf("the other replica still has the session %v after the deletion", bound)
		}
		t.Logf("the deletion reached the other replica's cache in %v", time.Since(start).Round(time.Millisecond))
		if _, err := b.GetSession(ctx, s.ID); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("deleted session: %v", err)
		}
		if err := b.DeleteSession(ctx, s.ID); err != nil {
			t.Fatalf("deleting twice: %v", err)
		}
	})

	t.Run("a created session is cached at once on its replica", func(t *testing.T) {
		for n := 10; n < 20; n++ {
			s := newSession(n)
			if err := a.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
			// No waiting: a token is handed out right after CreateSession.
			if got, ok := a.CachedSession(s.ID); !ok || got.User != "alice" {
				t.Fatalf("session %d not in the creating replica's cache", n)
			}
		}
	})

	t.Run("LoadSession finds what the watch has not delivered yet", func(t *testing.T) {
		s := newSession(20)
		if err := a.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		got, err := b.LoadSession(ctx, s.ID)
		if err != nil || got.ID != s.ID || got.User != "alice" {
			t.Fatalf("LoadSession: %+v %v", got, err)
		}
		if _, ok := b.CachedSession(s.ID); !ok {
			t.Fatal("a loaded session is not cached")
		}
		if _, err := b.LoadSession(ctx, id(998)); !errors.Is(err, oauth.ErrNotFound) {
			t.Fatalf("missing session: %v", err)
		}
	})

	t.Run("a deleted session never comes back", func(t *testing.T) {
		var ids []string
		for n := 30; n < 40; n++ {
			s := newSession(n)
			if err := a.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
			// Deleted before the watch delivered its creation, on the other
			// replica, which may load it again afterwards.
			if err := b.DeleteSession(ctx, s.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := b.LoadSession(ctx, s.ID); !errors.Is(err, oauth.ErrNotFound) {
				t.Fatalf("LoadSession of a deleted session: %v", err)
			}
			ids = append(ids, s.ID)
		}
		// Late watch events (the creations) must not bring any back, on
		// either replica, once the deletion reached it.
		if !eventually(func() bool {
			for _, id := range ids {
				for _, store := range []oauth.Store{a, b} {
					if _, ok := store.CachedSession(id); ok {
						return false
					}
				}
			}
			return true
		}) {
			t.Fatal("deleted sessions still cached")
		}
		deadline := time.Now().Add(500 * time.Millisecond)
		for time.Now().Before(deadline) {
			for _, id := range ids {
				if _, ok := b.CachedSession(id); ok {
					t.Fatal("a late event brought a deleted session back on the deleting replica")
				}
				if _, err := a.LoadSession(ctx, id); !errors.Is(err, oauth.ErrNotFound) {
					t.Fatalf("LoadSession of a deleted session: %v", err)
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
	})

	t.Run("login records count every failure", func(t *testing.T) {
		key := id(7)
		r, err := a.GetLoginRecord(ctx, key)
		if err != nil || r.Version != "" || len(r.Attempts) != 0 {
			t.Fatalf("missing record: %+v %v", r, err)
		}
		var wg sync.WaitGroup
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				store := []oauth.Store{a, b}[i%2]
				for {
					r, err := store.GetLoginRecord(ctx, key)
					if err != nil {
						t.Error(err)
						return
					}
					r.Attempts = append(r.Attempts, oauth.LoginAttempt{At: time.Now().UTC(), Source: "s", ID: fmt.Sprint(i)})
					err = store.SaveLoginRecord(ctx, r)
					if errors.Is(err, oauth.ErrConflict) {
						continue
					}
					if err != nil {
						t.Error(err)
					}
					return
				}
			}()
		}
		wg.Wait()
		r, err = b.GetLoginRecord(ctx, key)
		if err != nil || len(r.Attempts) != 10 {
			t.Fatalf("%d of 10 failures recorded (%v)", len(r.Attempts), err)
		}
		stale := &oauth.LoginRecord{Key: key}
		if err := a.SaveLoginRecord(ctx, stale); !errors.Is(err, oauth.ErrConflict) {
			t.Fatalf("creating an existing record: %v", err)
		}
	})
}

// bound is how long a change may take to reach the other replica's cache:
// generous for a loaded machine (the design's figure is a watch round-trip,
// which the tests log as measured).
const bound = 30 * time.Second

// eventually reports whether cond holds within bound.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(bound)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}
