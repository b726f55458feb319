package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Lockout counts failed logins in shared state (the Store), so that every
// replica sees the same counts, at two levels: per username and client
// address (MaxFailures), and per username across all addresses
// (MaxPerUser, much higher), so that an attacker from a few addresses
// cannot lock the owner out from the owner's own. A failure slot is
// reserved with a compare-and-swap before the password is compared, so a
// concurrent burst cannot have more guesses checked than the limits allow.
// Unknown names are counted too, so a lockout does not reveal whether an
// account exists.
type Lockout struct {
	store       Store
	MaxFailures int
	MaxPerUser  int
	Window      time.Duration
	now         func() time.Time
	// locks serializes this replica's updates of one record: a burst then
	// costs one store round-trip per attempt instead of a conflict storm.
	locks keyLocks
}

const (
	// reserveAttempts bounds compare-and-swap retries against other
	// replicas; past it the login fails closed with 503.
	reserveAttempts = 20
	// lockWait bounds how long a login queues behind this replica's other
	// attempts on the same name.
	lockWait = 5 * time.Second
)

// errContended means the record kept changing under us.
var errContended = errors.New("login record: too many concurrent updates")

// recordKey is the storage key of a canonical username: a digest, so that
// what was typed (possibly a password pasted in the wrong field) is not
// stored.
func recordKey(canonical string) string {
	sum := sha256.Sum256([]byte("ks-login-record\x00" + canonical))
	return hex.EncodeToString(sum[:16])
}

// LoginRecordSecretName is the name of the Secret, in the OAuth namespace,
// that counts a username's failed logins (deleting it resets the counts).
func LoginRecordSecretName(username string) string {
	return loginRecordPrefix + recordKey(canonicalUsername(username))
}

// sourceKey tags an attempt with its client address as a digest, never the
// address itself, salted with the name so tags do not link users.
func sourceKey(canonical, ip string) string {
	sum := sha256.Sum256([]byte("ks-login-source\x00" + canonical + "\x00" + ip))
	return hex.EncodeToString(sum[:8])
}

// clientIP is the request's TCP peer address; X-Forwarded-For is not
// trusted.
func clientIP(r *http.Request) string {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return ip
}

// Reservation is a failure slot taken before a password is compared. A
// wrong password leaves it in place as the counted failure; Succeeded and
// Cancel give it back.
type Reservation struct {
	l               *Lockout
	key, source, id string
	// Granted is false when a limit is reached: the password must not be
	// compared, and the answer is the one of a wrong password.
	Granted bool
	// UserFailures counts the name's attempts from every address in the
	// window, this one included; SourceFailures those from this address.
	UserFailures, SourceFailures int
}

// Reserve takes a failure slot for the name from ip, unless the name has
// reached MaxFailures from ip or MaxPerUser from all addresses.
func (l *Lockout) Reserve(ctx context.Context, canonical, ip string) (*Reservation, error) {
	res := &Reservation{l: l, key: recordKey(canonical), source: sourceKey(canonical, ip), id: randomID(8)}
	err := l.update(ctx, res.key, func(r *LoginRecord, now time.Time) bool {
		fromSource := 0
		for _, a := range r.Attempts {
			if a.Source == res.source {
				fromSource++
			}
		}
		res.UserFailures = len(r.Attempts)
		if fromSource >= l.MaxFailures || len(r.Attempts) >= l.MaxPerUser {
			res.Granted = false
			return false
		}
		r.Attempts = append(r.Attempts, LoginAttempt{At: now.UTC(), Source: res.source, ID: res.id})
		res.Granted, res.UserFailures, res.SourceFailures = true, len(r.Attempts), fromSource+1
		return true
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Succeeded ends a successful login: the address's count (this slot
// included) starts over; other addresses' failures stay.
func (res *Reservation) Succeeded(ctx context.Context) error {
	return res.l.update(ctx, res.key, func(r *LoginRecord, _ time.Time) bool {
		n := len(r.Attempts)
		r.Attempts = slices.DeleteFunc(r.Attempts, func(a LoginAttempt) bool { return a.Source == res.source })
		return len(r.Attempts) != n
	})
}

// Cancel gives the slot back when the password was never compared (the
// hashing pool was busy).
func (res *Reservation) Cancel(ctx context.Context) error {
	return res.l.update(ctx, res.key, func(r *LoginRecord, _ time.Time) bool {
		n := len(r.Attempts)
		r.Attempts = slices.DeleteFunc(r.Attempts, func(a LoginAttempt) bool { return a.ID == res.id })
		return len(r.Attempts) != n
	})
}

// update applies change to the current record (its attempts already cut to
// the window) and stores it with compare-and-swap, retrying on conflicts
// with other replicas; change returns false when there is nothing to write.
func (l *Lockout) update(ctx context.Context, key string, change func(*LoginRecord, time.Time) bool) error {
	unlock, err := l.locks.lock(ctx, key, lockWait)
	if err != nil {
		return err
	}
	defer unlock()
	for attempt := 0; attempt < reserveAttempts; attempt++ {
		if attempt > 0 {
			// Jittered backoff: replicas that collided do not collide again.
			select {
			case <-time.After(time.Duration(rand.Int64N(int64(attempt)*int64(5*time.Millisecond)) + 1)):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		r, err := l.store.GetLoginRecord(ctx, key)
		if err != nil {
			return err
		}
		now := l.now()
		n := len(r.Attempts)
		r.Attempts = l.recent(r.Attempts, now)
		if !change(r, now) && len(r.Attempts) == n {
			return nil
		}
		err = l.store.SaveLoginRecord(ctx, r)
		if errors.Is(err, ErrConflict) {
			continue
		}
		return err
	}
	return errContended
}

// recent keeps the attempts inside the window, and at most MaxPerUser of
// them (the most that can decide anything).
func (l *Lockout) recent(attempts []LoginAttempt, now time.Time) []LoginAttempt {
	cutoff := now.Add(-l.Window)
	out := slices.DeleteFunc(attempts, func(a LoginAttempt) bool { return !a.At.After(cutoff) })
	if len(out) > l.MaxPerUser {
		out = out[len(out)-l.MaxPerUser:]
	}
	return out
}

// keyLocks is a mutex per key, held while the key is in use.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	ch   chan struct{}
	refs int
}

// lock waits at most wait (or until ctx ends) for key's mutex.
func (k *keyLocks) lock(ctx context.Context, key string, wait time.Duration) (func(), error) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyLock{}
	}
	l := k.m[key]
	if l == nil {
		l = &keyLock{ch: make(chan struct{}, 1)}
		k.m[key] = l
	}
	l.refs++
	k.mu.Unlock()
	release := func() {
		k.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case l.ch <- struct{}{}:
		return func() { <-l.ch; release() }, nil
	case <-timer.C:
		release()
		return nil, errContended
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}
