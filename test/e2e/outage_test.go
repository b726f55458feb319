package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
)

// staleHeader is pkg/apiserver.StaleHeader, spelled out as clients see it.
const staleHeader = "X-Ks-Data-Stale"

// resumeBound is how soon after its kube-apiserver is ready again a
// ks-apiserver serves a change made during the outage: the monitor probes
// every 250 ms while kube-apiserver is down, and the informers' requests
// held meanwhile go out at once (upstream.Monitor.Gate).
const resumeBound = 3 * time.Second

type timedAnswer struct {
	code       int
	stale      string
	retryAfter string
	warning    string
	body       string
	took       time.Duration
}

func (a timedAnswer) String() string {
	return fmt.Sprintf("%d in %s (stale=%q retry-after=%q) %.200s", a.code, a.took.Round(time.Millisecond), a.stale, a.retryAfter, a.body)
}

// timedGet sends GET path with a bearer token; a client timeout (10 s)
// shows as code 0.
func timedGet(t *testing.T, server *controlplane.KSAPIServer, path, token string) timedAnswer {
	t.Helper()
	client, err := server.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, server.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return timedAnswer{body: err.Error(), took: time.Since(start)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return timedAnswer{
		code: resp.StatusCode, stale: resp.Header.Get(staleHeader), retryAfter: resp.Header.Get("Retry-After"),
		warning: resp.Header.Get("Warning"), body: string(body), took: time.Since(start),
	}
}

// timedPost posts a form; a client timeout (10 s) shows as code 0.
func timedPost(t *testing.T, server *controlplane.KSAPIServer, path, form string) timedAnswer {
	t.Helper()
	client, err := server.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	resp, err := client.Post(server.URL+path, "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		return timedAnswer{body: err.Error(), took: time.Since(start)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return timedAnswer{code: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: string(body), took: time.Since(start)}
}

// A ks-apiserver whose kube-apiserver is paused, then killed and restarted,
// keeps serving its caches to users RBAC allows, marked stale; what needs
// kube-apiserver (a SubjectAccessReview, a TokenReview) is a quick 503 with
// Retry-After, never a hang or a 500; and a change made during the outage is
// served within resumeBound of kube-apiserver's return.
func TestServesThroughUpstreamOutage(t *testing.T) {
	ctx := context.Background()
	api2, err := cp.StartAPIServer(ctx, "kube-apiserver-outage")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = api2.Resume()
		api2.Process.Stop(10 * time.Second)
	})
	saKubeconfig, err := cp.ServiceAccountKubeconfig(ctx, "kubesphere-system", "ks-apiserver")
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := api2.Kubeconfig(saKubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	ks2, err := cp.RunKSAPIServer(ctx, controlplane.KSConfig{
		Binary: ksBin, ArtifactsDir: filepath.Join(repoRoot(), "artifacts", "deploy"),
		Name: "ks-apiserver-outage", Kubeconfig: kubeconfig, ExtraArgs: oauthArgs,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ks2.Process.Stop(5 * time.Second) })
	anonymous, err := ks2.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the ks-apiserver of the second kube-apiserver is ready", func() bool {
		code, _ := get(t, anonymous, ks2.URL+"/readyz")
		return code == http.StatusOK
	})

	ns := newNamespace(t, "outage", 2)
	admin := kubernetes.NewForConfigOrDie(cp.Admin) // the first kube-apiserver, up all along
	reader, stranger, password := uniqueName("outage-reader"), uniqueName("outage-stranger"), "outage-password-1"
	createOAuthUser(t, reader, password)
	createOAuthUser(t, stranger, password)
	aggregateBuiltinRoles(t)
	bindRole(t, ns, reader, "", "ClusterRole", "view")
	const saName = "outage-sa"
	if _, err := admin.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: saName}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	bindRole(t, ns, "system:serviceaccount:"+ns+":"+saName, "", "ClusterRole", "view")
	// A token kube-apiserver issued: ks-apiserver asks it with a TokenReview,
	// whose answers it caches, so each outage check takes a fresh one.
	saToken := func() string {
		tr, err := admin.CoreV1().ServiceAccounts(ns).CreateToken(ctx, saName, &authenticationv1.TokenRequest{
			Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To(int64(3600))},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return tr.Status.Token
	}
	login := func(user string) string {
		var tok tokenAnswer
		eventuallyOK(t, "login of "+user+" on the second ks-apiserver", func() (bool, string) {
			tok = requestToken(t, ks2, passwordBody(user, password))
			return tok.Status == http.StatusOK, tok.Body
		})
		return tok.AccessToken
	}
	readerToken, strangerToken := login(reader), login(stranger)

	podsPaths := []string{
		"/kapis/resources.kubesphere.io/v1alpha3/namespaces/" + ns + "/pods",
		"/apis/resources.kubesphere.io/v1alpha3/namespaces/" + ns + "/pods",
	}
	configMaps := "/kapis/resources.kubesphere.io/v1alpha3/namespaces/" + ns + "/configmaps"
	// The bindings reach both kube-apiserver's RBAC and ks-apiserver's
	// mirror of it a moment after they are made.
	for _, path := range podsPaths {
		eventuallyOK(t, "reader lists "+path+" before the outage", func() (bool, string) {
			a := timedGet(t, ks2, path, readerToken)
			return a.code == http.StatusOK && a.stale == "" && strings.Contains(a.body, "pod-01"), a.String()
		})
	}
	eventuallyOK(t, "service account lists before the outage", func() (bool, string) {
		a := timedGet(t, ks2, podsPaths[1], saToken())
		return a.code == http.StatusOK && a.stale == "", a.String()
	})
	// The stranger's answers come from a SubjectAccessReview (RBAC allows
	// nothing): 403 while kube-apiserver answers.
	if a := timedGet(t, ks2, podsPaths[1], strangerToken); a.code != http.StatusForbidden {
		t.Fatalf("stranger before the outage: %s", a)
	}

	// checkOutage checks what ks-apiserver answers while kube-apiserver does
	// not, for at least window (longer than the delegated authorizer's
	// 10 s answer cache, so that only the local RBAC fast path can allow).
	checkOutage := func(phase string, window time.Duration) {
		t.Helper()
		start := time.Now()
		eventuallyOK(t, phase+": answers are marked stale", func() (bool, string) {
			a := timedGet(t, ks2, podsPaths[0], readerToken)
			return a.code == http.StatusOK && a.stale == "true", a.String()
		})
		t.Logf("%s: stale marked %s after the outage began", phase, time.Since(start).Round(time.Millisecond))
		var slowest time.Duration
		for round := 0; round == 0 || time.Since(start) < window; round++ {
			for _, path := range podsPaths {
				a := timedGet(t, ks2, path, readerToken)
				if a.code != http.StatusOK || a.stale != "true" || a.took > 2*time.Second || !strings.Contains(a.body, "pod-01") {
					t.Fatalf("%s: reader %s: %s, want 200 within 2s marked stale", phase, path, a)
				}
				if !strings.Contains(a.warning, "stale") {
					t.Errorf("%s: reader %s: Warning %q, want one saying the data may be stale", phase, path, a.warning)
				}
				slowest = max(slowest, a.took)
			}
		}
		t.Logf("%s: reader lists answered 200 marked stale for %s, slowest %s", phase, time.Since(start).Round(time.Millisecond), slowest.Round(time.Millisecond))

		// Each needs kube-apiserver: the stranger's authorization (a resource
		// not asked about before, so not in the answer cache) and a fresh
		// service-account token's TokenReview.
		for _, c := range []struct{ who, path, token string }{
			{"stranger", "/apis/resources.kubesphere.io/v1alpha3/namespaces/" + ns + "/configmaps?" + phase, strangerToken},
			{"stranger", "/kapis/resources.kubesphere.io/v1alpha3/namespaces/" + ns + "/services", strangerToken},
			{"service account", podsPaths[0], saToken()},
		} {
			a := timedGet(t, ks2, c.path, c.token)
			retry, _ := strconv.Atoi(a.retryAfter)
			if a.code != http.StatusServiceUnavailable || retry <= 0 || a.took > 5*time.Second || !strings.Contains(a.body, `"kind":"Status"`) {
				t.Errorf("%s: %s %s: %s, want a 503 Status with Retry-After within 5s", phase, c.who, c.path, a)
			} else {
				t.Logf("%s: %s %s: 503 in %s", phase, c.who, c.path, a.took.Round(time.Millisecond))
			}
		}
		// Serving the caches: ready (see README).
		if code, body := get(t, anonymous, ks2.URL+"/readyz"); code != http.StatusOK {
			t.Errorf("%s: /readyz = %d %s, want ready while serving the caches", phase, code, body)
		}
		metrics := metricsText(t, ks2)
		for _, want := range []string{`ks_apiserver_upstream_reachable 0`, `ks_apiserver_stale_responses_total{prefix="kapis"}`, `ks_apiserver_upstream_unavailable_responses_total{check="authorization"}`} {
			if !strings.Contains(metrics, want) {
				t.Errorf("%s: /metrics lacks %q", phase, want)
			}
		}
		// A login needs kube-apiserver (failed-login bookkeeping, the session):
		// it must answer, not hang.
		a := timedPost(t, ks2, "/oauth/token", passwordBody(reader, password))
		t.Logf("%s: login: %s", phase, a)
		if a.code != http.StatusServiceUnavailable || a.retryAfter == "" || a.took > 5*time.Second {
			t.Errorf("%s: login: %s, want 503 with Retry-After within 5s", phase, a)
		}
	}

	// waitServed measures how long after since the reader sees configmap
	// name on the second ks-apiserver, and when its answers stopped being
	// marked stale.
	waitServed := func(phase, name string, since time.Time) time.Duration {
		t.Helper()
		var took, fresh time.Duration
		err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
			a := timedGet(t, ks2, configMaps, readerToken)
			took = time.Since(since)
			if a.code == http.StatusOK && a.stale == "" && fresh == 0 {
				fresh = took
			}
			return a.code == http.StatusOK && strings.Contains(a.body, `"`+name+`"`), nil
		})
		if err != nil {
			t.Fatalf("%s: configmap %s made during the outage not served within 30s", phase, name)
		}
		unmarked := "still marked stale then"
		if fresh > 0 {
			unmarked = "answers unmarked after " + fresh.Round(time.Millisecond).String()
		}
		t.Logf("%s: the change made during the outage was served %s after kube-apiserver was back (%s)", phase, took.Round(time.Millisecond), unmarked)
		return took
	}
	createConfigMap := func(name string) {
		t.Helper()
		if _, err := admin.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	noLongerStale := func(phase string) {
		t.Helper()
		eventuallyOK(t, phase+": answers are no longer marked stale", func() (bool, string) {
			a := timedGet(t, ks2, podsPaths[1], readerToken)
			return a.code == http.StatusOK && a.stale == "", a.String()
		})
	}

	// Paused: connections stay open and nothing answers.
	if err := api2.Pause(); err != nil {
		t.Fatal(err)
	}
	checkOutage("paused", 12*time.Second)
	createConfigMap("made-while-paused")
	resumed := time.Now()
	if err := api2.Resume(); err != nil {
		t.Fatal(err)
	}
	if took := waitServed("paused", "made-while-paused", resumed); took > resumeBound {
		t.Errorf("paused: change served %s after resume, want within %s", took, resumeBound)
	}
	noLongerStale("paused")

	// Killed: connections are closed and new ones refused.
	api2.Kill()
	checkOutage("killed", 12*time.Second)
	createConfigMap("made-while-killed")
	restart := time.Now()
	if err := api2.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	ready := time.Now()
	t.Logf("restarted: kube-apiserver ready %s after its start", ready.Sub(restart).Round(time.Millisecond))
	if took := waitServed("restarted", "made-while-killed", ready); took > resumeBound {
		t.Errorf("restarted: change served %s after kube-apiserver was ready, want within %s", took, resumeBound)
	}
	noLongerStale("restarted")
	if a := timedGet(t, ks2, podsPaths[1], strangerToken); a.code != http.StatusForbidden {
		t.Errorf("stranger after the outage: %s, want 403 again", a)
	}
	if log, err := os.ReadFile(ks2.Process.LogFile); err == nil {
		for _, line := range strings.Split(string(log), "\n") {
			if strings.Contains(line, "kube-apiserver answers again") || strings.Contains(line, "kube-apiserver does not answer") {
				t.Log(line)
			}
		}
	}
	// At least the pause and the kill; a restarted kube-apiserver's /readyz
	// may fail again for a moment after its first ok (seen: 776 ms), which
	// counts as one more.
	m := regexp.MustCompile(`ks_apiserver_upstream_outages_total (\d+)`).FindStringSubmatch(metricsText(t, ks2))
	outages := 0
	if m != nil {
		outages, _ = strconv.Atoi(m[1])
	}
	if outages < 2 {
		t.Errorf("ks_apiserver_upstream_outages_total: %v, want at least 2", m)
	}
	if m := metricsText(t, ks2); !strings.Contains(m, "ks_apiserver_upstream_reachable 1") {
		t.Error("ks_apiserver_upstream_reachable is not 1 after the outage")
	}
}

func metricsText(t *testing.T, server *controlplane.KSAPIServer) string {
	t.Helper()
	body, err := directClientFor(t, server).Get().AbsPath("/metrics").DoRaw(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}
