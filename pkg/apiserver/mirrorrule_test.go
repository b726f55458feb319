package apiserver

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
)

// The mirror rule maps the resources ExtraConfig.Upstream serves: a
// resource declared there is checked against its upstream resource too,
// with no second list of declarations to keep in step.
func TestCompleteMapsTheUpstreamResources(t *testing.T) {
	var decl []mirror.Resource
	for _, res := range registryresources.All() {
		if res.Name == "configmaps" {
			res.Name = "widgets" // served only by this Upstream
			decl = append(decl, res)
		}
	}
	var upstreamAsked []schema.GroupResource
	cfg := &Config{GenericConfig: completableConfig(), ExtraConfig: ExtraConfig{Caches: mirror.NewCaches(nil, decl, 0, 0)}}
	cfg.GenericConfig.Authorization.Authorizer = authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		if a.GetAPIGroup() != v1alpha3.GroupName {
			upstreamAsked = append(upstreamAsked, schema.GroupResource{Group: a.GetAPIGroup(), Resource: a.GetResource()})
		}
		return authorizer.DecisionAllow, "", nil
	})
	if _, err := cfg.Complete(); err != nil {
		t.Fatal(err)
	}
	d, _, err := cfg.GenericConfig.Authorization.Authorizer.Authorize(context.Background(), authorizer.AttributesRecord{
		User: &user.DefaultInfo{Name: "alice"}, Verb: "list", APIGroup: v1alpha3.GroupName,
		APIVersion: v1alpha3.SchemeGroupVersion.Version, Resource: "widgets", ResourceRequest: true,
	})
	if d != authorizer.DecisionAllow || err != nil {
		t.Fatalf("got %v, %v", d, err)
	}
	if want := (schema.GroupResource{Resource: "configmaps"}); len(upstreamAsked) != 1 || upstreamAsked[0] != want {
		t.Errorf("upstream checks %v, want [%v]: the mirror rule does not read ExtraConfig.Upstream", upstreamAsked, want)
	}
}
