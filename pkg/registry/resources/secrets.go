package resources

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func secrets() mirror.Resource {
	return mirror.Resource{
		Name: "secrets", SingularName: "secret", Kind: "Secret", Namespaced: true,
		Upstream: corev1.SchemeGroupVersion.WithResource("secrets"),
		New:      func() runtime.Object { return &resources.Secret{} },
		NewList:  func() runtime.Object { return &resources.SecretList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*corev1.Secret)
			return &resources.Secret{ObjectMeta: u.ObjectMeta, Immutable: u.Immutable, Data: u.Data, Type: u.Type}
		},
		Fields: mirror.FieldsOf(func(p *corev1.Secret) fields.Set {
			return fields.Set{"type": string(p.Type)}
		}),
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.Secret)
			return &corev1.Secret{ObjectMeta: s.ObjectMeta, Immutable: s.Immutable, Data: s.Data, Type: s.Type}
		},
	}
}
