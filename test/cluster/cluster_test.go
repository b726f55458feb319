//go:build cluster

// Package cluster runs the README's "In a cluster" walk-through on a real
// single-node cluster, as a user would: hack/cluster/e2e.sh (make
// cluster-e2e) brings the node up, imports the image built by `make image`,
// runs this test and tears everything down, also when it fails.
package cluster

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

const (
	namespace = "kubesphere-system"
	password  = "P#$$w0rd"
	// overlay is the user's own kustomization of the walk-through, relative
	// to the repository root (below _output, so it is never committed).
	overlay = "_output/cluster/my-ks-apiserver"
)

var (
	root, nodeIP, ctrAddress string
	admin                    *rest.Config
)

func TestMain(m *testing.M) {
	_, file, _, _ := runtime.Caller(0)
	root = filepath.Join(filepath.Dir(file), "..", "..")
	nodeIP, ctrAddress = os.Getenv("KS_NODE_IP"), os.Getenv("KS_CONTAINERD_ADDRESS")
	kubeconfig := os.Getenv("KUBECONFIG")
	if nodeIP == "" || ctrAddress == "" || kubeconfig == "" {
		fmt.Fprintln(os.Stderr, "run by hack/cluster/e2e.sh (make cluster-e2e): KUBECONFIG, KS_NODE_IP and KS_CONTAINERD_ADDRESS are needed")
		os.Exit(1)
	}
	var err error
	if admin, err = clientcmd.BuildConfigFromFlags("", kubeconfig); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// kubectl of _output/bin, as the README's commands say `kubectl`.
	os.Setenv("PATH", filepath.Join(root, "_output", "bin")+":"+os.Getenv("PATH"))
	os.Exit(m.Run())
}

// sh runs a command of the README with bash in the repository root, and
// fails the test when it fails.
func sh(t *testing.T, command string) string {
	t.Helper()
	out, err := shErr(command)
	if err != nil {
		t.Fatalf("%s: %v\n%s", command, err, out)
	}
	return out
}

func shErr(command string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-o", "errexit", "-o", "pipefail", "-c", command)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// eventually polls cond every second until it holds, or fails after timeout.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	var last string
	err := wait.PollUntilContextTimeout(context.Background(), time.Second, timeout, true, func(context.Context) (bool, error) {
		ok, detail := cond()
		last = detail
		return ok, nil
	})
	if err != nil {
		t.Fatalf("%s: not within %s; last: %s", what, timeout, last)
	}
}

func TestInCluster(t *testing.T) {
	install(t)
	token := seedSteps(t)
	t.Run("mirror lists what kubectl get pods lists", testMirrorPods)
	t.Run("token of one replica works on the other", testTokenAcrossReplicas)
	t.Run("non-root, read-only root filesystem", testPodSecurity)
	t.Run("rolling restart under load", func(t *testing.T) {
		testUnderLoad(t, token, "kubectl -n kubesphere-system rollout restart deployment/ks-apiserver", true)
	})
	t.Run("pod deletion under load", func(t *testing.T) {
		pods := ksPods(t)
		testUnderLoad(t, token, "kubectl -n kubesphere-system delete pod "+pods[0].name, false)
	})
	t.Run("upgrade", testUpgrade)
	t.Run("uninstall keeps the users", testUninstall)
}

// install is the walk-through's installation, verbatim.
func install(t *testing.T) {
	start := time.Now()
	sh(t, `kubectl apply -f artifacts/deploy/crds/`)
	sh(t, `mkdir -p `+overlay+` && cat > `+overlay+`/kustomization.yaml <<'EOF'
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- ../../../artifacts/deploy
components:
- ../../../artifacts/deploy/components/http   # optional: the seed's plain-HTTP port 80
EOF`)
	sh(t, `kubectl apply -k `+overlay)
	sh(t, `kubectl -n kubesphere-system rollout status deployment/ks-apiserver --timeout=5m`)
	sh(t, `kubectl wait --for=condition=Available apiservice/v1alpha3.resources.kubesphere.io --timeout=3m`)
	t.Logf("installed: 2 replicas Ready and the APIService Available after %s", time.Since(start).Round(100*time.Millisecond))
	// The APIService answers through the Service, verified by its caBundle.
	out := sh(t, `kubectl get apiservice v1alpha3.resources.kubesphere.io -o jsonpath='{.spec.insecureSkipTLSVerify} {.status.conditions[?(@.type=="Available")].status}'`)
	if strings.TrimSpace(out) != "True" {
		t.Fatalf("APIService: insecureSkipTLSVerify and Available = %q, want only Available True", out)
	}
	sh(t, `kubectl apply -f - <<'EOF'
apiVersion: iam.kubesphere.io/v1beta1
kind: User
metadata: {name: admin}
spec: {email: admin@example.com, password: 'P#$$w0rd'}
EOF`)
	sh(t, `kubectl create clusterrolebinding ks-admin --clusterrole=cluster-admin --user=admin`)
}

