package resources

import (
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func roles() mirror.Resource {
	return mirror.Resource{
		Name: "roles", SingularName: "role", Kind: "Role", Namespaced: true,
		Upstream: rbacv1.SchemeGroupVersion.WithResource("roles"),
		New:      func() runtime.Object { return &resources.Role{} },
		NewList:  func() runtime.Object { return &resources.RoleList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*rbacv1.Role)
			return &resources.Role{ObjectMeta: u.ObjectMeta, Rules: u.Rules}
		},
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.Role)
			return &rbacv1.Role{ObjectMeta: s.ObjectMeta, Rules: s.Rules}
		},
	}
}
