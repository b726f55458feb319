package oauth

import (
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
	recordToken(eventOf(r.Context()), oerr)
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
	ev := eventOf(r.Context())
	ev.grant = grantLabel(f["grant_type"])
	if s.keys.Load() == nil {
		return nil, errUnavailable(1)
	}
	client, oerr := s.authenticateClient(r, f)
	if oerr != nil {
		ev.reason = "client authentication failed"
		return nil, oerr
	}
	ev.client = client.ID
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
