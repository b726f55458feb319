package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/oauth2"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
	"github.com/ks-apiserver/ks-apiserver/pkg/generated/clientset/versioned"
	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
)

// serverTLS trusts the server's CA; proto is "http/1.1" or "h2".
func serverTLS(t *testing.T, caPEM []byte, proto string) *tls.Config {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("no CA certificate")
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12, NextProtos: []string{proto}}
}

// clientFrom is an HTTP client of ks-apiserver connecting from source
// address src (127.0.0.x), over HTTP/2 when h2.
func clientFrom(t *testing.T, server *controlplane.KSAPIServer, src string, h2 bool) *http.Client {
	t.Helper()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	proto := "http/1.1"
	if h2 {
		proto = "h2"
	}
	tr := &http.Transport{TLSClientConfig: serverTLS(t, server.CAPEM, proto), DialContext: dialer.DialContext, ForceAttemptHTTP2: h2}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Timeout: 20 * time.Second, Transport: tr}
}

// slowAttack keeps n connections from one source address each sending POST
// headers with Content-Length: 10000 and then one body byte every 5 s; a
// connection the server answers or closes is opened again after a second.
type slowAttack struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	sent   atomic.Int64

	mu         sync.Mutex
	conns      map[net.Conn]bool
	status     map[int]int
	retryAfter int // 429 answers with a Retry-After
}

func startSlowAttack(t *testing.T, server *controlplane.KSAPIServer, src, path string, n int) *slowAttack {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a := &slowAttack{cancel: cancel, conns: map[net.Conn]bool{}, status: map[int]int{}}
	cfg := serverTLS(t, server.CAPEM, "http/1.1")
	addr := strings.TrimPrefix(server.URL, "https://")
	pause := func() {
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	for range n {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			for ctx.Err() == nil {
				dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
				conn, err := tls.DialWithDialer(dialer, "tcp", addr, cfg)
				if err != nil {
					pause()
					continue
				}
				a.mu.Lock()
				a.conns[conn] = true
				a.mu.Unlock()
				a.once(ctx, conn, path)
				a.mu.Lock()
				delete(a.conns, conn)
				a.mu.Unlock()
				conn.Close()
				pause()
			}
		}()
	}
	return a
}

// once sends one slow request on conn and records the answer.
func (a *slowAttack) once(ctx context.Context, conn net.Conn, path string) {
	if _, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: ks-apiserver\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"Content-Length: 10000\r\n\r\ng", path); err != nil {
		return
	}
	a.sent.Add(1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				if _, err := conn.Write([]byte("r")); err != nil {
					return
				}
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return
	}
	resp.Body.Close()
	a.mu.Lock()
	a.status[resp.StatusCode]++
	if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") != "" {
		a.retryAfter++
	}
	a.mu.Unlock()
}

func (a *slowAttack) counts() (map[int]int, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[int]int{}
	for k, v := range a.status {
		out[k] = v
	}
	return out, a.retryAfter
}

// stop closes every connection and waits for the attackers to end.
func (a *slowAttack) stop() {
	a.cancel()
	a.mu.Lock()
	for c := range a.conns {
		c.Close()
	}
	a.mu.Unlock()
	a.wg.Wait()
}

