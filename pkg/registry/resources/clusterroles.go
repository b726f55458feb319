package resources

import (
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func clusterroles() mirror.Resource {
	return mirror.Resource{
		Name: "clusterroles", SingularName: "clusterrole", Kind: "ClusterRole",
		Upstream: rbacv1.SchemeGroupVersion.WithResource("clusterroles"),
		New:      func() runtime.Object { return &resources.ClusterRole{} },
		NewList:  func() runtime.Object { return &resources.ClusterRoleList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*rbacv1.ClusterRole)
			return &resources.ClusterRole{ObjectMeta: u.ObjectMeta, Rules: u.Rules, AggregationRule: u.AggregationRule}
		},
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.ClusterRole)
			return &rbacv1.ClusterRole{ObjectMeta: s.ObjectMeta, Rules: s.Rules, AggregationRule: s.AggregationRule}
		},
	}
}
