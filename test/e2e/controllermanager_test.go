package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
)

// Issue 12 item 5: with kube-controller-manager's node-less controllers (as
// `make run` starts them), a control plane behaves like a cluster for a
// newcomer: `kubectl run` works in a new namespace (its default service
// account exists), and a RoleBinding to the built-in "view" role grants the
// mirror in that namespace, because the aggregation controller merged
// ks-apiserver's aggregate-to-view rules into it. Without the controllers
// both fail ("serviceaccount default not found", Forbidden).
func TestControllerManagerViewGrantsMirror(t *testing.T) {
	kcm := kubeControllerManager(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cp2, err := controlplane.Start(ctx, controlplane.Config{BinDir: binDir})
	if err != nil {
		t.Fatal(err)
	}
	defer cp2.Stop()
	if err := cp2.StartControllerManager(ctx, kcm); err != nil {
		t.Fatal(err)
	}
	artifacts := filepath.Join(repoRoot(), "artifacts", "deploy")
	if err := cp2.InstallCRDs(ctx, artifacts); err != nil {
		t.Fatal(err)
	}
	if _, err := cp2.StartKSAPIServer(ctx, controlplane.KSConfig{Binary: ksBin, ArtifactsDir: artifacts, Name: "ks-kcm"}); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, kubectlBin, append([]string{"--kubeconfig", cp2.AdminKubeconfig}, args...)...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		return strings.TrimSpace(out.String() + errOut.String()), err
	}
	for _, args := range [][]string{
		{"create", "namespace", "team-a"},
		{"-n", "team-a", "create", "rolebinding", "alice-view", "--clusterrole=view", "--user=alice"},
	} {
		if out, err := run(args...); err != nil {
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	// The service account controller creates "default" within moments of
	// the namespace; until then the ServiceAccount admission refuses pods.
	eventually(t, "kubectl run in a new namespace", func() bool {
		_, err := run("-n", "team-a", "run", "web", "--image=nginx", "--restart=Never")
		return err == nil
	})
	// The delegated authorizer caches a deny for a few seconds.
	eventuallyOK(t, "view (aggregated) grants alice the mirror in team-a", func() (bool, string) {
		out, err := run("--as=alice", "-n", "team-a", "get", "pods.resources.kubesphere.io", "-o", "name")
		return err == nil && out == "pod.resources.kubesphere.io/web", out
	})
	// ...and only there: the binding is namespaced.
	if out, err := run("--as=alice", "get", "pods.resources.kubesphere.io", "-A"); err == nil || !strings.Contains(out, "Forbidden") {
		t.Errorf("alice across namespaces: %v\n%s", err, out)
	}
	// The roles a cluster admin binds are the merged ones.
	if out, err := run("get", "clusterrole", "view", "-o", "jsonpath={.rules[*].apiGroups}"); err != nil || !strings.Contains(out, "resources.kubesphere.io") {
		t.Errorf("view has no rules for resources.kubesphere.io: %v\n%s", err, out)
	}
}

// kubeControllerManager is kube-controller-manager next to the other
// binaries, or built (and cached) by hack/cluster/build.sh.
func kubeControllerManager(t *testing.T) string {
	t.Helper()
	if bin := filepath.Join(binDir, "kube-controller-manager"); fileExists(bin) {
		return bin
	}
	root := repoRoot()
	if out, err := command(root, filepath.Join(root, "hack", "cluster", "build.sh"), "kube-controller-manager"); err != nil {
		t.Fatalf("hack/cluster/build.sh kube-controller-manager: %v\n%s", err, out)
	}
	return filepath.Join(root, "_output", "bin", "kube-controller-manager")
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
