package kapis_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/kapis"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror/mirrortest"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
)

func TestComponents(t *testing.T) {
	created := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	svc := func(ns, name string, selector map[string]string) *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, ResourceVersion: "5", CreationTimestamp: created},
			Spec: corev1.ServiceSpec{Selector: selector}}
	}
	pod := func(ns, name string, labels map[string]string, phase corev1.PodPhase, ready bool) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels, ResourceVersion: "6"},
			Status: corev1.PodStatus{Phase: phase, ContainerStatuses: []corev1.ContainerStatus{{Name: "c", Ready: ready}}}}
	}
	node := func(name string, ready corev1.ConditionStatus) *corev1.Node {
		return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, ResourceVersion: "7"},
			Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready}}}}
	}
	dns := map[string]string{"k8s-app": "kube-dns"}
	up := mirrortest.NewCaches(t, registryresources.All(), map[string][]runtime.Object{
		"services": {
			svc("kube-system", "kube-dns", dns),
			svc("kube-system", "no-selector", nil),
			svc("kubesphere-system", "ks-console", map[string]string{"app": "console"}),
			svc("demo", "not-a-component", map[string]string{"app": "x"}),
		},
		"pods": {
			pod("kube-system", "dns-1", dns, corev1.PodRunning, true),
			pod("kube-system", "dns-2", dns, corev1.PodRunning, false),
			pod("kube-system", "dns-3", dns, corev1.PodPending, true),
			pod("demo", "dns-elsewhere", dns, corev1.PodRunning, true),
		},
		"nodes": {node("n1", corev1.ConditionTrue), node("n2", corev1.ConditionFalse), node("n3", corev1.ConditionTrue)},
	})
	h := kapis.New(up, nil)
	get := func(path string) (int, []byte) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, kapis.Prefix+path, nil))
		return rec.Code, rec.Body.Bytes()
	}

	type component struct {
		Name, Namespace string
		Label           map[string]string
		StartedAt       time.Time
		TotalBackends   int
		HealthyBackends int
	}
	code, body := get("/components")
	var all []component
	if err := json.Unmarshal(body, &all); code != 200 || err != nil || len(all) != 2 {
		t.Fatalf("/components: %d %s", code, body)
	}
	// System namespaces in KubeSphere's order: kubesphere-system first.
	if all[0].Name != "ks-console" || all[1].Name != "kube-dns" || all[1].TotalBackends != 3 || all[1].HealthyBackends != 1 ||
		!all[1].StartedAt.Equal(created.Time) || all[1].Label["k8s-app"] != "kube-dns" {
		t.Errorf("/components: %+v", all)
	}
	code, body = get("/components/kube-dns")
	var one component
	if err := json.Unmarshal(body, &one); code != 200 || err != nil || one.Name != "kube-dns" || one.Namespace != "kube-system" {
		t.Errorf("/components/kube-dns: %d %s", code, body)
	}
	for _, missing := range []string{"/components/no-selector", "/components/not-a-component", "/components/nope"} {
		if code, body := get(missing); code != http.StatusNotFound {
			t.Errorf("%s: %d %s", missing, code, body)
		}
	}
	code, body = get("/componenthealth")
	var health struct {
		KubeSphereStatus []component `json:"kubesphereStatus"`
		NodeStatus       struct{ TotalNodes, HealthyNodes int }
	}
	if err := json.Unmarshal(body, &health); code != 200 || err != nil || len(health.KubeSphereStatus) != 2 ||
		health.NodeStatus.TotalNodes != 3 || health.NodeStatus.HealthyNodes != 2 {
		t.Errorf("/componenthealth: %d %s", code, body)
	}
}
