package apiserver

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	"github.com/ks-apiserver/ks-apiserver/pkg/authorization/mirrorauthz"
	"github.com/ks-apiserver/ks-apiserver/pkg/authorization/rbac"
	"github.com/ks-apiserver/ks-apiserver/pkg/kapis"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

// mirrorAuthorizer wraps the delegated authorizer so that a request to a
// resources.kubesphere.io resource also needs the same permission on the
// upstream resource it mirrors. The mapping comes from the declarations the
// storage is built from (resources, those of ExtraConfig.Upstream), so a
// newly declared resource is covered without touching this file.
func mirrorAuthorizer(resources []*mirror.Resource, delegate authorizer.Authorizer) authorizer.Authorizer {
	upstream := map[string]schema.GroupResource{}
	for _, res := range resources {
		upstream[res.Name] = res.Upstream.GroupResource()
	}
	// /kapis components and component health describe the services (and
	// their pods) of the system namespaces: reading them needs the right to
	// read services there too.
	for _, name := range []string{kapis.ComponentsPath, kapis.ComponentHealthPath} {
		upstream[name] = schema.GroupResource{Resource: "services"}
	}
	return mirrorauthz.New(delegate, func(resource string) (schema.GroupResource, bool) {
		gr, ok := upstream[resource]
		return gr, ok
	})
}

// listAuthorizer answers the registry's questions about filters and
// computed fields that read other resources with the authorizer requests go
// through (delegated, cached, mirror rule included): such a read needs what
// listing the resource through ks-apiserver needs, no more and no less, so
// it tells the caller exactly what they could have listed themselves.
type listAuthorizer struct {
	authz    authorizer.Authorizer
	followed map[string]schema.GroupVersionResource
}

// readAuthorizer is nil when authorization is off (a nil authorizer).
// followed are the resources cached but not served: reading one needs
// listing it upstream, as no resources.kubesphere.io rule can grant it.
func readAuthorizer(authz authorizer.Authorizer, followed []*mirror.Resource) mirror.ReadAuthorizer {
	if authz == nil {
		return nil
	}
	upstream := map[string]schema.GroupVersionResource{}
	for _, res := range followed {
		upstream[res.Name] = res.Upstream
	}
	return listAuthorizer{authz: authz, followed: upstream}
}

// AuthorizeList implements mirror.ReadAuthorizer.
func (a listAuthorizer) AuthorizeList(ctx context.Context, resource, namespace string) (bool, string, error) {
	u, ok := genericapirequest.UserFrom(ctx)
	if !ok {
		return false, "the request has no user", nil
	}
	gv := v1alpha3.SchemeGroupVersion
	if up, ok := a.followed[resource]; ok {
		gv, resource = up.GroupVersion(), up.Resource
	}
	decision, reason, err := a.authz.Authorize(ctx, authorizer.AttributesRecord{
		User: u, Verb: "list", Namespace: namespace,
		APIGroup: gv.Group, APIVersion: gv.Version,
		Resource: resource, ResourceRequest: true,
	})
	return decision == authorizer.DecisionAllow, reason, err
}

// rbacSource lets the local RBAC authorizer read the mirrored Roles,
// RoleBindings, ClusterRoles and ClusterRoleBindings from the upstream caches.
type rbacSource struct {
	*mirror.Caches
	resources []*mirror.Resource // the four RBAC resources, nil if one is not mirrored
}

// RBACSource is what the local RBAC authorizer reads: the RBAC caches of u.
func RBACSource(u *mirror.Caches) rbac.Source { return newRBACSource(u) }

func newRBACSource(u *mirror.Caches) rbacSource {
	byName := map[string]*mirror.Resource{}
	for _, res := range u.Resources() {
		byName[res.Name] = res
	}
	s := rbacSource{Caches: u}
	for _, name := range []string{rbac.Roles, rbac.RoleBindings, rbac.ClusterRoles, rbac.ClusterRoleBindings} {
		res, ok := byName[name]
		if !ok {
			return rbacSource{Caches: u}
		}
		s.resources = append(s.resources, res)
	}
	return s
}

// Synced implements rbac.Source: false until kube-apiserver serves RBAC and
// every one of the four caches has its initial list.
func (s rbacSource) Synced() bool {
	if len(s.resources) == 0 {
		return false
	}
	for _, res := range s.resources {
		c, ok := s.Cache(res)
		if !ok || !c.Synced() {
			return false
		}
	}
	return true
}

// localRBACAuthorizer puts the allow-only RBAC fast path in front of the
// delegated authorizer.
func localRBACAuthorizer(u *mirror.Caches, delegate authorizer.Authorizer) authorizer.Authorizer {
	return rbac.New(newRBACSource(u), delegate)
}
