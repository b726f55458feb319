package oauth

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apiserver/pkg/authentication/authenticator"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/klog/v2"
)

// ReviewPath is kube-apiserver's TokenReview webhook.
const ReviewPath = "/oauth/authenticate"

// ServingLimits bound what OAuth requests may hold of the server. The OAuth
// endpoints are served outside the generic API chain, so they neither use
// nor exhaust its in-flight limits.
type ServingLimits struct {
	// BodyTimeout is how long a client may take to send a request body; a
	// slower one gets 408 and its connection is closed.
	BodyTimeout time.Duration
	// MaxInFlight bounds concurrent requests to every OAuth path except the
	// TokenReview webhook, and MaxInFlightPerIP those from one client
	// address (an IPv6 /64); 429 with Retry-After beyond either.
	MaxInFlight, MaxInFlightPerIP int
	// MaxReviewsInFlight bounds concurrent TokenReview webhook requests,
	// whose callers are authenticated and authorized before their body is
	// read; 429 with Retry-After beyond it.
	MaxReviewsInFlight int
}

// ServingHandler is Handler behind limits, for mounting outside the
// generic API handler chain: each request first takes a slot of its budget
// (the webhook's own, or the shared one and its address's share), its body
// is read in full under BodyTimeout before a handler runs, and the webhook's
// caller is authenticated with authn and authorized before its body is read.
// The Authorization header reaches the handlers untouched (client_secret_basic,
// bearer tokens on userinfo and logout).
func (s *Server) ServingHandler(limits ServingLimits, authn authenticator.Request, audiences authenticator.Audiences) http.Handler {
	return &servingHandler{
		s: s, limits: limits, authn: authn, audiences: audiences,
		shared:  newBudget(limits.MaxInFlight, limits.MaxInFlightPerIP),
		reviews: newBudget(limits.MaxReviewsInFlight, 0),
	}
}

type servingHandler struct {
	s               *Server
	limits          ServingLimits
	authn           authenticator.Request
	audiences       authenticator.Audiences
	shared, reviews *budget
}

// ServeHTTP serves, counts (metrics) and describes (audit) every request,
// whatever answers it (the limits included).
func (h *servingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	observe(w, r, h.serve)
}

func (h *servingHandler) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == ReviewPath {
		h.serveReview(w, r)
		return
	}
	release, oerr := h.shared.acquire(clientNet(r))
	if oerr != nil {
		rejectBody(w, r)
		writeError(w, oerr)
		return
	}
	defer release()
	if oerr := h.readBody(w, r, maxFormBody); oerr != nil {
		writeError(w, oerr)
		return
	}
	h.s.mux.ServeHTTP(w, r)
}

// serveReview admits a webhook request only from a caller allowed to create
// TokenReviews, before reading its body: an unauthorized one holds a slot
// only as long as authentication and authorization take.
func (h *servingHandler) serveReview(w http.ResponseWriter, r *http.Request) {
	release, oerr := h.reviews.acquire("")
	if oerr != nil {
		rejectBody(w, r)
		writeReviewOAuthError(w, oerr)
		return
	}
	defer release()
	ctx := r.Context()
	if len(h.audiences) > 0 {
		ctx = authenticator.WithAudiences(ctx, h.audiences)
		r = r.WithContext(ctx)
	}
	if h.authn != nil {
		resp, ok, err := h.authn.AuthenticateRequest(r)
		if err != nil {
			klog.V(2).InfoS("TokenReview webhook caller not authenticated", "err", err)
			rejectBody(w, r)
			writeReviewError(w, http.StatusUnauthorized, "the caller's credentials are not valid")
			return
		}
		if ok {
			r = r.WithContext(genericapirequest.WithUser(ctx, resp.User))
		}
	}
	if !h.s.reviewAllowed(r) {
		rejectBody(w, r)
		forbidReview(w)
		return
	}
	if oerr := h.readBody(w, r, maxReviewBody); oerr != nil {
		writeReviewOAuthError(w, oerr)
		return
	}
	h.s.mux.ServeHTTP(w, r)
}

// readBody replaces r.Body with its content, read under BodyTimeout and cut
// at limit+1 bytes (the handlers answer a larger body as too large), so no
// handler waits on the network while it holds a slot.
func (h *servingHandler) readBody(w http.ResponseWriter, r *http.Request, limit int64) *oauthError {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	rc := http.NewResponseController(w)
	deadline := h.limits.BodyTimeout > 0 && rc.SetReadDeadline(time.Now().Add(h.limits.BodyTimeout)) == nil
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		rejectBody(w, r)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return &oauthError{Status: http.StatusRequestTimeout, Code: "invalid_request", Description: "the request body was not received in time"}
		}
		return errInvalidRequest("the request body could not be read")
	}
	if int64(len(body)) > limit {
		// The rest is never read: close rather than drain it.
		rejectBody(w, r)
	} else if deadline {
		// The connection's next requests, or the server's wait for its
		// close, are not this body's business.
		_ = rc.SetReadDeadline(time.Time{})
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return nil
}

// rejectBody asks an HTTP/1 server to close the connection after the answer
// instead of reading what is left of the body (a slow client could hold it
// for ever). HTTP/2 resets just the stream on its own.
func rejectBody(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor == 1 && r.Body != nil && r.Body != http.NoBody {
		w.Header().Set("Connection", "close")
	}
}

// clientNet is the key of the per-address limit: the TCP peer's IP (never
// X-Forwarded-For), IPv6 addresses by their /64, which one host usually holds.
func clientNet(r *http.Request) string {
	host := clientIP(r)
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip.String()
}

// budget is a bound on concurrent requests, in total and per key; it never
// queues: a request beyond it is refused at once.
type budget struct {
	max, perKey int64
	inFlight    atomic.Int64
	mu          sync.Mutex
	byKey       map[string]int64
}

func newBudget(total, perKey int) *budget {
	return &budget{max: int64(total), perKey: int64(perKey), byKey: map[string]int64{}}
}

// acquire takes a slot for key ("" for none) and returns its release, or
// the 429 to answer.
func (b *budget) acquire(key string) (func(), *oauthError) {
	if b.perKey > 0 && key != "" {
		b.mu.Lock()
		if b.byKey[key] >= b.perKey {
			b.mu.Unlock()
			return nil, errTooManyInFlight("too many concurrent requests from this address, retry later")
		}
		b.byKey[key]++
		b.mu.Unlock()
	}
	releaseKey := func() {
		if b.perKey > 0 && key != "" {
			b.mu.Lock()
			if b.byKey[key]--; b.byKey[key] <= 0 {
				delete(b.byKey, key)
			}
			b.mu.Unlock()
		}
	}
	if b.max > 0 && b.inFlight.Add(1) > b.max {
		b.inFlight.Add(-1)
		releaseKey()
		return nil, errTooManyInFlight("too many concurrent requests, retry later")
	}
	return func() {
		if b.max > 0 {
			b.inFlight.Add(-1)
		}
		releaseKey()
	}, nil
}

func errTooManyInFlight(desc string) *oauthError {
	return &oauthError{Status: http.StatusTooManyRequests, Code: "temporarily_unavailable", Description: desc, RetryAfter: 1}
}
