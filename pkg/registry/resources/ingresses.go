package resources

import (
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func ingresses() mirror.Resource {
	return mirror.Resource{
		Name: "ingresses", SingularName: "ingress", Kind: "Ingress", Namespaced: true,
		Upstream: networkingv1.SchemeGroupVersion.WithResource("ingresses"),
		New:      func() runtime.Object { return &resources.Ingress{} },
		NewList:  func() runtime.Object { return &resources.IngressList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*networkingv1.Ingress)
			return &resources.Ingress{ObjectMeta: u.ObjectMeta, Spec: u.Spec, Status: u.Status}
		},
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.Ingress)
			return &networkingv1.Ingress{ObjectMeta: s.ObjectMeta, Spec: s.Spec, Status: s.Status}
		},
	}
}
