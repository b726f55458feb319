package resources

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/kubesphere"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func deployments() mirror.Resource {
	return mirror.Resource{
		Name: "deployments", SingularName: "deployment", Kind: "Deployment", Namespaced: true,
		Upstream: appsv1.SchemeGroupVersion.WithResource("deployments"),
		New:      func() runtime.Object { return &resources.Deployment{} },
		NewList:  func() runtime.Object { return &resources.DeploymentList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*appsv1.Deployment)
			return &resources.Deployment{ObjectMeta: u.ObjectMeta, Spec: u.Spec, Status: u.Status}
		},
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.Deployment)
			return &appsv1.Deployment{ObjectMeta: s.ObjectMeta, Spec: s.Spec, Status: s.Status}
		},
		Query: query.Type{
			Filters: map[string]query.Filter{
				"status": {Values: kubesphere.WorkloadStatuses, Attr: query.AttrOf(kubesphere.DeploymentStatus)},
			},
			SortKeys: map[string]query.SortKey{"updateTime": {Of: query.TimeKeyOf(kubesphere.DeploymentUpdateTime)}},
			Aliases:  map[string]string{"lastUpdateTimestamp": "updateTime"},
		},
	}
}
