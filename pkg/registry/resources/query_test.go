package resources_test

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
	"github.com/ks-apiserver/ks-apiserver/pkg/kubesphere"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
)

// vocabEnv is an in-memory query.Env over one index per resource, as the
// server's caches would be.
type vocabEnv struct {
	decls   map[string]*mirror.Resource
	indexes map[string]*query.Index
	objects map[string]map[string]runtime.Object
}

func newVocabEnv() *vocabEnv {
	e := &vocabEnv{decls: map[string]*mirror.Resource{}, indexes: map[string]*query.Index{}, objects: map[string]map[string]runtime.Object{}}
	served := resources.All()
	all := append(served, resources.Followed()...)
	for i := range all {
		res := &all[i]
		if i < len(served) {
			e.decls[res.Name] = res
		}
		e.indexes[res.Name] = query.NewIndex(res.QueryType())
		e.objects[res.Name] = map[string]runtime.Object{}
	}
	return e
}

func (e *vocabEnv) Get(resource, namespace, name string) (runtime.Object, bool) {
	obj, ok := e.objects[resource][namespace+"/"+name]
	return obj, ok
}

func (e *vocabEnv) Group(resource, group, key string) []runtime.Object {
	if ix := e.indexes[resource]; ix != nil {
		return ix.Group(group, key)
	}
	return nil
}

func (e *vocabEnv) set(t *testing.T, resource string, objs ...runtime.Object) {
	t.Helper()
	for _, obj := range objs {
		if err := e.indexes[resource].Set(obj); err != nil {
			t.Fatal(err)
		}
		m, _ := meta.Accessor(obj)
		e.objects[resource][m.GetNamespace()+"/"+m.GetName()] = obj
	}
}

// copies returns deep copies of every cached object, to check nothing
// mutated them.
func (e *vocabEnv) copies() map[string]map[string]runtime.Object {
	out := map[string]map[string]runtime.Object{}
	for r, objs := range e.objects {
		out[r] = map[string]runtime.Object{}
		for k, obj := range objs {
			out[r][k] = obj.DeepCopyObject()
		}
	}
	return out
}

// list runs a query and returns "namespace/name" (or "name") of the items.
func (e *vocabEnv) list(t *testing.T, resource string, mode query.Mode, params url.Values) ([]string, error) {
	t.Helper()
	ix := e.indexes[resource]
	q, err := query.Parse(params, mode, ix.Type(), e)
	if err != nil {
		return nil, err
	}
	if q.MatchNothing {
		return nil, nil
	}
	res := ix.Snapshot().List(query.Request{Namespace: q.Namespace, SortBy: q.SortBy, Descending: !q.Ascending, Filters: q.Filters, Labels: q.Labels, Attrs: q.Attrs, NameSig: q.NameSig, Limit: -1})
	var out []string
	for _, it := range res.Items {
		if it.Namespace != "" {
			out = append(out, it.Namespace+"/"+it.Name)
		} else {
			out = append(out, it.Name)
		}
	}
	if res.Total != len(out) {
		t.Errorf("%s %v: total %d, %d items", resource, params, res.Total, len(out))
	}
	return out, nil
}

func params(s string) url.Values {
	v, err := url.ParseQuery(s)
	if err != nil {
		panic(err)
	}
	return v
}

var modes = []struct {
	name string
	mode query.Mode
}{{"native", query.Native}, {"compat", query.Compat}}

// checkFilter checks that a filter query selects exactly want, in both modes.
func (e *vocabEnv) checkFilter(t *testing.T, resource, filter string, want ...string) {
	t.Helper()
	for _, m := range modes {
		got, err := e.list(t, resource, m.mode, params(filter+"&sortBy=name&ascending=true"))
		if err != nil {
			t.Errorf("%s %s ?%s: %v", m.name, resource, filter, err)
			continue
		}
		slices.Sort(got)
		w := slices.Clone(want)
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("%s %s ?%s = %v, want %v", m.name, resource, filter, got, w)
		}
	}
}

