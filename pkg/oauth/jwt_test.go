package oauth

import (
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// forge builds a token from raw header and payload JSON, signed with the
// server's current key (or not at all when sign is false).
func (e *testEnv) forge(header, payload string, sign bool) string {
	e.t.Helper()
	ring := e.srv.keys.Load()
	kid, key := ring.signer(e.clock.Now())
	header = strings.ReplaceAll(header, "KID", kid)
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload))
	if !sign {
		return input + "."
	}
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(randReader{}, key, digest[:])
	if err != nil {
		e.t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + b64.EncodeToString(sig)
}

// claimsOf is a valid claim set for alice's session, as JSON.
func (e *testEnv) claimsOf(access string, edit func(map[string]any)) string {
	c := decodeClaims(e.t, access)
	if edit != nil {
		edit(c)
	}
	data, _ := json.Marshal(c)
	return string(data)
}

func TestR100_R108_AccessTokenValidation(t *testing.T) {
	e := newTestEnv(t)
	login := e.login("scope", "openid")
	access := login.str("access_token")
	if err := e.verify(access); err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now().Unix()
	pubDER, _ := x509.MarshalPKIXPublicKey(&e.srv.keys.Load().private[decodeHeader(t, access)["kid"].(string)].PublicKey)
	hs := func(secret []byte) string {
		input := b64.EncodeToString([]byte(`{"alg":"HS256","typ":"at+jwt"}`)) + "." + b64.EncodeToString([]byte(e.claimsOf(access, nil)))
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(input))
		return input + "." + b64.EncodeToString(m.Sum(nil))
	}
	parts := strings.Split(access, ".")
	cases := map[string]string{
		"attack 41 alg none":                  e.forge(`{"alg":"none","typ":"at+jwt","kid":"KID"}`, e.claimsOf(access, nil), false),
		"attack 42 HS256 with public key DER": hs(pubDER),
		"attack 43 embedded jwk":              e.forge(`{"alg":"ES256","typ":"at+jwt","kid":"KID","jwk":{"kty":"EC"}}`, e.claimsOf(access, nil), true),
		"R104 jku":                            e.forge(`{"alg":"ES256","typ":"at+jwt","kid":"KID","jku":"https://evil/keys"}`, e.claimsOf(access, nil), true),
		"attack 44 modified payload":          parts[0] + "." + b64.EncodeToString([]byte(e.claimsOf(access, func(c map[string]any) { c["sub"] = "admin" }))) + "." + parts[2],
		"attack 44 modified signature":        parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2])),
		"attack 44 missing signature":         parts[0] + "." + parts[1],
		"attack 44 extra component":           access + ".x",
		"attack 44 JSON serialization":        `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`,
		"R107 expired":                        e.forge(`{"alg":"ES256","typ":"at+jwt","kid":"KID"}`, e.claimsOf(access, func(c map[string]any) { c["exp"] = now - 31 }), true),
		"R107 missing exp":                    e.forge(`{"alg":"ES256","typ":"at+jwt","kid":"KID"}`, e.claimsOf(access, func(c map[string]any) { delete(c, "exp") }), true),
		"R107 nbf in the future":              e.forge(`{"alg":"ES256","typ":"at+jwt","kid":"KID"}`, e.claimsOf(access, func(c map[string]any) { c["nbf"] = now + 120 }), true),
		"R107 iat in the future":              e.forge(`{"alg":"ES256","typ":"at+jwt","kid":"KID"}`, e.claimsOf(access, func(c map[string]any) { c["iat"] = now + 3600 }), true),
		"R102 wrong iss":                      e.forge(`{"alg":"ES256","typ":"at+jwt","kid":"KID"}`, e.claimsOf(access, func(c map[string]any) { c["iss"] = "https://evil.example.com/oauth" }), true),
		"attack 46 iss with trailing slash":   e.forge(`{"alg":"ES256","typ":"at+jwt","kid":"KID"}`, e.claimsOf(access, func(c map[string]any) { c["iss"] = testIssuer + "/" }), true),
		"R103 wrong aud":                      e.forge(`{"alg":"ES256","typ":"at+jwt","kid":"KID"}`, e.claimsOf(access, func(c map[string]any) { c["aud"] = "someone-else" }), true),
		"R103 missing aud":                    e.forge(`{"alg":"ES256","typ":"at+jwt","kid":"KID"}`, e.claimsOf(access, func(c map[string]any) { delete(c, "aud") }), true),
		"R105 typ JWT":                        e.forge(`{"alg":"ES256","typ":"JWT","kid":"KID"}`, e.claimsOf(access, nil), true),
		"R105 no typ":                         e.forge(`{"alg":"ES256","kid":"KID"}`, e.claimsOf(access, nil), true),
		"attack 48 ID token as access token":  login.str("id_token"),
		"attack 48 refresh token":             login.str("refresh_token"),
		"attack 49 unknown kid":               e.forge(`{"alg":"ES256","typ":"at+jwt","kid":"../../etc/passwd"}`, e.claimsOf(access, nil), true),
		"R106 missing jti":                    e.forge(`{"alg":"ES256","typ":"at+jwt","kid":"KID"}`, e.claimsOf(access, func(c map[string]any) { delete(c, "jti") }), true),
		"R106 missing sid":                    e.forge(`{"alg":"ES256","typ":"at+jwt","kid":"KID"}`, e.claimsOf(access, func(c map[string]any) { delete(c, "sid") }), true),
		"R108 duplicate alg":                  e.forge(`{"alg":"ES256","alg":"none","typ":"at+jwt","kid":"KID"}`, e.claimsOf(access, nil), true),
		"R108 duplicate sub": e.forge(`{"alg":"ES256","typ":"at+jwt","kid":"KID"}`,
			strings.Replace(e.claimsOf(access, nil), `"sub":"alice"`, `"sub":"alice","sub":"admin"`, 1), true),
		"R108 non-UTF-8 payload": e.forge(`{"alg":"ES256","typ":"at+jwt","kid":"KID"}`,
			strings.Replace(e.claimsOf(access, nil), `"sub":"alice"`, "\"sub\":\"ali\xffce\"", 1), true),
		"attack 50 huge token": strings.Repeat("A", 1<<20) + "." + parts[1] + "." + parts[2],
		"empty":                "",
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			if err := e.verify(tok); err == nil {
				t.Fatal("accepted")
			}
			if d := time.Since(start); d > 50*time.Millisecond {
				t.Fatalf("rejection took %v", d)
			}
		})
	}
	// Accepted variants: aud as an array with the right value (what we mint),
	// and as a single string; a small clock skew inside the leeway.
	for name, tok := range map[string]string{
		"aud string":       e.forge(`{"alg":"ES256","typ":"at+jwt","kid":"KID"}`, e.claimsOf(access, func(c map[string]any) { c["aud"] = "https://ks.example.com" }), true),
		"application typ":  e.forge(`{"alg":"ES256","typ":"application/at+jwt","kid":"KID"}`, e.claimsOf(access, nil), true),
		"attack 52 skewed": e.forge(`{"alg":"ES256","typ":"at+jwt","kid":"KID"}`, e.claimsOf(access, func(c map[string]any) { c["iat"] = now + 25 }), true),
	} {
		if err := e.verify(tok); err != nil {
			t.Fatalf("%s rejected: %v", name, err)
		}
	}
}

