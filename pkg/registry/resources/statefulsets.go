package resources

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/kubesphere"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func statefulsets() mirror.Resource {
	return mirror.Resource{
		Name: "statefulsets", SingularName: "statefulset", Kind: "StatefulSet", Namespaced: true,
		Upstream: appsv1.SchemeGroupVersion.WithResource("statefulsets"),
		New:      func() runtime.Object { return &resources.StatefulSet{} },
		NewList:  func() runtime.Object { return &resources.StatefulSetList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*appsv1.StatefulSet)
			return &resources.StatefulSet{ObjectMeta: u.ObjectMeta, Spec: u.Spec, Status: u.Status}
		},
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.StatefulSet)
			return &appsv1.StatefulSet{ObjectMeta: s.ObjectMeta, Spec: s.Spec, Status: s.Status}
		},
		Query: query.Type{Filters: map[string]query.Filter{
			"status": {Values: kubesphere.WorkloadStatuses, Attr: query.AttrOf(kubesphere.StatefulSetStatus)},
		}},
	}
}
