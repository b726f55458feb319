// Package oauth is ks-apiserver's OAuth 2.0 authorization server: the token
// endpoint (password and refresh_token grants), revocation, introspection,
// discovery, JWKS, userinfo, logout and the TokenReview webhook for
// kube-apiserver, plus the bearer-token authenticator for ks-apiserver's own
// routes. It is a plain http.Handler mounted on ks-apiserver's secure port.
//
// Access tokens are ES256 JWTs (RFC 9068) checked locally; refresh tokens are
// opaque and stored as hashes in sessions. Sessions, failed-login counts and
// signing keys live in kube-apiserver (Secrets), so replicas agree.
package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
)

// Config is what a Server needs.
type Config struct {
	// Issuer is the "iss" of every token and the base of discovery URLs: an
	// https URL without query or fragment, identical on every replica.
	Issuer string
	// Audiences are the "aud" of access tokens; the first is ks-apiserver's
	// own (checked on its routes), the others are for kube-apiserver's
	// TokenReview webhook (its --api-audiences).
	Audiences []string
	// AccessTokenTTL and RefreshTokenTTL are defaults for clients that set
	// none; IdleTimeout ends a session not refreshed for that long.
	AccessTokenTTL, RefreshTokenTTL, IdleTimeout time.Duration
	// RefreshGrace is how long a rotated refresh token still yields its
	// (same) successor, for clients that lost a response.
	RefreshGrace time.Duration
	// Leeway is the clock skew tolerated on exp, iat and nbf (≤ 60 s).
	Leeway time.Duration
	// MaxFailures failed logins in LockoutWindow lock a username for one
	// client address; MaxFailuresPerUser (zero: ten times MaxFailures) from
	// all addresses lock it everywhere.
	MaxFailures        int
	MaxFailuresPerUser int
	LockoutWindow      time.Duration
	// IPRate (per second) and IPBurst limit password attempts and failed
	// client authentications per client IP; IPRate 0 disables the limit.
	IPRate  float64
	IPBurst int
	// HashWorkers bound concurrent password checks; a request waits at most
	// HashWait for one.
	HashWorkers int
	HashWait    time.Duration
	// BcryptCost is the cost of hashes made from plaintext passwords and of
	// the dummy hash unknown users are checked against; cheaper hashes are
	// checked for the same work and rehashed on login.
	BcryptCost int
	// UsernamePrefix and GroupsPrefix are put before the account's name and
	// groups wherever the token is the identity (ks-apiserver's own routes
	// and TokenReview answers); empty means none. See validatePrefix.
	UsernamePrefix, GroupsPrefix string

	Clients *Clients
	Store   Store
	Users   Users
	// LoginHistory keeps a record of each password login of an existing
	// account (kubectl get loginrecords); nil keeps none.
	LoginHistory LoginHistory
	// AuthorizeReview decides whether the caller of /oauth/authenticate
	// (kube-apiserver's webhook client) may review tokens; nil denies all.
	AuthorizeReview func(*http.Request) bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server is the OAuth server. Build it with New.
type Server struct {
	cfg       Config
	keys      atomic.Pointer[keyRing]
	lockout   *Lockout
	ips       *ipLimiter
	pool      *hashPool
	retries   *recentFailures
	loader    *sessionLoader
	dummyHash []byte
	// padHashes[c] is a dummy hash of cost c, below the configured one.
	padHashes [][]byte
	// rehashing holds the names whose password is being rehashed.
	rehashing sync.Map
	// compare is bcrypt.CompareHashAndPassword; tests observe which hashes
	// are compared.
	compare func(hash, password []byte) error
	mux     *http.ServeMux
	now     func() time.Time
}

// New builds a server; it serves 503 on endpoints that need keys until
// SetKeys (or a key store) provides them.
func New(cfg Config) (*Server, error) {
	if cfg.Clients == nil || cfg.Store == nil || cfg.Users == nil {
		return nil, errors.New("oauth: clients, store and users are required")
	}
	if len(cfg.Audiences) == 0 {
		return nil, errors.New("oauth: at least one audience is required")
	}
	if err := checkAudiences(cfg.Audiences, cfg.Clients); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxFailuresPerUser == 0 {
		cfg.MaxFailuresPerUser = 10 * cfg.MaxFailures
	}
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = bcrypt.DefaultCost
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte(randomID(16)), cfg.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("dummy hash: %w", err)
	}
	pads, err := newPadHashes(cfg.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("dummy hash: %w", err)
	}
	s := &Server{
		cfg:       cfg,
		padHashes: pads,
		lockout:   &Lockout{store: cfg.Store, MaxFailures: cfg.MaxFailures, MaxPerUser: cfg.MaxFailuresPerUser, Window: cfg.LockoutWindow, now: cfg.Now},
		ips:       newIPLimiter(cfg.IPRate, cfg.IPBurst),
		pool:      newHashPool(cfg.HashWorkers, cfg.HashWait),
		retries:   newRecentFailures(5 * time.Second),
		loader:    newSessionLoader(cfg.Store),
		dummyHash: dummy,
		compare:   bcrypt.CompareHashAndPassword,
		now:       cfg.Now,
	}
	s.routes()
	return s, nil
}

