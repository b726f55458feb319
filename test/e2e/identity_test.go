package e2e

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
	"github.com/ks-apiserver/ks-apiserver/pkg/generated/clientset/versioned"
	"github.com/ks-apiserver/ks-apiserver/pkg/oauth"
	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
)

// kubectlWith runs kubectl with kubeconfig (a token's, or another control
// plane's) and returns its combined output.
func kubectlWith(ctx context.Context, kubeconfig string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, kubectlBin, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// Issue 9 item 2 (the write): kube-apiserver refuses a User whose groups
// start with "system:", with a message saying why.
func TestUserWithSystemGroupIsRefused(t *testing.T) {
	for _, manifest := range []string{
		"apiVersion: iam.kubesphere.io/v1beta1\nkind: User\nmetadata: {name: e2e-masters}\nspec: {email: m@example.com, groups: [devs, \"system:masters\"]}\n",
		"apiVersion: iam.kubesphere.io/v1beta1\nkind: User\nmetadata: {name: e2e-masters}\nspec: {email: m@example.com, groups: [\"system:nodes\"]}\n",
	} {
		_, errOut, err := kubectl(t, "apply", "-f", writeTemp(t, manifest))
		if err == nil || !strings.Contains(errOut, `groups starting with "system:" are reserved by Kubernetes`) {
			t.Fatalf("User with a system: group: %v %s", err, errOut)
		}
	}
	mustKubectl(t, "apply", "-f", writeTemp(t, "apiVersion: iam.kubesphere.io/v1beta1\nkind: User\nmetadata: {name: e2e-masters}\nspec: {email: m@example.com, groups: [devs]}\n"))
	defer kubectl(t, "delete", "user", "e2e-masters")
	if _, errOut, err := kubectl(t, "patch", "user", "e2e-masters", "--type=merge", "-p", `{"spec":{"groups":["devs","system:masters"]}}`); err == nil || !strings.Contains(errOut, "reserved by Kubernetes") {
		t.Fatalf("patch adding system:masters: %v %s", err, errOut)
	}
}

// Issue 9 item 2 (the tokens), on a control plane of its own whose token
// webhook is a ks-apiserver started here: a User that carries
// system:masters from before the CRD refused it (the rule is removed while
// it is written, then put back, as on an upgraded cluster) logs in, and
// through kube-apiserver its token is no cluster-admin. Then the same
// cluster with --oauth-username-prefix and --oauth-groups-prefix: kubectl
// auth whoami shows the prefixed identity, and an account named like the
// x509 CN "admin" does not get the CN's rights on either server.
func TestReservedGroupsAndPrefixesThroughKubeAPIServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cp2, err := controlplane.Start(ctx, controlplane.Config{BinDir: binDir, TokenWebhook: &controlplane.TokenWebhook{CacheTTL: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer cp2.Stop()
	artifacts := filepath.Join(repoRoot(), "artifacts", "deploy")
	if err := cp2.InstallCRDs(ctx, artifacts); err != nil {
		t.Fatal(err)
	}
	// The users an old cluster may hold: written without the groups rule.
	crds := apiextensionsclient.NewForConfigOrDie(cp2.Admin)
	rulePath := "/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/groups/items/x-kubernetes-validations"
	if _, err := crds.ApiextensionsV1().CustomResourceDefinitions().Patch(ctx, "users.iam.kubesphere.io", types.JSONPatchType,
		[]byte(`[{"op":"remove","path":"`+rulePath+`"}]`), metav1.PatchOptions{}); err != nil {
		t.Fatalf("removing the groups rule: %v", err)
	}
	iam := versioned.NewForConfigOrDie(cp2.Admin)
	hash, _ := bcrypt.GenerateFromPassword([]byte("Mallory-Pa55"), bcrypt.MinCost)
	users := map[string][]string{"mallory": {"system:masters", "devs"}, "admin": {"devs"}}
	for name, groups := range users {
		u := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: iamv1beta1.UserSpec{Email: name + "@example.com", Groups: groups, EncryptedPassword: string(hash)}}
		// The CRD's new schema takes a moment to apply.
		if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			_, err := iam.IamV1beta1().Users().Create(ctx, u, metav1.CreateOptions{})
			return err == nil, nil
		}); err != nil {
			t.Fatalf("creating %s: %v", name, err)
		}
	}
	if err := cp2.InstallCRDs(ctx, artifacts); err != nil { // the rule is back
		t.Fatal(err)
	}
	if crd, err := crds.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, "users.iam.kubesphere.io", metav1.GetOptions{}); err != nil ||
		len(crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["groups"].Items.Schema.XValidations) == 0 {
		t.Fatalf("the groups rule was not restored: %v", err)
	}
	// The x509 CN "admin" is cluster-admin, as on many clusters.
	core := kubernetes.NewForConfigOrDie(cp2.Admin)
	if _, err := core.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "x509-admin"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "User", Name: "admin"}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	start := func(name string, args ...string) *controlplane.KSAPIServer {
		t.Helper()
		s, err := cp2.RunKSAPIServer(ctx, controlplane.KSConfig{
			Binary: ksBin, ArtifactsDir: artifacts, Name: name, Port: controlplane.Port{Number: cp2.TokenWebhookPort},
			ExtraArgs: append([]string{"--oauth-ip-burst=1000"}, args...),
		})
		if err != nil {
			t.Fatal(err)
		}
		client, _ := s.HTTPClient()
		if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 90*time.Second, true, func(ctx context.Context) (bool, error) {
			resp, err := client.Get(s.URL + "/readyz")
			if err != nil {
				return false, nil
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK, nil
		}); err != nil {
			t.Fatalf("%s not ready", name)
		}
		return s
	}
	kubeconfigFor := func(s *controlplane.KSAPIServer, user, password string) string {
		t.Helper()
		tok := requestToken(t, s, passwordBody(user, password))
		if tok.Status != http.StatusOK {
			t.Fatalf("login %s: %d %s", user, tok.Status, tok.Body)
		}
		path, err := cp2.ClientKubeconfig("identity-"+user+"-"+tok.AccessToken[len(tok.AccessToken)-8:], tok.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		return path
	}
	whoami := func(kubeconfig string) string {
		t.Helper()
		out, err := kubectlWith(ctx, kubeconfig, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}")
		if err != nil {
			t.Fatalf("whoami: %v %s", err, out)
		}
		return out
	}
	mustNotEscalate := func(kubeconfig, who string) {
		t.Helper()
		if out, err := kubectlWith(ctx, kubeconfig, "auth", "can-i", "*", "*", "-A"); err == nil || strings.TrimSpace(out) != "no" {
			t.Errorf("%s: can-i '*' '*' -A: %v %q", who, err, out)
		}
		if out, err := kubectlWith(ctx, kubeconfig, "get", "secrets", "-n", "kubesphere-system"); err == nil || !strings.Contains(out, "Forbidden") {
			t.Errorf("%s reads secrets in kubesphere-system: %v %s", who, err, out)
		}
	}

	// KubeSphere's defaults: no prefixes.
	plain := start("ks-identity-plain")
	mallory := kubeconfigFor(plain, "mallory", "Mallory-Pa55")
	if got := whoami(mallory); got != `mallory ["devs","system:authenticated"]` {
		t.Errorf("whoami: %q, want mallory with devs and system:authenticated only", got)
	}
	mustNotEscalate(mallory, "mallory")
	// The leader reports the User it cannot fix by itself.
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(context.Context) (bool, error) {
		log, _ := os.ReadFile(plain.Process.LogFile)
		return bytes.Contains(log, []byte(`lists reserved groups`)) && bytes.Contains(log, []byte(`user="mallory"`)), nil
	}); err != nil {
		t.Error("the leader did not report mallory's reserved groups")
	}
	if u, _ := iam.IamV1beta1().Users().Get(ctx, "mallory", metav1.GetOptions{}); len(u.Spec.Groups) != 2 {
		t.Errorf("mallory's groups were rewritten: %v", u.Spec.Groups)
	}
	plain.Process.Stop(10 * time.Second)

	// With prefixes: one identity on kube-apiserver and on ks-apiserver.
	prefixed := start("ks-identity-prefixed", "--oauth-username-prefix=kubesphere:", "--oauth-groups-prefix=kubesphere:")
	defer prefixed.Process.Stop(10 * time.Second)
	mallory = kubeconfigFor(prefixed, "mallory", "Mallory-Pa55")
	if got := whoami(mallory); got != `kubesphere:mallory ["kubesphere:devs","system:authenticated"]` {
		t.Errorf("prefixed whoami: %q", got)
	}
	mustNotEscalate(mallory, "kubesphere:mallory")
	admin := kubeconfigFor(prefixed, "admin", "Mallory-Pa55")
	if got := whoami(admin); got != `kubesphere:admin ["kubesphere:devs","system:authenticated"]` {
		t.Errorf("prefixed whoami of admin: %q", got)
	}
	mustNotEscalate(admin, "the account admin")
	tok := requestToken(t, prefixed, passwordBody("admin", "Mallory-Pa55"))
	status, body := bearerGet(t, prefixed, "/apis/resources.kubesphere.io/v1alpha3/nodes", tok.AccessToken)
	if status != http.StatusForbidden || !strings.Contains(body, `User \"kubesphere:admin\" cannot`) {
		t.Errorf("the account admin on ks-apiserver's own route: %d %.300s", status, body)
	}
}

