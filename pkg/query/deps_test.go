package query_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The engine knows no Kubernetes type: KubeSphere's per-type rules live in
// pkg/kubesphere and reach it through the declarations' Type values.
func TestEngineImportsNoKubernetesAPI(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/ks-apiserver/ks-apiserver/pkg/query") {
		t.Fatalf("go list -deps did not list pkg/query itself: %s", out)
	}
	var api []string
	for _, pkg := range deps {
		if strings.HasPrefix(pkg, "k8s.io/api/") {
			api = append(api, pkg)
		}
	}
	if len(api) > 0 {
		t.Errorf("pkg/query imports %v: put per-type rules in pkg/kubesphere instead", api)
	}
}
