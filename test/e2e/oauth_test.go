package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
	"github.com/ks-apiserver/ks-apiserver/pkg/generated/clientset/versioned"
	"github.com/ks-apiserver/ks-apiserver/pkg/oauth"
	"github.com/ks-apiserver/ks-apiserver/pkg/oauth/storetest"
	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
)

// oauthArgs are the OAuth flags of every ks-apiserver in the suite: the
// shared issuer is the default; a short refresh grace keeps reuse tests
// quick, and a generous per-IP budget lets the suite log in often from
// 127.0.0.1.
var oauthArgs = []string{"--oauth-refresh-grace=1s", "--oauth-ip-burst=1000"}

// seedBody is the seed's form, byte for byte.
// replicaBound is how long a change made through one replica may take to
// reach the other: generous for a loaded machine; the tests log the time
// they measured (the design's figure is a watch round-trip).
const replicaBound = 30 * time.Second

const seedBody = "grant_type=password&username=admin&password=P%23%24%24w0rd&client_id=kubesphere&client_secret=kubesphere"

type tokenAnswer struct {
	Status       int
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	Error        string `json:"error"`
	Body         string
}

func postForm(t *testing.T, server *controlplane.KSAPIServer, path, body string, header ...string) (*http.Response, string) {
	t.Helper()
	client, err := server.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, server.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

func requestToken(t *testing.T, server *controlplane.KSAPIServer, body string) tokenAnswer {
	t.Helper()
	resp, data := postForm(t, server, "/oauth/token", body)
	var a tokenAnswer
	_ = json.Unmarshal([]byte(data), &a)
	a.Status, a.Body = resp.StatusCode, data
	return a
}

func passwordBody(user, password string) string {
	return url.Values{"grant_type": {"password"}, "username": {user}, "password": {password},
		"client_id": {"kubesphere"}, "client_secret": {"kubesphere"}}.Encode()
}

func refreshBody(token string) string {
	return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}, "client_id": {"kubesphere"}, "client_secret": {"kubesphere"}}.Encode()
}

