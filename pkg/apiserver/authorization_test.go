package apiserver

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
)

// declared is every resource's declaration, as ExtraConfig.Upstream holds them.
func declared() []*mirror.Resource { return pointers(registryresources.All()) }

// followed is every followed resource, as ExtraConfig.Upstream holds them.
func followed() []*mirror.Resource { return pointers(registryresources.Followed()) }

func pointers(all []mirror.Resource) []*mirror.Resource {
	out := make([]*mirror.Resource, len(all))
	for i := range all {
		out[i] = &all[i]
	}
	return out
}

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
			d, reason, err := mirrorAuthorizer(declared(), delegate).Authorize(context.Background(), attrs)
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

// A filter's or computed field's read of another resource needs what a list
// of that resource through ks-apiserver needs: the mirror permission and the
// upstream one, for the request's user, in the namespace asked about.
func TestReadAuthorizerAsksTheMirrorRule(t *testing.T) {
	var asked []string
	delegate := authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		asked = append(asked, a.GetUser().GetName()+" "+a.GetVerb()+" "+a.GetAPIGroup()+"/"+a.GetResource()+" "+a.GetNamespace())
		// alice may list services in demo through the mirror only.
		if a.GetNamespace() == "demo" && a.GetAPIGroup() == v1alpha3.GroupName {
			return authorizer.DecisionAllow, "", nil
		}
		if a.GetNamespace() == "web" {
			return authorizer.DecisionAllow, "", nil
		}
		return authorizer.DecisionNoOpinion, "", nil
	})
	reads := readAuthorizer(mirrorAuthorizer(declared(), delegate), followed())
	ctx := genericapirequest.WithUser(context.Background(), &user.DefaultInfo{Name: "alice"})

	if ok, _, err := reads.AuthorizeList(ctx, "services", "web"); !ok || err != nil {
		t.Errorf("services in web: %v %v, want allowed", ok, err)
	}
	want := []string{"alice list resources.kubesphere.io/services web", "alice list /services web"}
	if !slices.Equal(asked, want) {
		t.Errorf("asked %q, want %q", asked, want)
	}
	ok, reason, err := reads.AuthorizeList(ctx, "services", "demo")
	if ok || err != nil || !strings.Contains(reason, `cannot list services in namespace "demo"`) {
		t.Errorf("services in demo without upstream: %v %q %v, want denied naming the upstream permission", ok, reason, err)
	}
	if ok, _, _ := reads.AuthorizeList(context.Background(), "services", "web"); ok {
		t.Error("a request without a user was allowed")
	}
	if readAuthorizer(nil, followed()) != nil {
		t.Error("authorization off must give a nil ReadAuthorizer (everything allowed)")
	}
}

// A followed resource is not served, so no resources.kubesphere.io rule can
// grant reading it: its read needs listing it upstream, and only that.
func TestReadAuthorizerAsksUpstreamForFollowed(t *testing.T) {
	var asked []string
	delegate := authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		asked = append(asked, a.GetVerb()+" "+a.GetAPIGroup()+"/"+a.GetAPIVersion()+"/"+a.GetResource()+" "+a.GetNamespace())
		return authorizer.DecisionAllow, "", nil
	})
	reads := readAuthorizer(mirrorAuthorizer(declared(), delegate), followed())
	ctx := genericapirequest.WithUser(context.Background(), &user.DefaultInfo{Name: "alice"})
	if len(followed()) == 0 {
		t.Fatal("no followed resource: the test checks nothing")
	}
	for _, res := range followed() {
		asked = nil
		if ok, _, err := reads.AuthorizeList(ctx, res.Name, ""); !ok || err != nil {
			t.Errorf("%s: %v %v, want allowed", res.Name, ok, err)
		}
		want := []string{"list " + res.Upstream.Group + "/" + res.Upstream.Version + "/" + res.Upstream.Resource + " "}
		if !slices.Equal(asked, want) {
			t.Errorf("%s: asked %q, want %q", res.Name, asked, want)
		}
	}
}

// TestRBACSourceUnsyncedUntilServed: before discovery found RBAC upstream
// (or when kube-apiserver does not serve it) the fast path has no opinion.
func TestRBACSourceUnsyncedUntilServed(t *testing.T) {
	u := mirror.NewCaches(nil, registryresources.All(), time.Minute, 0)
	if RBACSource(u).Synced() {
		t.Error("RBAC source synced without any cache")
	}
	none := mirror.NewCaches(nil, nil, time.Minute, 0)
	if RBACSource(none).Synced() {
		t.Error("RBAC source synced though RBAC is not mirrored")
	}
}