// kubeClientWithToken is a client of kube-apiserver that authenticates
// with a bearer token (checked by ks-apiserver's TokenReview webhook).
func kubeClientWithToken(t *testing.T, token string) kubernetes.Interface {
	t.Helper()
	cfg := &rest.Config{Host: cp.URL, BearerToken: token, Timeout: 10 * time.Second,
		TLSClientConfig: rest.TLSClientConfig{CAData: cp.Admin.TLSClientConfig.CAData, CAFile: cp.Admin.TLSClientConfig.CAFile}}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// whoami asks kube-apiserver who the token is, which makes it call the
// TokenReview webhook for a token it has not seen, and returns how long
// the answer took.
func whoami(t *testing.T, token string) (string, time.Duration, error) {
	t.Helper()
	start := time.Now()
	review, err := kubeClientWithToken(t, token).AuthenticationV1().SelfSubjectReviews().Create(context.Background(),
		&authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return "", time.Since(start), err
	}
	return review.Status.UserInfo.Username, time.Since(start), nil
}

// Issue 9 item 1: 210 connections from 127.0.0.2 that send POST headers and
// then trickle their bodies once took every mutating slot of the generic
// in-flight limit: password grants got 429 and kube-apiserver's TokenReview
// calls timed out. Now the OAuth paths have budgets of their own, the
// address's share is capped (429 with Retry-After beyond it) and a body
// must arrive within --oauth-request-body-timeout (5 s): a password grant
// from another address answers 200, a TokenReview within a second and an
// API read 200 while the attack runs, over HTTP/1.1 and HTTP/2.
func TestOAuthSlowBodiesDoNotStarve(t *testing.T) {
	ensureAdmin(t)
	attack := startSlowAttack(t, ks, "127.0.0.2", "/oauth/token", 210)
	defer attack.stop()
	attacker := clientFrom(t, ks, "127.0.0.2", false)
	// The attack is in force once the attacker's own address is refused.
	var last string
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 60*time.Second, true, func(context.Context) (bool, error) {
		if attack.sent.Load() < 210 {
			return false, nil
		}
		resp, err := attacker.Post(ks.URL+"/oauth/token", "application/x-www-form-urlencoded", strings.NewReader(seedBody))
		if err != nil {
			last = err.Error()
			return false, nil
		}
		defer resp.Body.Close()
		last = resp.Status
		return resp.StatusCode == http.StatusTooManyRequests, nil
	})
	if err != nil {
		t.Fatalf("the attack never took hold (%d requests sent; last answer to its address: %s)", attack.sent.Load(), last)
	}

	// An HTTP/2 stream that trickles its body is cut at the deadline too.
	h2Done := make(chan string, 1)
	go func() {
		pr, pw := io.Pipe()
		defer pw.Close()
		go func() { _, _ = pw.Write([]byte("g")) }()
		req, _ := http.NewRequest(http.MethodPost, ks.URL+"/oauth/token", pr)
		req.ContentLength = 10000
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		start := time.Now()
		resp, err := clientFrom(t, ks, "127.0.0.3", true).Do(req)
		if err != nil {
			h2Done <- err.Error()
			return
		}
		resp.Body.Close()
		h2Done <- fmt.Sprintf("%s %d after %v", resp.Proto, resp.StatusCode, time.Since(start).Round(100*time.Millisecond))
	}()

	check := func(when string) {
		t.Helper()
		tok := requestToken(t, ks, seedBody)
		if tok.Status != http.StatusOK {
			t.Fatalf("%s: password grant from 127.0.0.1: %d %s", when, tok.Status, tok.Body)
		}
		name, took, err := whoami(t, tok.AccessToken)
		if err != nil || name != "admin" || took > time.Second {
			t.Fatalf("%s: TokenReview through kube-apiserver: %q %v after %v", when, name, err, took)
		}
		if status, body := bearerGet(t, ks, "/apis/resources.kubesphere.io/v1alpha3/nodes", tok.AccessToken); status != http.StatusOK {
			t.Fatalf("%s: API read: %d %.200s", when, status, body)
		}
		t.Logf("%s: password grant 200, TokenReview through kube-apiserver in %v, API read 200", when, took.Round(time.Millisecond))
	}
	check("attack in force")

	// After the body deadline the connections that held slots are cut (408)
	// and come back; the server still answers.
	err = wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		status, _ := attack.counts()
		return status[http.StatusRequestTimeout] > 0, nil
	})
	status, retryAfter := attack.counts()
	if err != nil {
		t.Fatalf("no slow body was cut at the deadline: %v", status)
	}
	check("attack reconnecting")
	if status[http.StatusTooManyRequests] < 150 || retryAfter != status[http.StatusTooManyRequests] {
		t.Fatalf("the per-address cap refused %d attack requests (%d with Retry-After), want most of 210: %v",
			status[http.StatusTooManyRequests], retryAfter, status)
	}
	select {
	case got := <-h2Done:
		if !strings.HasPrefix(got, "HTTP/2.0 408 ") {
			t.Fatalf("slow HTTP/2 body: %s", got)
		}
		t.Logf("slow HTTP/2 body: %s; attack answers so far: %v", got, status)
	case <-time.After(30 * time.Second):
		t.Fatal("slow HTTP/2 body never answered")
	}

	attack.stop()
	// The address's share is given back when its connections end.
	err = wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) {
		resp, err := attacker.Post(ks.URL+"/oauth/token", "application/x-www-form-urlencoded", strings.NewReader(seedBody))
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		t.Fatal("127.0.0.2 still refused after the attack ended")
	}
}

