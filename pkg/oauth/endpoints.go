package oauth

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
)

func metaTime(t time.Time) *metav1.Time {
	mt := metav1.NewTime(t.UTC().Truncate(time.Second))
	return &mt
}

// bearerToken returns the token of "Authorization: Bearer <token>".
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "bearer") || token == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// callerIdentity is the access-token identity of a request's bearer token
// (the OAuth paths have their own handler chain, so the header arrives as
// sent).
func (s *Server) callerIdentity(r *http.Request) (*Identity, bool) {
	token, ok := bearerToken(r)
	if !ok {
		return nil, false
	}
	id, err := s.VerifyAccessToken(token, "")
	return id, err == nil
}

// revoke is POST /oauth/revoke (RFC 7009). Revoking either token of a
// session ends the session: its refresh token and its access tokens stop
// working on every replica. Unknown tokens and other clients' tokens get
// 200 too, and are left alone.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	f, oerr := parseForm(w, r)
	if oerr != nil {
		writeError(w, oerr)
		return
	}
	ev := eventOf(r.Context())
	ev.kind = auditRevoke
	client, oerr := s.authenticateClient(r, f)
	if oerr != nil {
		ev.reason = "client authentication failed"
		writeError(w, oerr)
		return
	}
	ev.client = client.ID
	token := f["token"]
	if token == "" {
		writeError(w, errInvalidRequest("token is required"))
		return
	}
	ev.outcome, ev.reason = "ignored", "not a live token of the client"
	if sessionID, ok := s.sessionOf(r, token); ok {
		if session, found := s.cfg.Store.CachedSession(sessionID); found && session.ClientID == client.ID {
			ev.user, ev.session, ev.outcome, ev.reason = session.User, sessionID, "revoked", ""
			if err := s.endSession(r.Context(), sessionID); err != nil {
				ev.outcome = ""
				klog.ErrorS(err, "Revoking a session")
				writeError(w, errUnavailable(1))
				return
			}
		}
	}
	w.WriteHeader(http.StatusOK)
}

// sessionOf finds the session a token belongs to: an access token of ours
// (any hint is only a hint, RFC 7009 §2.1), or a refresh token whose hash
// is the session's current or previous one.
func (s *Server) sessionOf(r *http.Request, token string) (string, bool) {
	if id, err := s.VerifyAccessToken(token, ""); err == nil {
		return id.Session.ID, true
	}
	if sessionID, ok := parseRefreshToken(token); ok {
		session, err := s.cfg.Store.GetSession(r.Context(), sessionID)
		if err == nil && (hashToken(token) == session.RefreshHash || hashToken(token) == session.PreviousHash) {
			return sessionID, true
		}
	}
	return "", false
}

// introspect is POST /oauth/introspect (RFC 7662), for authenticated
// clients only.
func (s *Server) introspect(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	f, oerr := parseForm(w, r)
	if oerr != nil {
		writeError(w, oerr)
		return
	}
	if _, oerr := s.authenticateClient(r, f); oerr != nil {
		writeError(w, oerr)
		return
	}
	token := f["token"]
	if token == "" {
		writeError(w, errInvalidRequest("token is required"))
		return
	}
	inactive := map[string]bool{"active": false}
	if id, err := s.VerifyAccessToken(token, ""); err == nil {
		writeJSON(w, http.StatusOK, map[string]any{
			"active": true, "token_type": "access_token", "client_id": id.ClientID, "username": id.User.Name,
			"sub": id.User.Name, "scope": id.Scope, "exp": id.Expiry.Unix(), "aud": id.Audience, "iss": s.cfg.Issuer,
		})
		return
	}
	if sessionID, ok := parseRefreshToken(token); ok {
		session, err := s.cfg.Store.GetSession(r.Context(), sessionID)
		if err == nil && hashToken(token) == session.RefreshHash {
			if _, valid := s.sessionValid(session, s.now()); valid {
				writeJSON(w, http.StatusOK, map[string]any{
					"active": true, "token_type": "refresh_token", "client_id": session.ClientID, "username": session.User,
					"sub": session.User, "scope": strings.Join(session.Scope, " "), "exp": session.ExpiresAt.Unix(), "iss": s.cfg.Issuer,
				})
				return
			}
		}
	}
	writeJSON(w, http.StatusOK, inactive)
}