// Issue 9 item 7 (startup): an access-token audience equal to a client id
// (the old default "kubesphere") stops ks-apiserver with both named.
func TestAudienceEqualToClientIDRefusedAtStartup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	s, err := cp.RunKSAPIServer(ctx, controlplane.KSConfig{
		Binary: ksBin, ArtifactsDir: filepath.Join(repoRoot(), "artifacts", "deploy"), Name: "ks-audience-collision",
		ExtraArgs: append(append([]string{}, oauthArgs...), "--oauth-audiences=kubesphere,https://kubernetes.default.svc"),
	})
	if s != nil {
		defer s.Process.Stop(5 * time.Second)
	}
	if err == nil {
		t.Fatal("ks-apiserver started with the audience kubesphere")
	}
	log, _ := os.ReadFile(filepath.Join(cp.Dir, "ks-audience-collision.log"))
	msg := err.Error() + string(log)
	if !strings.Contains(msg, `audience \"kubesphere\" is also the id of OAuth client \"kubesphere\"`) &&
		!strings.Contains(msg, `audience "kubesphere" is also the id of OAuth client "kubesphere"`) {
		t.Fatalf("no clear error: %v", err)
	}
}

// Issue 9 item 8: kubectl apply of a User puts spec.password (plaintext or
// hash) into kubectl's last-applied annotation. A watcher of
// users.resources.kubesphere.io never sees it, nor does a get, and the
// leader removes the annotation upstream, also when the password applied
// was already a hash.
func TestLastAppliedPasswordNeverServedAndStripped(t *testing.T) {
	const plaintext = "E2e-Plain-Secret-8"
	hashed, _ := bcrypt.GenerateFromPassword([]byte("E2e-Hashed-Secret-8"), bcrypt.MinCost)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// The watch through kube-apiserver's aggregation, opened first.
	core := kubernetes.NewForConfigOrDie(cp.Admin)
	stream, err := core.Discovery().RESTClient().Get().AbsPath("/apis/resources.kubesphere.io/v1alpha3/users").
		Param("watch", "true").Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var mu sync.Mutex
	var events []string
	go func() {
		sc := bufio.NewScanner(stream)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			mu.Lock()
			events = append(events, sc.Text())
			mu.Unlock()
		}
	}()

	manifest := "apiVersion: iam.kubesphere.io/v1beta1\nkind: User\nmetadata: {name: e2e-applied-plain}\nspec: {email: p@example.com, password: \"" + plaintext + "\"}\n" +
		"---\napiVersion: iam.kubesphere.io/v1beta1\nkind: User\nmetadata: {name: e2e-applied-hash}\nspec: {email: h@example.com, password: \"" + string(hashed) + "\"}\n"
	mustKubectl(t, "apply", "-f", writeTemp(t, manifest))
	defer kubectl(t, "delete", "user", "e2e-applied-plain", "e2e-applied-hash")

	iam := versioned.NewForConfigOrDie(cp.Admin)
	for _, name := range []string{"e2e-applied-plain", "e2e-applied-hash"} {
		var last *iamv1beta1.User
		if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
			u, err := iam.IamV1beta1().Users().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			last = u
			_, applied := u.Annotations["kubectl.kubernetes.io/last-applied-configuration"]
			_, err = bcrypt.Cost([]byte(u.Spec.EncryptedPassword))
			return !applied && err == nil, nil
		}); err != nil {
			t.Fatalf("%s upstream still has the last-applied annotation or a plaintext: %v", name, last.Annotations)
		}
		// The served object, now and as the watch delivered it.
		out := mustKubectl(t, "get", "users.resources.kubesphere.io", name, "-o", "json")
		for _, leak := range []string{plaintext, "$2a$", "last-applied", "password"} {
			if strings.Contains(out, leak) {
				t.Errorf("served %s contains %q", name, leak)
			}
		}
	}
	// Both users' final versions reached the watcher: its events are all
	// there is to check.
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, e := range events {
			if strings.Contains(e, `"MODIFIED"`) && (strings.Contains(e, `"e2e-applied-plain"`) || strings.Contains(e, `"e2e-applied-hash"`)) {
				n++
			}
		}
		return n >= 2, nil
	}); err != nil {
		t.Fatalf("the watch did not deliver the updates: %d events", len(events))
	}
	mu.Lock()
	defer mu.Unlock()
	seen := 0
	for _, e := range events {
		if !strings.Contains(e, "e2e-applied-") {
			continue
		}
		seen++
		for _, leak := range []string{plaintext, "$2a$", "last-applied", "password"} {
			if strings.Contains(e, leak) {
				t.Errorf("watch event contains %q: %.200s", leak, e)
			}
		}
	}
	t.Logf("%d watch events of the applied users checked", seen)
}