// SetKeys replaces the signing keys (all replicas load the same set).
func (s *Server) SetKeys(set KeySet) error {
	ring, err := newKeyRing(set)
	if err != nil {
		return err
	}
	s.keys.Store(ring)
	return nil
}

// HasKeys reports whether signing keys are loaded.
func (s *Server) HasKeys() bool { return s.keys.Load() != nil }

// Handler returns the HTTP handler of every OAuth path.
func (s *Server) Handler() http.Handler { return s.mux }

// Paths are the URL paths (or prefixes ending in "/") the handler serves.
var Paths = []string{"/oauth/", "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server/"}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("/oauth/token", s.token)
	m.HandleFunc("/oauth/revoke", s.revoke)
	m.HandleFunc("/oauth/introspect", s.introspect)
	m.HandleFunc("/oauth/keys", s.jwks)
	m.HandleFunc("/oauth/userinfo", s.userinfo)
	m.HandleFunc("/oauth/logout", s.logout)
	m.HandleFunc("/oauth/authenticate", s.tokenReview)
	m.HandleFunc("/oauth/authorize", func(w http.ResponseWriter, _ *http.Request) {
		// Advertised because OIDC discovery clients require the field; no
		// browser flow is served.
		writeError(w, &oauthError{Status: http.StatusBadRequest, Code: "unsupported_response_type",
			Description: "only the password and refresh_token grants at the token endpoint are supported"})
	})
	m.HandleFunc("/.well-known/openid-configuration", s.discovery)
	m.HandleFunc("/oauth/.well-known/openid-configuration", s.discovery)
	m.HandleFunc("/.well-known/oauth-authorization-server", s.discovery)
	m.HandleFunc("/.well-known/oauth-authorization-server/", s.discovery)
	m.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		noStore(w)
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "invalid_request", "error_description": "no such OAuth endpoint"})
	})
	s.mux = m
}

// Identity is a verified access token: its account and session.
type Identity struct {
	User     *iamv1beta1.User
	Session  *Session
	ClientID string
	Scope    string
	Audience []string
	Expiry   time.Time
	// Username and groups are what Kubernetes sees: the account's name and
	// groups with the configured prefixes, without reserved groups.
	Username string
	groups   []string
}

// Groups are the identity's groups as Kubernetes sees them (a new slice):
// the account's groups with the groups prefix, never a system: group.
func (id *Identity) Groups() []string { return slices.Clone(id.groups) }

// identity is the Identity of a verified session of user.
func (s *Server) identity(user *iamv1beta1.User, session *Session) *Identity {
	return &Identity{
		User: user, Session: session, ClientID: session.ClientID,
		Username: s.cfg.UsernamePrefix + user.Name, groups: issuableGroups(user.Spec.Groups, s.cfg.GroupsPrefix),
	}
}

