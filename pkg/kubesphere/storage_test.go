package kubesphere_test

import (
	"slices"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/ks-apiserver/ks-apiserver/pkg/kubesphere"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
)

// vocabEnv is an in-memory query.Env: objects by resource and
// namespace/name, groups by resource, group and key. It counts Get calls.
type vocabEnv struct {
	mu      sync.Mutex
	objects map[string]map[string]runtime.Object
	groups  map[string]map[string]map[string][]runtime.Object
	gets    int
}

func (e *vocabEnv) Get(resource, namespace, name string) (runtime.Object, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.gets++
	obj, ok := e.objects[resource][namespace+"/"+name]
	return obj, ok
}

func (e *vocabEnv) Group(resource, group, key string) []runtime.Object {
	return e.groups[resource][group][key]
}

func claimVolume(claim string) corev1.Volume {
	return corev1.Volume{Name: claim, VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}
}

func TestPodVolumesAndGroups(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"},
		Spec: corev1.PodSpec{NodeName: "n1", Volumes: []corev1.Volume{
			claimVolume("data"), {Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}, claimVolume("logs"), claimVolume("data"),
		}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
	before := pod.DeepCopy()
	if got := kubesphere.PodClaimNames(pod); !slices.Equal(got, []string{"data", "logs"}) {
		t.Errorf("PodClaimNames = %v", got)
	}
	if got := kubesphere.PodPVCGroup(pod); !slices.Equal(got, []string{"ns/data", "ns/logs"}) {
		t.Errorf("PodPVCGroup = %v", got)
	}
	if got := kubesphere.PodNodeGroup(pod); !slices.Equal(got, []string{"n1"}) {
		t.Errorf("PodNodeGroup = %v", got)
	}
	if !kubesphere.PodMountsPVC(pod, "logs") || kubesphere.PodMountsPVC(pod, "tmp") || kubesphere.PodMountsPVC(pod, "") || kubesphere.PodMountsPVC(pod, "dat") {
		t.Error("PodMountsPVC")
	}
	if !equality.Semantic.DeepEqual(before, pod) {
		t.Error("pod mutated")
	}
	for _, phase := range []corev1.PodPhase{corev1.PodSucceeded, corev1.PodFailed} {
		done := pod.DeepCopy()
		done.Status.Phase = phase
		if got := kubesphere.PodNodeGroup(done); got != nil {
			t.Errorf("%s pod in node group %v", phase, got)
		}
		if got := kubesphere.PodPVCGroup(done); len(got) != 2 {
			t.Errorf("%s pod still mounts its claims for in-use: %v", phase, got)
		}
	}
	zero := &corev1.Pod{}
	if kubesphere.PodNodeGroup(zero) != nil || kubesphere.PodPVCGroup(zero) != nil || kubesphere.PodClaimNames(zero) != nil || kubesphere.PodMountsPVC(zero, "") {
		t.Error("zero pod is in a group")
	}
	if kubesphere.PodNodeGroup(nil) != nil || kubesphere.PodPVCGroup(nil) != nil || kubesphere.PodMountsPVC(nil, "x") || kubesphere.PodTerminated(nil) {
		t.Error("nil pod")
	}
}

func TestPVCStorageClass(t *testing.T) {
	pvc := func(class *string, beta string) *corev1.PersistentVolumeClaim {
		p := &corev1.PersistentVolumeClaim{Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: class}}
		if beta != "" {
			p.Annotations = map[string]string{kubesphere.AnnotationBetaStorageClass: beta}
		}
		return p
	}
	cases := []struct {
		name    string
		pvc     *corev1.PersistentVolumeClaim
		classes []string
		matches map[string]bool
	}{
		{"nil class", pvc(nil, ""), nil, map[string]bool{"": false, "gold": false}},
		{"empty class", pvc(ptr.To(""), ""), nil, map[string]bool{"": true, "gold": false}},
		{"gold", pvc(ptr.To("gold"), ""), []string{"gold"}, map[string]bool{"": false, "gold": true, "Gold": false, "gol": false}},
		{"beta annotation only", pvc(nil, "silver"), []string{"silver"}, map[string]bool{"": false, "silver": false}},
		{"both, different", pvc(ptr.To("gold"), "silver"), []string{"gold", "silver"}, map[string]bool{"gold": true, "silver": false}},
		{"both, same", pvc(ptr.To("gold"), "gold"), []string{"gold"}, map[string]bool{"gold": true}},
		{"nil pvc", nil, nil, map[string]bool{"": false}},
	}
	for _, c := range cases {
		if got := kubesphere.PVCStorageClasses(c.pvc); !slices.Equal(got, c.classes) {
			t.Errorf("%s: PVCStorageClasses = %v, want %v", c.name, got, c.classes)
		}
		for v, want := range c.matches {
			if got := kubesphere.PVCStorageClassIs(c.pvc, v); got != want {
				t.Errorf("%s: PVCStorageClassIs(%q) = %v", c.name, v, got)
			}
		}
	}
	pv := &corev1.PersistentVolume{}
	if kubesphere.PVStorageClassIs(pv, "") || kubesphere.PVStorageClassIs(nil, "") {
		t.Error("a PV without class matches")
	}
	pv.Spec.StorageClassName = "gold"
	if !kubesphere.PVStorageClassIs(pv, "gold") || kubesphere.PVStorageClassIs(pv, "") || kubesphere.PVStorageClassIs(pv, "GOLD") {
		t.Error("PVStorageClassIs")
	}
}

