package resources

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func nodes() mirror.Resource {
	return mirror.Resource{
		Name: "nodes", SingularName: "node", Kind: "Node",
		Upstream: corev1.SchemeGroupVersion.WithResource("nodes"),
		New:      func() runtime.Object { return &resources.Node{} },
		NewList:  func() runtime.Object { return &resources.NodeList{} },
		Convert: func(obj runtime.Object) runtime.Object {
			n := obj.(*corev1.Node)
			return &resources.Node{ObjectMeta: n.ObjectMeta, Spec: n.Spec, Status: n.Status}
		},
	}
}
