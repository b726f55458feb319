package oauth

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
	"k8s.io/klog/v2"
)

const (
	// freshTokenWindow: a verified token whose session is not in the watch
	// cache is looked up in the store only if it was issued this recently
	// (its session may still be on its way through the watch); older ones
	// are refused from the cache alone.
	freshTokenWindow = time.Minute
	// sessionLoadTimeout bounds that lookup.
	sessionLoadTimeout = 2 * time.Second
	// maxRememberedMisses bounds the memory of sessions found missing.
	maxRememberedMisses = 10000
)

// sessionLoader finds the session of a fresh token that another replica
// issued before this replica's watch delivered the session. Lookups are
// bounded: only for tokens whose signature and claims verified, issued
// within freshTokenWindow; one at a time per session id; and a session
// found missing (revoked, logged out) is not looked up again while its
// tokens could still be fresh.
type sessionLoader struct {
	store  Store
	group  singleflight.Group
	mu     sync.Mutex
	misses map[string]time.Time // session id -> until
}

func newSessionLoader(store Store) *sessionLoader {
	return &sessionLoader{store: store, misses: map[string]time.Time{}}
}

// load returns the session id of a token issued at issuedAt, from the store.
func (l *sessionLoader) load(id string, issuedAt, now time.Time) (*Session, bool) {
	if now.Sub(issuedAt) > freshTokenWindow || !validSessionID(id) {
		return nil, false
	}
	l.mu.Lock()
	until, missed := l.misses[id]
	l.mu.Unlock()
	if missed && now.Before(until) {
		return nil, false
	}
	v, err, _ := l.group.Do(id, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.Background(), sessionLoadTimeout)
		defer cancel()
		s, err := l.store.LoadSession(ctx, id)
		if errors.Is(err, ErrNotFound) {
			l.miss(id, now)
		}
		return s, err
	})
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			klog.ErrorS(err, "Reading a session missing from the watch cache", "session", id)
		}
		return nil, false
	}
	return v.(*Session), true
}

// miss remembers a missing session for as long as its tokens could be
// fresh enough to be looked up.
func (l *sessionLoader) miss(id string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.misses) >= maxRememberedMisses {
		for k, until := range l.misses {
			if !now.Before(until) {
				delete(l.misses, k)
			}
		}
		if len(l.misses) >= maxRememberedMisses {
			l.misses = map[string]time.Time{}
		}
	}
	l.misses[id] = now.Add(freshTokenWindow)
}

// validSessionID: 32 lower-case hex digits, as randomID(16) makes.
func validSessionID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range id {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
