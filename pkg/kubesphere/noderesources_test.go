package kubesphere_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ks-apiserver/ks-apiserver/pkg/kubesphere"
)

func rl(kv ...string) corev1.ResourceList {
	l := corev1.ResourceList{}
	for i := 0; i < len(kv); i += 2 {
		l[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return l
}

func ctr(req, lim corev1.ResourceList) corev1.Container {
	return corev1.Container{Resources: corev1.ResourceRequirements{Requests: req, Limits: lim}}
}

func listString(l corev1.ResourceList) map[string]string {
	out := map[string]string{}
	for k, v := range l {
		out[string(k)] = v.String()
	}
	return out
}

func TestPodRequestsAndLimits(t *testing.T) {
	sidecar := ctr(rl("cpu", "100m", "memory", "50Mi"), nil)
	sidecar.RestartPolicy = ptr.To(corev1.ContainerRestartPolicyAlways)
	cases := []struct {
		name         string
		spec         corev1.PodSpec
		reqs, limits map[string]string
	}{
		{"zero pod", corev1.PodSpec{}, map[string]string{}, map[string]string{}},
		{"containers sum", corev1.PodSpec{Containers: []corev1.Container{
			ctr(rl("cpu", "100m", "memory", "64Mi"), rl("cpu", "1")),
			ctr(rl("cpu", "250m"), rl("memory", "1Gi")),
			{},
		}}, map[string]string{"cpu": "350m", "memory": "64Mi"}, map[string]string{"cpu": "1", "memory": "1Gi"}},
		{"init container raises the max", corev1.PodSpec{
			InitContainers: []corev1.Container{ctr(rl("cpu", "2"), rl("cpu", "3")), ctr(rl("memory", "10Mi"), nil)},
			Containers:     []corev1.Container{ctr(rl("cpu", "100m", "memory", "64Mi"), rl("cpu", "1"))},
		}, map[string]string{"cpu": "2", "memory": "64Mi"}, map[string]string{"cpu": "3"}},
		{"init container smaller than the sum", corev1.PodSpec{
			InitContainers: []corev1.Container{ctr(rl("cpu", "50m"), nil)},
			Containers:     []corev1.Container{ctr(rl("cpu", "100m"), nil), ctr(rl("cpu", "100m"), nil)},
		}, map[string]string{"cpu": "200m"}, map[string]string{}},
		{"overhead adds to requests and to existing limits only", corev1.PodSpec{
			Containers: []corev1.Container{ctr(rl("cpu", "100m", "memory", "64Mi"), rl("cpu", "1"))},
			Overhead:   rl("cpu", "10m", "memory", "1Mi"),
		}, map[string]string{"cpu": "110m", "memory": "65Mi"}, map[string]string{"cpu": "1010m"}},
		{"overhead alone", corev1.PodSpec{Overhead: rl("cpu", "10m")}, map[string]string{"cpu": "10m"}, map[string]string{}},
		{"sidecar adds to containers and to later init containers", corev1.PodSpec{
			InitContainers: []corev1.Container{ctr(rl("cpu", "1"), nil), sidecar, ctr(rl("cpu", "1"), nil)},
			Containers:     []corev1.Container{ctr(rl("cpu", "200m"), nil)},
		}, map[string]string{"cpu": "1100m", "memory": "50Mi"}, map[string]string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pod := &corev1.Pod{Spec: c.spec}
			before := pod.DeepCopy()
			reqs, limits := kubesphere.PodRequestsAndLimits(pod)
			if got := listString(reqs); !equality.Semantic.DeepEqual(got, c.reqs) {
				t.Errorf("requests = %v, want %v", got, c.reqs)
			}
			if got := listString(limits); !equality.Semantic.DeepEqual(got, c.limits) {
				t.Errorf("limits = %v, want %v", got, c.limits)
			}
			if !equality.Semantic.DeepEqual(before, pod) {
				t.Error("pod mutated")
			}
		})
	}
}

func nodePod(name, node string, phase corev1.PodPhase, spec corev1.PodSpec) *corev1.Pod {
	spec.NodeName = node
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Spec: spec, Status: corev1.PodStatus{Phase: phase}}
}

// nodeWithResources annotates node as a get or list does: with the totals
// of the pods bound to it that have not terminated.
func nodeWithResources(node *corev1.Node, pods []*corev1.Pod) *corev1.Node {
	var total []int64
	for _, pod := range pods {
		if node == nil || pod == nil || pod.Spec.NodeName != node.Name || kubesphere.PodTerminated(pod) {
			continue
		}
		vals := kubesphere.PodResourceValues(pod)
		if total == nil {
			total = make([]int64, len(vals))
		}
		for i, v := range vals {
			total[i] += v
		}
	}
	return kubesphere.NodeWithResourceValues(node, total)
}