// VerifyAccessToken checks an access token for audience aud (empty means
// ks-apiserver's own): signature with a published key, type at+jwt,
// issuer, audience, times, and that its session is alive and still matches
// the account (same UID and password, not disabled). It needs no request
// to kube-apiserver, except for a token issued within the last minute whose
// session the watch has not delivered yet (see sessionLoader). Errors say
// nothing about which check failed.
func (s *Server) VerifyAccessToken(token, aud string) (*Identity, error) {
	ring := s.keys.Load()
	if ring == nil {
		return nil, errInvalidToken
	}
	if aud == "" {
		aud = s.cfg.Audiences[0]
	}
	now := s.now()
	jwt, err := verifyJWT(token, func(kid string) (*ecdsaPublicKey, bool) { return ring.verifier(kid, now) })
	if err != nil {
		return nil, errInvalidToken
	}
	claims, err := verifyAccessClaims(jwt, s.cfg.Issuer, aud, now, s.cfg.Leeway)
	if err != nil {
		return nil, err
	}
	session, ok := s.cfg.Store.CachedSession(claims.SessionID)
	if !ok {
		// Issued by another replica a moment ago: the watch may not have
		// delivered the session yet.
		session, ok = s.loader.load(claims.SessionID, time.Unix(claims.IssuedAt, 0), now)
	}
	if !ok || session.User != claims.Subject || session.ClientID != claims.ClientID {
		return nil, errInvalidToken
	}
	user, ok := s.sessionUser(session)
	if !ok || !now.Before(session.ExpiresAt.Add(s.cfg.Leeway)) {
		return nil, errInvalidToken
	}
	id := s.identity(user, session)
	id.ClientID, id.Scope, id.Audience, id.Expiry = claims.ClientID, claims.Scope, claims.Audience, time.Unix(claims.Expiry, 0)
	return id, nil
}

// sessionUser returns the session's account if the session still belongs
// to it: same UID (not deleted and recreated), same password, not disabled.
func (s *Server) sessionUser(session *Session) (*iamv1beta1.User, bool) {
	user, ok := s.cfg.Users.User(session.User)
	if !ok || string(user.UID) != session.UserUID || user.Status.State == iamv1beta1.UserDisabled ||
		credentialFingerprint(user) != session.PasswordFingerprint {
		return nil, false
	}
	return user, true
}

// sessionValid is sessionUser plus the session's own expiry.
func (s *Server) sessionValid(session *Session, now time.Time) (*iamv1beta1.User, bool) {
	if !now.Before(session.ExpiresAt) || !now.Before(session.LastRefresh.Add(s.cfg.IdleTimeout)) {
		return nil, false
	}
	return s.sessionUser(session)
}

// endSession deletes a session; the deletion reaches every replica's watch.
func (s *Server) endSession(ctx context.Context, id string) error {
	return s.cfg.Store.DeleteSession(ctx, id)
}

func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// oauthError is an RFC 6749 §5.2 error. Descriptions are fixed strings:
// they never echo input and never say which credential check failed.
type oauthError struct {
	Status      int    `json:"-"`
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
	// RetryAfter sets Retry-After (seconds) when positive.
	RetryAfter int `json:"-"`
	// Basic asks for WWW-Authenticate: Basic (client used HTTP Basic).
	Basic bool `json:"-"`
}

func (e *oauthError) Error() string { return e.Code }

func writeError(w http.ResponseWriter, e *oauthError) {
	noStore(w)
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(e.RetryAfter))
	}
	if e.Status == http.StatusUnauthorized {
		if e.Basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="oauth"`)
		} else if e.Code == "invalid_client" {
			w.Header().Set("WWW-Authenticate", `Basic realm="oauth"`)
		}
	}
	writeJSON(w, e.Status, e)
}

func errInvalidRequest(desc string) *oauthError {
	return &oauthError{Status: http.StatusBadRequest, Code: "invalid_request", Description: desc}
}

// errBadCredentials is the one answer to every failed password login:
// unknown user, wrong password, disabled or locked account.
func errBadCredentials() *oauthError {
	return &oauthError{Status: http.StatusBadRequest, Code: "invalid_grant", Description: "invalid username or password"}
}

func errInvalidGrant() *oauthError {
	return &oauthError{Status: http.StatusBadRequest, Code: "invalid_grant", Description: "the refresh token is invalid, expired or revoked"}
}

func errUnavailable(retry int) *oauthError {
	return &oauthError{Status: http.StatusServiceUnavailable, Code: "temporarily_unavailable", Description: "the server is busy, retry later", RetryAfter: retry}
}
