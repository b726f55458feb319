package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/crypto/bcrypt"
	"k8s.io/apiserver/pkg/authentication/user"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
)

// tokenIdentity is what each consumer of an access token sees: the
// TokenReview answer, the authenticator of ks-apiserver's own routes,
// userinfo and the id_token.
type tokenIdentity struct {
	reviewName, authName       string
	reviewGroups, authGroups   []string
	userinfoGroups, idTokGroup []string
}

func (e *testEnv) identityOf(username, password string) tokenIdentity {
	e.t.Helper()
	r := e.post("/oauth/token", url.Values{"grant_type": {"password"}, "username": {username}, "password": {password},
		"client_id": {"cli"}, "client_secret": {"s3cr3t"}, "scope": {"openid profile"}})
	if r.Status != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", username, r.Status, r.Body)
	}
	access := r.str("access_token")
	var out tokenIdentity
	rv := e.do(http.MethodPost, "/oauth/authenticate", review("authentication.k8s.io/v1", access, "https://kubernetes.default.svc"),
		"Content-Type", "application/json", "X-Test-Reviewer", "kube-apiserver")
	var tr struct {
		Status struct {
			Authenticated bool
			User          struct {
				Username string
				Groups   []string
			}
		}
	}
	if err := json.Unmarshal(rv.Body, &tr); err != nil || !tr.Status.Authenticated {
		e.t.Fatalf("review: %s", rv.Body)
	}
	out.reviewName, out.reviewGroups = tr.Status.User.Username, tr.Status.User.Groups

	req := httptest.NewRequest(http.MethodGet, "/apis/resources.kubesphere.io/v1alpha3/pods", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, ok, err := NewRequestAuthenticator(e.srv, nil).AuthenticateRequest(req)
	if err != nil || !ok {
		e.t.Fatalf("authenticator: %v %v", ok, err)
	}
	out.authName, out.authGroups = resp.User.GetName(), resp.User.GetGroups()

	ui := e.do(http.MethodGet, "/oauth/userinfo", "", "Authorization", "Bearer "+access)
	for _, g := range asSlice(ui.JSON["groups"]) {
		out.userinfoGroups = append(out.userinfoGroups, fmt.Sprint(g))
	}
	var claims map[string]any
	payload, _ := b64.DecodeString(strings.Split(r.str("id_token"), ".")[1])
	_ = json.Unmarshal(payload, &claims)
	for _, g := range asSlice(claims["groups"]) {
		out.idTokGroup = append(out.idTokGroup, fmt.Sprint(g))
	}
	return out
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// Issue 9 item 2: a User whose spec.groups name system:masters (written
// before the CRD refused them, or without its validation) must not become
// cluster-admin: reserved groups are dropped everywhere a token speaks.
func TestReservedGroupsAreNeverIssued(t *testing.T) {
	e := newTestEnv(t)
	e.users.Put(testUser(t, "mallory", "Mallory-Pa55", bcrypt.MinCost, iamv1beta1.UserActive,
		"system:masters", "developers", "system:nodes", "system:authenticated"))
	id := e.identityOf("mallory", "Mallory-Pa55")
	want := []string{"developers"}
	if id.reviewName != "mallory" || !slices.Equal(id.reviewGroups, want) {
		t.Errorf("TokenReview: %s %v, want mallory %v", id.reviewName, id.reviewGroups, want)
	}
	if id.authName != "mallory" || !slices.Equal(id.authGroups, []string{"developers", user.AllAuthenticated}) {
		t.Errorf("own routes: %s %v", id.authName, id.authGroups)
	}
	if !slices.Equal(id.userinfoGroups, want) || !slices.Equal(id.idTokGroup, want) {
		t.Errorf("userinfo %v, id_token %v, want %v", id.userinfoGroups, id.idTokGroup, want)
	}
	// The cached User keeps what was written (the leader reports it).
	if u, _ := e.users.User("mallory"); len(u.Spec.Groups) != 4 {
		t.Errorf("cached user changed: %v", u.Spec.Groups)
	}
}

// The prefixes apply alike on ks-apiserver's own routes and in TokenReview
// answers (one token, one identity); userinfo and id_token stay unprefixed,
// as an OIDC relying party applies its own.
func TestUsernameAndGroupsPrefixes(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.UsernamePrefix, c.GroupsPrefix = "kubesphere:", "kubesphere:" })
	e.users.Put(testUser(t, "admin", "Admin-Pa55", bcrypt.MinCost, iamv1beta1.UserActive, "developers", "system:masters"))
	id := e.identityOf("admin", "Admin-Pa55")
	if id.reviewName != "kubesphere:admin" || !slices.Equal(id.reviewGroups, []string{"kubesphere:developers"}) {
		t.Errorf("TokenReview: %s %v", id.reviewName, id.reviewGroups)
	}
	if id.authName != "kubesphere:admin" || !slices.Equal(id.authGroups, []string{"kubesphere:developers", user.AllAuthenticated}) {
		t.Errorf("own routes: %s %v", id.authName, id.authGroups)
	}
	if !slices.Equal(id.userinfoGroups, []string{"developers"}) || !slices.Equal(id.idTokGroup, []string{"developers"}) {
		t.Errorf("userinfo %v, id_token %v", id.userinfoGroups, id.idTokGroup)
	}
}

