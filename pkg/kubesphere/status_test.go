package kubesphere_test

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ks-apiserver/ks-apiserver/pkg/kubesphere"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
)

func running(ready bool) corev1.ContainerStatus {
	return corev1.ContainerStatus{Ready: ready, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
}

func waiting(reason string) corev1.ContainerStatus {
	return corev1.ContainerStatus{State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}
}

func terminated(reason string, code, signal int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: reason, ExitCode: code, Signal: signal}}}
}

func readyCond(status corev1.ConditionStatus, reason string) corev1.PodCondition {
	return corev1.PodCondition{Type: corev1.PodReady, Status: status, Reason: reason}
}

// podReasons are the kubectl reasons behind some of TestPodStatus's cases.
var podReasons = map[string]string{
	"zero pod":                                          "",
	"status.reason overrides phase: Evicted":            "Evicted",
	"OutOfcpu":                                          "OutOfcpu",
	"CrashLoopBackOff":                                  "CrashLoopBackOff",
	"container terminated OOMKilled":                    "OOMKilled",
	"container ExitCode:N":                              "ExitCode:2",
	"container Signal:N":                                "Signal:9",
	"first container wins (reverse walk)":               "Error",
	"Completed + running ready + PodReady":              "Running",
	"Completed + running ready, not PodReady: NotReady": "NotReady",
	"Completed + running not ready stays Completed":     "Completed",
	"Init:0/2":                         "Init:0/2",
	"Init:1/2 masks a container error": "Init:1/2",
	"Init:Error":                       "Init:Error",
	"Init:ExitCode":                    "Init:ExitCode:3",
	"Init:Signal":                      "Init:Signal:15",
	"Init:CrashLoopBackOff":            "Init:CrashLoopBackOff",
	"init done, containers running":    "Running",
	"Terminating":                      "Terminating",
	"Terminating completed":            "Terminating",
	"NodeLost without deletion":        "NodeLost",
	"NodeLost deleted: Unknown":        "Unknown",
	"nil states everywhere":            "Init:0/2",
}