// checkSort checks that sortBy=key lists exactly want with ascending=true
// and its reverse with ascending=false, in both modes.
func (e *vocabEnv) checkSort(t *testing.T, resource, key string, want ...string) {
	t.Helper()
	rev := slices.Clone(want)
	slices.Reverse(rev)
	for _, m := range modes {
		for asc, w := range map[string][]string{"true": want, "false": rev} {
			p := "sortBy=" + key + "&ascending=" + asc
			got, err := e.list(t, resource, m.mode, params(p))
			if err != nil {
				t.Errorf("%s %s ?%s: %v", m.name, resource, p, err)
				continue
			}
			if !slices.Equal(got, w) {
				t.Errorf("%s %s ?%s = %v, want %v", m.name, resource, p, got, w)
			}
		}
	}
}

var t0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func om(ns, name string, created time.Duration) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name, CreationTimestamp: metav1.NewTime(t0.Add(created))}
}

func at(d time.Duration) metav1.Time { return metav1.NewTime(t0.Add(d)) }

func TestVocabularyWorkloads(t *testing.T) {
	e := newVocabEnv()
	dep := func(ns, name string, created time.Duration, replicas, ready int32, updates ...time.Duration) runtime.Object {
		d := &appsv1.Deployment{ObjectMeta: om(ns, name, created), Status: appsv1.DeploymentStatus{Replicas: replicas, ReadyReplicas: ready}}
		for _, u := range updates {
			d.Status.Conditions = append(d.Status.Conditions, appsv1.DeploymentCondition{LastUpdateTime: at(u)})
		}
		return d
	}
	e.set(t, "deployments",
		dep("a", "d1", 0, 2, 2, 5*time.Minute, time.Minute),
		dep("a", "d2", time.Minute, 0, 0),
		dep("b", "d3", 2*time.Minute, 3, 1, 10*time.Minute),
		dep("b", "d0", time.Minute, 1, 1),
		dep("a", "d4", time.Minute, 1, 1),
	)
	ds := func(ns, name string, desired, ready int32) runtime.Object {
		return &appsv1.DaemonSet{ObjectMeta: om(ns, name, 0), Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: desired, NumberReady: ready}}
	}
	e.set(t, "daemonsets", ds("a", "stopped", 0, 0), ds("a", "running", 2, 2), ds("b", "updating", 2, 1))
	sts := func(ns, name string, replicas *int32, ready int32) runtime.Object {
		return &appsv1.StatefulSet{ObjectMeta: om(ns, name, 0), Spec: appsv1.StatefulSetSpec{Replicas: replicas}, Status: appsv1.StatefulSetStatus{ReadyReplicas: ready}}
	}
	e.set(t, "statefulsets", sts("a", "nil", nil, 1), sts("a", "zero", ptr.To[int32](0), 0), sts("a", "running", ptr.To[int32](2), 2), sts("b", "updating", ptr.To[int32](2), 1))
	before := e.copies()

	e.checkFilter(t, "deployments", "status=running", "a/d1", "a/d4", "b/d0")
	e.checkFilter(t, "deployments", "status=stopped", "a/d2")
	e.checkFilter(t, "deployments", "status=updating", "b/d3")
	e.checkFilter(t, "deployments", "status=updating&namespace=a")
	e.checkSort(t, "deployments", "updateTime", "a/d2", "a/d4", "b/d0", "a/d1", "b/d3")
	e.checkSort(t, "deployments", "lastUpdateTimestamp", "a/d2", "a/d4", "b/d0", "a/d1", "b/d3")
	e.checkSort(t, "deployments", "createTime", "a/d1", "a/d2", "a/d4", "b/d0", "b/d3")

	e.checkFilter(t, "daemonsets", "status=stopped", "a/stopped")
	e.checkFilter(t, "daemonsets", "status=running", "a/running")
	e.checkFilter(t, "daemonsets", "status=updating", "b/updating")

	e.checkFilter(t, "statefulsets", "status=stopped", "a/nil", "a/zero")
	e.checkFilter(t, "statefulsets", "status=running", "a/running")
	e.checkFilter(t, "statefulsets", "status=updating", "b/updating")

	if !equality.Semantic.DeepEqual(before, e.copies()) {
		t.Error("queries mutated cached objects")
	}
}