func TestValidatePrefix(t *testing.T) {
	for p, ok := range map[string]bool{
		"": true, "kubesphere:": true, "oauth:": true, "https://ks.example.com#:": true,
		":": false, "kubesphere": false, "kubesphere-": false, "system:": false, "System:ks:": false, "ks :": false, "ks\n:": false,
	} {
		if err := validatePrefix("--oauth-username-prefix", p); (err == nil) != ok {
			t.Errorf("%q: %v, want ok=%v", p, err, ok)
		}
	}
	o := NewOptions()
	o.UsernamePrefix, o.GroupsPrefix = "admin", "system:"
	if errs := o.Validate(); len(errs) != 2 {
		t.Errorf("Validate: %v", errs)
	}
}

// Issue 9 item 7: an access-token audience equal to a client id is refused
// at startup, naming both; the defaults do not collide.
func TestAudienceMayNotBeAClientID(t *testing.T) {
	cfg := testConfig(t, NewMemoryStore(), NewMemoryUsers(), &clock{})
	cfg.Audiences = []string{"kubesphere", "https://kubernetes.default.svc"}
	_, err := New(cfg)
	if err == nil || !strings.Contains(err.Error(), `audience "kubesphere"`) || !strings.Contains(err.Error(), `client "kubesphere"`) {
		t.Fatalf("colliding audience: %v", err)
	}
	cfg.Audiences = []string{"https://ks.example.com", "cli"}
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), `"cli"`) {
		t.Fatalf("colliding second audience: %v", err)
	}
	o := NewOptions()
	if errs := o.Validate(); len(errs) != 0 {
		t.Fatalf("defaults: %v", errs)
	}
	if got := DefaultAudiences(o.Issuer); !slices.Equal(got, []string{"https://ks-apiserver.kubesphere-system.svc", "https://kubernetes.default.svc"}) {
		t.Fatalf("default audiences %v", got)
	}
	cfg.Audiences = DefaultAudiences(testIssuer)
	if _, err := New(cfg); err != nil {
		t.Fatal(err)
	}
}

// Issue 9 item 7: go-oidc's ID-token verifier for the kubesphere client
// refuses an access token (it checks aud against the client id and ignores
// typ at+jwt), and accepts the real id_token of scope openid.
func TestGoOIDCRefusesAccessTokenAsIDToken(t *testing.T) {
	e := newTestEnv(t)
	r := e.post("/oauth/token", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePassword},
		"client_id": {DefaultClientID}, "client_secret": {"kubesphere"}, "scope": {"openid"}})
	if r.Status != http.StatusOK || r.str("id_token") == "" {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	// go-oidc reads the server's published JWKS itself.
	ctx := oidc.ClientContext(context.Background(), e.client)
	keySet := oidc.NewRemoteKeySet(ctx, e.ts.URL+"/oauth/keys")
	verifier := oidc.NewVerifier(testIssuer, keySet, &oidc.Config{
		ClientID: DefaultClientID, SupportedSigningAlgs: []string{oidc.ES256}, Now: e.clock.Now,
	})
	if _, err := verifier.Verify(ctx, r.str("access_token")); err == nil || !strings.Contains(err.Error(), "audience") {
		t.Fatalf("access token accepted as an ID token (or refused for another reason): %v", err)
	}
	idt, err := verifier.Verify(ctx, r.str("id_token"))
	if err != nil || idt.Subject != "alice" {
		t.Fatalf("id_token refused: %v", err)
	}
	// The check can fail: with the old audiences (startup now refuses them),
	// the same verifier takes an access token for an ID token.
	e.srv.cfg.Audiences = []string{DefaultClientID, KubernetesAudience}
	r = e.login()
	if _, err := verifier.Verify(ctx, r.str("access_token")); err != nil {
		t.Fatalf("control: an access token with aud kubesphere was refused: %v", err)
	}
}
