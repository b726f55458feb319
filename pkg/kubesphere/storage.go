package kubesphere

import (
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
)

// Annotations KubeSphere 3.3 puts on PVCs and storage classes it serves.
const (
	AnnotationPVCInUse             = "kubesphere.io/in-use"
	AnnotationStorageClassPVCCount = "kubesphere.io/pvc-count"
	AnnotationBetaStorageClass     = corev1.BetaStorageClassAnnotation // volume.beta.kubernetes.io/storage-class
)

// PVCPhases is the vocabulary of the persistentvolumeclaims' status filter
// (compared case-insensitively, as KubeSphere's EqualFold).
var PVCPhases = []string{string(corev1.ClaimPending), string(corev1.ClaimBound), string(corev1.ClaimLost)}

// PVPhases is the vocabulary of the persistentvolumes' status filter
// (compared case-insensitively).
var PVPhases = []string{
	string(corev1.VolumePending), string(corev1.VolumeAvailable), string(corev1.VolumeBound),
	string(corev1.VolumeReleased), string(corev1.VolumeFailed),
}

// NamespacePhases is the vocabulary of the namespaces' status filter.
var NamespacePhases = []string{string(corev1.NamespaceActive), string(corev1.NamespaceTerminating)}

// PodClaimNames returns the claimName of every persistentVolumeClaim volume
// of the pod, each once, in volume order: what KubeSphere 3.3's pvcName
// filter and PVC in-use annotation look at.
func PodClaimNames(pod *corev1.Pod) []string {
	if pod == nil {
		return nil
	}
	var names []string
	for _, v := range pod.Spec.Volumes {
		if c := v.PersistentVolumeClaim; c != nil && !slices.Contains(names, c.ClaimName) {
			names = append(names, c.ClaimName)
		}
	}
	return names
}

// PVCStorageClasses returns the storage classes a PVC names, each once:
// spec.storageClassName when set and non-empty, and the beta annotation
// volume.beta.kubernetes.io/storage-class when non-empty. KubeSphere 3.3's
// storage class pvc-count counts a PVC for each class it names either way.
func PVCStorageClasses(pvc *corev1.PersistentVolumeClaim) []string {
	if pvc == nil {
		return nil
	}
	var names []string
	if c := pvc.Spec.StorageClassName; c != nil && *c != "" {
		names = append(names, *c)
	}
	if c := pvc.Annotations[AnnotationBetaStorageClass]; c != "" && !slices.Contains(names, c) {
		names = append(names, c)
	}
	return names
}

// PVCStorageClassIs is KubeSphere 3.3's persistentvolumeclaims
// storageClassName filter: spec.storageClassName is set and equals value
// exactly. A PVC without the field never matches, not even an empty value;
// one with an empty class matches only the empty value.
func PVCStorageClassIs(pvc *corev1.PersistentVolumeClaim, value string) bool {
	return pvc != nil && pvc.Spec.StorageClassName != nil && *pvc.Spec.StorageClassName == value
}

// PVStorageClassIs is KubeSphere 3.3's persistentvolumes storageClassName
// filter: spec.storageClassName is non-empty and equals value exactly.
func PVStorageClassIs(pv *corev1.PersistentVolume, value string) bool {
	return pv != nil && pv.Spec.StorageClassName != "" && pv.Spec.StorageClassName == value
}

// PVCWithInUse is KubeSphere 3.3's PVC annotation: a deep copy of pvc with
// kubesphere.io/in-use "true" or "false", whether some pod of its namespace
// mounts it (the caller tells). The PVC is never mutated; the copy is the
// caller's (the PVC declaration adds kubesphere.io/allow-snapshot to it).
func PVCWithInUse(pvc *corev1.PersistentVolumeClaim, inUse bool) *corev1.PersistentVolumeClaim {
	if pvc == nil {
		return nil
	}
	out := pvc.DeepCopy()
	if out.Annotations == nil {
		out.Annotations = make(map[string]string, 1)
	}
	out.Annotations[AnnotationPVCInUse] = strconv.FormatBool(inUse)
	return out
}

// StorageClassWithPVCCount is KubeSphere 3.3's storage class annotation: a
// deep copy of sc with kubesphere.io/pvc-count, the number of PVCs that name
// it (see PVCStorageClasses; the caller counts). The class is never mutated.
func StorageClassWithPVCCount(sc *storagev1.StorageClass, count int) *storagev1.StorageClass {
	if sc == nil {
		return nil
	}
	out := sc.DeepCopy()
	if out.Annotations == nil {
		out.Annotations = make(map[string]string, 1)
	}
	out.Annotations[AnnotationStorageClassPVCCount] = strconv.Itoa(count)
	return out
}
