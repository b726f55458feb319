package resources

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/kubesphere"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func storageclasses() mirror.Resource {
	return mirror.Resource{
		Name: "storageclasses", SingularName: "storageclass", Kind: "StorageClass",
		Upstream: storagev1.SchemeGroupVersion.WithResource("storageclasses"),
		New:      func() runtime.Object { return &resources.StorageClass{} },
		NewList:  func() runtime.Object { return &resources.StorageClassList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*storagev1.StorageClass)
			return &resources.StorageClass{ObjectMeta: u.ObjectMeta, Provisioner: u.Provisioner, Parameters: u.Parameters, ReclaimPolicy: u.ReclaimPolicy, MountOptions: u.MountOptions, AllowVolumeExpansion: u.AllowVolumeExpansion, VolumeBindingMode: u.VolumeBindingMode, AllowedTopologies: u.AllowedTopologies}
		},
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.StorageClass)
			return &storagev1.StorageClass{ObjectMeta: s.ObjectMeta, Provisioner: s.Provisioner, Parameters: s.Parameters, ReclaimPolicy: s.ReclaimPolicy, MountOptions: s.MountOptions, AllowVolumeExpansion: s.AllowVolumeExpansion, VolumeBindingMode: s.VolumeBindingMode, AllowedTopologies: s.AllowedTopologies}
		},
		Query: query.Type{
			Decorate: query.DecorateOf(func(sc *storagev1.StorageClass, env query.Env) *storagev1.StorageClass {
				n := 0
				if env != nil {
					n = len(env.Group("persistentvolumeclaims", kubesphere.PVCGroupStorageClass, sc.Name))
				}
				return kubesphere.StorageClassWithPVCCount(sc, n)
			}),
			DecorateReads: []query.Read{{Resource: "persistentvolumeclaims", AllNamespaces: true}},
		},
	}
}
