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

// Certificate modes: by default the replicas manage the serving Secret and
// the APIService's caBundle; the cert-manager and provided-cert components
// turn the management off (the last flag wins), and only cert-manager's adds
// its Issuers and Certificates. No mode mounts a file or skips TLS checks.
func TestDeployCertificateModes(t *testing.T) {
	base := renderWithComponents(t)
	for _, want := range []string{"- --serving-cert-secret=ks-apiserver-serving-cert", "- --serving-cert-apiservice=v1alpha3.resources.kubesphere.io"} {
		if !strings.Contains(base, want) {
			t.Errorf("the base lacks %q", want)
		}
	}
	for _, never := range []string{"insecureSkipTLSVerify", "--tls-cert-file", "cert-manager.io", "--serving-cert-manage=false"} {
		if strings.Contains(base, never) {
			t.Errorf("the base has %q", never)
		}
	}
	for _, c := range []string{"cert-manager", "provided-cert"} {
		out := renderWithComponents(t, c)
		if !strings.Contains(out, "- --serving-cert-manage=false") || strings.Contains(out, "insecureSkipTLSVerify") {
			t.Errorf("%s: management not turned off, or TLS checks skipped", c)
		}
		if got := strings.Contains(out, "kind: Certificate\n"); got != (c == "cert-manager") {
			t.Errorf("%s renders a cert-manager Certificate: %v", c, got)
		}
	}
	// Components compose: plain HTTP with a provided certificate.
	both := renderWithComponents(t, "provided-cert", "http")
	if !strings.Contains(both, "- --serving-cert-manage=false") || !strings.Contains(both, "- --insecure-http-port=8080") {
		t.Error("provided-cert and http do not compose")
	}
}