// bearerGet sends GET path with a bearer token and returns the status.
func bearerGet(t *testing.T, server *controlplane.KSAPIServer, path, token string) (int, string) {
	t.Helper()
	client, err := server.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, server.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

var adminOnce sync.Once

// ensureAdmin creates the seed's admin user the way an administrator would
// with kubectl: a plaintext password in spec.password, which ks-apiserver
// replaces by its hash; and binds it to cluster-admin.
func ensureAdmin(t *testing.T) {
	t.Helper()
	adminOnce.Do(func() {
		mustKubectl(t, "apply", "-f", writeTemp(t, `apiVersion: iam.kubesphere.io/v1beta1
kind: User
metadata: {name: admin}
spec: {email: admin@example.com, password: "P#$$w0rd"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: oauth-e2e-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: admin}]
`))
	})
	iam := versioned.NewForConfigOrDie(cp.Admin)
	var last *iamv1beta1.User
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		u, err := iam.IamV1beta1().Users().Get(ctx, "admin", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		last = u
		_, err = bcrypt.Cost([]byte(u.Spec.EncryptedPassword))
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("the plaintext password was not replaced by a hash: %+v", last)
	}
	if strings.Contains(fmt.Sprint(last.Annotations), "P#$$w0rd") {
		t.Fatalf("the plaintext survives in an annotation: %v", last.Annotations)
	}
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "manifest.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The seed's flow: the form-encoded password grant with the well-known
// client, then the resources API with the bearer token on ks-apiserver's
// own port, authorized through delegated authorization like any request.
func TestOAuthSeedFlow(t *testing.T) {
	ensureAdmin(t)
	tok := requestToken(t, ks, seedBody)
	if tok.Status != http.StatusOK || tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn != 7200 {
		t.Fatalf("token: %d %s", tok.Status, tok.Body)
	}
	status, body := bearerGet(t, ks, "/apis/resources.kubesphere.io/v1alpha3/nodes", tok.AccessToken)
	if status != http.StatusOK || !strings.Contains(body, `"node-1"`) {
		t.Fatalf("nodes with the admin's token: %d %.300s", status, body)
	}
	// The seed's own URL.
	if status, body := bearerGet(t, ks, "/kapis/resources.kubesphere.io/v1alpha3/nodes", tok.AccessToken); status != http.StatusOK || !strings.Contains(body, "node-1") {
		t.Fatalf("/kapis nodes with the admin's token: %d %.300s", status, body)
	}
	// A forged or anonymous caller gets nothing.
	if status, _ := bearerGet(t, ks, "/apis/resources.kubesphere.io/v1alpha3/nodes", tok.AccessToken[:len(tok.AccessToken)-4]+"AAAA"); status != http.StatusUnauthorized {
		t.Fatalf("forged token: %d", status)
	}
	// The identity is authorized, not just authenticated: alice may not list
	// nodes (she may with her own RBAC only what kubectl would allow her).
	alice := requestToken(t, ks, passwordBody("alice", "demo-alice-password"))
	if alice.Status != http.StatusOK {
		t.Fatalf("alice: %d %s", alice.Status, alice.Body)
	}
	if status, body := bearerGet(t, ks, "/apis/resources.kubesphere.io/v1alpha3/nodes", alice.AccessToken); status != http.StatusForbidden {
		t.Fatalf("alice listing nodes: %d %.300s", status, body)
	}
	// Disabled and locked demo users cannot log in, with the answer of a
	// wrong password.
	for _, c := range []struct{ user, pw string }{{"bob", "demo-bob-password"}, {"carol", "demo-carol-password"}, {"alice", "wrong"}, {"nobody", "x"}} {
		if a := requestToken(t, ks, passwordBody(c.user, c.pw)); a.Status != http.StatusBadRequest || a.Error != "invalid_grant" {
			t.Fatalf("%s: %d %s", c.user, a.Status, a.Body)
		}
	}
	// Discovery is public and its issuer is the tokens' issuer.
	status, body = bearerGet(t, ks, "/.well-known/openid-configuration", "")
	if status != http.StatusOK || !strings.Contains(body, `"issuer":"https://ks-apiserver.kubesphere-system.svc/oauth"`) {
		t.Fatalf("discovery: %d %s", status, body)
	}
	// The password is never served by the resources API.
	if _, body := bearerGet(t, ks, "/apis/resources.kubesphere.io/v1alpha3/users/admin", tok.AccessToken); strings.Contains(body, "$2a$") {
		t.Fatalf("password hash served: %s", body)
	}
}

// kube-apiserver with ks-apiserver as its token webhook (cache TTL 2 s):
// kubectl --token works, and stops working after logout. kube-apiserver
// also caches successful token authentications for 10 s whatever the
// webhook TTL (TokenSuccessCacheTTL, not a flag), so that is the bound.
func TestOAuthKubectlTokenThroughKubeAPIServerWebhook(t *testing.T) {
	ensureAdmin(t)
	tok := requestToken(t, ks, seedBody)
	if tok.Status != http.StatusOK {
		t.Fatalf("%d %s", tok.Status, tok.Body)
	}
	kubeconfig, err := cp.ClientKubeconfig("oauth-webhook-test", tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		out, err := exec.Command(kubectlBin, append([]string{"--kubeconfig", kubeconfig}, args...)...).CombinedOutput()
		return string(out), err
	}
	if out, err := run("auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}"); err != nil || !strings.HasPrefix(out, "admin ") || !strings.Contains(out, "system:authenticated") {
		t.Fatalf("whoami: %v %s", err, out)
	}
	if out, err := run("get", "nodes", "-o", "name"); err != nil || !strings.Contains(out, "node/node-1") {
		t.Fatalf("get nodes: %v %s", err, out)
	}
	// Through kube-apiserver's aggregation too.
	if out, err := run("get", "nodes.resources.kubesphere.io", "-o", "name"); err != nil || !strings.Contains(out, "node-1") {
		t.Fatalf("aggregated: %v %s", err, out)
	}
	resp, body := postForm(t, ks, "/oauth/logout", "", "Authorization", "Bearer "+tok.AccessToken)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("logout: %d %s", resp.StatusCode, body)
	}
	start := time.Now()
	err = wait.PollUntilContextTimeout(context.Background(), 250*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) {
		out, err := run("get", "nodes", "-o", "name")
		return err != nil && strings.Contains(out, "Unauthorized"), nil
	})
	if err != nil {
		t.Fatal("kube-apiserver still accepts the token 20 s after logout")
	}
	t.Logf("kube-apiserver rejected the token %v after logout (webhook cache TTL 2s, success cache 10s)", time.Since(start).Round(100*time.Millisecond))
}

