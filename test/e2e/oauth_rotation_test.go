package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
)

// Signing keys rotate through the shared Secret: a new key is published in
// the JWKS before it signs, then signs new tokens, and tokens signed by the
// old key keep working. The instance keeps its OAuth state in a namespace
// of its own (its own keys, lease and sessions), with a 20 s rotation.
func TestOAuthKeyRotationThroughTheSecret(t *testing.T) {
	ctx := context.Background()
	ensureAdmin(t)
	client := kubernetes.NewForConfigOrDie(cp.Admin)
	ns := uniqueName("oauth-rotation")
	if err := controlplane.CreateNamespace(ctx, client, ns, nil); err != nil {
		t.Fatal(err)
	}
	// The same rights ks-apiserver has on its OAuth namespace, here.
	role, err := client.RbacV1().Roles("kubesphere-system").Get(ctx, "ks-apiserver-oauth", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: role.Name}, Rules: role.Rules,
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: role.Name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "ks-apiserver", Namespace: "kubesphere-system"}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	r, err := cp.RunKSAPIServer(ctx, controlplane.KSConfig{
		Binary: ks.Process.Args()[0], ArtifactsDir: filepath.Join(repoRoot(), "artifacts", "deploy"),
		Name: "ks-oauth-rotation",
		ExtraArgs: append(slices.Clone(oauthArgs), "--oauth-namespace="+ns,
			"--oauth-key-rotation-period=20s", "--oauth-key-publish-lead=5s"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Process.Stop(5 * time.Second)
	httpClient, _ := r.HTTPClient()
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		resp, err := httpClient.Get(r.URL + "/readyz")
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	}); err != nil {
		t.Fatalf("rotation instance not ready: %v", err)
	}

	first := requestToken(t, r, seedBody)
	if first.Status != http.StatusOK {
		t.Fatalf("token: %d %s", first.Status, first.Body)
	}
	oldKid := tokenKid(t, first.AccessToken)
	if kids := jwksKids(t, r); !slices.Equal(kids, []string{oldKid}) {
		t.Fatalf("JWKS at start: %v, want only the signing key %s", kids, oldKid)
	}

	// The leader publishes the next key at its first maintenance round after
	// 15 s (period - lead), 5 s before it signs.
	var newKid string
	publishedFirst := false // a second key seen in the JWKS while tokens still used the first
	err = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 90*time.Second, true, func(context.Context) (bool, error) {
		tok := requestToken(t, r, seedBody)
		if tok.Status != http.StatusOK {
			return false, fmt.Errorf("token: %d %s", tok.Status, tok.Body)
		}
		kid := tokenKid(t, tok.AccessToken)
		kids := jwksKids(t, r)
		if !slices.Contains(kids, kid) {
			return false, fmt.Errorf("a token is signed by %s, which the JWKS %v does not publish", kid, kids)
		}
		if kid != oldKid {
			newKid = kid
			return true, nil
		}
		publishedFirst = publishedFirst || len(kids) > 1
		return false, nil
	})
	if err != nil {
		t.Fatalf("no new signing key: %v", err)
	}
	if !publishedFirst {
		t.Error("the new key signed before the JWKS published it")
	}
	if kids := jwksKids(t, r); !slices.Contains(kids, oldKid) || !slices.Contains(kids, newKid) {
		t.Errorf("JWKS after rotation: %v, want the old key %s kept beside the new %s", kids, oldKid, newKid)
	}
	if status, body := bearerGet(t, r, "/kapis/resources.kubesphere.io/v1alpha3/nodes", first.AccessToken); status != http.StatusOK {
		t.Errorf("a token of the old key after rotation: %d %.200s", status, body)
	}
}

// tokenKid reads the key id of a JWT's header.
func tokenKid(t *testing.T, jwt string) string {
	t.Helper()
	header, _, _ := strings.Cut(jwt, ".")
	data, err := base64.RawURLEncoding.DecodeString(header)
	var h struct {
		Kid string `json:"kid"`
	}
	if err != nil || json.Unmarshal(data, &h) != nil || h.Kid == "" {
		t.Fatalf("no kid in %q", header)
	}
	return h.Kid
}

// jwksKids lists the key ids the server publishes, sorted.
func jwksKids(t *testing.T, server *controlplane.KSAPIServer) []string {
	t.Helper()
	status, body := bearerGet(t, server, "/oauth/keys", "")
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if status != http.StatusOK || json.Unmarshal([]byte(body), &set) != nil {
		t.Fatalf("/oauth/keys: %d %s", status, body)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.Kid)
	}
	slices.Sort(kids)
	return kids
}
