package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// renderWithComponents renders artifacts/deploy with the named components
// of artifacts/deploy/components, as a user's own kustomization would.
func renderWithComponents(t *testing.T, components ...string) string {
	t.Helper()
	dir := t.TempDir()
	deploy := filepath.Join(repoRoot(), "artifacts", "deploy")
	// kustomize takes relative paths only.
	rel, err := filepath.Rel(dir, deploy)
	if err != nil {
		t.Fatal(err)
	}
	k := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- " + rel + "\ncomponents:\n"
	for _, c := range components {
		k += "- " + filepath.Join(rel, "components", c) + "\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(k), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := kubectl(t, "kustomize", dir)
	if err != nil || strings.TrimSpace(out) == "" {
		t.Fatalf("kubectl kustomize with %v: %v\n%s", components, err, errOut)
	}
	return out
}

// The http component adds the plain-HTTP port to the container and port 80
// to the Service, and nothing else.
func TestDeployComponentHTTP(t *testing.T) {
	base := renderWithComponents(t)
	withHTTP := renderWithComponents(t, "http")
	for _, want := range []string{"- --insecure-http-port=8080", "- containerPort: 8080\n          name: http", "- name: http\n    port: 80\n    targetPort: http"} {
		if strings.Contains(base, want) {
			t.Errorf("the base already has %q", want)
		}
		if !strings.Contains(withHTTP, want) {
			t.Errorf("the http component does not add %q:\n%s", want, withHTTP)
		}
	}
	for _, keep := range []string{"- name: https\n    port: 443", "containerPort: 9443"} {
		if !strings.Contains(withHTTP, keep) {
			t.Errorf("the http component drops %q", keep)
		}
	}
}
