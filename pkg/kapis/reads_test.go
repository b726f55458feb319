package kapis_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/utils/ptr"

	"github.com/ks-apiserver/ks-apiserver/pkg/kapis"
	"github.com/ks-apiserver/ks-apiserver/pkg/kubesphere"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror/mirrortest"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
)

// lists allows the "resource/namespace" pairs it holds; "resource/" is
// every namespace, each one included, as with RBAC.
type lists map[string]bool

func (l lists) AuthorizeList(_ context.Context, resource, namespace string) (bool, string, error) {
	return l[resource+"/"+namespace] || l[resource+"/"], "", nil
}

// Filters and computed fields that read another resource follow the
// caller's permission on it: a filter is a 403 naming it, annotations and
// component fields are left out.
func TestKapisReadsOfOtherResources(t *testing.T) {
	om := func(ns, name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Namespace: ns, Name: name, ResourceVersion: "3", Labels: map[string]string{"app": "web"}}
	}
	up := mirrortest.NewCaches(t, registryresources.All(), map[string][]runtime.Object{
		"services": {&corev1.Service{ObjectMeta: om("demo", "web"), Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}}},
			&corev1.Service{ObjectMeta: om("kube-system", "dns"), Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}}}},
		"pods": {&corev1.Pod{ObjectMeta: om("demo", "web-1"), Spec: corev1.PodSpec{NodeName: "n1",
			Volumes: []corev1.Volume{{Name: "d", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}}},
			&corev1.Pod{ObjectMeta: om("kube-system", "dns-1")}},
		"persistentvolumeclaims": {&corev1.PersistentVolumeClaim{ObjectMeta: om("demo", "data"), Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: ptr.To("gold")}}},
		"storageclasses":         {&storagev1.StorageClass{ObjectMeta: om("", "gold")}},
		"nodes":                  {&corev1.Node{ObjectMeta: om("", "n1")}},
	})
	get := func(allowed lists, path string) (int, string) {
		h := kapis.New(up, allowed)
		req := httptest.NewRequest(http.MethodGet, kapis.Prefix+path, nil)
		req = req.WithContext(genericapirequest.WithUser(req.Context(), &user.DefaultInfo{Name: "x"}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}

	code, body := get(lists{"pods/demo": true}, "/namespaces/demo/pods?serviceName=web")
	var status metav1.Status
	_ = json.Unmarshal([]byte(body), &status)
	if code != http.StatusForbidden || status.Reason != metav1.StatusReasonForbidden ||
		!strings.Contains(status.Message, `filter "serviceName" reads services: user "x" cannot list services in namespace "demo"`) {
		t.Errorf("serviceName without services: %d %s", code, body)
	}
	if code, body := get(lists{"pods/demo": true, "services/demo": true}, "/namespaces/demo/pods?serviceName=web"); code != 200 || !strings.Contains(body, `"totalItems": 1`) {
		t.Errorf("serviceName with services: %d %s", code, body)
	}
	// The namespace filter narrows a cluster-wide list, and the scope with it.
	if code, body := get(lists{"services/demo": true}, "/pods?serviceName=web&namespace=demo"); code != 200 {
		t.Errorf("serviceName with namespace=demo: %d %s", code, body)
	}
	if code, body := get(lists{"services/demo": true}, "/pods?serviceName=web"); code != http.StatusForbidden || !strings.Contains(body, "at the cluster scope") {
		t.Errorf("cluster-wide serviceName with services in demo only: %d %s", code, body)
	}

	for _, c := range []struct {
		path, annotation string
		allowed          lists
		want             bool
	}{
		{"/storageclasses", kubesphere.AnnotationStorageClassPVCCount, lists{}, false},
		{"/storageclasses", kubesphere.AnnotationStorageClassPVCCount, lists{"persistentvolumeclaims/demo": true}, false},
		{"/storageclasses", kubesphere.AnnotationStorageClassPVCCount, lists{"persistentvolumeclaims/": true}, true},
		{"/storageclasses/gold", kubesphere.AnnotationStorageClassPVCCount, lists{}, false},
		{"/storageclasses/gold", kubesphere.AnnotationStorageClassPVCCount, lists{"persistentvolumeclaims/": true}, true},
		{"/nodes", kubesphere.AnnotationNodeCPURequests, lists{"pods/demo": true}, false},
		{"/nodes", kubesphere.AnnotationNodeCPURequests, lists{"pods/": true}, true},
		{"/nodes/n1", kubesphere.AnnotationNodeCPURequests, lists{}, false},
		{"/nodes/n1", kubesphere.AnnotationNodeCPURequests, lists{"pods/": true}, true},
		{"/namespaces/demo/persistentvolumeclaims", kubesphere.AnnotationPVCInUse, lists{"pods/kube-system": true}, false},
		{"/namespaces/demo/persistentvolumeclaims", kubesphere.AnnotationPVCInUse, lists{"pods/demo": true}, true},
		{"/persistentvolumeclaims", kubesphere.AnnotationPVCInUse, lists{"pods/demo": true}, true},
		{"/namespaces/demo/persistentvolumeclaims/data", kubesphere.AnnotationPVCInUse, lists{}, false},
		{"/namespaces/demo/persistentvolumeclaims/data", kubesphere.AnnotationPVCInUse, lists{"pods/": true}, true},
	} {
		code, body := get(c.allowed, c.path)
		if code != 200 || strings.Contains(body, c.annotation) != c.want {
			t.Errorf("%s allowed %v: %d, %s present: %v, want %v\n%s", c.path, c.allowed, code, c.annotation, !c.want, c.want, body)
		}
	}

	// Components are services (authorized by the route); their backends
	// are pods, node health is nodes.
	_, body = get(lists{}, "/componenthealth")
	if strings.Contains(body, "Backends") || strings.Contains(body, "nodeStatus") {
		t.Errorf("componenthealth without pods and nodes: %s", body)
	}
	_, body = get(lists{"pods/kube-system": true, "nodes/": true}, "/componenthealth")
	if !strings.Contains(body, `"totalBackends": 1`) || !strings.Contains(body, `"totalNodes": 1`) {
		t.Errorf("componenthealth with pods and nodes: %s", body)
	}
	if _, body = get(lists{"pods/demo": true}, "/components/dns"); strings.Contains(body, "Backends") {
		t.Errorf("component without its namespace's pods: %s", body)
	}
}
