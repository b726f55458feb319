package apiserver

import (
	"context"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
)

// Every declared resource must be checked against its own upstream resource:
// one missing from the mapping would be denied to everyone, a wrong one would
// check the wrong permission.
func TestMirrorAuthorizerCoversEveryResource(t *testing.T) {
	for _, res := range registryresources.All() {
		t.Run(res.Name, func(t *testing.T) {
			var upstreamAsked []schema.GroupResource
			delegate := authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
				if a.GetAPIGroup() != v1alpha3.GroupName {
					upstreamAsked = append(upstreamAsked, schema.GroupResource{Group: a.GetAPIGroup(), Resource: a.GetResource()})
				}
				return authorizer.DecisionAllow, "", nil
			})
			attrs := authorizer.AttributesRecord{
				User: &user.DefaultInfo{Name: "alice"}, Verb: "list", APIGroup: v1alpha3.GroupName,
				APIVersion: v1alpha3.SchemeGroupVersion.Version, Resource: res.Name, ResourceRequest: true,
			}
			d, reason, err := mirrorAuthorizer(delegate).Authorize(context.Background(), attrs)
			if d != authorizer.DecisionAllow || err != nil {
				t.Fatalf("got %v (%q, %v), want Allow", d, reason, err)
			}
			want := res.Upstream.GroupResource()
			if len(upstreamAsked) != 1 || upstreamAsked[0] != want {
				t.Errorf("upstream checks %v, want [%v]", upstreamAsked, want)
			}
		})
	}
}