func TestVocabularyJobs(t *testing.T) {
	e := newVocabEnv()
	job := func(ns, name string, created time.Duration, conds ...batchv1.JobCondition) runtime.Object {
		return &batchv1.Job{ObjectMeta: om(ns, name, created), Status: batchv1.JobStatus{Conditions: conds}}
	}
	cond := func(typ batchv1.JobConditionType, d time.Duration) batchv1.JobCondition {
		return batchv1.JobCondition{Type: typ, Status: corev1.ConditionTrue, LastTransitionTime: at(d)}
	}
	e.set(t, "jobs",
		job("a", "done", 0, cond(batchv1.JobComplete, 30*time.Minute)),
		job("b", "done", time.Minute, cond(batchv1.JobSuccessCriteriaMet, 2*time.Minute), cond(batchv1.JobComplete, 3*time.Minute)),
		job("a", "broken", 2*time.Minute, cond(batchv1.JobFailed, 4*time.Minute)),
		job("a", "busy", 5*time.Minute),
		job("b", "busy", 5*time.Minute),
	)
	cj := func(ns, name string, suspend *bool, last *metav1.Time) runtime.Object {
		return &batchv1.CronJob{ObjectMeta: om(ns, name, 0), Spec: batchv1.CronJobSpec{Suspend: suspend}, Status: batchv1.CronJobStatus{LastScheduleTime: last}}
	}
	e.set(t, "cronjobs",
		cj("a", "never", nil, nil),
		cj("a", "paused", ptr.To(true), ptr.To(at(time.Hour))),
		cj("b", "hourly", ptr.To(false), ptr.To(at(2*time.Hour))),
		cj("b", "early", nil, ptr.To(at(-time.Hour))),
	)
	before := e.copies()

	e.checkFilter(t, "jobs", "status=completed", "a/done", "b/done")
	e.checkFilter(t, "jobs", "status=failed", "a/broken")
	e.checkFilter(t, "jobs", "status=running", "a/busy", "b/busy")
	e.checkSort(t, "jobs", "updateTime", "b/done", "a/broken", "a/busy", "b/busy", "a/done")
	e.checkSort(t, "jobs", "lastUpdateTimestamp", "b/done", "a/broken", "a/busy", "b/busy", "a/done")
	e.checkSort(t, "jobs", "status", "a/done", "b/done", "a/broken", "a/busy", "b/busy")

	e.checkFilter(t, "cronjobs", "status=paused", "a/paused")
	e.checkFilter(t, "cronjobs", "status=running", "a/never", "b/hourly", "b/early")
	e.checkSort(t, "cronjobs", "lastScheduleTime", "a/never", "b/early", "a/paused", "b/hourly")

	if !equality.Semantic.DeepEqual(before, e.copies()) {
		t.Error("queries mutated cached objects")
	}
}

func claim(name string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: name}}}
}

func podRequests(cpu, mem string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}}
}

// podFixtures sets pods, services, PVCs, storage classes and nodes that
// refer to each other.
func podFixtures(t *testing.T, e *vocabEnv) {
	pod := func(ns, name, node string, phase corev1.PodPhase, lbls map[string]string, cpu string, vols ...corev1.Volume) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: om(ns, name, 0), Spec: corev1.PodSpec{NodeName: node, Volumes: vols,
			Containers: []corev1.Container{{Name: "c", Resources: podRequests(cpu, "1Gi")}}}, Status: corev1.PodStatus{Phase: phase}}
		p.Labels = lbls
		return p
	}
	web := map[string]string{"app": "web"}
	running := pod("a", "web-1", "n1", corev1.PodRunning, web, "500m", claim("data"))
	running.Status.ContainerStatuses = []corev1.ContainerStatus{{Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
	crash := pod("a", "web-2", "n2", corev1.PodRunning, web, "250m", claim("data"), claim("logs"))
	crash.Status.ContainerStatuses = []corev1.ContainerStatus{{State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}
	done := pod("a", "batch", "n1", corev1.PodSucceeded, map[string]string{"app": "batch"}, "4", claim("scratch"))
	failed := pod("b", "web-1", "n1", corev1.PodFailed, web, "4")
	pending := pod("b", "web-2", "", corev1.PodPending, web, "1")
	e.set(t, "pods", running, crash, done, failed, pending)
	e.set(t, "services",
		&corev1.Service{ObjectMeta: om("a", "web", 0), Spec: corev1.ServiceSpec{Selector: web}},
		&corev1.Service{ObjectMeta: om("b", "web", 0), Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web", "tier": "x"}}},
		&corev1.Service{ObjectMeta: om("a", "headless", 0)},
	)
	pvc := func(ns, name string, class *string, beta string, phase corev1.PersistentVolumeClaimPhase) *corev1.PersistentVolumeClaim {
		p := &corev1.PersistentVolumeClaim{ObjectMeta: om(ns, name, 0), Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: class}, Status: corev1.PersistentVolumeClaimStatus{Phase: phase}}
		if beta != "" {
			p.Annotations = map[string]string{corev1.BetaStorageClassAnnotation: beta}
		}
		return p
	}
	e.set(t, "persistentvolumeclaims",
		pvc("a", "data", ptr.To("gold"), "", corev1.ClaimBound),
		pvc("a", "logs", ptr.To(""), "", corev1.ClaimPending),
		pvc("a", "scratch", nil, "silver", corev1.ClaimBound),
		pvc("b", "data", ptr.To("gold"), "silver", corev1.ClaimLost),
		pvc("b", "orphan", nil, "", corev1.ClaimPending),
	)
	e.set(t, "storageclasses",
		&storagev1.StorageClass{ObjectMeta: om("", "gold", 0)},
		&storagev1.StorageClass{ObjectMeta: om("", "silver", 0)},
		&storagev1.StorageClass{ObjectMeta: om("", "bronze", 0)},
	)
	alloc := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("4Gi")}
	e.set(t, "nodes",
		&corev1.Node{ObjectMeta: om("", "n1", 0), Status: corev1.NodeStatus{Allocatable: alloc, Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}},
		&corev1.Node{ObjectMeta: om("", "n2", 0), Status: corev1.NodeStatus{Allocatable: alloc, Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionUnknown}}}},
		&corev1.Node{ObjectMeta: om("", "n3", 0), Spec: corev1.NodeSpec{Unschedulable: true}},
	)
}