// seedSteps runs the seed's three steps over plain HTTP: through the Service's
// ClusterIP (the host has no cluster DNS, so the IP stands for
// ks-apiserver.kubesphere-system.svc), then through a NodePort after the
// seed's patch. It returns an access token of admin.
func seedSteps(t *testing.T) string {
	clusterIP := strings.TrimSpace(sh(t, `kubectl -n kubesphere-system get service ks-apiserver -o jsonpath='{.spec.clusterIP}'`))
	var token string
	// The leader replaces the plaintext password by its hash first.
	eventually(t, time.Minute, "login through the ClusterIP", func() (bool, string) {
		out, err := shErr(tokenCurl("http://" + clusterIP))
		if err != nil {
			return false, out
		}
		token = accessToken(out)
		return token != "", out
	})
	checkNodes(t, "http://"+clusterIP, token)

	sh(t, `kubectl -n kubesphere-system patch service ks-apiserver -p '{"spec":{"type":"NodePort"}}'`)
	nodePort := strings.TrimSpace(sh(t, `kubectl -n kubesphere-system get service ks-apiserver -o jsonpath='{.spec.ports[?(@.name=="http")].nodePort}'`))
	base := "http://" + nodeIP + ":" + nodePort
	var nodePortToken string
	eventually(t, 30*time.Second, "login through the NodePort", func() (bool, string) {
		out, err := shErr(tokenCurl(base))
		if err != nil {
			return false, out
		}
		nodePortToken = accessToken(out)
		return nodePortToken != "", out
	})
	checkNodes(t, base, nodePortToken)
	t.Logf("the seed's steps answered over HTTP through %s and %s", clusterIP, base)
	return token
}

// tokenCurl is the seed's step 2 against base.
func tokenCurl(base string) string {
	return `curl -sS -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
  '` + base + `/oauth/token' \
  --data-urlencode 'grant_type=password' \
  --data-urlencode 'username=admin' \
  --data-urlencode 'password=P#$$w0rd' \
  --data-urlencode 'client_id=kubesphere' \
  --data-urlencode 'client_secret=kubesphere'`
}

func accessToken(body string) string {
	var resp struct {
		AccessToken string `json:"access_token"`
	}
	if json.Unmarshal([]byte(body), &resp) != nil {
		return ""
	}
	return resp.AccessToken
}