// jwks is GET /oauth/keys: the public keys, including those published ahead
// of use. The cache lifetime is shorter than the publication lead time.
func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, &oauthError{Status: http.StatusMethodNotAllowed, Code: "invalid_request", Description: "use GET"})
		return
	}
	ring := s.keys.Load()
	if ring == nil {
		writeError(w, errUnavailable(1))
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, ring.jwks())
}

// discovery serves the same metadata at every discovery path: OpenID
// Connect's issuer+/.well-known/openid-configuration and RFC 8414's
// /.well-known/oauth-authorization-server[/path].
func (s *Server) discovery(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, &oauthError{Status: http.StatusMethodNotAllowed, Code: "invalid_request", Description: "use GET"})
		return
	}
	iss := s.cfg.Issuer
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                        iss,
		"authorization_endpoint":                        iss + "/authorize",
		"token_endpoint":                                iss + "/token",
		"jwks_uri":                                      iss + "/keys",
		"userinfo_endpoint":                             iss + "/userinfo",
		"revocation_endpoint":                           iss + "/revoke",
		"introspection_endpoint":                        iss + "/introspect",
		"end_session_endpoint":                          iss + "/logout",
		"response_types_supported":                      []string{"code"},
		"grant_types_supported":                         []string{GrantPassword, GrantRefreshToken},
		"subject_types_supported":                       []string{"public"},
		"id_token_signing_alg_values_supported":         []string{algES256},
		"scopes_supported":                              supportedScopes,
		"token_endpoint_auth_methods_supported":         []string{"client_secret_basic", "client_secret_post"},
		"revocation_endpoint_auth_methods_supported":    []string{"client_secret_basic", "client_secret_post"},
		"introspection_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"claims_supported": []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "sid", "name",
			"preferred_username", "email", "locale", "groups"},
	})
}

// userinfo is GET /oauth/userinfo (OpenID Connect Core §5.3) for a bearer
// access token.
func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	id, ok := s.callerIdentity(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="oauth", error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "a valid access token is required"})
		return
	}
	u := id.User
	info := map[string]any{"sub": u.Name, "preferred_username": u.Name, "name": u.Name, "email": u.Spec.Email}
	if u.Spec.DisplayName != "" {
		info["name"] = u.Spec.DisplayName
	}
	if u.Spec.Lang != "" {
		info["locale"] = u.Spec.Lang
	}
	// Unprefixed like sub: an OIDC relying party applies its own prefixes.
	if groups := issuableGroups(u.Spec.Groups, ""); len(groups) > 0 {
		info["groups"] = groups
	}
	writeJSON(w, http.StatusOK, info)
}

// logout is GET|POST /oauth/logout: it ends the session of the bearer
// access token (or of id_token_hint's session, not needed here) and
// redirects to post_logout_redirect_uri only when that URI is registered for
// the client (the token's, or client_id's).
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		writeError(w, &oauthError{Status: http.StatusMethodNotAllowed, Code: "invalid_request", Description: "use GET or POST"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		writeError(w, errInvalidRequest("the parameters could not be parsed"))
		return
	}
	clientID := r.Form.Get("client_id")
	ev := eventOf(r.Context())
	ev.kind, ev.outcome, ev.reason = auditLogout, "no_session", "no valid access token"
	if id, ok := s.callerIdentity(r); ok {
		ev.user, ev.client, ev.session, ev.outcome, ev.reason = id.User.Name, id.ClientID, id.Session.ID, "logged_out", ""
		if err := s.endSession(r.Context(), id.Session.ID); err != nil {
			klog.ErrorS(err, "Ending a session")
			ev.outcome = ""
			writeError(w, errUnavailable(1))
			return
		}
		if clientID == "" {
			clientID = id.ClientID
		}
	}
	redirect := r.Form.Get("post_logout_redirect_uri")
	if redirect == "" {
		writeJSON(w, http.StatusOK, map[string]string{"message": "success"})
		return
	}
	client, ok := s.cfg.Clients.Get(clientID)
	if !ok || !client.AllowsRedirect(redirect) {
		writeError(w, errInvalidRequest("post_logout_redirect_uri is not registered for the client"))
		return
	}
	target, _ := url.Parse(redirect) // validated when the client was loaded
	if state := r.Form.Get("state"); state != "" {
		q := target.Query()
		q.Set("state", state)
		target.RawQuery = q.Encode()
	}
	http.Redirect(w, r, target.String(), http.StatusFound)
}