// Two replicas against one kube-apiserver: tokens, logouts, lockouts and
// refresh-token reuse are shared state.
func TestOAuthTwoReplicas(t *testing.T) {
	ctx := context.Background()
	var replicas [2]*controlplane.KSAPIServer
	var wg sync.WaitGroup
	var errs [2]error
	for i, name := range []string{"ks-oauth-a", "ks-oauth-b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// One limit for both lockout levels, so that the status shows it.
			replicas[i], errs[i] = runReplica(ctx, name, "--oauth-lockout-max-failures-per-user=10")
		}()
	}
	wg.Wait()
	for i, r := range replicas {
		if r != nil {
			defer r.Process.Stop(5 * time.Second)
		}
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
	}
	a, b := replicas[0], replicas[1]
	ensureAdmin(t)

	t.Run("replicas share one key set", func(t *testing.T) {
		_, keys := bearerGet(t, ks, "/oauth/keys", "")
		for _, r := range replicas {
			if status, other := bearerGet(t, r, "/oauth/keys", ""); status != http.StatusOK || other != keys {
				t.Fatalf("JWKS differ: %s vs %s", other, keys)
			}
		}
	})

	t.Run("fresh tokens work at once on both replicas", func(t *testing.T) {
		testFreshTokensWorkAtOnce(t, a, b)
	})

	t.Run("token from A works on B", func(t *testing.T) {
		tok := requestToken(t, a, seedBody)
		if status, body := bearerGet(t, b, "/apis/resources.kubesphere.io/v1alpha3/nodes", tok.AccessToken); status != http.StatusOK {
			t.Fatalf("%d %.200s", status, body)
		}
		if status, body := bearerGet(t, b, "/oauth/userinfo", tok.AccessToken); status != http.StatusOK || !strings.Contains(body, `"sub":"admin"`) {
			t.Fatalf("userinfo on B: %d %s", status, body)
		}
	})

	t.Run("logout on A is rejected on B", func(t *testing.T) {
		tok := requestToken(t, a, seedBody)
		if status, _ := bearerGet(t, b, "/oauth/userinfo", tok.AccessToken); status != http.StatusOK {
			t.Fatalf("before logout: %d", status)
		}
		postForm(t, a, "/oauth/logout", "", "Authorization", "Bearer "+tok.AccessToken)
		start := time.Now()
		status := 0
		if err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, replicaBound, true, func(context.Context) (bool, error) {
			status, _ = bearerGet(t, b, "/apis/resources.kubesphere.io/v1alpha3/nodes", tok.AccessToken)
			return status == http.StatusUnauthorized, nil
		}); err != nil {
			t.Fatalf("B still answers %d %v after logout on A", status, replicaBound)
		}
		t.Logf("B rejected the token %v after logout on A", time.Since(start).Round(time.Millisecond))
	})

	t.Run("lockout reached on A holds on B", func(t *testing.T) {
		iam := versioned.NewForConfigOrDie(cp.Admin)
		hash, _ := bcrypt.GenerateFromPassword([]byte("Locky-Pa55word"), bcrypt.MinCost)
		if _, err := iam.IamV1beta1().Users().Create(ctx, &iamv1beta1.User{
			ObjectMeta: metav1.ObjectMeta{Name: "locky"},
			Spec:       iamv1beta1.UserSpec{Email: "locky@example.com", EncryptedPassword: string(hash)},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		// The user reaches both replicas' watch.
		if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
			return requestToken(t, b, passwordBody("locky", "Locky-Pa55word")).Status == http.StatusOK, nil
		}); err != nil {
			t.Fatal("locky cannot log in on B")
		}
		for i := 0; i < 10; i++ {
			if a := requestToken(t, a, passwordBody("locky", fmt.Sprint("wrong-", i))); a.Error != "invalid_grant" {
				t.Fatalf("attempt %d: %d %s", i, a.Status, a.Body)
			}
		}
		if got := requestToken(t, b, passwordBody("locky", "Locky-Pa55word")); got.Status != http.StatusBadRequest || got.Error != "invalid_grant" {
			t.Fatalf("right password on B after the lockout on A: %d %s", got.Status, got.Body)
		}
		if got := requestToken(t, a, passwordBody("LOCKY", "Locky-Pa55word")); got.Status != http.StatusBadRequest {
			t.Fatalf("case variant bypassed the lockout: %d %s", got.Status, got.Body)
		}
		if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
			u, err := iam.IamV1beta1().Users().Get(ctx, "locky", metav1.GetOptions{})
			return err == nil && u.Status.State == iamv1beta1.UserAuthLimitExceeded, nil
		}); err != nil {
			t.Fatal("the user's status does not show the lockout")
		}
	})

	t.Run("disabling the user on kube-apiserver ends its sessions everywhere", func(t *testing.T) {
		iam := versioned.NewForConfigOrDie(cp.Admin)
		hash, _ := bcrypt.GenerateFromPassword([]byte("Dora-Pa55word"), bcrypt.MinCost)
		if _, err := iam.IamV1beta1().Users().Create(ctx, &iamv1beta1.User{
			ObjectMeta: metav1.ObjectMeta{Name: "dora"},
			Spec:       iamv1beta1.UserSpec{Email: "dora@example.com", EncryptedPassword: string(hash)},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		var tok tokenAnswer
		if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
			tok = requestToken(t, a, passwordBody("dora", "Dora-Pa55word"))
			return tok.Status == http.StatusOK, nil
		}); err != nil {
			t.Fatalf("dora cannot log in: %s", tok.Body)
		}
		if status, _ := bearerGet(t, b, "/oauth/userinfo", tok.AccessToken); status != http.StatusOK {
			t.Fatalf("before: %d", status)
		}
		mustKubectl(t, "patch", "users.iam.kubesphere.io", "dora", "--subresource=status", "--type=merge", "-p", `{"status":{"state":"Disabled"}}`)
		start := time.Now()
		for _, r := range []*controlplane.KSAPIServer{a, b} {
			if err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, replicaBound, true, func(context.Context) (bool, error) {
				status, _ := bearerGet(t, r, "/oauth/userinfo", tok.AccessToken)
				return status == http.StatusUnauthorized, nil
			}); err != nil {
				t.Fatalf("%s still accepts a disabled user's token", r.URL)
			}
		}
		t.Logf("both replicas refused the token %v after the user was disabled", time.Since(start).Round(time.Millisecond))
		if again := requestToken(t, b, refreshBody(tok.RefreshToken)); again.Status != http.StatusBadRequest {
			t.Fatalf("refresh of a disabled user: %d %s", again.Status, again.Body)
		}
	})

	t.Run("refresh reuse on B revokes the session from A", func(t *testing.T) {
		first := requestToken(t, a, seedBody)
		second := requestToken(t, a, refreshBody(first.RefreshToken))
		if second.Status != http.StatusOK {
			t.Fatalf("refresh on A: %d %s", second.Status, second.Body)
		}
		time.Sleep(1500 * time.Millisecond) // past the 1 s grace window
		if reuse := requestToken(t, b, refreshBody(first.RefreshToken)); reuse.Status != http.StatusBadRequest || reuse.Error != "invalid_grant" {
			t.Fatalf("reuse on B: %d %s", reuse.Status, reuse.Body)
		}
		if again := requestToken(t, a, refreshBody(second.RefreshToken)); again.Status != http.StatusBadRequest {
			t.Fatalf("the session's newest refresh token still works on A: %d %s", again.Status, again.Body)
		}
		start := time.Now()
		if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, replicaBound, true, func(context.Context) (bool, error) {
			status, _ := bearerGet(t, a, "/oauth/userinfo", second.AccessToken)
			return status == http.StatusUnauthorized, nil
		}); err != nil {
			t.Fatal("A still accepts the access token of the revoked session")
		}
		t.Logf("A rejected the revoked session's token %v after the reuse on B", time.Since(start).Round(time.Millisecond))
	})

	t.Run("concurrent refreshes across replicas make one successor", func(t *testing.T) {
		first := requestToken(t, a, seedBody)
		results := make(chan string, 10)
		var wg sync.WaitGroup
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				server := []*controlplane.KSAPIServer{a, b}[i%2]
				client, _ := server.HTTPClient()
				resp, err := client.Post(server.URL+"/oauth/token", "application/x-www-form-urlencoded", strings.NewReader(refreshBody(first.RefreshToken)))
				if err != nil {
					results <- err.Error()
					return
				}
				defer resp.Body.Close()
				var got tokenAnswer
				_ = json.NewDecoder(resp.Body).Decode(&got)
				results <- fmt.Sprint(resp.StatusCode, " ", got.RefreshToken)
			}()
		}
		wg.Wait()
		close(results)
		seen := map[string]int{}
		for r := range results {
			seen[r]++
		}
		if len(seen) != 1 {
			t.Fatalf("different answers: %v", seen)
		}
		for r := range seen {
			if !strings.HasPrefix(r, "200 ") {
				t.Fatalf("%s", r)
			}
		}
	})
}

// The store conformance suite on the Secret-backed store, two instances
// (two replicas) against the real kube-apiserver, in a namespace of its own.
func TestOAuthKubeStoreConformance(t *testing.T) {
	ctx := context.Background()
	cfg := rest.CopyConfig(cp.Admin)
	cfg.QPS, cfg.Burst = 100, 200 // like ks-apiserver's --upstream-qps; the default 5 would dominate
	client := kubernetes.NewForConfigOrDie(cfg)
	ns := fmt.Sprintf("oauth-store-%d", time.Now().UnixNano()%1e9)
	if err := controlplane.CreateNamespace(ctx, client, ns, nil); err != nil {
		t.Fatal(err)
	}
	a, b := oauth.NewKubeStore(client, ns), oauth.NewKubeStore(client, ns)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, s := range []*oauth.KubeStore{a, b} {
		if err := s.Start(runCtx); err != nil {
			t.Fatal(err)
		}
	}
	if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return a.HasSynced() && b.HasSynced(), nil
	}); err != nil {
		t.Fatal("session watches did not sync")
	}
	storetest.Run(t, a, b, ns)
}
