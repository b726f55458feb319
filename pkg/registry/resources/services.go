package resources

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func services() mirror.Resource {
	return mirror.Resource{
		Name: "services", SingularName: "service", Kind: "Service", Namespaced: true,
		Upstream: corev1.SchemeGroupVersion.WithResource("services"),
		New:      func() runtime.Object { return &resources.Service{} },
		NewList:  func() runtime.Object { return &resources.ServiceList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*corev1.Service)
			return &resources.Service{ObjectMeta: u.ObjectMeta, Spec: u.Spec, Status: u.Status}
		},
		Fields: mirror.FieldsOf(func(p *corev1.Service) fields.Set {
			return fields.Set{"spec.clusterIP": p.Spec.ClusterIP, "spec.type": string(p.Spec.Type)}
		}),
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.Service)
			return &corev1.Service{ObjectMeta: s.ObjectMeta, Spec: s.Spec, Status: s.Status}
		},
	}
}
