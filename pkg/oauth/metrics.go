package oauth

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
)

// The OAuth server's metrics. The /oauth paths are served outside the
// generic API chain, so k8s.io/apiserver's request metrics never see them:
// these count them. Labels are bounded (a known path or "other", a status
// code, a grant, an outcome); never a user, client address or token.
var (
	requestsTotal = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "oauth_requests_total",
		Help:           "Requests to the OAuth endpoints, by path (a served path, or other) and HTTP status code.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"path", "code"})
	requestDuration = metrics.NewHistogramVec(&metrics.HistogramOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "oauth_request_duration_seconds",
		Help:           "Time to answer a request to the OAuth endpoints, by path.",
		Buckets:        metrics.ExponentialBuckets(0.001, 2.5, 10),
		StabilityLevel: metrics.ALPHA,
	}, []string{"path"})
	tokenRequests = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "oauth_token_requests_total",
		Help: "Token endpoint requests by grant (password, refresh_token, other) and outcome: issued, an RFC 6749 error code " +
			"(invalid_grant, invalid_client, ...), throttled (the per-address limit), hash_pool_full (no password worker free), unavailable.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"grant", "outcome"})
	hashQueue = metrics.NewGauge(&metrics.GaugeOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "oauth_password_hash_waiting",
		Help:           "Password checks waiting for a bcrypt worker.",
		StabilityLevel: metrics.ALPHA,
	})
	hashWait = metrics.NewHistogram(&metrics.HistogramOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "oauth_password_hash_wait_seconds",
		Help:           "Time a password check waited for a bcrypt worker (0 when one was free).",
		Buckets:        metrics.ExponentialBuckets(0.001, 2.5, 10),
		StabilityLevel: metrics.ALPHA,
	})
	refreshReuse = metrics.NewCounter(&metrics.CounterOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "oauth_refresh_token_reuse_total",
		Help:           "Refresh tokens presented again after rotation; each ended its session.",
		StabilityLevel: metrics.ALPHA,
	})
	keyRotations = metrics.NewCounter(&metrics.CounterOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "oauth_signing_key_rotations_total",
		Help:           "Rotations of the OAuth signing keys made by this replica (the leader).",
		StabilityLevel: metrics.ALPHA,
	})
	tokenReviews = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "oauth_tokenreviews_total",
		Help:           "TokenReview webhook answers by outcome: authenticated, unauthenticated (the token is not valid for the audiences), forbidden (the caller may not review tokens), error (a malformed request).",
		StabilityLevel: metrics.ALPHA,
	}, []string{"outcome"})
	tokenReviewDuration = metrics.NewHistogram(&metrics.HistogramOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "oauth_tokenreview_duration_seconds",
		Help:           "Time to answer a TokenReview webhook request.",
		Buckets:        metrics.ExponentialBuckets(0.0001, 4, 10),
		StabilityLevel: metrics.ALPHA,
	})
	// The gauges below read the state of the runtime Run started last
	// (there is one per process).
	lockedUsers = metrics.NewGaugeFunc(&metrics.GaugeOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "oauth_locked_users",
		Help:           "Users locked out of every address (status AuthLimitExceeded) whose lock has not expired.",
		StabilityLevel: metrics.ALPHA,
	}, func() float64 { return observed(func(rt *Runtime) float64 { return float64(rt.lockedUsers()) }) })
	sessionsAlive = metrics.NewGaugeFunc(&metrics.GaugeOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "oauth_sessions",
		Help:           "Sessions alive (logged-in refresh tokens) in this replica's watch of them.",
		StabilityLevel: metrics.ALPHA,
	}, func() float64 {
		return observed(func(rt *Runtime) float64 { return float64(len(rt.Store.CachedSessions())) })
	})

	registerOnce sync.Once
	current      atomic.Pointer[Runtime]
)

// RegisterMetrics registers the OAuth server's metrics in the legacy
// registry that the generic server serves on /metrics.
func RegisterMetrics() {
	registerOnce.Do(func() {
		legacyregistry.MustRegister(requestsTotal, requestDuration, tokenRequests, hashQueue, hashWait,
			refreshReuse, keyRotations, tokenReviews, tokenReviewDuration)
		legacyregistry.RawMustRegister(lockedUsers, sessionsAlive)
	})
}

func observed(f func(*Runtime) float64) float64 {
	if rt := current.Load(); rt != nil {
		return f(rt)
	}
	return 0
}

// lockedUsers counts the users whose AuthLimitExceeded lock still holds.
func (rt *Runtime) lockedUsers() int {
	now := rt.Server.now()
	n := 0
	for _, obj := range rt.Users.informer.GetStore().List() {
		if u, ok := obj.(*iamv1beta1.User); ok && u.Status.State == iamv1beta1.UserAuthLimitExceeded && !rt.Server.userMayLogin(u, now) {
			n++
		}
	}
	return n
}

// metricPaths are the path label values: the server's routes; anything
// else is "other", so a scan of random paths adds no series.
var metricPaths = map[string]bool{
	"/oauth/token": true, "/oauth/revoke": true, "/oauth/introspect": true, "/oauth/keys": true,
	"/oauth/userinfo": true, "/oauth/logout": true, ReviewPath: true, "/oauth/authorize": true,
	"/.well-known/openid-configuration": true, "/oauth/.well-known/openid-configuration": true,
	"/.well-known/oauth-authorization-server": true,
}

func metricPath(p string) string {
	if metricPaths[p] {
		return p
	}
	return "other"
}

// observe serves a request with serve, then counts it by path and code and
// writes its audit line.
func observe(w http.ResponseWriter, r *http.Request, serve http.HandlerFunc) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
	ev := &authEvent{}
	r = r.WithContext(context.WithValue(r.Context(), authEventKey{}, ev))
	serve(rec, r)
	took := time.Since(start).Seconds()
	path := metricPath(r.URL.Path)
	requestsTotal.WithLabelValues(path, codeLabel(rec.code)).Inc()
	requestDuration.WithLabelValues(path).Observe(took)
	if r.URL.Path == ReviewPath {
		ev.kind = auditTokenReview
		if ev.outcome == "" {
			ev.outcome = reviewOutcomeOfCode(rec.code)
		}
		tokenReviews.WithLabelValues(ev.outcome).Inc()
		tokenReviewDuration.Observe(took)
	}
	audit(r, ev, rec.code)
}

// statusRecorder remembers the status code written through it.
type statusRecorder struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.code, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (read deadlines
// of request bodies).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// reviewOutcomeOfCode is the outcome of a TokenReview request that got no
// answer about its token.
func reviewOutcomeOfCode(code int) string {
	switch code {
	case http.StatusUnauthorized, http.StatusForbidden:
		return "forbidden"
	case http.StatusTooManyRequests:
		return "throttled"
	}
	return "error"
}

func codeLabel(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	return strconv.Itoa(code)
}