func TestVocabularyPods(t *testing.T) {
	e := newVocabEnv()
	podFixtures(t, e)
	before := e.copies()

	e.checkFilter(t, "pods", "nodeName=n1", "a/web-1", "a/batch", "b/web-1")
	e.checkFilter(t, "pods", "nodeName=", "b/web-2")
	e.checkFilter(t, "pods", "nodeName=n", nil...)
	e.checkFilter(t, "pods", "pvcName=data", "a/web-1", "a/web-2")
	e.checkFilter(t, "pods", "pvcName=logs", "a/web-2")
	e.checkFilter(t, "pods", "pvcName=", nil...)
	e.checkFilter(t, "pods", "serviceName=web", "a/web-1", "a/web-2")
	e.checkFilter(t, "pods", "serviceName=web&namespace=b")
	e.checkFilter(t, "pods", "serviceName=headless")
	e.checkFilter(t, "pods", "serviceName=missing")
	e.checkFilter(t, "pods", "phase=Running", "a/web-1", "a/web-2")
	e.checkFilter(t, "pods", "phase=Failed", "b/web-1")
	e.checkFilter(t, "pods", "phase=Unknown")
	e.checkFilter(t, "pods", "status=Running", "a/web-1")
	e.checkFilter(t, "pods", "status=Waiting", "a/web-2", "b/web-2")
	e.checkFilter(t, "pods", "status=Completed", "a/batch")
	e.checkFilter(t, "pods", "status=Error", "b/web-1")
	e.checkFilter(t, "pods", "status=Error&nodeName=n1&phase=Failed", "b/web-1")
	e.checkSort(t, "pods", "name", "a/batch", "a/web-1", "b/web-1", "a/web-2", "b/web-2")

	// The groups other resources read.
	group := func(g, key string) []string {
		var out []string
		for _, obj := range e.Group("pods", g, key) {
			m, _ := meta.Accessor(obj)
			out = append(out, m.GetNamespace()+"/"+m.GetName())
		}
		slices.Sort(out)
		return out
	}
	for key, want := range map[string][]string{"n1": {"a/web-1"}, "n2": {"a/web-2"}, "n3": nil, "": nil} {
		if got := group(kubesphere.PodGroupNode, key); !slices.Equal(got, want) {
			t.Errorf("node group %q = %v, want %v", key, got, want)
		}
	}
	for key, want := range map[string][]string{"a/data": {"a/web-1", "a/web-2"}, "a/logs": {"a/web-2"}, "a/scratch": {"a/batch"}, "b/data": nil} {
		if got := group(kubesphere.PodGroupPVC, key); !slices.Equal(got, want) {
			t.Errorf("pvc group %q = %v, want %v", key, got, want)
		}
	}
	// A pod that terminates leaves its node's group; one deleted leaves all.
	moved := e.objects["pods"]["a/web-2"].DeepCopyObject().(*corev1.Pod)
	moved.Status.Phase = corev1.PodSucceeded
	if err := e.indexes["pods"].Set(moved); err != nil {
		t.Fatal(err)
	}
	if got := group(kubesphere.PodGroupNode, "n2"); got != nil {
		t.Errorf("terminated pod still in node group: %v", got)
	}
	e.indexes["pods"].Delete(moved)
	if got := group(kubesphere.PodGroupPVC, "a/logs"); got != nil {
		t.Errorf("deleted pod still in pvc group: %v", got)
	}
	if !equality.Semantic.DeepEqual(before, e.copies()) {
		t.Error("queries mutated cached objects")
	}
}

