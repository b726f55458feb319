package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// Lockout counts failed logins per canonical username in shared state (the
// Store), so that every replica sees the same count: after MaxFailures in
// Window the name is locked until the oldest counted failure leaves the
// window. Unknown names are counted too, so a lockout does not reveal
// whether an account exists.
type Lockout struct {
	store       Store
	MaxFailures int
	Window      time.Duration
	now         func() time.Time
}

// recordKey is the storage key of a canonical username: a digest, so that
// what was typed (possibly a password pasted in the wrong field) is not
// stored.
func recordKey(canonical string) string {
	sum := sha256.Sum256([]byte("ks-login-record\x00" + canonical))
	return hex.EncodeToString(sum[:16])
}

func (l *Lockout) recent(r *LoginRecord) []time.Time {
	cutoff := l.now().Add(-l.Window)
	var out []time.Time
	for _, t := range r.Failures {
		if t.After(cutoff) {
			out = append(out, t)
		}
	}
	return out
}

// Locked reports whether the name has reached the limit, reading the
// shared count.
func (l *Lockout) Locked(ctx context.Context, canonical string) (bool, error) {
	r, err := l.store.GetLoginRecord(ctx, recordKey(canonical))
	if err != nil {
		return false, err
	}
	return len(l.recent(r)) >= l.MaxFailures, nil
}

// Fail counts one failure and returns the count inside the window.
func (l *Lockout) Fail(ctx context.Context, canonical string) (int, error) {
	key := recordKey(canonical)
	for attempt := 0; attempt < 10; attempt++ {
		r, err := l.store.GetLoginRecord(ctx, key)
		if err != nil {
			return 0, err
		}
		r.Failures = append(l.recent(r), l.now().UTC())
		// The list never needs more than the limit to decide.
		if len(r.Failures) > l.MaxFailures {
			r.Failures = r.Failures[len(r.Failures)-l.MaxFailures:]
		}
		err = l.store.SaveLoginRecord(ctx, r)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return 0, err
		}
		return len(r.Failures), nil
	}
	return 0, errors.New("login record: too many concurrent updates")
}
