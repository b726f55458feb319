package resources

import (
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/authorization/rbac"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func rolebindings() mirror.Resource {
	return mirror.Resource{
		Name: "rolebindings", SingularName: "rolebinding", Kind: "RoleBinding", Namespaced: true,
		Upstream: rbacv1.SchemeGroupVersion.WithResource("rolebindings"),
		New:      func() runtime.Object { return &resources.RoleBinding{} },
		NewList:  func() runtime.Object { return &resources.RoleBindingList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*rbacv1.RoleBinding)
			return &resources.RoleBinding{ObjectMeta: u.ObjectMeta, Subjects: u.Subjects, RoleRef: u.RoleRef}
		},
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.RoleBinding)
			return &rbacv1.RoleBinding{ObjectMeta: s.ObjectMeta, Subjects: s.Subjects, RoleRef: s.RoleRef}
		},
		// The local RBAC authorizer finds a caller's bindings by subject.
		Query: query.Type{Groups: map[string]func(runtime.Object) []string{
			rbac.SubjectGroup: query.GroupOf(rbac.RoleBindingKeys),
		}},
	}
}
