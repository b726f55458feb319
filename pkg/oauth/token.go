package oauth

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"k8s.io/klog/v2"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
)

const (
	// maxFormBody bounds token, revocation and introspection requests; real
	// ones are a few hundred bytes.
	maxFormBody = 16 << 10
	// maxPasswordBytes is bcrypt's limit: it ignores what follows, so longer
	// passwords are refused rather than silently truncated.
	maxPasswordBytes = 72
	maxUsernameBytes = 253
)

// supportedScopes are the scopes a client may ask for.
var supportedScopes = []string{"openid", "profile", "email", "offline_access"}

// tokenResponse is RFC 6749 §5.1 plus the OpenID Connect id_token.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

// form is a parsed request body: each parameter at most once, empty values
// dropped (RFC 6749 §3.2).
type form map[string]string

// parseForm reads an application/x-www-form-urlencoded body strictly: POST
// only, nothing in the query string, UTF-8, no parameter twice, bounded
// size. method is what the endpoint allows.
func parseForm(w http.ResponseWriter, r *http.Request) (form, *oauthError) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return nil, &oauthError{Status: http.StatusMethodNotAllowed, Code: "invalid_request", Description: "use POST"}
	}
	if r.URL.RawQuery != "" {
		return nil, errInvalidRequest("parameters must be in the request body, not the URL")
	}
	mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/x-www-form-urlencoded" {
		return nil, errInvalidRequest("the body must be application/x-www-form-urlencoded")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, errInvalidRequest("the body must be UTF-8")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &oauthError{Status: http.StatusRequestEntityTooLarge, Code: "invalid_request", Description: "the request body is too large"}
		}
		return nil, errInvalidRequest("the request body could not be read")
	}
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, errInvalidRequest("the body is not valid form encoding")
	}
	f := form{}
	for k, vs := range values {
		if len(vs) > 1 {
			return nil, errInvalidRequest("a parameter is repeated")
		}
		if !utf8.ValidString(k) || !utf8.ValidString(vs[0]) || strings.ContainsRune(vs[0], 0) {
			return nil, errInvalidRequest("parameters must be UTF-8 text")
		}
		if vs[0] != "" {
			f[k] = vs[0]
		}
	}
	return f, nil
}

// authenticateClient applies RFC 6749 §2.3: HTTP Basic (form-encoded id and
// secret) or client_id/client_secret in the body, never both.
func (s *Server) authenticateClient(r *http.Request, f form) (*Client, *oauthError) {
	basicID, basicSecret, hasBasic, basicErr := basicAuth(r)
	_, bodySecret := f["client_secret"]
	if hasBasic && bodySecret {
		return nil, errInvalidRequest("use one client authentication method")
	}
	if hasBasic && f["client_id"] != "" && f["client_id"] != basicID {
		return nil, errInvalidRequest("client_id does not match the Authorization header")
	}
	fail := &oauthError{Status: http.StatusUnauthorized, Code: "invalid_client", Description: "client authentication failed", Basic: hasBasic || basicErr}
	if basicErr {
		if allowed, wait := s.ips.allow(r); !allowed {
			return nil, tooMany(wait)
		}
		return nil, fail
	}
	id, secret := basicID, basicSecret
	if !hasBasic {
		id, secret = f["client_id"], f["client_secret"]
	}
	if id == "" {
		return nil, fail
	}
	client, ok := s.cfg.Clients.Authenticate(id, secret)
	if !ok {
		// Guessing client secrets costs the same budget as guessing passwords.
		if allowed, wait := s.ips.allow(r); !allowed {
			return nil, tooMany(wait)
		}
		return nil, fail
	}
	return client, nil
}

// basicAuth parses "Authorization: Basic" with a case-insensitive scheme
// and form-decodes both parts (RFC 6749 §2.3.1). bad reports a Basic header
// that cannot be decoded.
func basicAuth(r *http.Request) (id, secret string, ok, bad bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", "", false, false
	}
	scheme, rest, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "basic") {
		return "", "", false, true
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
	if err != nil {
		return "", "", false, true
	}
	rawID, rawSecret, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", false, true
	}
	if id, err = url.QueryUnescape(rawID); err != nil {
		return "", "", false, true
	}
	if secret, err = url.QueryUnescape(rawSecret); err != nil {
		return "", "", false, true
	}
	return id, secret, true, false
}