// checkNodes is the seed's step 3: the body must list the node (this
// machine's network answers unknown addresses with 404s, so a status alone
// proves nothing).
func checkNodes(t *testing.T, base, token string) {
	t.Helper()
	out := sh(t, `curl -sS -X GET -H "Authorization: Bearer `+token+`" -H 'Content-Type: application/json' '`+base+`/kapis/resources.kubesphere.io/v1alpha3/nodes'`)
	var list struct {
		Items []struct {
			Metadata struct{ Name string } `json:"metadata"`
		} `json:"items"`
		TotalItems int `json:"totalItems"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || list.TotalItems != 1 || len(list.Items) != 1 || list.Items[0].Metadata.Name != "ks-node" {
		t.Fatalf("GET %s/kapis/resources.kubesphere.io/v1alpha3/nodes: want the one node ks-node, got %s", base, out)
	}
}

func testMirrorPods(t *testing.T) {
	const columns = `-o custom-columns=NS:.metadata.namespace,NAME:.metadata.name --no-headers`
	eventually(t, 30*time.Second, "pods.resources.kubesphere.io lists what pods lists", func() (bool, string) {
		want, err1 := shErr(`kubectl get pods -A ` + columns)
		got, err2 := shErr(`kubectl get pods.resources.kubesphere.io -A ` + columns)
		ok := err1 == nil && err2 == nil && want == got && strings.Count(got, namespace+" ") >= 2
		return ok, fmt.Sprintf("pods:\n%s\npods.resources.kubesphere.io:\n%s", want, got)
	})
}

type ksPod struct{ name, ip, containerID string }

// ksPods returns the running ks-apiserver pods that are not terminating.
func ksPods(t *testing.T) []ksPod {
	t.Helper()
	out := sh(t, `kubectl -n kubesphere-system get pods -l app.kubernetes.io/name=ks-apiserver -o json`)
	var list struct {
		Items []struct {
			Metadata struct {
				Name              string  `json:"name"`
				DeletionTimestamp *string `json:"deletionTimestamp"`
			} `json:"metadata"`
			Status struct {
				Phase             string `json:"phase"`
				PodIP             string `json:"podIP"`
				ContainerStatuses []struct {
					ContainerID string `json:"containerID"`
				} `json:"containerStatuses"`
			} `json:"status"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	var pods []ksPod
	for _, p := range list.Items {
		if p.Metadata.DeletionTimestamp == nil && p.Status.Phase == "Running" && len(p.Status.ContainerStatuses) == 1 {
			pods = append(pods, ksPod{p.Metadata.Name, p.Status.PodIP, strings.TrimPrefix(p.Status.ContainerStatuses[0].ContainerID, "containerd://")})
		}
	}
	if len(pods) < 2 {
		t.Fatalf("want 2 running ks-apiserver pods, got %d:\n%s", len(pods), out)
	}
	return pods
}

func testTokenAcrossReplicas(t *testing.T) {
	pods := ksPods(t)
	a, b := "http://"+pods[0].ip+":8080", "http://"+pods[1].ip+":8080"
	token := accessToken(sh(t, tokenCurl(a)))
	if token == "" {
		t.Fatalf("no token from %s", pods[0].name)
	}
	checkNodes(t, b, token)
	// And a token no replica issued is refused there, so the check can fail.
	out, _ := shErr(`curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer not-a-token' '` + b + `/kapis/resources.kubesphere.io/v1alpha3/nodes'`)
	if out != "401" {
		t.Errorf("a made-up token on %s: HTTP %s, want 401", pods[1].name, out)
	}
	t.Logf("token from %s accepted by %s", pods[0].name, pods[1].name)
}

// testPodSecurity looks at the containers' processes on the node: uid and
// gid 65532, and "/" mounted read-only.
func testPodSecurity(t *testing.T) {
	tasks := sh(t, `ctr --address `+ctrAddress+` -n k8s.io tasks ls`)
	for _, p := range ksPods(t) {
		var pid string
		for _, line := range strings.Split(tasks, "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == p.containerID {
				pid = f[1]
			}
		}
		if pid == "" {
			t.Fatalf("no task for %s (container %s) in:\n%s", p.name, p.containerID, tasks)
		}
		status, err := os.ReadFile("/proc/" + pid + "/status")
		if err != nil {
			t.Fatal(err)
		}
		for _, field := range []string{"Uid:", "Gid:"} {
			for _, line := range strings.Split(string(status), "\n") {
				if strings.HasPrefix(line, field) && strings.Join(strings.Fields(line)[1:], " ") != "65532 65532 65532 65532" {
					t.Errorf("%s: %s, want 65532 for real, effective, saved and filesystem ids", p.name, line)
				}
			}
		}
		mounts, err := os.ReadFile("/proc/" + pid + "/mountinfo")
		if err != nil {
			t.Fatal(err)
		}
		rootReadOnly := false
		for _, line := range strings.Split(string(mounts), "\n") {
			// fields: id parent major:minor root mountpoint options ...
			if f := strings.Fields(line); len(f) > 5 && f[4] == "/" {
				rootReadOnly = slices.Contains(strings.Split(f[5], ","), "ro")
			}
		}
		if !rootReadOnly {
			t.Errorf("%s: / is not mounted read-only", p.name)
		}
	}
}