// Issue 9 item 5: client_secret_basic works through the server (the
// generic authentication filter used to drop the Authorization header, so
// every Basic client got 401 invalid_client), for the token endpoint,
// introspection and revocation; golang.org/x/oauth2 in both styles.
func TestOAuthClientSecretBasic(t *testing.T) {
	ensureAdmin(t)
	client, err := ks.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, client)
	for name, style := range map[string]oauth2.AuthStyle{"header": oauth2.AuthStyleInHeader, "params": oauth2.AuthStyleInParams} {
		cfg := oauth2.Config{ClientID: "kubesphere", ClientSecret: "kubesphere",
			Endpoint: oauth2.Endpoint{TokenURL: ks.URL + "/oauth/token", AuthStyle: style}}
		tok, err := cfg.PasswordCredentialsToken(ctx, "admin", controlplane.DefaultAdminPassword)
		if err != nil || tok.AccessToken == "" {
			t.Fatalf("x/oauth2 with the secret in the %s: %v", name, err)
		}
	}

	basic := "Basic " + basicCredentials("kubesphere", "kubesphere")
	grant := url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {controlplane.DefaultAdminPassword}}.Encode()
	// curl -u kubesphere:kubesphere -d grant_type=password&...
	resp, body := postForm(t, ks, "/oauth/token", grant, "Authorization", basic)
	var tok tokenAnswer
	_ = json.Unmarshal([]byte(body), &tok)
	if resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("password grant with Basic: %d %s", resp.StatusCode, body)
	}
	// A wrong Basic secret is invalid_client with a Basic challenge.
	resp, body = postForm(t, ks, "/oauth/token", grant, "Authorization", "Basic "+basicCredentials("kubesphere", "wrong"))
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"invalid_client"`) || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
		t.Fatalf("wrong Basic secret: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	// R12: Basic and client_secret in the body together are refused.
	resp, body = postForm(t, ks, "/oauth/token", grant+"&client_id=kubesphere&client_secret=kubesphere", "Authorization", basic)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"invalid_request"`) {
		t.Fatalf("R12, both methods: %d %s", resp.StatusCode, body)
	}

	// Introspection and revocation with Basic, as resource servers do.
	introspect := func() string {
		t.Helper()
		resp, body := postForm(t, ks, "/oauth/introspect", url.Values{"token": {tok.AccessToken}}.Encode(), "Authorization", basic)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("introspection with Basic: %d %s", resp.StatusCode, body)
		}
		return body
	}
	if body := introspect(); !strings.Contains(body, `"active":true`) || !strings.Contains(body, `"username":"admin"`) {
		t.Fatalf("introspection with Basic: %s", body)
	}
	if resp, body := postForm(t, ks, "/oauth/revoke", url.Values{"token": {tok.AccessToken}}.Encode(), "Authorization", basic); resp.StatusCode != http.StatusOK {
		t.Fatalf("revocation with Basic: %d %s", resp.StatusCode, body)
	}
	err = wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return strings.Contains(introspect(), `"active":false`), nil
	})
	if err != nil {
		t.Fatal("the token revoked with Basic is still active")
	}
}

// basicCredentials is RFC 6749 §2.3.1: form-encoded id and secret.
func basicCredentials(id, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
}

