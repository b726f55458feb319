package oauth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
)

func TestR60_R64_Revocation(t *testing.T) {
	e := newTestEnv(t)
	// R61: client authentication required.
	expectError(t, e.post("/oauth/revoke", url.Values{"token": {"x"}}), http.StatusUnauthorized, "invalid_client")
	// R62: unknown tokens answer 200.
	if r := e.post("/oauth/revoke", url.Values{"token": {"nonsense"}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}}); r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	// Another client's token: 200, and left alone.
	login := e.login()
	if r := e.post("/oauth/revoke", url.Values{"token": {login.str("refresh_token")}, "client_id": {"other"}, "client_secret": {"other-secret"}}); r.Status != http.StatusOK {
		t.Fatalf("%d", r.Status)
	}
	if e.verify(login.str("access_token")) != nil {
		t.Fatal("another client revoked the session")
	}
	// R64: revoking the refresh token stops refresh and the access tokens
	// (a wrong hint is only a hint, R60).
	r := e.post("/oauth/revoke", url.Values{"token": {login.str("refresh_token")}, "token_type_hint": {"access_token"}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}})
	if r.Status != http.StatusOK || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %v", r.Status, r.Header)
	}
	expectError(t, e.refresh(login.str("refresh_token"), "cli", "s3cr3t"), http.StatusBadRequest, "invalid_grant")
	if e.verify(login.str("access_token")) == nil {
		t.Fatal("access token survived the revocation of its refresh token")
	}
	// Revoking an access token ends its session too.
	l2 := e.login()
	e.post("/oauth/revoke", url.Values{"token": {l2.str("access_token")}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}})
	expectError(t, e.refresh(l2.str("refresh_token"), "cli", "s3cr3t"), http.StatusBadRequest, "invalid_grant")
	// Method.
	if r := e.do(http.MethodGet, "/oauth/revoke", ""); r.Status != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", r.Status)
	}
}

func TestR70_R74_Introspection(t *testing.T) {
	e := newTestEnv(t)
	login := e.login("scope", "openid")
	// R71/R74: authentication required.
	expectError(t, e.post("/oauth/introspect", url.Values{"token": {login.str("access_token")}}), http.StatusUnauthorized, "invalid_client")
	expectError(t, e.post("/oauth/introspect", url.Values{"token": {login.str("access_token")}, "client_id": {"cli"}, "client_secret": {"bad"}}), http.StatusUnauthorized, "invalid_client")
	auth := []string{"Authorization", basic("cli", "s3cr3t")}
	r := e.post("/oauth/introspect", url.Values{"token": {login.str("access_token")}}, auth...)
	if r.Status != http.StatusOK || r.JSON["active"] != true || r.str("username") != "alice" || r.str("client_id") != "cli" || r.str("token_type") != "access_token" {
		t.Fatalf("R72: %d %s", r.Status, r.Body)
	}
	r = e.post("/oauth/introspect", url.Values{"token": {login.str("refresh_token")}}, auth...)
	if r.JSON["active"] != true || r.str("token_type") != "refresh_token" {
		t.Fatalf("refresh: %s", r.Body)
	}
	// R73: anything else is just {"active":false}.
	for _, tok := range []string{"garbage", login.str("id_token")} {
		r = e.post("/oauth/introspect", url.Values{"token": {tok}}, auth...)
		if r.Status != http.StatusOK || strings.TrimSpace(string(r.Body)) != `{"active":false}` {
			t.Fatalf("R73: %d %s", r.Status, r.Body)
		}
	}
	e.post("/oauth/revoke", url.Values{"token": {login.str("access_token")}}, auth...)
	r = e.post("/oauth/introspect", url.Values{"token": {login.str("access_token")}}, auth...)
	if strings.TrimSpace(string(r.Body)) != `{"active":false}` {
		t.Fatalf("revoked token: %s", r.Body)
	}
}

