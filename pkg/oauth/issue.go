package oauth

import (
	"slices"
	"strings"
	"time"

	"k8s.io/klog/v2"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
)

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
			Groups: issuableGroups(user.Spec.Groups, ""),
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
