package resources

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func configmaps() mirror.Resource {
	return mirror.Resource{
		Name: "configmaps", SingularName: "configmap", Kind: "ConfigMap", Namespaced: true,
		Upstream: corev1.SchemeGroupVersion.WithResource("configmaps"),
		New:      func() runtime.Object { return &resources.ConfigMap{} },
		NewList:  func() runtime.Object { return &resources.ConfigMapList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*corev1.ConfigMap)
			return &resources.ConfigMap{ObjectMeta: u.ObjectMeta, Immutable: u.Immutable, Data: u.Data, BinaryData: u.BinaryData}
		},
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.ConfigMap)
			return &corev1.ConfigMap{ObjectMeta: s.ObjectMeta, Immutable: s.Immutable, Data: s.Data, BinaryData: s.BinaryData}
		},
	}
}