func TestR80_R85_DiscoveryDocuments(t *testing.T) {
	e := newTestEnv(t)
	var docs []map[string]any
	for _, path := range []string{"/.well-known/openid-configuration", "/oauth/.well-known/openid-configuration",
		"/.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server/oauth"} {
		r := e.do(http.MethodGet, path, "")
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s: %d %v", path, r.Status, r.Header)
		}
		docs = append(docs, r.JSON)
	}
	for _, d := range docs[1:] {
		if !reflect.DeepEqual(d, docs[0]) {
			t.Fatalf("documents differ: %v vs %v", d, docs[0])
		}
	}
	d := docs[0]
	// R82: the issuer equals the tokens' iss.
	if d["issuer"] != testIssuer || decodeClaims(t, e.login().str("access_token"))["iss"] != d["issuer"] {
		t.Fatalf("issuer %v", d["issuer"])
	}
	for _, key := range []string{"token_endpoint", "response_types_supported", "authorization_endpoint", "jwks_uri",
		"id_token_signing_alg_values_supported", "subject_types_supported", "revocation_endpoint", "introspection_endpoint", "scopes_supported"} {
		if d[key] == nil {
			t.Fatalf("R83/R85: %s missing", key)
		}
	}
	if fmt.Sprint(d["grant_types_supported"]) != "[password refresh_token]" {
		t.Fatalf("R84: %v", d["grant_types_supported"])
	}
	if fmt.Sprint(d["token_endpoint_auth_methods_supported"]) != "[client_secret_basic client_secret_post]" {
		t.Fatalf("R85: %v", d["token_endpoint_auth_methods_supported"])
	}
	if r := e.do(http.MethodGet, "/oauth/authorize?response_type=code&client_id=cli", ""); r.Status != http.StatusBadRequest || r.str("error") != "unsupported_response_type" {
		t.Fatalf("authorize: %d %s", r.Status, r.Body)
	}
	for k, v := range d {
		if strings.Contains(fmt.Sprint(v), "none") {
			t.Fatalf("R85: %s contains none", k)
		}
		if arr, ok := v.([]any); ok && len(arr) == 0 {
			t.Fatalf("R81: empty array %s", k)
		}
	}
}

// Attack case 59: only public parameters, each key with kid, use, alg.
func TestJWKSHoldsOnlyPublicKeys(t *testing.T) {
	e := newTestEnv(t)
	r := e.do(http.MethodGet, "/oauth/keys", "")
	keys, _ := r.JSON["keys"].([]any)
	if r.Status != http.StatusOK || len(keys) != 1 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	k := keys[0].(map[string]any)
	for _, private := range []string{"d", "p", "q", "k"} {
		if _, ok := k[private]; ok {
			t.Fatalf("private parameter %s published", private)
		}
	}
	if k["kid"] == "" || k["use"] != "sig" || k["alg"] != "ES256" || k["kty"] != "EC" || k["crv"] != "P-256" {
		t.Fatalf("%v", k)
	}
	if !strings.Contains(r.Header.Get("Cache-Control"), "max-age=300") {
		t.Fatalf("attack 60: %q", r.Header.Get("Cache-Control"))
	}
}

func TestUserinfo(t *testing.T) {
	e := newTestEnv(t)
	r := e.do(http.MethodGet, "/oauth/userinfo", "")
	if r.Status != http.StatusUnauthorized || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("anonymous: %d", r.Status)
	}
	login := e.login()
	r = e.do(http.MethodGet, "/oauth/userinfo", "", "Authorization", "Bearer "+login.str("access_token"))
	if r.Status != http.StatusOK || r.str("sub") != "alice" || r.str("email") != "alice@example.com" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	// An ID token is not an access token.
	id := e.login("scope", "openid").str("id_token")
	if r := e.do(http.MethodGet, "/oauth/userinfo", "", "Authorization", "Bearer "+id); r.Status != http.StatusUnauthorized {
		t.Fatalf("ID token accepted: %d", r.Status)
	}
}