func tooMany(wait time.Duration) *oauthError {
	return &oauthError{Status: http.StatusTooManyRequests, Code: "temporarily_unavailable",
		Description: "too many attempts from this address, retry later", RetryAfter: int(math.Ceil(wait.Seconds()))}
}

// parseScope validates a space-separated scope list.
func parseScope(raw string) ([]string, *oauthError) {
	var out []string
	for _, s := range strings.Split(raw, " ") {
		if s == "" {
			continue
		}
		if !slices.Contains(supportedScopes, s) {
			return nil, &oauthError{Status: http.StatusBadRequest, Code: "invalid_scope", Description: "a requested scope is not supported"}
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// token is POST /oauth/token.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	resp, oerr := s.tokenRequest(w, r)
	if oerr != nil {
		writeError(w, oerr)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) tokenRequest(w http.ResponseWriter, r *http.Request) (*tokenResponse, *oauthError) {
	f, oerr := parseForm(w, r)
	if oerr != nil {
		return nil, oerr
	}
	if s.keys.Load() == nil {
		return nil, errUnavailable(1)
	}
	client, oerr := s.authenticateClient(r, f)
	if oerr != nil {
		return nil, oerr
	}
	grant := f["grant_type"]
	switch grant {
	case "":
		return nil, errInvalidRequest("grant_type is required")
	case GrantPassword, GrantRefreshToken:
	default:
		return nil, &oauthError{Status: http.StatusBadRequest, Code: "unsupported_grant_type", Description: "supported grant types: password, refresh_token"}
	}
	if !client.Grants[grant] {
		return nil, &oauthError{Status: http.StatusBadRequest, Code: "unauthorized_client", Description: "the client may not use this grant type"}
	}
	scope, oerr := parseScope(f["scope"])
	if oerr != nil {
		return nil, oerr
	}
	if grant == GrantPassword {
		return s.passwordGrant(r, client, f, scope)
	}
	return s.refreshGrant(r.Context(), client, f, scope)
}

// passwordGrant is RFC 6749 §4.3 with brute-force protection: a per-IP
// limit and the shared lockout before any hashing, a bounded hashing pool,
// a dummy hash for unknown users, and one answer for every failure.
func (s *Server) passwordGrant(r *http.Request, client *Client, f form, scope []string) (*tokenResponse, *oauthError) {
	username, password := f["username"], f["password"]
	if username == "" || password == "" {
		return nil, errInvalidRequest("username and password are required")
	}
	if strings.ContainsAny(username, "\r\n") || strings.ContainsAny(password, "\r\n") {
		return nil, errInvalidRequest("username and password must not contain line breaks")
	}
	if allowed, wait := s.ips.allow(r); !allowed {
		return nil, tooMany(wait)
	}
	ctx := r.Context()
	canonical := canonicalUsername(username)
	locked, err := s.lockout.Locked(ctx, canonical)
	if err != nil {
		klog.ErrorS(err, "Reading the failed-login record")
		return nil, errUnavailable(1)
	}
	if locked || s.retries.seen(canonical, password, s.now()) {
		return nil, errBadCredentials()
	}

	user, exists := s.cfg.Users.User(canonical)
	hash, usable := s.dummyHash, false
	if exists && user.Spec.EncryptedPassword != "" {
		if _, err := bcrypt.Cost([]byte(user.Spec.EncryptedPassword)); err == nil {
			hash, usable = []byte(user.Spec.EncryptedPassword), true
		}
	}
	tooLong := len(password) > maxPasswordBytes || len(username) > maxUsernameBytes
	var match bool
	if err := s.pool.do(ctx, func() {
		// Always one comparison, against the dummy hash when there is no
		// usable account, so unknown users cost the same time.
		match = bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
	}); err != nil {
		return nil, errUnavailable(1)
	}
	now := s.now()
	ok := match && usable && !tooLong && s.userMayLogin(user, now)
	if !ok {
		s.retries.add(canonical, password, now)
		count, err := s.lockout.Fail(ctx, canonical)
		if err != nil {
			klog.ErrorS(err, "Counting a failed login")
		}
		if exists && count >= s.cfg.MaxFailures {
			s.markLocked(user.Name, now)
		}
		return nil, errBadCredentials()
	}

	session := &Session{
		ID: randomID(16), User: user.Name, UserUID: string(user.UID),
		PasswordFingerprint: passwordFingerprint(user.Spec.EncryptedPassword),
		ClientID:            client.ID, Scope: scope,
		CreatedAt: now.UTC(), LastRefresh: now.UTC(), ExpiresAt: now.Add(client.RefreshTokenTTL).UTC(),
	}
	refresh := newRefreshToken(session.ID)
	session.RefreshHash = hashToken(refresh)
	if err := s.cfg.Store.CreateSession(ctx, session); err != nil {
		klog.ErrorS(err, "Storing a session", "user", user.Name)
		return nil, errUnavailable(1)
	}
	s.markLogin(user.Name, now)
	klog.V(2).InfoS("Password login", "user", user.Name, "client", client.ID, "session", session.ID)
	return s.issue(client, user, session, scope, refresh, now)
}

// userMayLogin: not disabled, and not locked by a recent AuthLimitExceeded.
func (s *Server) userMayLogin(user *iamv1beta1.User, now time.Time) bool {
	switch user.Status.State {
	case iamv1beta1.UserDisabled:
		return false
	case iamv1beta1.UserAuthLimitExceeded:
		t := user.Status.LastTransitionTime
		return t != nil && now.After(t.Add(s.cfg.LockoutWindow))
	}
	return true
}

// markLocked and markLogin record the outcome on the User (visible with
// kubectl); they run in the background and failures only get logged.
func (s *Server) markLocked(name string, now time.Time) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := s.cfg.Users.UpdateStatus(ctx, name, func(st *iamv1beta1.UserStatus) {
			if st.State != iamv1beta1.UserDisabled {
				st.State = iamv1beta1.UserAuthLimitExceeded
				st.Reason = "too many failed login attempts"
				st.LastTransitionTime = metaTime(now)
			}
		})
		if err != nil {
			klog.ErrorS(err, "Marking a user locked", "user", name)
		}
	}()
}

func (s *Server) markLogin(name string, now time.Time) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := s.cfg.Users.UpdateStatus(ctx, name, func(st *iamv1beta1.UserStatus) {
			st.LastLoginTime = metaTime(now)
			if st.State == "" || st.State == iamv1beta1.UserAuthLimitExceeded {
				st.State = iamv1beta1.UserActive
				st.Reason = ""
				st.LastTransitionTime = metaTime(now)
			}
		})
		if err != nil {
			klog.ErrorS(err, "Recording a login", "user", name)
		}
	}()
}