func TestVocabularyStorage(t *testing.T) {
	e := newVocabEnv()
	podFixtures(t, e)
	pv := func(name, class string, phase corev1.PersistentVolumePhase) runtime.Object {
		return &corev1.PersistentVolume{ObjectMeta: om("", name, 0), Spec: corev1.PersistentVolumeSpec{StorageClassName: class}, Status: corev1.PersistentVolumeStatus{Phase: phase}}
	}
	e.set(t, "persistentvolumes", pv("pv1", "gold", corev1.VolumeBound), pv("pv2", "", corev1.VolumeAvailable), pv("pv3", "silver", corev1.VolumeReleased), pv("pv4", "gold", corev1.VolumeFailed))
	before := e.copies()

	e.checkFilter(t, "persistentvolumeclaims", "status=Bound", "a/data", "a/scratch")
	e.checkFilter(t, "persistentvolumeclaims", "status=bound", "a/data", "a/scratch")
	e.checkFilter(t, "persistentvolumeclaims", "status=PENDING", "a/logs", "b/orphan")
	e.checkFilter(t, "persistentvolumeclaims", "status=Lost", "b/data")
	e.checkFilter(t, "persistentvolumeclaims", "storageClassName=gold", "a/data", "b/data")
	e.checkFilter(t, "persistentvolumeclaims", "storageClassName=silver") // the beta annotation is not the filter's
	e.checkFilter(t, "persistentvolumeclaims", "storageClassName=", "a/logs")
	e.checkFilter(t, "persistentvolumeclaims", "storageClassName=Gold")

	e.checkFilter(t, "persistentvolumes", "status=bound", "pv1")
	e.checkFilter(t, "persistentvolumes", "status=Available", "pv2")
	e.checkFilter(t, "persistentvolumes", "status=RELEASED", "pv3")
	e.checkFilter(t, "persistentvolumes", "status=failed", "pv4")
	e.checkFilter(t, "persistentvolumes", "status=Pending")
	e.checkFilter(t, "persistentvolumes", "storageClassName=gold", "pv1", "pv4")
	e.checkFilter(t, "persistentvolumes", "storageClassName=")

	// Computed annotations.
	decorate := func(resource, key string) map[string]string {
		obj := e.objects[resource][key]
		out := e.decls[resource].QueryType().Decorate(obj, e)
		if out == obj {
			t.Errorf("%s %s: Decorate returned the cached object", resource, key)
		}
		m, _ := meta.Accessor(out)
		return m.GetAnnotations()
	}
	for key, want := range map[string]string{"a/data": "true", "a/logs": "true", "a/scratch": "true", "b/data": "false", "b/orphan": "false"} {
		if got := decorate("persistentvolumeclaims", key)[kubesphere.AnnotationPVCInUse]; got != want {
			t.Errorf("pvc %s in-use = %q, want %q", key, got, want)
		}
	}
	if got := decorate("persistentvolumeclaims", "b/data")[corev1.BetaStorageClassAnnotation]; got != "silver" {
		t.Errorf("pvc annotations lost: %q", got)
	}
	for key, want := range map[string]string{"/gold": "2", "/silver": "2", "/bronze": "0"} {
		if got := decorate("storageclasses", key)[kubesphere.AnnotationStorageClassPVCCount]; got != want {
			t.Errorf("storage class %s pvc-count = %q, want %q", key, got, want)
		}
	}
	if !equality.Semantic.DeepEqual(before, e.copies()) {
		t.Error("queries or Decorate mutated cached objects")
	}
}