// Issue 9 item 12: only callers allowed to create tokenreviews may use the
// webhook. Anonymous callers, a client certificate and a service account
// without that right, and a ks-apiserver token of a user without it get
// 403; the admin's certificate and a certificate bound to
// system:auth-delegator (as kube-apiserver's is) get the review.
func TestOAuthTokenReviewCallers(t *testing.T) {
	ensureAdmin(t)
	ctx := context.Background()
	admin := requestToken(t, ks, seedBody)
	alice := requestToken(t, ks, passwordBody("alice", "demo-alice-password"))
	if admin.Status != http.StatusOK || alice.Status != http.StatusOK {
		t.Fatalf("logins: %d %s / %d %s", admin.Status, admin.Body, alice.Status, alice.Body)
	}
	reviewBody, _ := json.Marshal(authenticationv1.TokenReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "authentication.k8s.io/v1", Kind: "TokenReview"},
		Spec:     authenticationv1.TokenReviewSpec{Token: admin.AccessToken},
	})
	certClient := func(user string, groups ...string) *http.Client {
		certPEM, keyPEM, err := cp.ClientCertificate(user, groups...)
		if err != nil {
			t.Fatal(err)
		}
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		cfg := serverTLS(t, ks.CAPEM, "http/1.1")
		cfg.Certificates = []tls.Certificate{pair}
		return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
	}
	post := func(client *http.Client, bearer string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, ks.URL+"/oauth/authenticate", strings.NewReader(string(reviewBody)))
		req.Header.Set("Content-Type", "application/json")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	anonymous, err := ks.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	core := kubernetes.NewForConfigOrDie(cp.Admin)
	sa := uniqueName("no-tokenreviews")
	if _, err := core.CoreV1().ServiceAccounts("default").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = core.CoreV1().ServiceAccounts("default").Delete(ctx, sa, metav1.DeleteOptions{}) })
	saToken, err := core.CoreV1().ServiceAccounts("default").CreateToken(ctx, sa, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		client *http.Client
		bearer string
	}{
		"anonymous":                    {anonymous, ""},
		"client certificate, no RBAC":  {certClient(uniqueName("e2e-no-rbac")), ""},
		"service account, no RBAC":     {anonymous, saToken.Status.Token},
		"alice's ks-apiserver token":   {anonymous, alice.AccessToken},
		"certificate in another group": {certClient(uniqueName("e2e-dev"), "developers"), ""},
	} {
		// A Status, as kube-apiserver's webhook client expects.
		if status, body := post(c.client, c.bearer); status != http.StatusForbidden || strings.Contains(body, admin.AccessToken) ||
			!strings.Contains(body, `"kind":"Status"`) || !strings.Contains(body, `"reason":"Forbidden"`) {
			t.Errorf("%s: %d %.200s, want a 403 Status", name, status, body)
		}
	}

	// Allowed: the cluster admin's certificate (system:masters), and a
	// certificate bound to system:auth-delegator like kube-apiserver's.
	if status, body := post(certClient(uniqueName("e2e-master"), "system:masters"), ""); status != http.StatusOK || !strings.Contains(body, `"authenticated":true`) {
		t.Fatalf("system:masters certificate: %d %.300s", status, body)
	}
	reviewer := uniqueName("e2e-reviewer")
	bindClusterRole(t, reviewer, "system:auth-delegator")
	waitCanI(t, true, reviewer, "", "create", "tokenreviews.authentication.k8s.io")
	if status, body := post(certClient(reviewer), ""); status != http.StatusOK || !strings.Contains(body, `"username":"admin"`) {
		t.Fatalf("certificate bound to system:auth-delegator: %d %.300s", status, body)
	}
	// And kube-apiserver's own calls still work.
	if name, _, err := whoami(t, admin.AccessToken); err != nil || name != "admin" {
		t.Fatalf("through kube-apiserver: %q %v", name, err)
	}
}

// createOAuthUser creates a User with a password (bcrypt, minimum cost)
// and deletes it when the test ends.
func createOAuthUser(t *testing.T, name, password string) {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg := rest.CopyConfig(cp.Admin)
	cfg.ContentType = "application/json"
	iam := versioned.NewForConfigOrDie(cfg)
	if _, err := iam.IamV1beta1().Users().Create(context.Background(), &iamv1beta1.User{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       iamv1beta1.UserSpec{Email: name + "@example.com", EncryptedPassword: string(hash)},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = iam.IamV1beta1().Users().Delete(context.Background(), name, metav1.DeleteOptions{}) })
}

// openWatch starts a watch of pods in demo; it returns the answer's status,
// its Retry-After and body when refused, and a stop function when accepted.
func openWatch(t *testing.T, client *http.Client, base, token string) (int, string, string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/apis/resources.kubesphere.io/v1alpha3/namespaces/demo/pods?watch=1", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		defer cancel()
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Retry-After"), string(body), nil
	}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	return resp.StatusCode, "", "", func() { cancel(); resp.Body.Close() }
}

// expectWatchCap checks a refused watch: 429, Retry-After and a Status.
func expectWatchCap(t *testing.T, status int, retryAfter, body string) {
	t.Helper()
	var s metav1.Status
	if status != http.StatusTooManyRequests || retryAfter == "" || json.Unmarshal([]byte(body), &s) != nil ||
		s.Kind != "Status" || s.Code != http.StatusTooManyRequests || s.Reason != metav1.StatusReasonTooManyRequests ||
		!strings.Contains(s.Message, "--max-watches-per-user") {
		t.Fatalf("watch over the cap: %d Retry-After %q %.300s", status, retryAfter, body)
	}
}

