package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
)

// startPlainHTTP runs another ks-apiserver of the suite with the plain-HTTP
// port on and returns it with that port's base URL, once it is ready.
func startPlainHTTP(t *testing.T, name string, extra ...string) (*controlplane.KSAPIServer, string) {
	t.Helper()
	ctx := context.Background()
	port, err := controlplane.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--insecure-http-port=" + strconv.Itoa(port), "--insecure-http-bind-address=127.0.0.1"}, extra...)
	s, err := cp.RunKSAPIServer(ctx, controlplane.KSConfig{
		Binary: ksBin, ArtifactsDir: filepath.Join(repoRoot(), "artifacts", "deploy"), Name: uniqueName(name),
		ExtraArgs: append(args, oauthArgs...),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Process.Stop(20 * time.Second) })
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		status, _, err := plainDo(http.DefaultClient, http.MethodGet, base+"/readyz", "", nil)
		return err == nil && status == http.StatusOK, nil
	})
	if err != nil {
		t.Fatalf("%s never ready on plain HTTP", name)
	}
	return s, base
}

// plainDo sends one request; header holds name, value pairs. A body means
// a form POST.
func plainDo(client *http.Client, method, url, body string, header []string) (int, string, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return 0, "", err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data), err
}

// The seed's steps over plain HTTP: POST /oauth/token with the seed's form,
// then /kapis with the bearer token. Nothing else of the secure port is
// there: /apis is 404, front-proxy headers are ignored, and /kapis without
// a bearer token is 401 (not anonymous).
func TestPlainHTTPServesTheSeedFlowOnly(t *testing.T) {
	ensureAdmin(t)
	_, base := startPlainHTTP(t, "ks-plain-http")
	client := &http.Client{Timeout: 10 * time.Second}
	must := func(method, path, body string, header ...string) (int, string) {
		t.Helper()
		status, data, err := plainDo(client, method, base+path, body, header)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		return status, data
	}

	status, body := must(http.MethodPost, "/oauth/token", seedBody)
	var tok tokenAnswer
	if err := json.Unmarshal([]byte(body), &tok); status != http.StatusOK || err != nil || tok.AccessToken == "" {
		t.Fatalf("seed login over HTTP: %d %s", status, body)
	}
	const nodes = "/kapis/resources.kubesphere.io/v1alpha3/nodes"
	if status, body := must(http.MethodGet, nodes, "", "Authorization", "Bearer "+tok.AccessToken); status != http.StatusOK || !strings.Contains(body, `"totalItems"`) || !strings.Contains(body, "node-1") {
		t.Fatalf("/kapis nodes over HTTP: %d %.300s", status, body)
	}
	for _, path := range []string{"/healthz", "/livez", "/readyz", "/readyz/oauth", "/.well-known/openid-configuration", "/oauth/keys"} {
		if status, body := must(http.MethodGet, path, ""); status != http.StatusOK {
			t.Errorf("%s over HTTP: %d %.200s", path, status, body)
		}
	}

	// Only /oauth, /kapis and health: the aggregated API, discovery,
	// OpenAPI and metrics are 404 Status JSON, even for the admin.
	for _, path := range []string{"/apis/resources.kubesphere.io/v1alpha3/nodes", "/apis", "/api", "/openapi/v2", "/metrics", "/version", "/"} {
		status, body := must(http.MethodGet, path, "", "Authorization", "Bearer "+tok.AccessToken)
		if status != http.StatusNotFound || !strings.Contains(body, `"kind":"Status"`) {
			t.Errorf("%s over HTTP: %d %.200s, want a 404 Status", path, status, body)
		}
	}

	// No bearer token: 401, whatever front-proxy headers say.
	forged := []string{"X-Remote-User", "admin", "X-Remote-Group", "system:masters"}
	for _, header := range [][]string{nil, forged, {"Authorization", "Basic YWRtaW46UCMkJHcwcmQ="}} {
		status, body := must(http.MethodGet, nodes, "", header...)
		if status != http.StatusUnauthorized || !strings.Contains(body, `"reason":"Unauthorized"`) {
			t.Errorf("/kapis with %v and no bearer token: %d %.200s, want 401", header, status, body)
		}
	}
	if status, body := must(http.MethodGet, nodes, "", "Authorization", "Bearer "+tok.AccessToken[:len(tok.AccessToken)-4]+"AAAA"); status != http.StatusUnauthorized {
		t.Errorf("/kapis with a forged token: %d %.200s", status, body)
	}
	// A valid token with forged headers is that token's user: alice may
	// not list nodes, whatever X-Remote-User claims.
	alice := requestToken(t, ks, passwordBody("alice", "demo-alice-password"))
	if alice.Status != http.StatusOK {
		t.Fatalf("alice: %d %s", alice.Status, alice.Body)
	}
	if status, body := must(http.MethodGet, nodes, "", append([]string{"Authorization", "Bearer " + alice.AccessToken}, forged...)...); status != http.StatusForbidden {
		t.Errorf("alice's token with X-Remote-User admin: %d %.200s, want 403", status, body)
	}
	// Bad input on /oauth keeps its RFC 6749 answer.
	if status, body := must(http.MethodPost, "/oauth/token", "grant_type=password&client_id=kubesphere&client_secret=kubesphere"); status != http.StatusBadRequest || !strings.Contains(body, `"error":"invalid_request"`) {
		t.Errorf("token request without credentials over HTTP: %d %s", status, body)
	}
	t.Logf("plain HTTP at %s: seed flow ok, /apis 404, no bearer 401", base)
}
