package oauth

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
)

// RequestAuthenticator authenticates ks-apiserver's own routes with the
// server's access tokens, in front of delegate (the delegating
// authenticator: front-proxy headers, client certificates, TokenReview).
// A bearer token that carries this issuer is decided here (no TokenReview
// round trip for our own tokens); every other request goes to delegate.
type RequestAuthenticator struct {
	server   *Server
	delegate authenticator.Request
}

// NewRequestAuthenticator wraps delegate.
func NewRequestAuthenticator(s *Server, delegate authenticator.Request) *RequestAuthenticator {
	return &RequestAuthenticator{server: s, delegate: delegate}
}

var errBadBearer = errors.New("invalid bearer token")

// AuthenticateRequest implements authenticator.Request.
func (a *RequestAuthenticator) AuthenticateRequest(req *http.Request) (*authenticator.Response, bool, error) {
	token, ok := bearerToken(req)
	if !ok || !a.server.issuedHere(token) {
		if a.delegate == nil {
			return nil, false, nil
		}
		return a.delegate.AuthenticateRequest(req)
	}
	id, err := a.server.VerifyAccessToken(token, "")
	if err != nil {
		return nil, false, errBadBearer
	}
	// As kube-apiserver does for a webhook's answer, so one token is one
	// identity on both servers.
	groups := append(id.Groups(), user.AllAuthenticated)
	return &authenticator.Response{User: &user.DefaultInfo{
		Name: id.Username, UID: string(id.User.UID), Groups: groups,
		Extra: map[string][]string{SessionExtraKey: {id.Session.ID}},
	}}, true, nil
}

// issuedHere reports, without verifying anything, whether a token claims
// to come from this issuer (a JWT whose payload names it).
func (s *Server) issuedHere(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(token) > maxJWTLength {
		return false
	}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return false
	}
	var c struct {
		Issuer string `json:"iss"`
	}
	return json.Unmarshal(payload, &c) == nil && c.Issuer == s.cfg.Issuer
}
