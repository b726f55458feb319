package resources

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func replicasets() mirror.Resource {
	return mirror.Resource{
		Name: "replicasets", SingularName: "replicaset", Kind: "ReplicaSet", Namespaced: true,
		Upstream: appsv1.SchemeGroupVersion.WithResource("replicasets"),
		New:      func() runtime.Object { return &resources.ReplicaSet{} },
		NewList:  func() runtime.Object { return &resources.ReplicaSetList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*appsv1.ReplicaSet)
			return &resources.ReplicaSet{ObjectMeta: u.ObjectMeta, Spec: u.Spec, Status: u.Status}
		},
		Fields: mirror.FieldsOf(func(p *appsv1.ReplicaSet) fields.Set {
			return fields.Set{"status.replicas": strconv.Itoa(int(p.Status.Replicas))}
		}),
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.ReplicaSet)
			return &appsv1.ReplicaSet{ObjectMeta: s.ObjectMeta, Spec: s.Spec, Status: s.Status}
		},
	}
}