func TestPodStatus(t *testing.T) {
	now := metav1.Now()
	twoInit := corev1.PodSpec{InitContainers: []corev1.Container{{Name: "a"}, {Name: "b"}}}
	cases := []struct {
		name string
		pod  corev1.Pod
		want string
	}{
		{"zero pod", corev1.Pod{}, kubesphere.PodWaiting},
		{"pending", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending}}, kubesphere.PodWaiting},
		{"running phase, no statuses", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning}}, kubesphere.PodRunning},
		{"running ready", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{running(true)}}}, kubesphere.PodRunning},
		{"running not ready container still Running", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{running(false)}}}, kubesphere.PodRunning},
		{"unknown phase", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodUnknown}}, kubesphere.PodWaiting},
		{"failed phase", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed}}, kubesphere.PodError},
		{"status.reason overrides phase: Evicted", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted"}}, kubesphere.PodWaiting},
		{"OutOfcpu", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "OutOfcpu"}}, kubesphere.PodError},
		{"OutOfmemory", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "OutOfmemory"}}, kubesphere.PodError},
		{"CrashLoopBackOff", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{waiting("CrashLoopBackOff")}}}, kubesphere.PodWaiting},
		{"ImagePullBackOff", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{waiting("ImagePullBackOff")}}}, kubesphere.PodWaiting},
		{"waiting without reason keeps phase", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{waiting("")}}}, kubesphere.PodRunning},
		{"container terminated Error", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{terminated("Error", 1, 0)}}}, kubesphere.PodError},
		{"container terminated OOMKilled", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{terminated("OOMKilled", 137, 0)}}}, kubesphere.PodWaiting},
		{"container ExitCode:N", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{terminated("", 2, 0)}}}, kubesphere.PodWaiting},
		{"container Signal:N", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{terminated("", 0, 9)}}}, kubesphere.PodWaiting},
		{"first container wins (reverse walk)", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{terminated("Error", 1, 0), waiting("CrashLoopBackOff")}}}, kubesphere.PodError},
		{"completed", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded, ContainerStatuses: []corev1.ContainerStatus{terminated("Completed", 0, 0)}}}, kubesphere.PodCompleted},
		{"Completed + running ready + PodReady", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning,
			Conditions:        []corev1.PodCondition{readyCond(corev1.ConditionTrue, "")},
			ContainerStatuses: []corev1.ContainerStatus{terminated("Completed", 0, 0), running(true)}}}, kubesphere.PodRunning},
		{"Completed + running ready, not PodReady: NotReady", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning,
			Conditions:        []corev1.PodCondition{readyCond(corev1.ConditionFalse, "")},
			ContainerStatuses: []corev1.ContainerStatus{terminated("Completed", 0, 0), running(true)}}}, kubesphere.PodWaiting},
		{"Completed + running not ready stays Completed", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning,
			Conditions:        []corev1.PodCondition{readyCond(corev1.ConditionTrue, "")},
			ContainerStatuses: []corev1.ContainerStatus{terminated("Completed", 0, 0), running(false)}}}, kubesphere.PodCompleted},
		{"Succeeded, no PodReady", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded}}, kubesphere.PodCompleted},
		{"Succeeded, PodReady PodCompleted", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded,
			Conditions: []corev1.PodCondition{readyCond(corev1.ConditionFalse, "PodCompleted")}}}, kubesphere.PodCompleted},
		{"Succeeded, PodReady other reason", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded,
			Conditions: []corev1.PodCondition{readyCond(corev1.ConditionFalse, "ContainersNotReady")}}}, kubesphere.PodWaiting},
		{"Succeeded, one of two PodReady not PodCompleted", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded,
			Conditions: []corev1.PodCondition{readyCond(corev1.ConditionFalse, "PodCompleted"), readyCond(corev1.ConditionFalse, "")}}}, kubesphere.PodWaiting},
		{"Init:0/2", corev1.Pod{Spec: twoInit, Status: corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{running(false), waiting("PodInitializing")}}}, kubesphere.PodWaiting},
		{"Init:1/2 masks a container error", corev1.Pod{Spec: twoInit, Status: corev1.PodStatus{Phase: corev1.PodRunning,
			InitContainerStatuses: []corev1.ContainerStatus{terminated("Completed", 0, 0), running(false)},
			ContainerStatuses:     []corev1.ContainerStatus{terminated("Error", 1, 0)}}}, kubesphere.PodWaiting},
		{"Init:Error", corev1.Pod{Spec: twoInit, Status: corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{terminated("Error", 1, 0)}}}, kubesphere.PodWaiting},
		{"Init:ExitCode", corev1.Pod{Spec: twoInit, Status: corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{terminated("", 3, 0)}}}, kubesphere.PodWaiting},
		{"Init:Signal", corev1.Pod{Spec: twoInit, Status: corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{terminated("", 143, 15)}}}, kubesphere.PodWaiting},
		{"Init:CrashLoopBackOff", corev1.Pod{Spec: twoInit, Status: corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{waiting("CrashLoopBackOff")}}}, kubesphere.PodWaiting},
		{"init done, containers running", corev1.Pod{Spec: twoInit, Status: corev1.PodStatus{Phase: corev1.PodRunning,
			InitContainerStatuses: []corev1.ContainerStatus{terminated("Completed", 0, 0), terminated("Completed", 0, 0)},
			ContainerStatuses:     []corev1.ContainerStatus{running(true)}}}, kubesphere.PodRunning},
		{"Terminating", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: corev1.PodStatus{Phase: corev1.PodRunning,
			ContainerStatuses: []corev1.ContainerStatus{running(true)}}}, kubesphere.PodWaiting},
		{"Terminating completed", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: corev1.PodStatus{Phase: corev1.PodSucceeded}}, kubesphere.PodWaiting},
		{"Terminating failed", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: corev1.PodStatus{Phase: corev1.PodFailed}}, kubesphere.PodWaiting},
		{"NodeLost without deletion", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, Reason: "NodeLost"}}, kubesphere.PodWaiting},
		{"NodeLost deleted: Unknown", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: corev1.PodStatus{Phase: corev1.PodRunning, Reason: "NodeLost"}}, kubesphere.PodWaiting},
		{"nil states everywhere", corev1.Pod{Spec: twoInit, Status: corev1.PodStatus{InitContainerStatuses: []corev1.ContainerStatus{{}}, ContainerStatuses: []corev1.ContainerStatus{{}}}}, kubesphere.PodWaiting},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := c.pod.DeepCopy()
			if want, ok := podReasons[c.name]; ok {
				if got := kubesphere.PodReason(&c.pod); got != want {
					t.Errorf("reason = %q, want %q", got, want)
				}
			}
			if got := kubesphere.PodStatus(&c.pod); got != c.want {
				t.Errorf("PodStatus = %q, want %q", got, c.want)
			}
			if !equality.Semantic.DeepEqual(before, &c.pod) {
				t.Error("PodStatus mutated the pod")
			}
		})
	}
	if got := kubesphere.PodStatus(nil); got != "" {
		t.Errorf("PodStatus(nil) = %q", got)
	}
}

