// Package e2e tests ks-apiserver as its users meet it: aggregated by a real
// kube-apiserver (with etcd), through kubectl, raw REST and the generated
// clientset, and directly on its own port.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
)

// The control plane, ks-apiserver and demo data are shared by every test;
// tests that change data use namespaces of their own.
var (
	cp         *controlplane.ControlPlane
	ks         *controlplane.KSAPIServer
	kubectlBin string
	demoPods   int
	// binDir holds etcd, kube-apiserver and kubectl; ksBin is ks-apiserver
	// built from this tree: for tests that start control planes of their own.
	binDir, ksBin string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	root := repoRoot()
	var err error
	binDir, err = binaries(root)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	kubectlBin = filepath.Join(binDir, "kubectl")
	tmp, err := os.MkdirTemp("", "ks-e2e-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	// Always test the code of this tree, never a stale binary.
	ksBin = filepath.Join(tmp, "ks-apiserver")
	if out, err := command(root, "go", "build", "-o", ksBin, "./cmd/ks-apiserver"); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: build ks-apiserver: %v\n%s", err, out)
		return 1
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cp, err = controlplane.Start(ctx, controlplane.Config{
		BinDir: binDir,
		// kube-apiserver asks ks-apiserver about bearer tokens it does not
		// know; a short cache makes logouts bite quickly.
		TokenWebhook: &controlplane.TokenWebhook{CacheTTL: 2 * time.Second},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: control plane: %v\n", err)
		return 1
	}
	defer cp.Stop()
	if err := cp.InstallCRDs(ctx, filepath.Join(root, "artifacts", "deploy")); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: CRDs: %v\n", err)
		return 1
	}
	ks, err = cp.StartKSAPIServer(ctx, controlplane.KSConfig{
		Binary:       ksBin,
		ArtifactsDir: filepath.Join(root, "artifacts", "deploy"),
		Port:         controlplane.Port{Number: cp.TokenWebhookPort},
		ExtraArgs:    oauthArgs,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: ks-apiserver: %v\n", err)
		return 1
	}
	if demoPods, err = controlplane.CreateDemoData(ctx, cp.Admin); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: demo data: %v\n", err)
		return 1
	}
	code := m.Run()
	if code != 0 {
		if log, err := os.ReadFile(ks.Process.LogFile); err == nil {
			fmt.Fprintf(os.Stderr, "--- end of ks-apiserver log:\n%s\n", tail(log, 4000))
		}
	}
	return code
}

// binaries returns the folder with etcd, kube-apiserver and kubectl:
// KS_BIN_DIR, or _output/bin after running hack/tools/build.sh (which
// reuses what is built).
func binaries(root string) (string, error) {
	if dir := os.Getenv("KS_BIN_DIR"); dir != "" {
		return dir, nil
	}
	out, err := command(root, filepath.Join(root, "hack", "tools", "build.sh"))
	if err != nil {
		return "", fmt.Errorf("hack/tools/build.sh: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1], nil
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func command(dir, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	return cmd.CombinedOutput()
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// kubectl runs kubectl as the cluster admin, through kube-apiserver.
func kubectl(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubectlBin, append([]string{"--kubeconfig", cp.AdminKubeconfig}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// mustKubectl runs kubectl and fails the test when it fails.
func mustKubectl(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := kubectl(t, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// directConfig is the admin's client configuration aimed at ks-apiserver's
// own port instead of kube-apiserver.
func directConfig() *rest.Config {
	return directConfigFor(ks)
}

func directConfigFor(server *controlplane.KSAPIServer) *rest.Config {
	cfg := rest.CopyConfig(cp.Admin)
	cfg.Host = server.URL
	cfg.TLSClientConfig.CAData = server.CAPEM
	cfg.TLSClientConfig.CAFile = ""
	return cfg
}

// directClientFor is a REST client for the admin on the server's own port.
func directClientFor(t *testing.T, server *controlplane.KSAPIServer) rest.Interface {
	t.Helper()
	client, err := kubernetes.NewForConfig(directConfigFor(server))
	if err != nil {
		t.Fatal(err)
	}
	return client.Discovery().RESTClient()
}

var apiServicesGVR = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}
