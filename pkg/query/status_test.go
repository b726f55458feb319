package query_test

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

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
		{"zero pod", corev1.Pod{}, query.PodWaiting},
		{"pending", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending}}, query.PodWaiting},
		{"running phase, no statuses", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning}}, query.PodRunning},
		{"running ready", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{running(true)}}}, query.PodRunning},
		{"running not ready container still Running", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{running(false)}}}, query.PodRunning},
		{"unknown phase", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodUnknown}}, query.PodWaiting},
		{"failed phase", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed}}, query.PodError},
		{"status.reason overrides phase: Evicted", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted"}}, query.PodWaiting},
		{"OutOfcpu", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "OutOfcpu"}}, query.PodError},
		{"OutOfmemory", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "OutOfmemory"}}, query.PodError},
		{"CrashLoopBackOff", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{waiting("CrashLoopBackOff")}}}, query.PodWaiting},
		{"ImagePullBackOff", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{waiting("ImagePullBackOff")}}}, query.PodWaiting},
		{"waiting without reason keeps phase", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{waiting("")}}}, query.PodRunning},
		{"container terminated Error", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{terminated("Error", 1, 0)}}}, query.PodError},
		{"container terminated OOMKilled", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{terminated("OOMKilled", 137, 0)}}}, query.PodWaiting},
		{"container ExitCode:N", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{terminated("", 2, 0)}}}, query.PodWaiting},
		{"container Signal:N", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{terminated("", 0, 9)}}}, query.PodWaiting},
		{"first container wins (reverse walk)", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{terminated("Error", 1, 0), waiting("CrashLoopBackOff")}}}, query.PodError},
		{"completed", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded, ContainerStatuses: []corev1.ContainerStatus{terminated("Completed", 0, 0)}}}, query.PodCompleted},
		{"Completed + running ready + PodReady", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning,
			Conditions:        []corev1.PodCondition{readyCond(corev1.ConditionTrue, "")},
			ContainerStatuses: []corev1.ContainerStatus{terminated("Completed", 0, 0), running(true)}}}, query.PodRunning},
		{"Completed + running ready, not PodReady: NotReady", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning,
			Conditions:        []corev1.PodCondition{readyCond(corev1.ConditionFalse, "")},
			ContainerStatuses: []corev1.ContainerStatus{terminated("Completed", 0, 0), running(true)}}}, query.PodWaiting},
		{"Completed + running not ready stays Completed", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning,
			Conditions:        []corev1.PodCondition{readyCond(corev1.ConditionTrue, "")},
			ContainerStatuses: []corev1.ContainerStatus{terminated("Completed", 0, 0), running(false)}}}, query.PodCompleted},
		{"Succeeded, no PodReady", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded}}, query.PodCompleted},
		{"Succeeded, PodReady PodCompleted", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded,
			Conditions: []corev1.PodCondition{readyCond(corev1.ConditionFalse, "PodCompleted")}}}, query.PodCompleted},
		{"Succeeded, PodReady other reason", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded,
			Conditions: []corev1.PodCondition{readyCond(corev1.ConditionFalse, "ContainersNotReady")}}}, query.PodWaiting},
		{"Succeeded, one of two PodReady not PodCompleted", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded,
			Conditions: []corev1.PodCondition{readyCond(corev1.ConditionFalse, "PodCompleted"), readyCond(corev1.ConditionFalse, "")}}}, query.PodWaiting},
		{"Init:0/2", corev1.Pod{Spec: twoInit, Status: corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{running(false), waiting("PodInitializing")}}}, query.PodWaiting},
		{"Init:1/2 masks a container error", corev1.Pod{Spec: twoInit, Status: corev1.PodStatus{Phase: corev1.PodRunning,
			InitContainerStatuses: []corev1.ContainerStatus{terminated("Completed", 0, 0), running(false)},
			ContainerStatuses:     []corev1.ContainerStatus{terminated("Error", 1, 0)}}}, query.PodWaiting},
		{"Init:Error", corev1.Pod{Spec: twoInit, Status: corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{terminated("Error", 1, 0)}}}, query.PodWaiting},
		{"Init:ExitCode", corev1.Pod{Spec: twoInit, Status: corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{terminated("", 3, 0)}}}, query.PodWaiting},
		{"Init:Signal", corev1.Pod{Spec: twoInit, Status: corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{terminated("", 143, 15)}}}, query.PodWaiting},
		{"Init:CrashLoopBackOff", corev1.Pod{Spec: twoInit, Status: corev1.PodStatus{Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{waiting("CrashLoopBackOff")}}}, query.PodWaiting},
		{"init done, containers running", corev1.Pod{Spec: twoInit, Status: corev1.PodStatus{Phase: corev1.PodRunning,
			InitContainerStatuses: []corev1.ContainerStatus{terminated("Completed", 0, 0), terminated("Completed", 0, 0)},
			ContainerStatuses:     []corev1.ContainerStatus{running(true)}}}, query.PodRunning},
		{"Terminating", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: corev1.PodStatus{Phase: corev1.PodRunning,
			ContainerStatuses: []corev1.ContainerStatus{running(true)}}}, query.PodWaiting},
		{"Terminating completed", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: corev1.PodStatus{Phase: corev1.PodSucceeded}}, query.PodWaiting},
		{"Terminating failed", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: corev1.PodStatus{Phase: corev1.PodFailed}}, query.PodWaiting},
		{"NodeLost without deletion", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, Reason: "NodeLost"}}, query.PodWaiting},
		{"NodeLost deleted: Unknown", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: corev1.PodStatus{Phase: corev1.PodRunning, Reason: "NodeLost"}}, query.PodWaiting},
		{"nil states everywhere", corev1.Pod{Spec: twoInit, Status: corev1.PodStatus{InitContainerStatuses: []corev1.ContainerStatus{{}}, ContainerStatuses: []corev1.ContainerStatus{{}}}}, query.PodWaiting},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := c.pod.DeepCopy()
			if want, ok := podReasons[c.name]; ok {
				if got := query.PodReason(&c.pod); got != want {
					t.Errorf("reason = %q, want %q", got, want)
				}
			}
			if got := query.PodStatus(&c.pod); got != c.want {
				t.Errorf("PodStatus = %q, want %q", got, c.want)
			}
			if !equality.Semantic.DeepEqual(before, &c.pod) {
				t.Error("PodStatus mutated the pod")
			}
		})
	}
	if got := query.PodStatus(nil); got != "" {
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
		{"deployment zero", query.DeploymentStatus(&appsv1.Deployment{}), query.StatusStopped},
		{"deployment 0/0", query.DeploymentStatus(dep(0, 0)), query.StatusStopped},
		{"deployment 3/3", query.DeploymentStatus(dep(3, 3)), query.StatusRunning},
		{"deployment 1/3", query.DeploymentStatus(dep(3, 1)), query.StatusUpdating},
		{"deployment 0/3", query.DeploymentStatus(dep(3, 0)), query.StatusUpdating},
		{"deployment 2/0 (scaling down)", query.DeploymentStatus(dep(0, 2)), query.StatusUpdating},
		{"deployment nil", query.DeploymentStatus(nil), ""},
		{"daemonset zero", query.DaemonSetStatus(&appsv1.DaemonSet{}), query.StatusStopped},
		{"daemonset 2/2", query.DaemonSetStatus(ds(2, 2)), query.StatusRunning},
		{"daemonset 1/2", query.DaemonSetStatus(ds(2, 1)), query.StatusUpdating},
		{"daemonset 0/2", query.DaemonSetStatus(ds(2, 0)), query.StatusUpdating},
		{"daemonset nil", query.DaemonSetStatus(nil), ""},
		{"statefulset zero (nil replicas)", query.StatefulSetStatus(&appsv1.StatefulSet{}), query.StatusStopped},
		{"statefulset nil replicas, ready 2", query.StatefulSetStatus(sts(nil, 2)), query.StatusStopped},
		{"statefulset 0/0", query.StatefulSetStatus(sts(ptr.To[int32](0), 0)), query.StatusStopped},
		{"statefulset 3/3", query.StatefulSetStatus(sts(ptr.To[int32](3), 3)), query.StatusRunning},
		{"statefulset 1/3", query.StatefulSetStatus(sts(ptr.To[int32](3), 1)), query.StatusUpdating},
		{"statefulset 2/0", query.StatefulSetStatus(sts(ptr.To[int32](0), 2)), query.StatusUpdating},
		{"statefulset nil", query.StatefulSetStatus(nil), ""},
		{"cronjob zero", query.CronJobStatus(&batchv1.CronJob{}), query.CronJobRunning},
		{"cronjob suspend false", query.CronJobStatus(&batchv1.CronJob{Spec: batchv1.CronJobSpec{Suspend: ptr.To(false)}}), query.CronJobRunning},
		{"cronjob suspended", query.CronJobStatus(&batchv1.CronJob{Spec: batchv1.CronJobSpec{Suspend: ptr.To(true)}}), query.CronJobPaused},
		{"cronjob nil", query.CronJobStatus(nil), ""},
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
		{"no conditions", nil, query.JobRunning},
		{"complete", []batchv1.JobCondition{jobCond(batchv1.JobComplete, corev1.ConditionTrue, t0)}, query.JobCompleted},
		{"failed", []batchv1.JobCondition{jobCond(batchv1.JobFailed, corev1.ConditionTrue, t0)}, query.JobFailed},
		{"complete false", []batchv1.JobCondition{jobCond(batchv1.JobComplete, corev1.ConditionFalse, t0)}, query.JobRunning},
		{"suspended", []batchv1.JobCondition{jobCond(batchv1.JobSuspended, corev1.ConditionTrue, t0)}, query.JobRunning},
		{"success criteria met only", []batchv1.JobCondition{jobCond(batchv1.JobSuccessCriteriaMet, corev1.ConditionTrue, t0)}, query.JobRunning},
		{"failure target only", []batchv1.JobCondition{jobCond(batchv1.JobFailureTarget, corev1.ConditionTrue, t0)}, query.JobRunning},
		{"first true condition wins: failed", []batchv1.JobCondition{
			jobCond(batchv1.JobComplete, corev1.ConditionFalse, t0), jobCond(batchv1.JobFailed, corev1.ConditionTrue, t0), jobCond(batchv1.JobComplete, corev1.ConditionTrue, t0)}, query.JobFailed},
		{"first true condition wins: completed", []batchv1.JobCondition{
			jobCond(batchv1.JobSuccessCriteriaMet, corev1.ConditionTrue, t0), jobCond(batchv1.JobComplete, corev1.ConditionTrue, t0), jobCond(batchv1.JobFailed, corev1.ConditionTrue, t0)}, query.JobCompleted},
	}
	for _, c := range cases {
		if got := query.JobStatus(&batchv1.Job{Status: batchv1.JobStatus{Conditions: c.conds}}); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if got := query.JobStatus(nil); got != "" {
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
		{"deployment zero", query.DeploymentUpdateTime(&appsv1.Deployment{}), time.Time{}},
		{"deployment nil", query.DeploymentUpdateTime(nil), time.Time{}},
		{"deployment no conditions", query.DeploymentUpdateTime(&appsv1.Deployment{ObjectMeta: created}), t0},
		{"deployment latest lastUpdateTime", query.DeploymentUpdateTime(&appsv1.Deployment{ObjectMeta: created, Status: appsv1.DeploymentStatus{
			Conditions: []appsv1.DeploymentCondition{depCond(t0.Add(2 * time.Minute)), depCond(t0.Add(5 * time.Minute)), depCond(t0.Add(time.Minute))}}}), t0.Add(5 * time.Minute)},
		{"deployment conditions older than creation", query.DeploymentUpdateTime(&appsv1.Deployment{ObjectMeta: created, Status: appsv1.DeploymentStatus{
			Conditions: []appsv1.DeploymentCondition{depCond(t0.Add(-time.Minute)), {}}}}), t0},
		{"job zero", query.JobUpdateTime(&batchv1.Job{}), time.Time{}},
		{"job nil", query.JobUpdateTime(nil), time.Time{}},
		{"job no conditions", query.JobUpdateTime(&batchv1.Job{ObjectMeta: created}), t0},
		{"job latest lastTransitionTime", query.JobUpdateTime(&batchv1.Job{ObjectMeta: created, Status: batchv1.JobStatus{Conditions: []batchv1.JobCondition{
			jobCond(batchv1.JobComplete, corev1.ConditionTrue, t0.Add(3*time.Second)), jobCond(batchv1.JobFailed, corev1.ConditionFalse, t0.Add(time.Second))}}}), t0.Add(3 * time.Second)},
		{"cronjob never scheduled", query.CronJobLastScheduleTime(&batchv1.CronJob{ObjectMeta: created}), time.Time{}},
		{"cronjob scheduled", query.CronJobLastScheduleTime(&batchv1.CronJob{Status: batchv1.CronJobStatus{LastScheduleTime: ptr.To(metav1.NewTime(t0))}}), t0},
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
		{"zero", false, nil, query.NodeRunning},
		{"healthy", false, healthy, query.NodeRunning},
		{"unknown condition type ignored", false, with(cond("FrequentKubeletRestart", corev1.ConditionTrue)), query.NodeRunning},
		{"not ready", false, with(cond(corev1.NodeReady, corev1.ConditionFalse)), query.NodeWarning},
		{"ready unknown", false, []corev1.NodeCondition{cond(corev1.NodeReady, corev1.ConditionUnknown)}, query.NodeWarning},
		{"memory pressure", false, with(cond(corev1.NodeMemoryPressure, corev1.ConditionTrue)), query.NodeWarning},
		{"disk pressure", false, []corev1.NodeCondition{cond(corev1.NodeDiskPressure, corev1.ConditionTrue)}, query.NodeWarning},
		{"pid pressure", false, []corev1.NodeCondition{cond(corev1.NodePIDPressure, corev1.ConditionTrue)}, query.NodeWarning},
		{"network unavailable", false, []corev1.NodeCondition{cond(corev1.NodeNetworkUnavailable, corev1.ConditionTrue)}, query.NodeWarning},
		{"ConfigOK false", false, []corev1.NodeCondition{cond("ConfigOK", corev1.ConditionFalse)}, query.NodeWarning},
		{"KubeletReady false", false, []corev1.NodeCondition{cond("KubeletReady", corev1.ConditionFalse)}, query.NodeWarning},
		{"unschedulable wins over warning", true, with(cond(corev1.NodeReady, corev1.ConditionFalse)), query.NodeUnschedulable},
		{"unschedulable healthy", true, healthy, query.NodeUnschedulable},
	}
	for _, c := range cases {
		n := &corev1.Node{Spec: corev1.NodeSpec{Unschedulable: c.unschedulable}, Status: corev1.NodeStatus{Conditions: c.conds}}
		if got := query.NodeStatus(n); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if got := query.NodeStatus(nil); got != "" {
		t.Errorf("NodeStatus(nil) = %q", got)
	}
}
