package mirror

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
)

// realisticPod is a pod as a Deployment makes it on a busy cluster: about
// 3.8 KB of JSON with managedFields, two containers, probes, env, mounts,
// the projected service account volume, default tolerations and a full
// status. Pods of one app share everything but names, UIDs, IPs and times.
func realisticPod(i int) *corev1.Pod {
	ns := fmt.Sprintf("team-%03d", i%500)
	app := fmt.Sprintf("svc-%02d", (i/500)%20)
	hash := fmt.Sprintf("%08x", (i/500)%20*7919)
	node := fmt.Sprintf("node-%04d", i%1000)
	created := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second))
	labels := map[string]string{"app": app, "app.kubernetes.io/name": app, "app.kubernetes.io/part-of": "shop", "pod-template-hash": hash, "version": "v2"}
	container := func(name, image string, port int32) corev1.Container {
		return corev1.Container{
			Name: name, Image: image, ImagePullPolicy: corev1.PullIfNotPresent,
			Args:  []string{"--port=" + fmt.Sprint(port), "--log-level=info"},
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: port, Protocol: corev1.ProtocolTCP}},
			Env: []corev1.EnvVar{
				{Name: "APP_ENV", Value: "production"}, {Name: "LOG_FORMAT", Value: "json"},
				{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
				{Name: "POD_NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}},
			},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("512Mi")},
			},
			VolumeMounts:             []corev1.VolumeMount{{Name: "kube-api-access-" + hash[:5], MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true}},
			LivenessProbe:            &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(port), Scheme: corev1.URISchemeHTTP}}, PeriodSeconds: 10, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3},
			ReadinessProbe:           &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromInt32(port), Scheme: corev1.URISchemeHTTP}}, PeriodSeconds: 5, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3},
			TerminationMessagePath:   corev1.TerminationMessagePathDefault,
			TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		}
	}
	status := func(name, image string) corev1.ContainerStatus {
		return corev1.ContainerStatus{
			Name: name, Image: image, ImageID: "docker.io/library/" + image + "@sha256:4c0b4cd7a1b0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6",
			ContainerID: fmt.Sprintf("containerd://%064x", i*2+len(name)), Ready: true, Started: ptr.To(true),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: created}},
		}
	}
	image := fmt.Sprintf("registry.example.com/shop/%s:1.%d.0", app, (i/500)%20)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: fmt.Sprintf("%s-%s-%05x", app, hash[:8], i), GenerateName: app + "-" + hash[:8] + "-", Namespace: ns,
			UID: types.UID(fmt.Sprintf("%08x-1111-4222-8333-%012x", i, i)), ResourceVersion: fmt.Sprint(1000 + i),
			CreationTimestamp: created, Labels: labels,
			Annotations: map[string]string{"kubesphere.io/creator": "admin", "prometheus.io/scrape": "true"},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "ReplicaSet", Name: app + "-" + hash[:8],
				UID: types.UID(fmt.Sprintf("%08x-aaaa-4bbb-8ccc-%012x", (i/500)%20, i%500)), Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
			}},
			ManagedFields: []metav1.ManagedFieldsEntry{
				{Manager: "kube-controller-manager", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1", Time: &created, FieldsType: "FieldsV1",
					FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{"f:generateName":{},"f:labels":{".":{},"f:app":{},"f:pod-template-hash":{},"f:version":{}},"f:ownerReferences":{".":{},"k:{\"uid\":\"x\"}":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{}}}}}`)}},
				{Manager: "kubelet", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1", Time: &created, FieldsType: "FieldsV1", Subresource: "status",
					FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:status":{"f:conditions":{"k:{\"type\":\"Ready\"}":{".":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}}},"f:containerStatuses":{},"f:hostIP":{},"f:phase":{},"f:podIP":{},"f:podIPs":{},"f:startTime":{}}}`)}},
			},
		},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{container("app", image, 8080), container("sidecar", "registry.example.com/mesh/proxy:1.24.2", 15090)},
			Volumes: []corev1.Volume{{Name: "kube-api-access-" + hash[:5], VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
				DefaultMode: ptr.To(int32(420)),
				Sources: []corev1.VolumeProjection{
					{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: ptr.To(int64(3607))}},
					{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}, Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
					{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
				},
			}}}},
			RestartPolicy: corev1.RestartPolicyAlways, TerminationGracePeriodSeconds: ptr.To(int64(30)), DNSPolicy: corev1.DNSClusterFirst,
			ServiceAccountName: "default", DeprecatedServiceAccount: "default", NodeName: node, SchedulerName: "default-scheduler",
			SecurityContext: &corev1.PodSecurityContext{}, EnableServiceLinks: ptr.To(true), PreemptionPolicy: ptr.To(corev1.PreemptLowerPriority), Priority: ptr.To(int32(0)),
			Tolerations: []corev1.Toleration{
				{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To(int64(300))},
				{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To(int64(300))},
			},
		},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning, QOSClass: corev1.PodQOSBurstable, StartTime: &created,
			HostIP: fmt.Sprintf("10.0.%d.%d", (i%1000)/250, (i%1000)%250), HostIPs: []corev1.HostIP{{IP: fmt.Sprintf("10.0.%d.%d", (i%1000)/250, (i%1000)%250)}},
			PodIP: fmt.Sprintf("10.%d.%d.%d", 100+i/65536, (i/256)%256, i%256), PodIPs: []corev1.PodIP{{IP: fmt.Sprintf("10.%d.%d.%d", 100+i/65536, (i/256)%256, i%256)}},
			Conditions: []corev1.PodCondition{
				{Type: "PodReadyToStartContainers", Status: corev1.ConditionTrue, LastTransitionTime: created},
				{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: created},
				{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: created},
				{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: created},
				{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: created},
			},
			ContainerStatuses: []corev1.ContainerStatus{status("app", image), status("sidecar", "registry.example.com/mesh/proxy:1.24.2")},
		},
	}
}

