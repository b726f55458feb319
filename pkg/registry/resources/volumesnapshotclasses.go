package resources

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

// KubeSphere 3.3's PVC annotation from VolumeSnapshotClasses, and what it is
// computed from.
const (
	// AnnotationPVCAllowSnapshot is "true" when some VolumeSnapshotClass's
	// driver is the PVC's provisioner, else "false".
	AnnotationPVCAllowSnapshot = "kubesphere.io/allow-snapshot"
	// annotationStorageProvisioner names a PVC's provisioner; the
	// PersistentVolume controller sets it (with its GA twin, which
	// KubeSphere 3.3 did not read).
	annotationStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner"
	// snapshotClassesByDriver groups VolumeSnapshotClasses by driver.
	snapshotClassesByDriver = "driver"
)

// VolumeSnapshotClasses is the CSI snapshot controller's
// VolumeSnapshotClass: a CRD that many clusters do not install.
var VolumeSnapshotClasses = schema.GroupVersionResource{Group: "snapshot.storage.k8s.io", Version: "v1", Resource: "volumesnapshotclasses"}

// Followed returns the resources ks-apiserver caches but does not serve:
// their caches feed the computed annotations of served ones.
func Followed() []mirror.Resource {
	all := []mirror.Resource{volumesnapshotclasses()}
	for i := range all {
		all[i].CompleteQuery()
	}
	return all
}

// volumesnapshotclasses is followed, as unstructured objects (the CRD's Go
// types are not a dependency), for the PVC allow-snapshot annotation. Until
// the CRD exists its cache is absent and every PVC gets "false", as
// KubeSphere 3.3's empty lister gave.
func volumesnapshotclasses() mirror.Resource {
	return mirror.Resource{
		Name: VolumeSnapshotClasses.Resource, SingularName: "volumesnapshotclass", Kind: "VolumeSnapshotClass",
		Upstream: VolumeSnapshotClasses,
		Query: query.Type{Groups: map[string]func(runtime.Object) []string{
			snapshotClassesByDriver: func(obj runtime.Object) []string {
				u, ok := obj.(*unstructured.Unstructured)
				if !ok {
					return nil
				}
				if driver, _, _ := unstructured.NestedString(u.Object, "driver"); driver != "" {
					return []string{driver}
				}
				return nil
			},
		}},
	}
}

// pvcReadsSnapshotClasses is the read of the allow-snapshot annotation: the
// snapshot classes of the whole cluster. It is optional: a caller who may
// not list them still gets kubesphere.io/in-use.
var pvcReadsSnapshotClasses = query.Read{Resource: VolumeSnapshotClasses.Resource, AllNamespaces: true, Optional: true}

// withAllowSnapshot sets kubesphere.io/allow-snapshot on pvc, a copy the
// caller owns, unless the caller may not read the snapshot classes (then it
// is left out, never given a wrong value).
func withAllowSnapshot(pvc *corev1.PersistentVolumeClaim, env query.Env) *corev1.PersistentVolumeClaim {
	if pvc == nil || env == nil || !query.Readable(env, VolumeSnapshotClasses.Resource) {
		return pvc
	}
	// No class is grouped under "": a PVC without a provisioner gets "false".
	provisioner := pvc.Annotations[annotationStorageProvisioner]
	allowed := len(env.Group(VolumeSnapshotClasses.Resource, snapshotClassesByDriver, provisioner)) > 0
	if pvc.Annotations == nil {
		pvc.Annotations = make(map[string]string, 1)
	}
	pvc.Annotations[AnnotationPVCAllowSnapshot] = strconv.FormatBool(allowed)
	return pvc
}