func TestVocabularyNodesNamespaces(t *testing.T) {
	e := newVocabEnv()
	podFixtures(t, e)
	e.set(t, "namespaces",
		&corev1.Namespace{ObjectMeta: om("", "a", 0), Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}},
		&corev1.Namespace{ObjectMeta: om("", "b", 0), Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}},
		&corev1.Namespace{ObjectMeta: om("", "c", 0)},
	)
	before := e.copies()

	e.checkFilter(t, "nodes", "status=running", "n1")
	e.checkFilter(t, "nodes", "status=warning", "n2")
	e.checkFilter(t, "nodes", "status=unschedulable", "n3")
	e.checkFilter(t, "namespaces", "status=Active", "a")
	e.checkFilter(t, "namespaces", "status=Terminating", "b")

	nodes := e.decls["nodes"].QueryType()
	ann := func(name string) map[string]string {
		return nodes.Decorate(e.objects["nodes"]["/"+name], e).(*corev1.Node).Annotations
	}
	// n1: web-1 (500m, 1Gi) runs; batch (Succeeded) and b/web-1 (Failed) do not count.
	want := map[string]map[string]string{
		"n1": {kubesphere.AnnotationNodeCPURequests: "500m", kubesphere.AnnotationNodeMemoryRequests: "1Gi", kubesphere.AnnotationNodeCPULimits: "0",
			kubesphere.AnnotationNodeCPURequestsFraction: "25%", kubesphere.AnnotationNodeMemoryRequestsFraction: "25%", kubesphere.AnnotationNodeMemoryLimitsFraction: "0%"},
		"n2": {kubesphere.AnnotationNodeCPURequests: "250m", kubesphere.AnnotationNodeCPURequestsFraction: "12%"},
		"n3": {kubesphere.AnnotationNodeCPURequests: "0", kubesphere.AnnotationNodeCPURequestsFraction: "0%"},
	}
	for name, w := range want {
		got := ann(name)
		if len(got) != 8 {
			t.Errorf("node %s: %d annotations, want 8: %v", name, len(got), got)
		}
		for k, v := range w {
			if got[k] != v {
				t.Errorf("node %s %s = %q, want %q", name, k, got[k], v)
			}
		}
	}
	if !equality.Semantic.DeepEqual(before, e.copies()) {
		t.Error("queries or Decorate mutated cached objects")
	}
}

func TestVocabularyOthers(t *testing.T) {
	e := newVocabEnv()
	crd := func(name, kind string) runtime.Object {
		return &apiextensionsv1.CustomResourceDefinition{ObjectMeta: om("", name, 0), Spec: apiextensionsv1.CustomResourceDefinitionSpec{Names: apiextensionsv1.CustomResourceDefinitionNames{Kind: kind}}}
	}
	e.set(t, "customresourcedefinitions", crd("users.iam.kubesphere.io", "User"), crd("widgets.example.com", "Gadget"), crd("things.example.com", ""))
	user := func(name, email string, groups ...string) runtime.Object {
		return &iamv1beta1.User{ObjectMeta: om("", name, 0), Spec: iamv1beta1.UserSpec{Email: email, Groups: groups}}
	}
	e.set(t, "users", user("admin", "admin@kubesphere.io", "ops", "dev"), user("dev", "dev@example.com", "dev"), user("nobody", ""))
	hpa := func(ns, name, kind, target string) runtime.Object {
		return &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: om(ns, name, 0), Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: kind, Name: target}}}
	}
	e.set(t, "horizontalpodautoscalers", hpa("a", "h1", "Deployment", "web"), hpa("a", "h2", "StatefulSet", "web"), hpa("b", "h3", "Deployment", "api"))
	before := e.copies()

	e.checkFilter(t, "customresourcedefinitions", "name=example", "widgets.example.com", "things.example.com")
	e.checkFilter(t, "customresourcedefinitions", "name=Gadget", "widgets.example.com")
	e.checkFilter(t, "customresourcedefinitions", "name=Use", "users.iam.kubesphere.io")
	e.checkFilter(t, "customresourcedefinitions", "name=user", "users.iam.kubesphere.io")
	e.checkFilter(t, "customresourcedefinitions", "name=gadget")
	e.checkFilter(t, "customresourcedefinitions", "names=things.example.com", "things.example.com")

	e.checkFilter(t, "users", "email=dev@example.com", "dev")
	e.checkFilter(t, "users", "email=dev")
	e.checkFilter(t, "users", "ingroup=dev", "admin", "dev")
	e.checkFilter(t, "users", "ingroup=ops", "admin")
	e.checkFilter(t, "users", "notingroup=ops", "dev", "nobody")
	e.checkFilter(t, "users", "notingroup=none", "admin", "dev", "nobody")

	e.checkFilter(t, "horizontalpodautoscalers", "targetKind=Deployment", "a/h1", "b/h3")
	e.checkFilter(t, "horizontalpodautoscalers", "targetName=web", "a/h1", "a/h2")
	e.checkFilter(t, "horizontalpodautoscalers", "targetKind=Deployment&targetName=web", "a/h1")
	e.checkFilter(t, "horizontalpodautoscalers", "targetKind=deployment")

	if !equality.Semantic.DeepEqual(before, e.copies()) {
		t.Error("queries mutated cached objects")
	}
}