// load is 8 clients reading continuously: 4 through kube-apiserver's
// aggregation layer, 4 on /kapis through the Service's ClusterIP (HTTPS,
// verified with the APIService's caBundle).
type load struct {
	mu    sync.Mutex
	stats map[string]*pathStats
	stop  chan struct{}
	wg    sync.WaitGroup
}

type pathStats struct {
	latencies []time.Duration
	failures  []string
}

func startLoad(t *testing.T, token string) *load {
	t.Helper()
	l := &load{stats: map[string]*pathStats{"kube-apiserver": {}, "kapis": {}}, stop: make(chan struct{})}
	// Plain net/http clients: no client-go retries hiding a failed request.
	cfg := rest.CopyConfig(admin)
	cfg.Timeout = 10 * time.Second
	upstream, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	upstreamURL := strings.TrimSuffix(cfg.Host, "/") + "/apis/resources.kubesphere.io/v1alpha3/namespaces/kubesphere-system/pods"
	caBundle := sh(t, `kubectl get apiservice v1alpha3.resources.kubesphere.io -o jsonpath='{.spec.caBundle}' | base64 -d`)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(caBundle)) {
		t.Fatalf("APIService caBundle holds no certificate: %q", caBundle)
	}
	clusterIP := strings.TrimSpace(sh(t, `kubectl -n kubesphere-system get service ks-apiserver -o jsonpath='{.spec.clusterIP}'`))
	kapis := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool, ServerName: "ks-apiserver.kubesphere-system.svc"},
		MaxIdleConnsPerHost: 8,
	}}
	kapisURL := (&url.URL{Scheme: "https", Host: clusterIP, Path: "/kapis/resources.kubesphere.io/v1alpha3/namespaces/kubesphere-system/pods"}).String()
	for i := 0; i < 4; i++ {
		l.run("kube-apiserver", func(ctx context.Context) error {
			return getList(ctx, upstream, upstreamURL, "")
		})
		l.run("kapis", func(ctx context.Context) error {
			return getList(ctx, kapis, kapisURL, token)
		})
	}
	return l
}

