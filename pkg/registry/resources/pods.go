package resources

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func pods() mirror.Resource {
	return mirror.Resource{
		Name: "pods", SingularName: "pod", Kind: "Pod", Namespaced: true,
		Upstream: corev1.SchemeGroupVersion.WithResource("pods"),
		New:      func() runtime.Object { return &resources.Pod{} },
		NewList:  func() runtime.Object { return &resources.PodList{} },
		Convert: func(obj runtime.Object) runtime.Object {
			u := obj.(*corev1.Pod)
			return &resources.Pod{ObjectMeta: u.ObjectMeta, Spec: u.Spec, Status: u.Status}
		},
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.Pod)
			return &corev1.Pod{ObjectMeta: s.ObjectMeta, Spec: s.Spec, Status: s.Status}
		},
	}
}
