package apiserver

import (
	"sort"
	"testing"

	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/validation/spec"

	generatedopenapi "github.com/ks-apiserver/ks-apiserver/pkg/generated/openapi"
)

// Every model the OpenAPI definitions refer to must be defined: the server
// refuses to start otherwise ("cannot find model definition"), and upstream
// types pull in models from packages one would not guess (hack/update-codegen.sh
// lists them).
func TestOpenAPIReferencesResolve(t *testing.T) {
	referenced := map[string]bool{}
	defs := generatedopenapi.GetOpenAPIDefinitions(func(name string) spec.Ref {
		referenced[name] = true
		return spec.MustCreateRef("#/definitions/" + common.EscapeJsonPointer(name))
	})
	var missing []string
	for name := range referenced {
		if _, ok := defs[name]; !ok {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("OpenAPI definitions referenced but not generated (add their packages to UPSTREAM_PKGS):\n%v", missing)
	}
}
