package resources

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/kubesphere"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func persistentvolumeclaims() mirror.Resource {
	return mirror.Resource{
		Name: "persistentvolumeclaims", SingularName: "persistentvolumeclaim", Kind: "PersistentVolumeClaim", Namespaced: true,
		Upstream: corev1.SchemeGroupVersion.WithResource("persistentvolumeclaims"),
		New:      func() runtime.Object { return &resources.PersistentVolumeClaim{} },
		NewList:  func() runtime.Object { return &resources.PersistentVolumeClaimList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*corev1.PersistentVolumeClaim)
			return &resources.PersistentVolumeClaim{ObjectMeta: u.ObjectMeta, Spec: u.Spec, Status: u.Status}
		},
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.PersistentVolumeClaim)
			return &corev1.PersistentVolumeClaim{ObjectMeta: s.ObjectMeta, Spec: s.Spec, Status: s.Status}
		},
		Query: query.Type{
			Filters: map[string]query.Filter{
				"status": {Values: kubesphere.PVCPhases, FoldCase: true, Attr: query.AttrOf(func(p *corev1.PersistentVolumeClaim) string { return string(p.Status.Phase) })},
				// Not an Attr: a PVC without a class must match no value, "" included.
				"storageClassName": {Compile: query.MatchOf(kubesphere.PVCStorageClassIs)},
			},
			Groups: map[string]func(runtime.Object) []string{kubesphere.PVCGroupStorageClass: query.GroupOf(kubesphere.PVCStorageClasses)},
			Decorate: query.DecorateOf(func(p *corev1.PersistentVolumeClaim, env query.Env) *corev1.PersistentVolumeClaim {
				return withAllowSnapshot(kubesphere.PVCWithInUse(p, env != nil && len(env.Group("pods", kubesphere.PodGroupPVC, p.Namespace+"/"+p.Name)) > 0), env)
			}),
			DecorateReads: []query.Read{{Resource: "pods"}, pvcReadsSnapshotClasses},
		},
	}
}