func TestWorkloadStatus(t *testing.T) {
	dep := func(replicas, ready int32) *appsv1.Deployment {
		// spec.replicas is deliberately different: KubeSphere reads status.replicas.
		return &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](7)}, Status: appsv1.DeploymentStatus{Replicas: replicas, ReadyReplicas: ready}}
	}
	ds := func(desired, ready int32) *appsv1.DaemonSet {
		return &appsv1.DaemonSet{Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: desired, NumberReady: ready}}
	}
	sts := func(replicas *int32, ready int32) *appsv1.StatefulSet {
		return &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{Replicas: replicas}, Status: appsv1.StatefulSetStatus{ReadyReplicas: ready, Replicas: 9}}
	}
	cases := []struct {
		name string
		got  string
		want string
	}{
		{"deployment zero", kubesphere.DeploymentStatus(&appsv1.Deployment{}), kubesphere.StatusStopped},
		{"deployment 0/0", kubesphere.DeploymentStatus(dep(0, 0)), kubesphere.StatusStopped},
		{"deployment 3/3", kubesphere.DeploymentStatus(dep(3, 3)), kubesphere.StatusRunning},
		{"deployment 1/3", kubesphere.DeploymentStatus(dep(3, 1)), kubesphere.StatusUpdating},
		{"deployment 0/3", kubesphere.DeploymentStatus(dep(3, 0)), kubesphere.StatusUpdating},
		{"deployment 2/0 (scaling down)", kubesphere.DeploymentStatus(dep(0, 2)), kubesphere.StatusUpdating},
		{"deployment nil", kubesphere.DeploymentStatus(nil), ""},
		{"daemonset zero", kubesphere.DaemonSetStatus(&appsv1.DaemonSet{}), kubesphere.StatusStopped},
		{"daemonset 2/2", kubesphere.DaemonSetStatus(ds(2, 2)), kubesphere.StatusRunning},
		{"daemonset 1/2", kubesphere.DaemonSetStatus(ds(2, 1)), kubesphere.StatusUpdating},
		{"daemonset 0/2", kubesphere.DaemonSetStatus(ds(2, 0)), kubesphere.StatusUpdating},
		{"daemonset nil", kubesphere.DaemonSetStatus(nil), ""},
		{"statefulset zero (nil replicas)", kubesphere.StatefulSetStatus(&appsv1.StatefulSet{}), kubesphere.StatusStopped},
		{"statefulset nil replicas, ready 2", kubesphere.StatefulSetStatus(sts(nil, 2)), kubesphere.StatusStopped},
		{"statefulset 0/0", kubesphere.StatefulSetStatus(sts(ptr.To[int32](0), 0)), kubesphere.StatusStopped},
		{"statefulset 3/3", kubesphere.StatefulSetStatus(sts(ptr.To[int32](3), 3)), kubesphere.StatusRunning},
		{"statefulset 1/3", kubesphere.StatefulSetStatus(sts(ptr.To[int32](3), 1)), kubesphere.StatusUpdating},
		{"statefulset 2/0", kubesphere.StatefulSetStatus(sts(ptr.To[int32](0), 2)), kubesphere.StatusUpdating},
		{"statefulset nil", kubesphere.StatefulSetStatus(nil), ""},
		{"cronjob zero", kubesphere.CronJobStatus(&batchv1.CronJob{}), kubesphere.CronJobRunning},
		{"cronjob suspend false", kubesphere.CronJobStatus(&batchv1.CronJob{Spec: batchv1.CronJobSpec{Suspend: ptr.To(false)}}), kubesphere.CronJobRunning},
		{"cronjob suspended", kubesphere.CronJobStatus(&batchv1.CronJob{Spec: batchv1.CronJobSpec{Suspend: ptr.To(true)}}), kubesphere.CronJobPaused},
		{"cronjob nil", kubesphere.CronJobStatus(nil), ""},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.name, c.got, c.want)
		}
	}
}

