package oauth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"
)

// recentFailures remembers, for a few seconds and in this process only,
// which (username, password) pairs just failed, so that a client retrying
// the very same attempt (golang.org/x/oauth2 with AuthStyleAutoDetect sends
// every failing token request twice, once per client authentication style)
// is answered the same without hashing again and without counting a second
// failure towards the lockout. Pairs are kept as MACs under a per-process
// random key: nothing derived from a password is stored or shared.
type recentFailures struct {
	mu      sync.Mutex
	key     []byte
	ttl     time.Duration
	entries map[[32]byte]time.Time
}

func newRecentFailures(ttl time.Duration) *recentFailures {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return &recentFailures{key: key, ttl: ttl, entries: map[[32]byte]time.Time{}}
}

func (r *recentFailures) mac(canonical, password string) [32]byte {
	m := hmac.New(sha256.New, r.key)
	m.Write([]byte(canonical))
	m.Write([]byte{0})
	m.Write([]byte(password))
	var out [32]byte
	copy(out[:], m.Sum(nil))
	return out
}

// seen reports whether the pair failed within the TTL.
func (r *recentFailures) seen(canonical, password string, now time.Time) bool {
	k := r.mac(canonical, password)
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.entries[k]
	return ok && now.Sub(t) < r.ttl
}

// add records a failed pair, dropping expired ones when the map grows.
func (r *recentFailures) add(canonical, password string, now time.Time) {
	k := r.mac(canonical, password)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.entries) > 10000 {
		for key, t := range r.entries {
			if now.Sub(t) >= r.ttl {
				delete(r.entries, key)
			}
		}
		if len(r.entries) > 10000 {
			r.entries = map[[32]byte]time.Time{}
		}
	}
	r.entries[k] = now
}
