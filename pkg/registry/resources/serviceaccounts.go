package resources

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func serviceaccounts() mirror.Resource {
	return mirror.Resource{
		Name: "serviceaccounts", SingularName: "serviceaccount", Kind: "ServiceAccount", Namespaced: true,
		Upstream: corev1.SchemeGroupVersion.WithResource("serviceaccounts"),
		New:      func() runtime.Object { return &resources.ServiceAccount{} },
		NewList:  func() runtime.Object { return &resources.ServiceAccountList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*corev1.ServiceAccount)
			return &resources.ServiceAccount{ObjectMeta: u.ObjectMeta, Secrets: u.Secrets, ImagePullSecrets: u.ImagePullSecrets, AutomountServiceAccountToken: u.AutomountServiceAccountToken}
		},
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.ServiceAccount)
			return &corev1.ServiceAccount{ObjectMeta: s.ObjectMeta, Secrets: s.Secrets, ImagePullSecrets: s.ImagePullSecrets, AutomountServiceAccountToken: s.AutomountServiceAccountToken}
		},
	}
}
