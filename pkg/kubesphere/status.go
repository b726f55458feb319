package kubesphere

import (
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// Values of the workload status filters (deployments, daemonsets,
// statefulsets) in KubeSphere 3.3.
const (
	StatusRunning  = "running"
	StatusUpdating = "updating"
	StatusStopped  = "stopped"
)

// WorkloadStatuses is the vocabulary of the workloads' status filter.
var WorkloadStatuses = []string{StatusRunning, StatusUpdating, StatusStopped}

// Values of the jobs' status filter and sort key.
const (
	JobCompleted = "completed"
	JobFailed    = "failed"
	JobRunning   = "running"
)

// JobStatuses is the vocabulary of the jobs' status filter.
var JobStatuses = []string{JobCompleted, JobFailed, JobRunning}

// Values of the cronjobs' status filter.
const (
	CronJobPaused  = "paused"
	CronJobRunning = "running"
)

// CronJobStatuses is the vocabulary of the cronjobs' status filter.
var CronJobStatuses = []string{CronJobPaused, CronJobRunning}

// Values of the nodes' status filter.
const (
	NodeRunning       = "running"
	NodeWarning       = "warning"
	NodeUnschedulable = "unschedulable"
)

// NodeStatuses is the vocabulary of the nodes' status filter.
var NodeStatuses = []string{NodeRunning, NodeWarning, NodeUnschedulable}

// Values of the pods' status filter (KubeSphere's statusType).
const (
	PodWaiting   = "Waiting"
	PodRunning   = "Running"
	PodError     = "Error"
	PodCompleted = "Completed"
)

// PodStatuses is the vocabulary of the pods' status filter.
var PodStatuses = []string{PodWaiting, PodRunning, PodError, PodCompleted}

// PodPhases is the vocabulary of the pods' phase filter.
var PodPhases = []string{
	string(corev1.PodPending), string(corev1.PodRunning), string(corev1.PodSucceeded),
	string(corev1.PodFailed), string(corev1.PodUnknown),
}

// PodStatus is KubeSphere 3.3's pod statusType (podsGetter.getPodStatus,
// modelled on the STATUS column of kubectl get pods): the kubectl reason of
// the pod mapped to Running, Error (Failed, Error, OutOf*), Completed
// (Completed, or Succeeded when every PodReady condition has reason
// PodCompleted) or Waiting (everything else: Pending, Init:*,
// CrashLoopBackOff, Terminating, Unknown, NotReady...). A nil pod is "".
func PodStatus(pod *corev1.Pod) string {
	if pod == nil {
		return ""
	}
	switch reason := podReason(pod); {
	case reason == "Running":
		return PodRunning
	case reason == "Failed", reason == "Error":
		return PodError
	case reason == "Completed":
		return PodCompleted
	case reason == "Succeeded":
		if podReadyReasonsAre(pod.Status.Conditions, "PodCompleted") {
			return PodCompleted
		}
		return PodWaiting
	case strings.HasPrefix(reason, "OutOf"):
		return PodError
	default:
		return PodWaiting
	}
}

// podReason is the reason kubectl prints in the STATUS column, as
// KubeSphere 3.3 computed it (restart counts and sidecar init containers
// aside, which it did not look at).
func podReason(pod *corev1.Pod) string {
	reason := string(pod.Status.Phase)
	if pod.Status.Reason != "" {
		reason = pod.Status.Reason
	}

	initializing := false
	for i, c := range pod.Status.InitContainerStatuses {
		t, w := c.State.Terminated, c.State.Waiting
		switch {
		case t != nil && t.ExitCode == 0:
			continue
		case t != nil:
			switch {
			case t.Reason != "":
				reason = "Init:" + t.Reason
			case t.Signal != 0:
				reason = fmt.Sprintf("Init:Signal:%d", t.Signal)
			default:
				reason = fmt.Sprintf("Init:ExitCode:%d", t.ExitCode)
			}
		case w != nil && w.Reason != "" && w.Reason != "PodInitializing":
			reason = "Init:" + w.Reason
		default:
			reason = fmt.Sprintf("Init:%d/%d", i, len(pod.Spec.InitContainers))
		}
		initializing = true
		break
	}

	if !initializing {
		hasRunning := false
		for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
			c := pod.Status.ContainerStatuses[i]
			t, w := c.State.Terminated, c.State.Waiting
			switch {
			case w != nil && w.Reason != "":
				reason = w.Reason
			case t != nil && t.Reason != "":
				reason = t.Reason
			case t != nil && t.Signal != 0:
				reason = fmt.Sprintf("Signal:%d", t.Signal)
			case t != nil:
				reason = fmt.Sprintf("ExitCode:%d", t.ExitCode)
			case c.Ready && c.State.Running != nil:
				hasRunning = true
			}
		}
		// A pod whose last container completed while another still runs
		// is running (or not ready).
		if reason == "Completed" && hasRunning {
			if podReady(pod.Status.Conditions) {
				reason = "Running"
			} else {
				reason = "NotReady"
			}
		}
	}

	if pod.DeletionTimestamp != nil {
		if pod.Status.Reason == "NodeLost" {
			reason = "Unknown"
		} else {
			reason = "Terminating"
		}
	}
	return reason
}