// getList GETs a list of pods and checks that it is one: this machine's
// network answers unknown addresses with 404 pages, so only a body counts.
func getList(ctx context.Context, client *http.Client, url, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Items      []json.RawMessage `json:"items"`
		TotalItems *int              `json:"totalItems"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); resp.StatusCode != http.StatusOK || err != nil || body.TotalItems == nil || len(body.Items) == 0 {
		return fmt.Errorf("HTTP %d (decoding: %v)", resp.StatusCode, err)
	}
	return nil
}

func (l *load) run(path string, get func(context.Context) error) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		for {
			select {
			case <-l.stop:
				return
			default:
			}
			start := time.Now()
			err := get(context.Background())
			took := time.Since(start)
			l.mu.Lock()
			s := l.stats[path]
			s.latencies = append(s.latencies, took)
			if err != nil {
				s.failures = append(s.failures, fmt.Sprintf("%s: %v", start.Format("15:04:05.000"), err))
			}
			l.mu.Unlock()
		}
	}()
}

// finish stops the clients and logs per path: requests, failures, p50, p99, max.
func (l *load) finish(t *testing.T) map[string]*pathStats {
	close(l.stop)
	l.wg.Wait()
	for _, path := range []string{"kube-apiserver", "kapis"} {
		s := l.stats[path]
		d := slices.Clone(s.latencies)
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		q := func(p float64) time.Duration {
			if len(d) == 0 {
				return 0
			}
			return d[min(len(d)-1, int(p*float64(len(d))))].Round(time.Millisecond)
		}
		t.Logf("%-14s %6d requests, %d failed, p50 %s, p99 %s, max %s", path, len(d), len(s.failures), q(0.50), q(0.99), q(1))
		for i, f := range s.failures {
			if i == 10 {
				t.Logf("  ... %d more", len(s.failures)-10)
				break
			}
			t.Logf("  %s", f)
		}
	}
	return l.stats
}

// testUnderLoad runs action while 8 clients read, waits until the Deployment
// has two Ready replicas of which none is terminating, reads on for 3 more
// seconds, then requires zero failures through kube-apiserver (and on /kapis
// too when strictKapis).
func testUnderLoad(t *testing.T, token, action string, strictKapis bool) {
	before := ksPods(t)
	l := startLoad(t, token)
	time.Sleep(3 * time.Second) // a baseline of reads before the action; not a correctness wait
	start := time.Now()
	sh(t, action)
	sh(t, `kubectl -n kubesphere-system rollout status deployment/ks-apiserver --timeout=5m`)
	eventually(t, 2*time.Minute, "the old pods are gone", func() (bool, string) {
		out, err := shErr(`kubectl -n kubesphere-system get pods -l app.kubernetes.io/name=ks-apiserver -o name`)
		if err != nil {
			return false, out
		}
		names := strings.Fields(out)
		gone := 0
		for _, p := range before {
			if !slices.Contains(names, "pod/"+p.name) {
				gone++
			}
		}
		if strictKapis {
			return gone == len(before) && len(names) == 2, out
		}
		return gone >= 1 && len(names) == 2, out
	})
	t.Logf("%q: replaced in %s", action, time.Since(start).Round(100*time.Millisecond))
	time.Sleep(3 * time.Second) // reads after the change, against the new pods
	stats := l.finish(t)
	if n := len(stats["kube-apiserver"].failures); n > 0 {
		t.Errorf("%d requests through kube-apiserver failed", n)
	}
	if n := len(stats["kapis"].failures); n > 0 && strictKapis {
		t.Errorf("%d requests on /kapis through the ClusterIP failed", n)
	}
	if len(stats["kube-apiserver"].latencies) < 100 || len(stats["kapis"].latencies) < 100 {
		t.Errorf("too few requests to judge: %d and %d", len(stats["kube-apiserver"].latencies), len(stats["kapis"].latencies))
	}
}

// testUpgrade is the walk-through's upgrade: a new image under a new tag
// (here the same build, tagged v0.1.0-upgrade), named in the overlay, applied.
func testUpgrade(t *testing.T) {
	sh(t, `ctr --address `+ctrAddress+` -n k8s.io images tag --force docker.io/library/ks-apiserver:v0.1.0 docker.io/library/ks-apiserver:v0.1.0-upgrade`)
	sh(t, `cat >> `+overlay+`/kustomization.yaml <<'EOF'
images:
- name: ks-apiserver
  newTag: v0.1.0-upgrade
EOF`)
	sh(t, `kubectl apply -k `+overlay)
	sh(t, `kubectl -n kubesphere-system rollout status deployment/ks-apiserver --timeout=5m`)
	out := sh(t, `kubectl -n kubesphere-system get deployment ks-apiserver -o jsonpath='{.spec.template.spec.containers[0].image} {.status.updatedReplicas} {.status.readyReplicas}'`)
	if strings.TrimSpace(out) != "ks-apiserver:v0.1.0-upgrade 2 2" {
		t.Fatalf("after the upgrade: %q, want image ks-apiserver:v0.1.0-upgrade with 2 updated and ready replicas", out)
	}
	sh(t, `kubectl wait --for=condition=Available apiservice/v1alpha3.resources.kubesphere.io --timeout=2m`)
}

// testUninstall: kubectl delete -k removes everything it installed; the
// users CRD and the Users, installed apart, stay for a reinstall.
func testUninstall(t *testing.T) {
	sh(t, `kubectl delete -k `+overlay+` --timeout=3m`)
	for _, gone := range []string{"namespace/kubesphere-system", "apiservice/v1alpha3.resources.kubesphere.io",
		"clusterrole/ks-apiserver", "clusterrole/resources.kubesphere.io:aggregate-to-view"} {
		if out, err := shErr(`kubectl get ` + gone); err == nil {
			t.Errorf("%s still exists after kubectl delete -k:\n%s", gone, out)
		}
	}
	sh(t, `kubectl get crd users.iam.kubesphere.io`)
	if out := sh(t, `kubectl get users.iam.kubesphere.io -o name`); strings.TrimSpace(out) != "user.iam.kubesphere.io/admin" {
		t.Errorf("users after uninstall: %q, want admin", out)
	}
}
