package apiserver

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	authzmirror "github.com/ks-apiserver/ks-apiserver/pkg/authorization/mirror"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
)

// mirrorAuthorizer wraps the delegated authorizer so that a request to a
// resources.kubesphere.io resource also needs the same permission on the
// upstream resource it mirrors. The mapping comes from the same declarations
// the storage is built from, so a newly declared resource is covered without
// touching this file.
func mirrorAuthorizer(delegate authorizer.Authorizer) authorizer.Authorizer {
	upstream := map[string]schema.GroupResource{}
	for _, res := range registryresources.All() {
		upstream[res.Name] = res.Upstream.GroupResource()
	}
	// /kapis components and component health describe the services (and
	// their pods) of the system namespaces: reading them needs the right to
	// read services there too.
	for _, name := range []string{"components", "componenthealth"} {
		upstream[name] = schema.GroupResource{Resource: "services"}
	}
	return authzmirror.New(delegate, func(resource string) (schema.GroupResource, bool) {
		gr, ok := upstream[resource]
		return gr, ok
	})
}
