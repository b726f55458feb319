package oauth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
)

// Token types (the JWT "typ" header). Access tokens are RFC 9068 at+jwt; ID
// tokens are plain JWTs; refresh tokens are opaque, never JWTs.
const (
	typAccessToken = "at+jwt"
	typIDToken     = "JWT"
)

// audience is the "aud" claim: one string or an array (RFC 7519 §4.1.3).
type audience []string

func (a *audience) UnmarshalJSON(data []byte) error {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(data, &many); err != nil {
		return err
	}
	*a = many
	return nil
}

// accessClaims are the claims of an access token: RFC 9068 §2.2 plus the
// session id.
type accessClaims struct {
	Issuer    string   `json:"iss"`
	Subject   string   `json:"sub"`
	Audience  audience `json:"aud"`
	Expiry    int64    `json:"exp"`
	IssuedAt  int64    `json:"iat"`
	NotBefore int64    `json:"nbf,omitempty"`
	ID        string   `json:"jti"`
	ClientID  string   `json:"client_id"`
	SessionID string   `json:"sid"`
	Scope     string   `json:"scope,omitempty"`
}

// idClaims are the claims of an OpenID Connect ID token.
type idClaims struct {
	Issuer            string   `json:"iss"`
	Subject           string   `json:"sub"`
	Audience          audience `json:"aud"`
	Expiry            int64    `json:"exp"`
	IssuedAt          int64    `json:"iat"`
	AuthTime          int64    `json:"auth_time"`
	SessionID         string   `json:"sid"`
	Name              string   `json:"name,omitempty"`
	PreferredUsername string   `json:"preferred_username,omitempty"`
	Email             string   `json:"email,omitempty"`
	Locale            string   `json:"locale,omitempty"`
	Groups            []string `json:"groups,omitempty"`
}

// randomID returns n random bytes as hex.
func randomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// Refresh tokens are "<session id>.<43 base64url characters>": the session
// id finds the session, the 256-bit secret part proves possession. Only
// SHA-256 digests of whole tokens are stored.

// newRefreshToken returns the first refresh token of a session.
func newRefreshToken(sessionID string) string {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return sessionID + "." + b64.EncodeToString(secret)
}

// successorRefreshToken derives the token that replaces token when it is
// used. It is a MAC under the shared refresh secret, so every replica that
// sees the same token during the grace window hands out the same successor
// (a client whose response was lost can retry) without storing it.
func successorRefreshToken(mk []byte, token string) string {
	sessionID, _, _ := strings.Cut(token, ".")
	mac := hmac.New(sha256.New, mk)
	mac.Write([]byte("ks-refresh-successor\x00"))
	mac.Write([]byte(token))
	return sessionID + "." + b64.EncodeToString(mac.Sum(nil))
}

// hashToken is the at-rest form of a refresh token.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// parseRefreshToken splits a refresh token and checks its shape.
func parseRefreshToken(token string) (sessionID string, ok bool) {
	sessionID, secret, found := strings.Cut(token, ".")
	if !found || len(sessionID) != 32 || len(secret) != 43 {
		return "", false
	}
	if _, err := hex.DecodeString(sessionID); err != nil {
		return "", false
	}
	if _, err := b64.DecodeString(secret); err != nil {
		return "", false
	}
	return sessionID, true
}

// errInvalidToken is the single error of access-token verification.
var errInvalidToken = errors.New("invalid token")

// verifyAccessClaims decodes and checks the claims of a signed access token
// for audience aud at time now with leeway.
func verifyAccessClaims(jwt *parsedJWT, issuer, aud string, now time.Time, leeway time.Duration) (*accessClaims, error) {
	if !strings.EqualFold(jwt.Header.Typ, typAccessToken) && !strings.EqualFold(jwt.Header.Typ, "application/"+typAccessToken) {
		return nil, errInvalidToken
	}
	var c accessClaims
	if err := json.Unmarshal(jwt.Payload, &c); err != nil {
		return nil, errInvalidToken
	}
	t := now.Unix()
	l := int64(leeway / time.Second)
	switch {
	case c.Issuer != issuer,
		!slices.Contains(c.Audience, aud),
		c.Expiry == 0 || t > c.Expiry+l,
		c.IssuedAt == 0 || c.IssuedAt > t+l,
		c.NotBefore != 0 && c.NotBefore > t+l,
		c.Subject == "", c.ID == "", c.ClientID == "", c.SessionID == "":
		return nil, errInvalidToken
	}
	return &c, nil
}
