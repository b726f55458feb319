package e2e

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
	"github.com/ks-apiserver/ks-apiserver/pkg/generated/clientset/versioned"
	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
)

// On a cluster without the users CRD (where the deployment manifests are
// checked first), users.resources.kubesphere.io is
// still discoverable and lists empty (not an error); once the CRD is
// installed, ks-apiserver finds it and mirrors its objects. It needs a
// control plane of its own: the shared one has the CRD.
func TestAbsentUpstreamAPIAppears(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bare, err := controlplane.Start(ctx, controlplane.Config{BinDir: binDir})
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Stop()
	artifacts := filepath.Join(repoRoot(), "artifacts", "deploy")
	run := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, kubectlBin, append([]string{"--kubeconfig", bare.AdminKubeconfig}, args...)...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		return out.String() + errOut.String(), err
	}
	checkDeployManifests(t, artifacts, run)

	if _, err := bare.StartKSAPIServer(ctx, controlplane.KSConfig{
		Binary: ksBin, ArtifactsDir: artifacts, Name: "ks-absent-crd",
		ExtraArgs: []string{"--upstream-discovery-interval=2s"},
	}); err != nil {
		t.Fatal(err)
	}

	if out, err := run("api-resources", "--api-group=resources.kubesphere.io", "-o", "name"); err != nil || !strings.Contains(out, "users.resources.kubesphere.io") {
		t.Fatalf("discovery without the CRD: %v\n%s", err, out)
	}
	if out, err := run("get", "users.resources.kubesphere.io"); err != nil || !strings.Contains(out, "No resources found") {
		t.Fatalf("list without the CRD: %v\n%s", err, out)
	}
	if out, err := run("get", "--raw", "/apis/resources.kubesphere.io/v1alpha3/users/alice"); err == nil || !strings.Contains(out, "NotFound") {
		t.Fatalf("get without the CRD: %v\n%s", err, out)
	}

	if err := bare.InstallCRDs(ctx, artifacts); err != nil {
		t.Fatal(err)
	}
	iam := versioned.NewForConfigOrDie(bare.Admin).IamV1beta1()
	eventually(t, "kube-apiserver serves the new CRD", func() bool {
		_, err := iam.Users().Create(ctx, &iamv1beta1.User{
			ObjectMeta: metav1.ObjectMeta{Name: "late-user"},
			Spec:       iamv1beta1.UserSpec{Email: "late@example.com"},
		}, metav1.CreateOptions{})
		return err == nil
	})
	eventually(t, "ks-apiserver mirrors the users of the new CRD", func() bool {
		out, err := run("get", "users.resources.kubesphere.io", "-o", "name")
		return err == nil && strings.TrimSpace(out) == "user.resources.kubesphere.io/late-user"
	})
}

// checkDeployManifests checks that the in-cluster manifests (kubectl apply -k
// artifacts/deploy) render and that kube-apiserver accepts them: a
// server-side dry run on a cluster that has nothing of ks-apiserver yet
// validates every object against the real schemas and admission.
func checkDeployManifests(t *testing.T, dir string, kubectl func(args ...string) (string, error)) {
	t.Helper()
	rendered, err := kubectl("kustomize", dir)
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, rendered)
	}
	for _, kind := range []string{"Namespace", "ServiceAccount", "ClusterRole",
		"Service", "Deployment", "PodDisruptionBudget", "APIService"} {
		if !strings.Contains(rendered, "\nkind: "+kind+"\n") {
			t.Errorf("kubectl kustomize %s renders no %s", dir, kind)
		}
	}
	// The users CRD is installed apart, so that uninstalling keeps the Users.
	if strings.Contains(rendered, "\nkind: CustomResourceDefinition\n") {
		t.Errorf("kubectl kustomize %s renders the users CRD: kubectl delete -k would delete every User", dir)
	}
	// A dry run does not create the namespace the other objects need.
	if out, err := kubectl("create", "namespace", "kubesphere-system"); err != nil {
		t.Fatalf("create namespace: %v\n%s", err, out)
	}
	out, err := kubectl("apply", "--dry-run=server", "-k", dir)
	if err != nil {
		t.Fatalf("kubectl apply --dry-run=server -k %s: %v\n%s", dir, err, out)
	}
	for _, want := range []string{"deployment.apps/ks-apiserver created", "poddisruptionbudget.policy/ks-apiserver created",
		"apiservice.apiregistration.k8s.io/v1alpha3.resources.kubesphere.io created", "service/ks-apiserver created"} {
		if !strings.Contains(out, want) {
			t.Errorf("server dry run did not apply %q:\n%s", want, out)
		}
	}
}
