package resources

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/kubesphere"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func namespaces() mirror.Resource {
	return mirror.Resource{
		Name: "namespaces", SingularName: "namespace", Kind: "Namespace",
		Upstream: corev1.SchemeGroupVersion.WithResource("namespaces"),
		New:      func() runtime.Object { return &resources.Namespace{} },
		NewList:  func() runtime.Object { return &resources.NamespaceList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*corev1.Namespace)
			return &resources.Namespace{ObjectMeta: u.ObjectMeta, Spec: u.Spec, Status: u.Status}
		},
		Fields: mirror.FieldsOf(func(p *corev1.Namespace) fields.Set {
			return fields.Set{"status.phase": string(p.Status.Phase)}
		}),
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.Namespace)
			return &corev1.Namespace{ObjectMeta: s.ObjectMeta, Spec: s.Spec, Status: s.Status}
		},
		Query: query.Type{Filters: map[string]query.Filter{
			"status": {Values: kubesphere.NamespacePhases, Attr: query.AttrOf(func(n *corev1.Namespace) string { return string(n.Status.Phase) })},
		}},
	}
}
