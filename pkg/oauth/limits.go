package oauth

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// ipLimiter is a token bucket per client IP, taken before any password is
// hashed and on every failed client authentication: one address cannot
// spray passwords across many accounts or guess client secrets quickly. The
// key is the TCP peer address; X-Forwarded-For is not trusted.
type ipLimiter struct {
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	rate    rate.Limit
	burst   int
	max     int
}

func newIPLimiter(perSecond float64, burst int) *ipLimiter {
	return &ipLimiter{buckets: map[string]*rate.Limiter{}, rate: rate.Limit(perSecond), burst: burst, max: 100000}
}

// allow takes one token for the request's peer; the second result is how
// long to wait when refused.
func (l *ipLimiter) allow(r *http.Request) (bool, time.Duration) {
	if l.rate <= 0 {
		return true, 0
	}
	ip := clientIP(r)
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[ip]
	if !ok {
		if len(l.buckets) >= l.max {
			// Forget addresses whose bucket has refilled: they lose nothing.
			for k, v := range l.buckets {
				if v.TokensAt(now) >= float64(l.burst) {
					delete(l.buckets, k)
				}
			}
		}
		b = rate.NewLimiter(l.rate, l.burst)
		l.buckets[ip] = b
	}
	res := b.ReserveN(now, 1)
	if delay := res.DelayFrom(now); delay > 0 {
		res.CancelAt(now)
		return false, delay
	}
	return true, 0
}

// errBusy means every hashing worker is busy and the queue is full or the
// wait too long: answer 503 with Retry-After, never queue without bound.
var errBusy = errors.New("password hashing pool busy")

// hashPool bounds concurrent password hashing (bcrypt is CPU-bound, about
// 60 ms per check at cost 10) so a flood of logins cannot starve the other
// requests: at most workers hashes run, at most maxWaiting wait, each for
// at most wait.
type hashPool struct {
	slots      chan struct{}
	waiting    atomic.Int64
	maxWaiting int64
	wait       time.Duration
}

func newHashPool(workers int, wait time.Duration) *hashPool {
	if workers < 1 {
		workers = 1
	}
	return &hashPool{slots: make(chan struct{}, workers), maxWaiting: int64(4 * workers), wait: wait}
}

// do runs f in a worker slot, or returns errBusy.
func (p *hashPool) do(ctx context.Context, f func()) error {
	select {
	case p.slots <- struct{}{}:
		hashWait.Observe(0)
	default:
		if p.waiting.Add(1) > p.maxWaiting {
			p.waiting.Add(-1)
			return errBusy
		}
		hashQueue.Inc()
		start := time.Now()
		timer := time.NewTimer(p.wait)
		select {
		case p.slots <- struct{}{}:
			timer.Stop()
			p.waiting.Add(-1)
			hashQueue.Dec()
			hashWait.Observe(time.Since(start).Seconds())
		case <-timer.C:
			p.waiting.Add(-1)
			hashQueue.Dec()
			return errBusy
		case <-ctx.Done():
			timer.Stop()
			p.waiting.Add(-1)
			hashQueue.Dec()
			return errBusy
		}
	}
	defer func() { <-p.slots }()
	f()
	return nil
}