func TestIDTokenWithOpenIDScope(t *testing.T) {
	e := newTestEnv(t)
	if e.login().str("id_token") != "" {
		t.Fatal("id_token without openid")
	}
	r := e.login("scope", "openid profile email")
	c := decodeClaims(t, r.str("id_token"))
	if c["iss"] != testIssuer || c["sub"] != "alice" || fmt.Sprint(c["aud"]) != "[cli]" || c["email"] != "alice@example.com" || c["preferred_username"] != "alice" {
		t.Fatalf("%v", c)
	}
	if h := decodeHeader(t, r.str("id_token")); h["typ"] != "JWT" || h["alg"] != "ES256" {
		t.Fatalf("%v", h)
	}
}

func TestLogoutEndsTheSessionAndRedirectsOnlyToRegisteredURIs(t *testing.T) {
	e := newTestEnv(t)
	e.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	login := e.login()
	r := e.do(http.MethodGet, "/oauth/logout", "", "Authorization", "Bearer "+login.str("access_token"))
	if r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if e.verify(login.str("access_token")) == nil {
		t.Fatal("access token valid after logout")
	}
	expectError(t, e.refresh(login.str("refresh_token"), "cli", "s3cr3t"), http.StatusBadRequest, "invalid_grant")

	web := e.post("/oauth/token", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePassword}, "client_id": {"web"}, "client_secret": {"web-secret"}})
	// Open redirect refused (spec 3.11 #5).
	r = e.do(http.MethodGet, "/oauth/logout?post_logout_redirect_uri="+url.QueryEscape("https://evil.example.com/")+"&client_id=web", "")
	expectError(t, r, http.StatusBadRequest, "invalid_request")
	r = e.do(http.MethodPost, "/oauth/logout", "post_logout_redirect_uri="+url.QueryEscape("https://console.example.com/logged-out")+"&state=xyz",
		"Authorization", "Bearer "+web.str("access_token"))
	if r.Status != http.StatusFound || r.Header.Get("Location") != "https://console.example.com/logged-out?state=xyz" {
		t.Fatalf("%d %v", r.Status, r.Header.Get("Location"))
	}
	if e.verify(web.str("access_token")) == nil {
		t.Fatal("web session survived logout")
	}
	if r := e.do(http.MethodPut, "/oauth/logout", ""); r.Status != http.StatusMethodNotAllowed {
		t.Fatalf("PUT: %d", r.Status)
	}
}

func review(apiVersion, token string, audiences ...string) string {
	spec := map[string]any{"token": token}
	if len(audiences) > 0 {
		spec["audiences"] = audiences
	}
	data, _ := json.Marshal(map[string]any{"apiVersion": apiVersion, "kind": "TokenReview", "spec": spec})
	return string(data)
}

