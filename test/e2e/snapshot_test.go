package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
)

// A PVC on /kapis carries kubesphere.io/allow-snapshot as KubeSphere 3.3
// sets it: "false" while the VolumeSnapshotClass CRD is absent (the server
// ready and serving), "true" once a class's driver is the PVC's provisioner;
// a caller who may read the PVC but not list snapshot classes gets
// kubesphere.io/in-use without it. Its own ks-apiserver looks for absent
// APIs every second; the CRD is installed on the shared control plane and
// left there (no other test minds it).
func TestPVCAllowSnapshot(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	server, err := cp.RunKSAPIServer(ctx, controlplane.KSConfig{
		Binary: ksBin, ArtifactsDir: filepath.Join(repoRoot(), "artifacts", "deploy"),
		Name: "ks-apiserver-snapshot", ExtraArgs: []string{"--upstream-discovery-interval=1s", "--oauth=false"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Process.Stop(5 * time.Second) })
	anonymous, err := server.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	eventuallyOK(t, "ks-apiserver is ready without the snapshot CRD", func() (bool, string) {
		code, body := get(t, anonymous, server.URL+"/readyz")
		return code == http.StatusOK, body
	})

	const driver = "snap.csi.example.com"
	client := kubernetes.NewForConfigOrDie(cp.Admin)
	ns := uniqueName("snapshot")
	if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	class := uniqueName("snap-class")
	if _, err := client.StorageV1().StorageClasses().Create(ctx, &storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{Name: class}, Provisioner: driver,
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The provisioner annotation is the PersistentVolume controller's, set
	// here as it would set it from the class.
	for name, provisioner := range map[string]string{"with-driver": driver, "other-driver": "hostpath.csi.example.com"} {
		if _, err := client.CoreV1().PersistentVolumeClaims(ns).Create(ctx, &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{"volume.beta.kubernetes.io/storage-provisioner": provisioner}},
			Spec: corev1.PersistentVolumeClaimSpec{
				StorageClassName: &class,
				AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
			},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	admin := directClientFor(t, server)
	// annotations returns the computed annotations of a PVC, got and listed.
	annotations := func(c rest.Interface, name string) (got, listed map[string]string, msg string) {
		body, code := getRaw(t, c, kapisPrefix+"/namespaces/"+ns+"/persistentvolumeclaims/"+name, nil)
		var obj struct{ Metadata metav1.ObjectMeta }
		if code != http.StatusOK || json.Unmarshal(body, &obj) != nil {
			return nil, nil, fmt.Sprintf("get: %d %.300s", code, body)
		}
		body, code = getRaw(t, c, kapisPrefix+"/namespaces/"+ns+"/persistentvolumeclaims", nil)
		var l struct {
			Items []struct{ Metadata metav1.ObjectMeta }
		}
		if code != http.StatusOK || json.Unmarshal(body, &l) != nil {
			return nil, nil, fmt.Sprintf("list: %d %.300s", code, body)
		}
		for _, it := range l.Items {
			if it.Metadata.Name == name {
				listed = it.Metadata.Annotations
			}
		}
		return obj.Metadata.Annotations, listed, fmt.Sprintf("got %v, listed %v", obj.Metadata.Annotations, listed)
	}
	// expect checks both the get and the list: want "" means left out.
	expect := func(what string, c rest.Interface, name, want string) {
		t.Helper()
		eventuallyOK(t, what, func() (bool, string) {
			got, listed, msg := annotations(c, name)
			for _, a := range []map[string]string{got, listed} {
				value, set := a["kubesphere.io/allow-snapshot"]
				if a == nil || a["kubesphere.io/in-use"] != "false" || set != (want != "") || value != want {
					return false, msg
				}
			}
			return true, msg
		})
	}
	expect("without the CRD", admin, "with-driver", "false")
	expect("without the CRD", admin, "other-driver", "false")

	crd, err := os.ReadFile(filepath.Join("testdata", "volumesnapshotclass-crd.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := controlplane.Apply(ctx, cp.Admin, crd); err != nil {
		t.Fatal(err)
	}
	classes := dynamic.NewForConfigOrDie(cp.Admin).Resource(schema.GroupVersionResource{Group: "snapshot.storage.k8s.io", Version: "v1", Resource: "volumesnapshotclasses"})
	eventuallyOK(t, "kube-apiserver serves the VolumeSnapshotClass CRD", func() (bool, string) {
		_, err := classes.Create(ctx, &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshotClass",
			"metadata": map[string]any{"name": uniqueName("csi-snapclass")},
			"driver":   driver, "deletionPolicy": "Delete",
		}}, metav1.CreateOptions{})
		return err == nil, fmt.Sprint(err)
	})
	start := time.Now()
	expect("with a class for its driver", admin, "with-driver", "true")
	t.Logf("allow-snapshot turned true %v after the class was created (absent APIs looked for every 1s)", time.Since(start).Round(time.Millisecond))
	expect("with a class for another driver", admin, "other-driver", "false")

	// A viewer of the namespace may read its PVCs and pods, not the
	// cluster's snapshot classes: in-use only, until granted that read.
	aggregateBuiltinRoles(t)
	viewer := uniqueName("snapshot-viewer")
	bindRole(t, ns, viewer, "", "ClusterRole", "view")
	waitCanI(t, true, viewer, "", "list", "persistentvolumeclaims."+mirrorGroup, "-n", ns)
	cfg := directConfigFor(server)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: viewer}
	asViewer := kubernetes.NewForConfigOrDie(cfg).Discovery().RESTClient()
	expect("a viewer who may not list snapshot classes", asViewer, "with-driver", "")
	bindClusterRole(t, viewer, createClusterRole(t, "snapshot-class-reader", rbacv1.PolicyRule{
		APIGroups: []string{"snapshot.storage.k8s.io"}, Resources: []string{"volumesnapshotclasses"}, Verbs: []string{"list"},
	}))
	waitCanI(t, true, viewer, "", "list", "volumesnapshotclasses.snapshot.storage.k8s.io")
	expect("a viewer who may list snapshot classes", asViewer, "with-driver", "true")
}
