package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
)

// `make run` as a user meets it: it prints "ks-apiserver is ready", kubectl
// with the kubeconfig it wrote lists the demo pods through kube-apiserver,
// SIGTERM stops exactly the processes it started, a busy port is reported
// clearly, and a second run works.
func TestLocalUp(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a second control plane")
	}
	root := repoRoot()
	bin := filepath.Join(t.TempDir(), "local-up")
	if out, err := command(root, "go", "build", "-o", bin, "./hack/localup"); err != nil {
		t.Fatalf("build local-up: %v\n%s", err, out)
	}
	dir := t.TempDir()
	ports := map[string]int{}
	for _, v := range []string{"KS_ETCD_PORT", "KS_ETCD_PEER_PORT", "KS_KUBE_APISERVER_PORT", "KS_APISERVER_PORT"} {
		p, err := controlplane.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		ports[v] = p
	}
	start := func(env map[string]int) (*exec.Cmd, *bufio.Scanner) {
		cmd := exec.Command(bin, "-root", root, "-bin-dir", filepath.Dir(kubectlBin),
			"-ks-apiserver", ks.Process.Args()[0], "-dir", dir)
		cmd.Env = os.Environ()
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+strconv.Itoa(v))
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = cmd.Stdout
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, bufio.NewScanner(stdout)
	}

	for run := 1; run <= 2; run++ {
		cmd, out := start(ports)
		var printed []string
		ready := make(chan bool, 1)
		go func() {
			for out.Scan() {
				printed = append(printed, out.Text())
				if out.Text() == "ks-apiserver is ready" {
					ready <- true
					break
				}
			}
			close(ready)
		}()
		select {
		case ok := <-ready:
			if !ok {
				_ = cmd.Wait()
				t.Fatalf("run %d ended before ready:\n%s", run, strings.Join(printed, "\n"))
			}
		case <-time.After(3 * time.Minute):
			_ = cmd.Process.Kill()
			t.Fatalf("run %d not ready in 3 minutes:\n%s", run, strings.Join(printed, "\n"))
		}
		go func() {
			for out.Scan() {
			}
		}()
		quickstart := strings.Join(printed, "\n")
		for _, want := range []string{"get pods.resources.kubesphere.io -A", "source " + filepath.Join(dir, "env")} {
			if !strings.Contains(quickstart, want) {
				t.Errorf("quickstart lacks %q:\n%s", want, quickstart)
			}
		}
		env, err := os.ReadFile(filepath.Join(dir, "env"))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			"export KUBECONFIG=" + filepath.Join(dir, "kubeconfig"),
			fmt.Sprintf("export KS_APISERVER=https://127.0.0.1:%d", ports["KS_APISERVER_PORT"]),
			"export KS_CA_FILE=",
		} {
			if !strings.Contains(string(env), want) {
				t.Errorf("env file lacks %q:\n%s", want, env)
			}
		}

		listed, err := exec.Command(kubectlBin, "--kubeconfig", filepath.Join(dir, "kubeconfig"),
			"get", "pods.resources.kubesphere.io", "-A", "--no-headers").CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl on the local cluster: %v\n%s", err, listed)
		}
		if n := len(strings.Split(strings.TrimSpace(string(listed)), "\n")); n < 45 {
			t.Errorf("run %d: %d demo pods listed, want about 50", run, n)
		}
		apiservice, err := exec.Command(kubectlBin, "--kubeconfig", filepath.Join(dir, "kubeconfig"),
			"get", "apiservice", controlplane.APIServiceName, "-o", "jsonpath={.status.conditions[?(@.type=='Available')].status} {.spec.caBundle}").CombinedOutput()
		if fields := strings.Fields(string(apiservice)); err != nil || len(fields) != 2 || fields[0] != "True" {
			t.Errorf("APIService: %v %q, want Available True with a caBundle", err, apiservice)
		}

		if run == 1 {
			checkLocalUpOAuth(t, quickstart, dir, ports["KS_APISERVER_PORT"])
			checkLocalUpMetrics(t, quickstart, dir)
		}

		children := childPIDs(t, cmd.Process.Pid)
		if len(children) != 4 {
			t.Errorf("local-up runs %d processes (%v), want etcd, kube-apiserver, kube-controller-manager and ks-apiserver", len(children), children)
		}
		if run == 1 {
			// A busy port is reported by name while the first run holds them.
			second := exec.Command(bin, "-root", root, "-bin-dir", filepath.Dir(kubectlBin), "-dir", t.TempDir())
			second.Env = append(os.Environ(), fmt.Sprintf("KS_ETCD_PORT=%d", ports["KS_ETCD_PORT"]))
			for _, v := range []string{"KS_ETCD_PEER_PORT", "KS_KUBE_APISERVER_PORT", "KS_APISERVER_PORT"} {
				free, err := controlplane.FreePort()
				if err != nil {
					t.Fatal(err)
				}
				second.Env = append(second.Env, fmt.Sprintf("%s=%d", v, free))
			}
			msg, err := second.CombinedOutput()
			if err == nil || !strings.Contains(string(msg), fmt.Sprintf("%d", ports["KS_ETCD_PORT"])) || !strings.Contains(string(msg), "KS_ETCD_PORT") {
				t.Errorf("second run on a busy port: %v\n%s\nwant an error naming the port and KS_ETCD_PORT", err, msg)
			}
		}

		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run %d exit after SIGTERM: %v", run, err)
			}
		case <-time.After(time.Minute):
			_ = cmd.Process.Kill()
			t.Fatalf("run %d did not stop within a minute of SIGTERM", run)
		}
		for _, pid := range children {
			if syscall.Kill(pid, 0) == nil {
				t.Errorf("process %d still runs after local-up stopped", pid)
			}
		}
	}
}