// R90-R96, attack cases 53-56: the TokenReview webhook.
func TestR90_R96_TokenReviewWebhook(t *testing.T) {
	e := newTestEnv(t)
	login := e.login()
	caller := []string{"Content-Type", "application/json", "X-Test-Reviewer", "kube-apiserver"}
	for _, v := range []string{"authentication.k8s.io/v1", "authentication.k8s.io/v1beta1"} {
		r := e.do(http.MethodPost, "/oauth/authenticate", review(v, login.str("access_token")), caller...)
		status, _ := r.JSON["status"].(map[string]any)
		u, _ := status["user"].(map[string]any)
		if r.Status != http.StatusOK || r.str("apiVersion") != v || r.str("kind") != "TokenReview" || status["authenticated"] != true ||
			u["username"] != "alice" || u["uid"] != "uid-alice" || fmt.Sprint(u["groups"]) != "[developers]" {
			t.Fatalf("R92 %s: %d %s", v, r.Status, r.Body)
		}
		if _, ok := status["audiences"]; ok {
			t.Fatalf("audiences without spec.audiences: %s", r.Body)
		}
	}
	// R93: audiences.
	r := e.do(http.MethodPost, "/oauth/authenticate", review("authentication.k8s.io/v1", login.str("access_token"), "https://kubernetes.default.svc", "other"), caller...)
	if fmt.Sprint(r.JSON["status"].(map[string]any)["audiences"]) != "[https://kubernetes.default.svc]" {
		t.Fatalf("R93: %s", r.Body)
	}
	r = e.do(http.MethodPost, "/oauth/authenticate", review("authentication.k8s.io/v1", login.str("access_token"), "https://other.cluster"), caller...)
	if r.JSON["status"].(map[string]any)["authenticated"] == true {
		t.Fatalf("R93: foreign audience accepted: %s", r.Body)
	}
	// R95, attack 54: bad tokens are 200 authenticated:false without error.
	for _, tok := range []string{"garbage", "", " " + login.str("access_token") + "\n", login.str("refresh_token")} {
		r := e.do(http.MethodPost, "/oauth/authenticate", review("authentication.k8s.io/v1", tok), caller...)
		status := r.JSON["status"].(map[string]any)
		if r.Status != http.StatusOK || status["authenticated"] == true || status["error"] != nil {
			t.Fatalf("%q: %d %s", tok, r.Status, r.Body)
		}
	}
	// Attack 53: unknown versions and kinds are 400.
	for _, body := range []string{review("authentication.k8s.io/v2", "x"), `{"apiVersion":"authentication.k8s.io/v1","kind":"SubjectAccessReview"}`, "not json"} {
		if r := e.do(http.MethodPost, "/oauth/authenticate", body, caller...); r.Status != http.StatusBadRequest {
			t.Fatalf("%s: %d", body, r.Status)
		}
	}
	// Attack 55: a caller who may not create TokenReviews is refused.
	if r := e.do(http.MethodPost, "/oauth/authenticate", review("authentication.k8s.io/v1", login.str("access_token")), "Content-Type", "application/json"); r.Status != http.StatusForbidden {
		t.Fatalf("attack 55: %d", r.Status)
	}
	// Attack 56: body over 1 MiB.
	if r := e.do(http.MethodPost, "/oauth/authenticate", review("authentication.k8s.io/v1", strings.Repeat("a", 2<<20)), caller...); r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("attack 56: %d", r.Status)
	}
	// Attack 51: after logout the review says no.
	e.do(http.MethodPost, "/oauth/logout", "", "Authorization", "Bearer "+login.str("access_token"))
	r = e.do(http.MethodPost, "/oauth/authenticate", review("authentication.k8s.io/v1", login.str("access_token")), caller...)
	if r.JSON["status"].(map[string]any)["authenticated"] == true {
		t.Fatal("attack 51: revoked token authenticated")
	}
}

type fakeDelegate struct{ called int }

func (f *fakeDelegate) AuthenticateRequest(*http.Request) (*authenticator.Response, bool, error) {
	f.called++
	return &authenticator.Response{User: &user.DefaultInfo{Name: "delegated"}}, true, nil
}

// Bearer tokens on ks-apiserver's own routes: ours are decided locally,
// others go to the delegating authenticator.
func TestRequestAuthenticator(t *testing.T) {
	e := newTestEnv(t)
	login := e.login()
	delegate := &fakeDelegate{}
	a := NewRequestAuthenticator(e.srv, delegate)
	req := httptest.NewRequest(http.MethodGet, "/apis/resources.kubesphere.io/v1alpha3/nodes", nil)
	req.Header.Set("Authorization", "Bearer "+login.str("access_token"))
	resp, ok, err := a.AuthenticateRequest(req)
	if err != nil || !ok || resp.User.GetName() != "alice" || fmt.Sprint(resp.User.GetGroups()) != "[developers system:authenticated]" {
		t.Fatalf("%v %v %+v", ok, err, resp)
	}
	if delegate.called != 0 {
		t.Fatal("our token was handed to the delegate")
	}
	// A token of ours that fails is not handed to the delegate.
	forged := e.forge(`{"alg":"ES256","typ":"at+jwt","kid":"KID"}`, e.claimsOf(login.str("access_token"), nil), false)
	req.Header.Set("Authorization", "Bearer "+forged)
	if _, ok, err := a.AuthenticateRequest(req); ok || err == nil || delegate.called != 0 {
		t.Fatalf("forged: %v %v", ok, err)
	}
	// Foreign tokens and other credentials go to the delegate.
	req.Header.Set("Authorization", "Bearer some.service-account.token")
	if resp, ok, _ := a.AuthenticateRequest(req); !ok || resp.User.GetName() != "delegated" {
		t.Fatal("foreign token not delegated")
	}
}