func jobCond(typ batchv1.JobConditionType, status corev1.ConditionStatus, at time.Time) batchv1.JobCondition {
	return batchv1.JobCondition{Type: typ, Status: status, LastTransitionTime: metav1.NewTime(at)}
}

func TestJobStatus(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		conds []batchv1.JobCondition
		want  string
	}{
		{"no conditions", nil, kubesphere.JobRunning},
		{"complete", []batchv1.JobCondition{jobCond(batchv1.JobComplete, corev1.ConditionTrue, t0)}, kubesphere.JobCompleted},
		{"failed", []batchv1.JobCondition{jobCond(batchv1.JobFailed, corev1.ConditionTrue, t0)}, kubesphere.JobFailed},
		{"complete false", []batchv1.JobCondition{jobCond(batchv1.JobComplete, corev1.ConditionFalse, t0)}, kubesphere.JobRunning},
		{"suspended", []batchv1.JobCondition{jobCond(batchv1.JobSuspended, corev1.ConditionTrue, t0)}, kubesphere.JobRunning},
		{"success criteria met only", []batchv1.JobCondition{jobCond(batchv1.JobSuccessCriteriaMet, corev1.ConditionTrue, t0)}, kubesphere.JobRunning},
		{"failure target only", []batchv1.JobCondition{jobCond(batchv1.JobFailureTarget, corev1.ConditionTrue, t0)}, kubesphere.JobRunning},
		{"first true condition wins: failed", []batchv1.JobCondition{
			jobCond(batchv1.JobComplete, corev1.ConditionFalse, t0), jobCond(batchv1.JobFailed, corev1.ConditionTrue, t0), jobCond(batchv1.JobComplete, corev1.ConditionTrue, t0)}, kubesphere.JobFailed},
		{"first true condition wins: completed", []batchv1.JobCondition{
			jobCond(batchv1.JobSuccessCriteriaMet, corev1.ConditionTrue, t0), jobCond(batchv1.JobComplete, corev1.ConditionTrue, t0), jobCond(batchv1.JobFailed, corev1.ConditionTrue, t0)}, kubesphere.JobCompleted},
	}
	for _, c := range cases {
		if got := kubesphere.JobStatus(&batchv1.Job{Status: batchv1.JobStatus{Conditions: c.conds}}); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if got := kubesphere.JobStatus(nil); got != "" {
		t.Errorf("JobStatus(nil) = %q", got)
	}
}

