package printers

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Annotations that make a storage class the cluster default.
const (
	defaultStorageClassAnnotation     = "storageclass.kubernetes.io/is-default-class"
	betaDefaultStorageClassAnnotation = "storageclass.beta.kubernetes.io/is-default-class"
)

func init() {
	register(storagev1.SchemeGroupVersion.WithResource("storageclasses"), Table{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			col("Provisioner", "string", storagev1.StorageClass{}.SwaggerDoc()["provisioner"]),
			col("ReclaimPolicy", "string", storagev1.StorageClass{}.SwaggerDoc()["reclaimPolicy"]),
			col("VolumeBindingMode", "string", storagev1.StorageClass{}.SwaggerDoc()["volumeBindingMode"]),
			col("AllowVolumeExpansion", "string", storagev1.StorageClass{}.SwaggerDoc()["allowVolumeExpansion"]),
			ageColumn(),
		},
		Cells: rowOf(storageClassRow),
	})
}

func storageClassRow(sc *storagev1.StorageClass, now time.Time) []any {
	// kube-apiserver marks "(default)" only in lists, and there only the
	// newest annotated class. A row printed here cannot see the other
	// classes, so every annotated class is marked: the same as a list
	// whenever the cluster has a single default, as it should.
	name := sc.Name
	if name != "" && (sc.Annotations[defaultStorageClassAnnotation] == "true" || sc.Annotations[betaDefaultStorageClassAnnotation] == "true") {
		name += " (default)"
	}
	reclaim := string(corev1.PersistentVolumeReclaimDelete)
	if sc.ReclaimPolicy != nil {
		reclaim = string(*sc.ReclaimPolicy)
	}
	binding := string(storagev1.VolumeBindingImmediate)
	if sc.VolumeBindingMode != nil {
		binding = string(*sc.VolumeBindingMode)
	}
	// ALLOWVOLUMEEXPANSION is typed string but filled with a bool.
	expansion := sc.AllowVolumeExpansion != nil && *sc.AllowVolumeExpansion
	return []any{name, sc.Provisioner, reclaim, binding, expansion, age(sc.CreationTimestamp, now)}
}