// decodedPods returns n realistic pods, each decoded from its own JSON as an
// informer decodes what kube-apiserver sends (nothing shared between them),
// and their average JSON size.
func decodedPods(tb testing.TB, n int) ([]*corev1.Pod, int) {
	tb.Helper()
	pods := make([]*corev1.Pod, n)
	size := 0
	for i := range n {
		data, err := json.Marshal(realisticPod(i))
		if err != nil {
			tb.Fatal(err)
		}
		size += len(data)
		var p corev1.Pod
		if err := json.Unmarshal(data, &p); err != nil {
			tb.Fatal(err)
		}
		pods[i] = &p
	}
	return pods, size / n
}

func heapBytes() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// cachedBytesPerPod measures the heap that n cached pods hold: the pods are
// decoded, handed to fill (which keeps what it caches), and everything else
// is dropped before measuring.
func cachedBytesPerPod(tb testing.TB, n int, fill func([]*corev1.Pod) any) (perPod float64, jsonSize int) {
	tb.Helper()
	before := heapBytes()
	pods, size := decodedPods(tb, n)
	kept := fill(pods)
	pods = nil
	after := heapBytes()
	runtime.KeepAlive(kept)
	return float64(after-before) / float64(n), size
}

func plainInformerStore(pods []*corev1.Pod) any {
	store := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	for _, p := range pods {
		_ = store.Add(p)
	}
	return store
}

// ksCache is what ks-apiserver keeps: the informer's store of compacted pods
// (with its namespace index) and the mirror Cache over the same objects.
func ksCache(pods []*corev1.Pod) any {
	store := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	c := NewCache(&Resource{Name: "pods", Namespaced: true}, DefaultEventWindow)
	for _, p := range pods {
		obj, _ := Compact(p)
		_ = store.Add(obj)
		c.apply(watch.Added, obj, nil)
	}
	return []any{store, c}
}

// BenchmarkCachedPodBytes prints the bytes each cached pod holds in a plain
// client-go informer store and in ks-apiserver's caches, on the same
// realistic pods. Target: ks-apiserver <= 5,400 bytes per pod (60% of the
// plain informer's 8,958 measured for the issue).
func BenchmarkCachedPodBytes(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("pods=%d", n), func(b *testing.B) {
			var plain, ks float64
			var size int
			for range b.N {
				plain, size = cachedBytesPerPod(b, n, plainInformerStore)
				ks, _ = cachedBytesPerPod(b, n, ksCache)
			}
			b.ReportMetric(plain, "plain-bytes/pod")
			b.ReportMetric(ks, "ks-bytes/pod")
			b.ReportMetric(float64(size), "json-bytes/pod")
			b.ReportMetric(100*ks/plain, "ks-%-of-plain")
			fmt.Printf("cached pods=%d (%d B JSON each): plain client-go informer %.0f B/pod | ks-apiserver %.0f B/pod (%.0f%%, target <= 5400 B/pod)\n",
				n, size, plain, ks, 100*ks/plain)
		})
	}
}

// Compaction drops managedFields, passes tombstones through, and changes
// nothing that is served.
func TestCompactKeepsContent(t *testing.T) {
	tomb := cache.DeletedFinalStateUnknown{Key: "ns/p", Obj: realisticPod(0)}
	if out, err := Compact(tomb); err != nil || out != tomb {
		t.Errorf("tombstone = %v, %v", out, err)
	}
	if out, _ := Compact(realisticPod(0)); out.(*corev1.Pod).ManagedFields != nil {
		t.Error("managedFields kept")
	}
	for i := range 50 {
		want := realisticPod(i)
		want.ManagedFields = nil
		got, _ := Compact(realisticPod(i))
		a, _ := json.Marshal(want)
		b, _ := json.Marshal(got)
		if string(a) != string(b) {
			t.Fatalf("pod %d changed by compaction:\n%s\n%s", i, a, b)
		}
	}
}