func decodeHeader(t *testing.T, jwt string) map[string]any {
	t.Helper()
	data, err := b64.DecodeString(strings.Split(jwt, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// R59-60, attack case 49: a new key is published before it signs, and an
// old key keeps verifying until its tokens have expired, then disappears.
func TestKeyRotationPublishesBeforeUseAndRetiresAfterTokens(t *testing.T) {
	e := newTestEnv(t)
	ring := e.srv.keys.Load()
	set := ring.set
	oldKid := set.Keys[0].ID
	oldToken := e.login().str("access_token")

	period, lead, life := 30*24*time.Hour, time.Hour, 2*time.Hour+30*time.Second
	e.clock.Add(period - lead)
	if !set.Rotate(e.clock.Now(), period, lead, life) || len(set.Keys) != 2 {
		t.Fatalf("no new key: %+v", set.Keys)
	}
	newKid := set.Keys[1].ID
	if err := e.srv.SetKeys(set); err != nil {
		t.Fatal(err)
	}
	// Published (JWKS) but not yet signing.
	if r := e.do("GET", "/oauth/keys", ""); !strings.Contains(string(r.Body), newKid) {
		t.Fatal("new key not published ahead of use")
	}
	leadToken := e.login().str("access_token")
	if kid := decodeHeader(t, leadToken)["kid"]; kid != oldKid {
		t.Fatalf("signed with the unpublished-lead key %v", kid)
	}
	// After the lead time the new key signs; the old key still verifies.
	e.clock.Add(lead)
	set.Rotate(e.clock.Now(), period, lead, life)
	_ = e.srv.SetKeys(set)
	fresh := e.login().str("access_token")
	if kid := decodeHeader(t, fresh)["kid"]; kid != newKid {
		t.Fatalf("new key not used: %v", kid)
	}
	if err := e.verify(fresh); err != nil {
		t.Fatal(err)
	}
	if err := e.verify(leadToken); err != nil {
		t.Fatalf("a live token of the previous key: %v", err)
	}
	if _, ok := e.srv.keys.Load().verifier(oldKid, e.clock.Now()); !ok {
		t.Fatal("old key dropped while its tokens live")
	}
	// Past the retirement time the old key is gone.
	e.clock.Add(life + time.Minute)
	set.Rotate(e.clock.Now(), period, lead, life)
	_ = e.srv.SetKeys(set)
	if len(set.Keys) != 1 || set.Keys[0].ID != newKid {
		t.Fatalf("old key not retired: %+v", set.Keys)
	}
	if e.verify(oldToken) == nil {
		t.Fatal("token of a retired key verifies")
	}
	if r := e.do("GET", "/oauth/keys", ""); strings.Contains(string(r.Body), oldKid) {
		t.Fatal("retired key still published")
	}
}