// refreshGrant is RFC 6749 §6 with rotation: the presented token must be
// the session's current one (or the previous one inside the grace window,
// which yields the same successor); an older one is reuse and ends the
// session.
func (s *Server) refreshGrant(ctx context.Context, client *Client, f form, scope []string) (*tokenResponse, *oauthError) {
	token := f["refresh_token"]
	if token == "" {
		return nil, errInvalidRequest("refresh_token is required")
	}
	sessionID, ok := parseRefreshToken(token)
	if !ok {
		return nil, errInvalidGrant()
	}
	ring := s.keys.Load()
	presented := hashToken(token)
	successor := successorRefreshToken(ring.refreshMK, token)
	for attempt := 0; attempt < 5; attempt++ {
		session, err := s.cfg.Store.GetSession(ctx, sessionID)
		if errors.Is(err, ErrNotFound) {
			return nil, errInvalidGrant()
		}
		if err != nil {
			klog.ErrorS(err, "Reading a session")
			return nil, errUnavailable(1)
		}
		now := s.now()
		if session.ClientID != client.ID {
			return nil, errInvalidGrant()
		}
		user, valid := s.sessionValid(session, now)
		if !valid {
			_ = s.endSession(ctx, session.ID)
			return nil, errInvalidGrant()
		}
		for _, sc := range scope {
			if !slices.Contains(session.Scope, sc) {
				return nil, &oauthError{Status: http.StatusBadRequest, Code: "invalid_scope", Description: "the scope exceeds what was granted"}
			}
		}
		if scope == nil {
			scope = session.Scope
		}
		switch {
		case presented == session.RefreshHash:
			if session.PreviousHash != "" {
				session.UsedHashes = append(session.UsedHashes, session.PreviousHash)
			}
			if len(session.UsedHashes) > maxUsedHashes {
				session.UsedHashes = session.UsedHashes[len(session.UsedHashes)-maxUsedHashes:]
			}
			session.PreviousHash = presented
			session.RefreshHash = hashToken(successor)
			session.RotatedAt = now.UTC()
			session.LastRefresh = now.UTC()
			err := s.cfg.Store.UpdateSession(ctx, session)
			if errors.Is(err, ErrConflict) {
				continue // another request rotated it: decide again on fresh state
			}
			if errors.Is(err, ErrNotFound) {
				return nil, errInvalidGrant()
			}
			if err != nil {
				klog.ErrorS(err, "Rotating a refresh token")
				return nil, errUnavailable(1)
			}
			return s.issue(client, user, session, scope, successor, now)
		case presented == session.PreviousHash && session.RefreshHash == hashToken(successor) &&
			now.Sub(session.RotatedAt) <= s.cfg.RefreshGrace:
			// A retry within the grace window: the same successor again.
			return s.issue(client, user, session, scope, successor, now)
		case presented == session.PreviousHash || slices.Contains(session.UsedHashes, presented):
			klog.InfoS("Refresh token reuse detected, ending the session", "user", session.User, "session", session.ID)
			_ = s.endSession(ctx, session.ID)
			return nil, errInvalidGrant()
		default:
			return nil, errInvalidGrant()
		}
	}
	return nil, errUnavailable(1)
}