func TestUpdateTimes(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	created := metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(t0)}
	depCond := func(at time.Time) appsv1.DeploymentCondition {
		return appsv1.DeploymentCondition{LastUpdateTime: metav1.NewTime(at), LastTransitionTime: metav1.NewTime(at.Add(time.Hour * 100))}
	}
	cases := []struct {
		name      string
		got, want time.Time
	}{
		{"deployment zero", kubesphere.DeploymentUpdateTime(&appsv1.Deployment{}), time.Time{}},
		{"deployment nil", kubesphere.DeploymentUpdateTime(nil), time.Time{}},
		{"deployment no conditions", kubesphere.DeploymentUpdateTime(&appsv1.Deployment{ObjectMeta: created}), t0},
		{"deployment latest lastUpdateTime", kubesphere.DeploymentUpdateTime(&appsv1.Deployment{ObjectMeta: created, Status: appsv1.DeploymentStatus{
			Conditions: []appsv1.DeploymentCondition{depCond(t0.Add(2 * time.Minute)), depCond(t0.Add(5 * time.Minute)), depCond(t0.Add(time.Minute))}}}), t0.Add(5 * time.Minute)},
		{"deployment conditions older than creation", kubesphere.DeploymentUpdateTime(&appsv1.Deployment{ObjectMeta: created, Status: appsv1.DeploymentStatus{
			Conditions: []appsv1.DeploymentCondition{depCond(t0.Add(-time.Minute)), {}}}}), t0},
		{"job zero", kubesphere.JobUpdateTime(&batchv1.Job{}), time.Time{}},
		{"job nil", kubesphere.JobUpdateTime(nil), time.Time{}},
		{"job no conditions", kubesphere.JobUpdateTime(&batchv1.Job{ObjectMeta: created}), t0},
		{"job latest lastTransitionTime", kubesphere.JobUpdateTime(&batchv1.Job{ObjectMeta: created, Status: batchv1.JobStatus{Conditions: []batchv1.JobCondition{
			jobCond(batchv1.JobComplete, corev1.ConditionTrue, t0.Add(3*time.Second)), jobCond(batchv1.JobFailed, corev1.ConditionFalse, t0.Add(time.Second))}}}), t0.Add(3 * time.Second)},
		{"cronjob never scheduled", kubesphere.CronJobLastScheduleTime(&batchv1.CronJob{ObjectMeta: created}), time.Time{}},
		{"cronjob scheduled", kubesphere.CronJobLastScheduleTime(&batchv1.CronJob{Status: batchv1.CronJobStatus{LastScheduleTime: ptr.To(metav1.NewTime(t0))}}), t0},
	}
	for _, c := range cases {
		if !c.got.Equal(c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	if k := query.TimeKey(time.Time{}); k != (query.Key{}) {
		t.Errorf("TimeKey(zero) = %+v, want zero", k)
	}
	if k := query.TimeKey(t0); k.Time != t0.UnixNano() {
		t.Errorf("TimeKey(t0) = %+v", k)
	}
}

func TestNodeStatus(t *testing.T) {
	cond := func(typ corev1.NodeConditionType, s corev1.ConditionStatus) corev1.NodeCondition {
		return corev1.NodeCondition{Type: typ, Status: s}
	}
	healthy := []corev1.NodeCondition{
		cond(corev1.NodeMemoryPressure, corev1.ConditionFalse), cond(corev1.NodeDiskPressure, corev1.ConditionFalse),
		cond(corev1.NodePIDPressure, corev1.ConditionFalse), cond(corev1.NodeNetworkUnavailable, corev1.ConditionFalse),
		cond("ConfigOK", corev1.ConditionTrue), cond("KubeletReady", corev1.ConditionTrue), cond(corev1.NodeReady, corev1.ConditionTrue),
	}
	with := func(c corev1.NodeCondition) []corev1.NodeCondition {
		return append(append([]corev1.NodeCondition(nil), healthy...), c)
	}
	cases := []struct {
		name          string
		unschedulable bool
		conds         []corev1.NodeCondition
		want          string
	}{
		{"zero", false, nil, kubesphere.NodeRunning},
		{"healthy", false, healthy, kubesphere.NodeRunning},
		{"unknown condition type ignored", false, with(cond("FrequentKubeletRestart", corev1.ConditionTrue)), kubesphere.NodeRunning},
		{"not ready", false, with(cond(corev1.NodeReady, corev1.ConditionFalse)), kubesphere.NodeWarning},
		{"ready unknown", false, []corev1.NodeCondition{cond(corev1.NodeReady, corev1.ConditionUnknown)}, kubesphere.NodeWarning},
		{"memory pressure", false, with(cond(corev1.NodeMemoryPressure, corev1.ConditionTrue)), kubesphere.NodeWarning},
		{"disk pressure", false, []corev1.NodeCondition{cond(corev1.NodeDiskPressure, corev1.ConditionTrue)}, kubesphere.NodeWarning},
		{"pid pressure", false, []corev1.NodeCondition{cond(corev1.NodePIDPressure, corev1.ConditionTrue)}, kubesphere.NodeWarning},
		{"network unavailable", false, []corev1.NodeCondition{cond(corev1.NodeNetworkUnavailable, corev1.ConditionTrue)}, kubesphere.NodeWarning},
		{"ConfigOK false", false, []corev1.NodeCondition{cond("ConfigOK", corev1.ConditionFalse)}, kubesphere.NodeWarning},
		{"KubeletReady false", false, []corev1.NodeCondition{cond("KubeletReady", corev1.ConditionFalse)}, kubesphere.NodeWarning},
		{"unschedulable wins over warning", true, with(cond(corev1.NodeReady, corev1.ConditionFalse)), kubesphere.NodeUnschedulable},
		{"unschedulable healthy", true, healthy, kubesphere.NodeUnschedulable},
	}
	for _, c := range cases {
		n := &corev1.Node{Spec: corev1.NodeSpec{Unschedulable: c.unschedulable}, Status: corev1.NodeStatus{Conditions: c.conds}}
		if got := kubesphere.NodeStatus(n); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if got := kubesphere.NodeStatus(nil); got != "" {
		t.Errorf("NodeStatus(nil) = %q", got)
	}
}