func TestNodeWithResources(t *testing.T) {
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "n1", Annotations: map[string]string{"keep": "me"}},
		Status:     corev1.NodeStatus{Allocatable: rl("cpu", "3", "memory", "3Gi")},
	}
	pods := []*corev1.Pod{
		nodePod("a", "n1", corev1.PodRunning, corev1.PodSpec{
			InitContainers: []corev1.Container{ctr(rl("cpu", "1500m"), nil)},
			Containers:     []corev1.Container{ctr(rl("cpu", "500m", "memory", "1Gi"), rl("cpu", "2", "memory", "2Gi"))},
			Overhead:       rl("cpu", "100m"),
		}),
		nodePod("b", "n1", corev1.PodPending, corev1.PodSpec{Containers: []corev1.Container{ctr(rl("memory", "512Mi"), rl("cpu", "2"))}}),
		nodePod("done", "n1", corev1.PodSucceeded, corev1.PodSpec{Containers: []corev1.Container{ctr(rl("cpu", "8"), rl("cpu", "8"))}}),
		nodePod("failed", "n1", corev1.PodFailed, corev1.PodSpec{Containers: []corev1.Container{ctr(rl("cpu", "8"), rl("cpu", "8"))}}),
		nodePod("elsewhere", "n2", corev1.PodRunning, corev1.PodSpec{Containers: []corev1.Container{ctr(rl("cpu", "8"), rl("cpu", "8"))}}),
		nil,
	}
	before := node.DeepCopy()
	beforePods := make([]*corev1.Pod, len(pods))
	for i, p := range pods {
		beforePods[i] = p.DeepCopy()
	}
	got := nodeWithResources(node, pods)
	want := map[string]string{
		"keep":                                          "me",
		kubesphere.AnnotationNodeCPURequests:            "1600m", // max(500m, 1500m) + 100m overhead
		kubesphere.AnnotationNodeCPULimits:              "4100m", // 2 + 100m overhead + 2
		kubesphere.AnnotationNodeMemoryRequests:         "1536Mi",
		kubesphere.AnnotationNodeMemoryLimits:           "2Gi",
		kubesphere.AnnotationNodeCPURequestsFraction:    "53%", // 1600/3000 = 53.3
		kubesphere.AnnotationNodeCPULimitsFraction:      "136%",
		kubesphere.AnnotationNodeMemoryRequestsFraction: "50%",
		kubesphere.AnnotationNodeMemoryLimitsFraction:   "66%", // truncated, not rounded
	}
	if !equality.Semantic.DeepEqual(got.Annotations, want) {
		t.Errorf("annotations = %v\nwant %v", got.Annotations, want)
	}
	if !equality.Semantic.DeepEqual(before, node) {
		t.Error("node mutated")
	}
	for i := range pods {
		if !equality.Semantic.DeepEqual(beforePods[i], pods[i]) {
			t.Errorf("pod %d mutated", i)
		}
	}
	got.Status.Allocatable[corev1.ResourceCPU] = resource.MustParse("99")
	if node.Status.Allocatable.Cpu().String() != "3" {
		t.Error("the result shares allocatable with the input: not a deep copy")
	}

	// No pods, no annotations map, no allocatable.
	bare := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n3"}}
	got = nodeWithResources(bare, nil)
	wantBare := map[string]string{
		kubesphere.AnnotationNodeCPURequests: "0", kubesphere.AnnotationNodeCPULimits: "0",
		kubesphere.AnnotationNodeMemoryRequests: "0", kubesphere.AnnotationNodeMemoryLimits: "0",
		kubesphere.AnnotationNodeCPURequestsFraction: "0%", kubesphere.AnnotationNodeCPULimitsFraction: "0%",
		kubesphere.AnnotationNodeMemoryRequestsFraction: "0%", kubesphere.AnnotationNodeMemoryLimitsFraction: "0%",
	}
	if !equality.Semantic.DeepEqual(got.Annotations, wantBare) {
		t.Errorf("bare node annotations = %v", got.Annotations)
	}
	if bare.Annotations != nil {
		t.Error("bare node mutated")
	}
	// Allocatable zero with requests: 0%.
	zeroAlloc := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Status: corev1.NodeStatus{Allocatable: rl("cpu", "0", "memory", "0")}}
	got = nodeWithResources(zeroAlloc, pods)
	if got.Annotations[kubesphere.AnnotationNodeCPURequestsFraction] != "0%" || got.Annotations[kubesphere.AnnotationNodeMemoryLimitsFraction] != "0%" ||
		got.Annotations[kubesphere.AnnotationNodeCPURequests] != "1600m" {
		t.Errorf("zero allocatable annotations = %v", got.Annotations)
	}
	if nodeWithResources(nil, pods) != nil {
		t.Error("nil node")
	}
}