func podReady(conds []corev1.PodCondition) bool {
	for _, c := range conds {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// podReadyReasonsAre is true when every PodReady condition has the reason
// (vacuously true without one).
func podReadyReasonsAre(conds []corev1.PodCondition, reason string) bool {
	for _, c := range conds {
		if c.Type == corev1.PodReady && c.Reason != reason {
			return false
		}
	}
	return true
}

// workloadStatus is KubeSphere 3.3's running/updating/stopped rule over a
// desired and a ready count.
func workloadStatus(desired, ready int32) string {
	switch {
	case desired == 0 && ready == 0:
		return StatusStopped
	case desired == ready:
		return StatusRunning
	default:
		return StatusUpdating
	}
}

// DeploymentStatus is KubeSphere 3.3's deployment status: stopped when
// status.readyReplicas and status.replicas are both 0, running when they are
// equal, updating otherwise. It reads status.replicas (the pods that exist),
// not spec.replicas, as KubeSphere does. A nil deployment is "".
func DeploymentStatus(d *appsv1.Deployment) string {
	if d == nil {
		return ""
	}
	return workloadStatus(d.Status.Replicas, d.Status.ReadyReplicas)
}

// DaemonSetStatus is KubeSphere 3.3's daemonset status: stopped when
// status.desiredNumberScheduled and status.numberReady are both 0, running
// when they are equal, updating otherwise. A nil daemonset is "".
func DaemonSetStatus(ds *appsv1.DaemonSet) string {
	if ds == nil {
		return ""
	}
	return workloadStatus(ds.Status.DesiredNumberScheduled, ds.Status.NumberReady)
}

// StatefulSetStatus is KubeSphere 3.3's statefulset status: stopped when
// spec.replicas is nil, or when it and status.readyReplicas are both 0;
// running when they are equal; updating otherwise. A nil statefulset is "".
func StatefulSetStatus(s *appsv1.StatefulSet) string {
	if s == nil {
		return ""
	}
	if s.Spec.Replicas == nil {
		return StatusStopped
	}
	return workloadStatus(*s.Spec.Replicas, s.Status.ReadyReplicas)
}

// JobStatus is KubeSphere 3.3's job status: the first condition that is
// Failed=True or Complete=True, in the order of status.conditions, gives
// failed or completed; otherwise running. (Newer interim conditions,
// FailureTarget and SuccessCriteriaMet, are not looked at, as in
// KubeSphere: the job is running until the controller finishes it.) A nil
// job is "".
func JobStatus(j *batchv1.Job) string {
	if j == nil {
		return ""
	}
	for _, c := range j.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobFailed:
			return JobFailed
		case batchv1.JobComplete:
			return JobCompleted
		}
	}
	return JobRunning
}

// CronJobStatus is KubeSphere 3.3's cronjob status: paused when
// spec.suspend is true, running otherwise. A nil cronjob is "".
func CronJobStatus(c *batchv1.CronJob) string {
	if c == nil {
		return ""
	}
	if c.Spec.Suspend != nil && *c.Spec.Suspend {
		return CronJobPaused
	}
	return CronJobRunning
}

// CronJobLastScheduleTime is the cronjobs' lastScheduleTime sort key of
// KubeSphere 3.3: status.lastScheduleTime, the zero time when unset.
func CronJobLastScheduleTime(c *batchv1.CronJob) time.Time {
	if c == nil || c.Status.LastScheduleTime == nil {
		return time.Time{}
	}
	return c.Status.LastScheduleTime.Time
}

// nodeExpectedConditions are the node conditions KubeSphere 3.3 checks and
// the status each must have for the node to be healthy; other condition
// types are ignored.
var nodeExpectedConditions = map[corev1.NodeConditionType]corev1.ConditionStatus{
	corev1.NodeMemoryPressure:     corev1.ConditionFalse,
	corev1.NodeDiskPressure:       corev1.ConditionFalse,
	corev1.NodePIDPressure:        corev1.ConditionFalse,
	corev1.NodeNetworkUnavailable: corev1.ConditionFalse,
	"ConfigOK":                    corev1.ConditionTrue,
	"KubeletReady":                corev1.ConditionTrue,
	corev1.NodeReady:              corev1.ConditionTrue,
}

// NodeStatus is KubeSphere 3.3's node status: unschedulable when
// spec.unschedulable; warning when a known condition deviates from its
// healthy value (MemoryPressure, DiskPressure, PIDPressure and
// NetworkUnavailable must be False, ConfigOK, KubeletReady and Ready True:
// Unknown deviates too); running otherwise, a node without conditions
// included. A nil node is "".
func NodeStatus(n *corev1.Node) string {
	if n == nil {
		return ""
	}
	if n.Spec.Unschedulable {
		return NodeUnschedulable
	}
	for _, c := range n.Status.Conditions {
		if want, ok := nodeExpectedConditions[c.Type]; ok && c.Status != want {
			return NodeWarning
		}
	}
	return NodeRunning
}

// DeploymentUpdateTime is KubeSphere 3.3's deployment updateTime sort key
// (lastUpdateTime): the latest of metadata.creationTimestamp and every
// status.conditions[].lastUpdateTime.
func DeploymentUpdateTime(d *appsv1.Deployment) time.Time {
	if d == nil {
		return time.Time{}
	}
	t := d.CreationTimestamp.Time
	for _, c := range d.Status.Conditions {
		if c.LastUpdateTime.After(t) {
			t = c.LastUpdateTime.Time
		}
	}
	return t
}

// JobUpdateTime is KubeSphere 3.3's job updateTime sort key: the latest of
// metadata.creationTimestamp and every status.conditions[].lastTransitionTime.
func JobUpdateTime(j *batchv1.Job) time.Time {
	if j == nil {
		return time.Time{}
	}
	t := j.CreationTimestamp.Time
	for _, c := range j.Status.Conditions {
		if c.LastTransitionTime.After(t) {
			t = c.LastTransitionTime.Time
		}
	}
	return t
}
