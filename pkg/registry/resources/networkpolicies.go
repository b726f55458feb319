package resources

import (
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func networkpolicies() mirror.Resource {
	return mirror.Resource{
		Name: "networkpolicies", SingularName: "networkpolicy", Kind: "NetworkPolicy", Namespaced: true,
		Upstream: networkingv1.SchemeGroupVersion.WithResource("networkpolicies"),
		New:      func() runtime.Object { return &resources.NetworkPolicy{} },
		NewList:  func() runtime.Object { return &resources.NetworkPolicyList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*networkingv1.NetworkPolicy)
			return &resources.NetworkPolicy{ObjectMeta: u.ObjectMeta, Spec: u.Spec}
		},
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.NetworkPolicy)
			return &networkingv1.NetworkPolicy{ObjectMeta: s.ObjectMeta, Spec: s.Spec}
		},
	}
}