func TestStorageAnnotations(t *testing.T) {
	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns"}}
	for _, inUse := range []bool{true, false} {
		got := kubesphere.PVCWithInUse(pvc, inUse)
		want := map[string]string{kubesphere.AnnotationPVCInUse: map[bool]string{true: "true", false: "false"}[inUse]}
		if !equality.Semantic.DeepEqual(got.Annotations, want) {
			t.Errorf("in-use %v: %v", inUse, got.Annotations)
		}
	}
	if pvc.Annotations != nil {
		t.Error("pvc mutated")
	}
	pvc.Annotations = map[string]string{"a": "b", kubesphere.AnnotationPVCInUse: "stale"}
	got := kubesphere.PVCWithInUse(pvc, false)
	if got.Annotations["a"] != "b" || got.Annotations[kubesphere.AnnotationPVCInUse] != "false" || pvc.Annotations[kubesphere.AnnotationPVCInUse] != "stale" {
		t.Errorf("annotations %v, input %v", got.Annotations, pvc.Annotations)
	}

	sc := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "gold"}}
	for _, n := range []int{0, 3} {
		got := kubesphere.StorageClassWithPVCCount(sc, n)
		if want := map[string]string{kubesphere.AnnotationStorageClassPVCCount: map[int]string{0: "0", 3: "3"}[n]}; !equality.Semantic.DeepEqual(got.Annotations, want) {
			t.Errorf("pvc-count %d: %v", n, got.Annotations)
		}
	}
	if sc.Annotations != nil {
		t.Error("storage class mutated")
	}
	if kubesphere.PVCWithInUse(nil, true) != nil || kubesphere.StorageClassWithPVCCount(nil, 1) != nil {
		t.Error("nil inputs")
	}
}

func TestPodServiceName(t *testing.T) {
	svc := func(ns, name string, sel map[string]string) *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.ServiceSpec{Selector: sel}}
	}
	env := &vocabEnv{objects: map[string]map[string]runtime.Object{"services": {
		"a/web":      svc("a", "web", map[string]string{"app": "web"}),
		"b/web":      svc("b", "web", map[string]string{"app": "web", "tier": "front"}),
		"a/headless": svc("a", "headless", nil),
		"a/notsvc":   &corev1.ConfigMap{},
	}}}
	pod := func(ns, name string, lbls map[string]string) *query.Item {
		return &query.Item{Object: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: lbls}}, Namespace: ns, Name: name}
	}
	items := []*query.Item{
		pod("a", "w1", map[string]string{"app": "web"}),
		pod("a", "w2", map[string]string{"app": "web", "x": "y"}),
		pod("a", "other", map[string]string{"app": "db"}),
		pod("a", "nolabels", nil),
		pod("b", "w3", map[string]string{"app": "web"}),
		pod("b", "w4", map[string]string{"app": "web", "tier": "front"}),
		pod("c", "w5", map[string]string{"app": "web"}),
		{Object: &corev1.Service{}, Namespace: "a", Name: "wrongtype"},
		{Object: (*corev1.Pod)(nil), Namespace: "a", Name: "nilpod"},
	}
	cases := map[string][]string{
		"web":      {"w1", "w2", "w4"},
		"headless": nil,
		"notsvc":   nil,
		"missing":  nil,
		"":         nil,
	}
	for value, want := range cases {
		env.gets = 0
		p, err := kubesphere.CompilePodServiceName(value, env)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range items {
			if p(it) {
				got = append(got, it.Name)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("serviceName=%q: %v, want %v", value, got, want)
		}
	}
	// A long-lived predicate (a watch's) follows a change of the service.
	p, _ := kubesphere.CompilePodServiceName("web", env)
	if !p(items[0]) || p(items[2]) {
		t.Fatal("before the change")
	}
	env.mu.Lock()
	env.objects["services"]["a/web"] = svc("a", "web", map[string]string{"app": "db"})
	env.mu.Unlock()
	if p(items[0]) || !p(items[2]) {
		t.Error("the predicate kept the old selector after the service changed")
	}
	if p, _ := kubesphere.CompilePodServiceName("web", nil); p(items[0]) {
		t.Error("nil env matches")
	}
}