// issue mints the access token (and ID token with scope openid) of a
// session and builds the response.
func (s *Server) issue(client *Client, user *iamv1beta1.User, session *Session, scope []string, refresh string, now time.Time) (*tokenResponse, *oauthError) {
	ring := s.keys.Load()
	kid, key := ring.signer(now)
	exp := now.Add(client.AccessTokenTTL)
	if exp.After(session.ExpiresAt) {
		exp = session.ExpiresAt
	}
	scopeStr := strings.Join(scope, " ")
	access, err := signJWT(key, kid, typAccessToken, accessClaims{
		Issuer: s.cfg.Issuer, Subject: user.Name, Audience: s.cfg.Audiences,
		Expiry: exp.Unix(), IssuedAt: now.Unix(), ID: randomID(16),
		ClientID: client.ID, SessionID: session.ID, Scope: scopeStr,
	})
	if err != nil {
		klog.ErrorS(err, "Signing an access token")
		return nil, errUnavailable(1)
	}
	resp := &tokenResponse{AccessToken: access, TokenType: "Bearer", ExpiresIn: exp.Unix() - now.Unix(), RefreshToken: refresh, Scope: scopeStr}
	if slices.Contains(scope, "openid") {
		claims := idClaims{
			Issuer: s.cfg.Issuer, Subject: user.Name, Audience: audience{client.ID},
			Expiry: exp.Unix(), IssuedAt: now.Unix(), AuthTime: session.CreatedAt.Unix(), SessionID: session.ID,
			Groups: user.Spec.Groups,
		}
		if slices.Contains(scope, "profile") {
			claims.Name = user.Spec.DisplayName
			if claims.Name == "" {
				claims.Name = user.Name
			}
			claims.PreferredUsername, claims.Locale = user.Name, user.Spec.Lang
		}
		if slices.Contains(scope, "email") {
			claims.Email = user.Spec.Email
		}
		if resp.IDToken, err = signJWT(key, kid, typIDToken, claims); err != nil {
			return nil, errUnavailable(1)
		}
	}
	return resp, nil
}
