package e2e

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
)

// A ks-apiserver whose caches cannot sync (its identity may delegate
// authentication and authorization but not read pods) is not ready, yet
// keeps answering discovery for its group: kube-apiserver's aggregator probes
// that path, and an unavailable APIService degrades discovery cluster-wide.
func TestNotReadyUntilSynced(t *testing.T) {
	ctx := context.Background()
	manifest := `apiVersion: v1
kind: ServiceAccount
metadata: {name: ks-apiserver-blind, namespace: kubesphere-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ks-apiserver-blind:system:auth-delegator}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:auth-delegator}
subjects: [{kind: ServiceAccount, name: ks-apiserver-blind, namespace: kubesphere-system}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ks-apiserver-blind-auth-reader, namespace: kube-system}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: extension-apiserver-authentication-reader}
subjects: [{kind: ServiceAccount, name: ks-apiserver-blind, namespace: kubesphere-system}]
`
	if err := controlplane.Apply(ctx, cp.Admin, []byte(manifest)); err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := cp.ServiceAccountKubeconfig(ctx, "kubesphere-system", "ks-apiserver-blind")
	if err != nil {
		t.Fatal(err)
	}
	blind, err := cp.RunKSAPIServer(ctx, controlplane.KSConfig{
		Binary: ks.Process.Args()[0], ArtifactsDir: filepath.Join(repoRoot(), "artifacts", "deploy"),
		Name: "ks-apiserver-blind", Kubeconfig: kubeconfig,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer blind.Process.Stop(0)
	client, err := blind.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}

	// Discovery of the group needs authentication; the front proxy would add
	// the identity, here the admin's client certificate does, once the
	// client CA has been read from kube-system (a moment after start).
	direct := directClientFor(t, blind)
	eventually(t, "group discovery answers while not ready", func() bool {
		_, err := direct.Get().AbsPath("/apis/resources.kubesphere.io/v1alpha3").DoRaw(ctx)
		return err == nil
	})
	code, body := get(t, client, blind.URL+"/readyz?verbose")
	if code != http.StatusInternalServerError || !strings.Contains(body, "[-]informer-sync failed") {
		t.Errorf("/readyz = %d\n%s\nwant 500 with informer-sync failing", code, body)
	}
	body2, err := direct.Get().AbsPath("/apis/resources.kubesphere.io/v1alpha3/pods").DoRaw(ctx)
	if !apierrors.IsServiceUnavailable(err) || !strings.Contains(string(body2), "not yet synced") {
		t.Errorf("list while not synced: %v %s, want 503 not yet synced", err, body2)
	}
}

func get(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