// childPIDs lists the direct children of a process (they may hang off any
// of its threads).
func childPIDs(t *testing.T, pid int) []int {
	t.Helper()
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, task := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, task.Name()))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// checkLocalUpOAuth runs the seed's flow as the quickstart prints it: the
// admin's password grant on ks-apiserver, then the token with kubectl
// through kube-apiserver's token webhook.
// checkLocalUpMetrics runs the metrics command the quickstart prints, as
// printed (in a shell that sourced the env file), and expects ks-apiserver's
// own series.
func checkLocalUpMetrics(t *testing.T, quickstart, dir string) {
	t.Helper()
	var command string
	for _, line := range strings.Split(quickstart, "\n") {
		if strings.Contains(line, "get --raw /metrics") {
			command = strings.TrimSpace(line)
		}
	}
	if command == "" {
		t.Fatalf("quickstart prints no metrics command:\n%s", quickstart)
	}
	out, err := exec.Command("bash", "-c", "source "+filepath.Join(dir, "env")+" && "+command).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `ks_apiserver_cache_objects{resource="pods"}`) {
		t.Errorf("%s: %v\n%s", command, err, out)
	}
}

func checkLocalUpOAuth(t *testing.T, quickstart, dir string, port int) {
	t.Helper()
	if !strings.Contains(quickstart, "-d '"+seedBody+"'") || !strings.Contains(quickstart, "local use only") {
		t.Fatalf("quickstart lacks the seed's curl command or the warning:\n%s", quickstart)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "ks-apiserver-ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	local := &controlplane.KSAPIServer{URL: fmt.Sprintf("https://127.0.0.1:%d", port), CAPEM: caPEM}
	tok := requestToken(t, local, seedBody)
	if tok.Status != http.StatusOK {
		t.Fatalf("seed password grant on make run: %d %s", tok.Status, tok.Body)
	}
	out, err := exec.Command(kubectlBin, "--kubeconfig", filepath.Join(dir, "oauth.kubeconfig"), "--token", tok.AccessToken,
		"get", "nodes", "-o", "name").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "node/node-1") {
		t.Fatalf("kubectl --token through kube-apiserver: %v\n%s", err, out)
	}

	// The seed's second call, as the quickstart prints it.
	nodesURL := local.URL + "/kapis/resources.kubesphere.io/v1alpha3/nodes"
	if !strings.Contains(quickstart, `-H "Authorization: Bearer $TOKEN" `+nodesURL) {
		t.Fatalf("quickstart lacks the seed's nodes call:\n%s", quickstart)
	}
	client, err := local.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, nodesURL, nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var nodes struct {
		Items      []json.RawMessage `json:"items"`
		TotalItems int               `json:"totalItems"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&nodes); err != nil || resp.StatusCode != http.StatusOK ||
		nodes.TotalItems != len(controlplane.DemoNodes) || len(nodes.Items) != nodes.TotalItems {
		t.Fatalf("seed GET /kapis/.../nodes with the token: %d %v %+v", resp.StatusCode, err, nodes)
	}
}
