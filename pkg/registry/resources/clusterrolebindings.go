package resources

import (
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/authorization/rbac"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func clusterrolebindings() mirror.Resource {
	return mirror.Resource{
		Name: "clusterrolebindings", SingularName: "clusterrolebinding", Kind: "ClusterRoleBinding",
		Upstream: rbacv1.SchemeGroupVersion.WithResource("clusterrolebindings"),
		New:      func() runtime.Object { return &resources.ClusterRoleBinding{} },
		NewList:  func() runtime.Object { return &resources.ClusterRoleBindingList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*rbacv1.ClusterRoleBinding)
			return &resources.ClusterRoleBinding{ObjectMeta: u.ObjectMeta, Subjects: u.Subjects, RoleRef: u.RoleRef}
		},
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.ClusterRoleBinding)
			return &rbacv1.ClusterRoleBinding{ObjectMeta: s.ObjectMeta, Subjects: s.Subjects, RoleRef: s.RoleRef}
		},
		// The local RBAC authorizer finds a caller's bindings by subject.
		Query: query.Type{Groups: map[string]func(runtime.Object) []string{
			rbac.SubjectGroup: query.GroupOf(rbac.ClusterRoleBindingKeys),
		}},
	}
}
