package resources

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/kubesphere"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func persistentvolumes() mirror.Resource {
	return mirror.Resource{
		Name: "persistentvolumes", SingularName: "persistentvolume", Kind: "PersistentVolume",
		Upstream: corev1.SchemeGroupVersion.WithResource("persistentvolumes"),
		New:      func() runtime.Object { return &resources.PersistentVolume{} },
		NewList:  func() runtime.Object { return &resources.PersistentVolumeList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*corev1.PersistentVolume)
			return &resources.PersistentVolume{ObjectMeta: u.ObjectMeta, Spec: u.Spec, Status: u.Status}
		},
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.PersistentVolume)
			return &corev1.PersistentVolume{ObjectMeta: s.ObjectMeta, Spec: s.Spec, Status: s.Status}
		},
		Query: query.Type{Filters: map[string]query.Filter{
			"status":           {Values: kubesphere.PVPhases, FoldCase: true, Attr: query.AttrOf(func(p *corev1.PersistentVolume) string { return string(p.Status.Phase) })},
			"storageClassName": {Compile: query.MatchOf(kubesphere.PVStorageClassIs)},
		}},
	}
}
