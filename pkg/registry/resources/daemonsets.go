package resources

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/kubesphere"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func daemonsets() mirror.Resource {
	return mirror.Resource{
		Name: "daemonsets", SingularName: "daemonset", Kind: "DaemonSet", Namespaced: true,
		Upstream: appsv1.SchemeGroupVersion.WithResource("daemonsets"),
		New:      func() runtime.Object { return &resources.DaemonSet{} },
		NewList:  func() runtime.Object { return &resources.DaemonSetList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*appsv1.DaemonSet)
			return &resources.DaemonSet{ObjectMeta: u.ObjectMeta, Spec: u.Spec, Status: u.Status}
		},
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.DaemonSet)
			return &appsv1.DaemonSet{ObjectMeta: s.ObjectMeta, Spec: s.Spec, Status: s.Status}
		},
		Query: query.Type{Filters: map[string]query.Filter{
			"status": {Values: kubesphere.WorkloadStatuses, Attr: query.AttrOf(kubesphere.DaemonSetStatus)},
		}},
	}
}