// Issue 9 item 11: a user whose hash is older than the server's cost (4
// here, 10 by default) logs in; its stored hash becomes the configured cost,
// and the token it got keeps working, on ks-apiserver and through
// kube-apiserver, as does its refresh token.
func TestLoginRehashesOldHash(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const password = "E2e-Old-Cost-11"
	hash, _ := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	iam := versioned.NewForConfigOrDie(cp.Admin)
	if _, err := iam.IamV1beta1().Users().Create(ctx, &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "e2e-old-cost"},
		Spec: iamv1beta1.UserSpec{Email: "old@example.com", EncryptedPassword: string(hash)}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	defer iam.IamV1beta1().Users().Delete(context.Background(), "e2e-old-cost", metav1.DeleteOptions{})
	var tok tokenAnswer
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		tok = requestToken(t, ks, passwordBody("e2e-old-cost", password)) // once the watch has the user
		return tok.Status == http.StatusOK, nil
	}); err != nil {
		t.Fatalf("login: %d %s", tok.Status, tok.Body)
	}
	var stored *iamv1beta1.User
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		u, err := iam.IamV1beta1().Users().Get(ctx, "e2e-old-cost", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		stored = u
		c, _ := bcrypt.Cost([]byte(u.Spec.EncryptedPassword))
		return c == bcrypt.DefaultCost, nil
	}); err != nil {
		t.Fatalf("the stored hash stayed at cost 4: %v", stored.Annotations)
	}
	if bcrypt.CompareHashAndPassword([]byte(stored.Spec.EncryptedPassword), []byte(password)) != nil {
		t.Fatal("the new hash is not of the same password")
	}
	if stored.Annotations[oauth.AnnotationCredential] == "" {
		t.Errorf("no %s annotation", oauth.AnnotationCredential)
	}
	// Every replica's cache has the new hash once ks-apiserver's own read
	// shows it; the token must keep working after that, not just before.
	kubeconfig, err := cp.ClientKubeconfig("e2e-old-cost", tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		out := mustKubectl(t, "get", "users.resources.kubesphere.io", "e2e-old-cost", "-o", "jsonpath={.metadata.resourceVersion}")
		return out == stored.ResourceVersion, nil
	}); err != nil {
		t.Fatal("ks-apiserver's cache did not get the rehashed user")
	}
	if status, body := bearerGet(t, ks, "/oauth/userinfo", tok.AccessToken); status != http.StatusOK {
		t.Fatalf("userinfo after the rehash: %d %s", status, body)
	}
	if out, err := kubectlWith(ctx, kubeconfig, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"); err != nil || out != "e2e-old-cost" {
		t.Fatalf("whoami through kube-apiserver after the rehash: %v %s", err, out)
	}
	if r := requestToken(t, ks, refreshBody(tok.RefreshToken)); r.Status != http.StatusOK {
		t.Fatalf("refresh after the rehash: %d %s", r.Status, r.Body)
	}
}
