package resources_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/kubesphere"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
)

func snapshotClass(name, driver string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshotClass",
		"metadata": map[string]any{"name": name, "resourceVersion": "1"},
		"driver":   driver, "deletionPolicy": "Delete",
	}}
}

func provisionedPVC(ns, name, provisioner string) *corev1.PersistentVolumeClaim {
	p := &corev1.PersistentVolumeClaim{ObjectMeta: om(ns, name, 0)}
	if provisioner != "" {
		p.Annotations = map[string]string{"volume.beta.kubernetes.io/storage-provisioner": provisioner}
	}
	return p
}

// denyReads is a ReadAuthorizer that refuses the named resources.
type denyReads map[string]bool

func (d denyReads) AuthorizeList(_ context.Context, resource, _ string) (bool, string, error) {
	return !d[resource], "", nil
}

// KubeSphere 3.3's kubesphere.io/allow-snapshot (its TestListPVCs): "true"
// when a VolumeSnapshotClass's driver is the PVC's provisioner, "false"
// otherwise, also when the snapshot CRD is absent; left out (with in-use
// kept) for a caller who may not list snapshot classes.
func TestPVCAllowSnapshot(t *testing.T) {
	e := newVocabEnv()
	e.set(t, "volumesnapshotclasses", snapshotClass("csi-snap", "csi.example.com"), snapshotClass("other", "other.csi.io"))
	e.set(t, "persistentvolumeclaims",
		provisionedPVC("a", "snap", "csi.example.com"),
		provisionedPVC("a", "nosnap", "hostpath.csi.io"),
		provisionedPVC("a", "static", ""))
	before := e.copies()
	pvcs := e.decls["persistentvolumeclaims"]
	annotations := func(env query.Env, reads *mirror.Reads, key string) map[string]string {
		t.Helper()
		obj := e.objects["persistentvolumeclaims"][key]
		var out runtime.Object
		if reads != nil {
			out = reads.Decorate(pvcs, env, "a", obj)
		} else {
			out = pvcs.QueryType().Decorate(obj, env)
		}
		m, err := meta.Accessor(out)
		if err != nil {
			t.Fatal(err)
		}
		return m.GetAnnotations()
	}

	for key, want := range map[string]string{"a/snap": "true", "a/nosnap": "false", "a/static": "false"} {
		if got, ok := annotations(e, nil, key)[resources.AnnotationPVCAllowSnapshot]; !ok || got != want {
			t.Errorf("%s: allow-snapshot %q (set %v), want %q", key, got, ok, want)
		}
	}

	// The caller may read pods but not snapshot classes: in-use only.
	got := annotations(e, mirror.NewReads(context.Background(), denyReads{"volumesnapshotclasses": true}), "a/snap")
	if _, ok := got[resources.AnnotationPVCAllowSnapshot]; ok || got[kubesphere.AnnotationPVCInUse] != "false" {
		t.Errorf("without snapshot classes: %v, want in-use and no allow-snapshot", got)
	}
	// Allowed both: both.
	got = annotations(e, mirror.NewReads(context.Background(), denyReads{}), "a/snap")
	if got[resources.AnnotationPVCAllowSnapshot] != "true" || got[kubesphere.AnnotationPVCInUse] != "false" {
		t.Errorf("allowed everything: %v", got)
	}
	// Pods are required: nothing is computed without them.
	got = annotations(e, mirror.NewReads(context.Background(), denyReads{"pods": true}), "a/snap")
	if _, ok := got[kubesphere.AnnotationPVCInUse]; ok {
		t.Errorf("without pods: %v, want no computed annotation", got)
	}
	if _, ok := got[resources.AnnotationPVCAllowSnapshot]; ok {
		t.Errorf("without pods: %v, want no computed annotation", got)
	}

	// The CRD absent: no cache, every PVC "false", as KubeSphere's empty
	// lister gave.
	delete(e.indexes, "volumesnapshotclasses")
	if got := annotations(e, nil, "a/snap")[resources.AnnotationPVCAllowSnapshot]; got != "false" {
		t.Errorf("snapshot CRD absent: allow-snapshot %q, want \"false\"", got)
	}
	if !equality.Semantic.DeepEqual(before, e.copies()) {
		t.Error("Decorate mutated cached objects")
	}
}