// A value outside a filter's vocabulary is an error naming the parameter
// and the accepted values on /apis, and matches nothing on /kapis.
func TestVocabularyClosedValues(t *testing.T) {
	e := newVocabEnv()
	podFixtures(t, e)
	n := 0
	for name, res := range e.decls {
		for filter, f := range res.Query.Filters {
			if f.Values == nil {
				continue
			}
			n++
			ix := e.indexes[name]
			p := url.Values{filter: {"bogus"}}
			_, err := query.Parse(p, query.Native, ix.Type(), e)
			var qe *query.Error
			if !errors.As(err, &qe) || qe.Param != filter || qe.Value != "bogus" || qe.Accepted != strings.Join(f.Values, ", ") {
				t.Errorf("%s ?%s=bogus on /apis: %v", name, filter, err)
			}
			got, err := e.list(t, name, query.Compat, p)
			if err != nil || len(got) != 0 {
				t.Errorf("%s ?%s=bogus on /kapis: %v, %v", name, filter, got, err)
			}
			for _, v := range f.Values {
				if _, err := query.Parse(url.Values{filter: {v}}, query.Native, ix.Type(), e); err != nil {
					t.Errorf("%s ?%s=%s: %v", name, filter, v, err)
				}
			}
		}
	}
	if n != 11 {
		t.Errorf("%d closed filters, want 11", n)
	}
	// Unknown sort keys are errors on /apis too, and the type's own keys
	// are listed.
	_, err := query.Parse(params("sortBy=lastUpdateTime"), query.Native, e.indexes["jobs"].Type(), e)
	var qe *query.Error
	if !errors.As(err, &qe) || qe.Param != "sortBy" || !strings.Contains(qe.Accepted, "lastUpdateTimestamp") || !strings.Contains(qe.Accepted, "status") {
		t.Errorf("jobs ?sortBy=lastUpdateTime: %v", err)
	}
}

// Every Type function is safe on zero-valued objects and never mutates
// them.
func TestVocabularyZeroObjects(t *testing.T) {
	e := newVocabEnv()
	for name, res := range e.decls {
		zero := res.ToUpstream(res.New())
		copied := zero.DeepCopyObject()
		e.set(t, name, zero)
		ty := res.QueryType()
		for _, filter := range ty.FilterNames() {
			for _, v := range []string{"", "x"} {
				for _, m := range modes {
					if _, err := e.list(t, name, m.mode, url.Values{filter: {v}}); err != nil && !strings.Contains(err.Error(), "accepted values") {
						t.Errorf("%s ?%s=%q: %v", name, filter, v, err)
					}
				}
			}
		}
		for _, key := range ty.SortKeyNames() {
			if _, err := e.list(t, name, query.Native, url.Values{"sortBy": {key}}); err != nil {
				t.Errorf("%s ?sortBy=%s: %v", name, key, err)
			}
		}
		if ty.Decorate != nil {
			if out := ty.Decorate(zero, e); out == zero || out == nil {
				t.Errorf("%s: Decorate returned %v", name, out)
			}
			if out := ty.Decorate(zero, nil); out == nil {
				t.Errorf("%s: Decorate without env returned nil", name)
			}
		}
		if !equality.Semantic.DeepEqual(copied, zero) {
			t.Errorf("%s: zero object mutated", name)
		}
	}
}