// Issue 9 item 10: one user's concurrent watches are capped
// (--max-watches-per-user), on the direct port with a bearer token and
// through kube-apiserver (the user of the front-proxy headers): 429 with
// Retry-After and a Status beyond the cap, while the user's lists and other
// users' watches go on; system:masters is exempt.
func TestWatchCapPerUser(t *testing.T) {
	ctx := context.Background()
	user, password := uniqueName("watcher"), "Watcher-Pa55word"
	createOAuthUser(t, user, password)
	role := createRole(t, "demo", "pod-watcher", rbacv1.PolicyRule{
		APIGroups: []string{"", mirrorGroup}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}})
	bindRole(t, "demo", user, "", "Role", role)
	waitCanI(t, true, user, "", "watch", "pods."+mirrorGroup, "-n", "demo")

	const limit = 3
	small, err := cp.RunKSAPIServer(ctx, controlplane.KSConfig{
		Binary: ksBin, ArtifactsDir: filepath.Join(repoRoot(), "artifacts", "deploy"), Name: uniqueName("ks-watch-cap"),
		ExtraArgs: append([]string{fmt.Sprintf("--max-watches-per-user=%d", limit)}, oauthArgs...),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer small.Process.Stop(5 * time.Second)
	tok := requestToken(t, ks, passwordBody(user, password))
	if tok.Status != http.StatusOK {
		t.Fatalf("login: %d %s", tok.Status, tok.Body)
	}
	// The second server knows the session once its watch delivers it.
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(context.Context) (bool, error) {
		status, _ := bearerGet(t, small, "/apis/resources.kubesphere.io/v1alpha3/namespaces/demo/pods", tok.AccessToken)
		return status == http.StatusOK, nil
	})
	if err != nil {
		t.Fatal("the second server never accepted the token")
	}

	t.Run("direct", func(t *testing.T) {
		client := clientFrom(t, small, "127.0.0.1", true)
		var stops []func()
		for i := range limit {
			status, _, body, stop := openWatch(t, client, small.URL, tok.AccessToken)
			if status != http.StatusOK {
				t.Fatalf("watch %d: %d %s", i+1, status, body)
			}
			stops = append(stops, stop)
		}
		status, retryAfter, body, _ := openWatch(t, client, small.URL, tok.AccessToken)
		expectWatchCap(t, status, retryAfter, body)
		// Lists are not long-running: /apis and /kapis still answer.
		for _, path := range []string{"/apis/resources.kubesphere.io/v1alpha3/namespaces/demo/pods", "/kapis/resources.kubesphere.io/v1alpha3/namespaces/demo/pods"} {
			if status, body := bearerGet(t, small, path, tok.AccessToken); status != http.StatusOK {
				t.Fatalf("%s at the cap: %d %.200s", path, status, body)
			}
		}
		// system:masters is exempt.
		adminClient, err := rest.HTTPClientFor(directConfigFor(small))
		if err != nil {
			t.Fatal(err)
		}
		for i := range limit + 1 {
			if status, _, body, _ := openWatch(t, adminClient, small.URL, ""); status != http.StatusOK {
				t.Fatalf("admin watch %d: %d %s", i+1, status, body)
			}
		}
		// Ending a watch gives its place back.
		stops[0]()
		err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) {
			status, _, _, _ := openWatch(t, client, small.URL, tok.AccessToken)
			return status == http.StatusOK, nil
		})
		if err != nil {
			t.Fatal("a watch ended but its place was not given back")
		}
	})

	t.Run("through kube-apiserver", func(t *testing.T) {
		// The aggregated server runs with the default cap.
		const defaultLimit = 100
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool(), MinVersion: tls.VersionTLS12}, ForceAttemptHTTP2: true}
		if !tr.TLSClientConfig.RootCAs.AppendCertsFromPEM(cp.Admin.TLSClientConfig.CAData) {
			t.Fatal("no kube-apiserver CA")
		}
		t.Cleanup(tr.CloseIdleConnections)
		client := &http.Client{Transport: tr}
		for i := range defaultLimit {
			if status, _, body, _ := openWatch(t, client, cp.URL, tok.AccessToken); status != http.StatusOK {
				t.Fatalf("watch %d through kube-apiserver: %d %s", i+1, status, body)
			}
		}
		status, retryAfter, body, _ := openWatch(t, client, cp.URL, tok.AccessToken)
		expectWatchCap(t, status, retryAfter, body)
	})
}
