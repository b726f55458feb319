package printers

import (
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// nodeLostReason is the pod status reason the node lifecycle controller sets
// on pods of an unreachable node; such pods print as "Unknown" once deleted.
const nodeLostReason = "NodeLost"

func init() {
	register(corev1.SchemeGroupVersion.WithResource("pods"), Table{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
			col("Status", "string", "The aggregate status of the containers in this pod."),
			col("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
			ageColumn(),
			wideCol("IP", "string", corev1.PodStatus{}.SwaggerDoc()["podIP"]),
			wideCol("Node", "string", corev1.PodSpec{}.SwaggerDoc()["nodeName"]),
			wideCol("Nominated Node", "string", corev1.PodStatus{}.SwaggerDoc()["nominatedNodeName"]),
			wideCol("Readiness Gates", "string", corev1.PodSpec{}.SwaggerDoc()["readinessGates"]),
		},
		Cells: rowOf(podRow),
	})
}

func podRow(pod *corev1.Pod, now time.Time) []any {
	s := summarizePod(pod)

	restarts := strconv.Itoa(s.restarts)
	if s.restarts != 0 && !s.lastRestart.IsZero() {
		restarts = fmt.Sprintf("%d (%s ago)", s.restarts, duration.HumanDuration(now.Sub(s.lastRestart)))
	}

	return []any{
		pod.Name,
		fmt.Sprintf("%d/%d", s.ready, s.total),
		s.status,
		restarts,
		age(pod.CreationTimestamp, now),
		orNone(podIP(pod)),
		orNone(pod.Spec.NodeName),
		orNone(pod.Status.NominatedNodeName),
		readinessGates(pod),
	}
}

// podSummary is what the READY, STATUS and RESTARTS columns are made of.
type podSummary struct {
	ready, total int
	status       string
	restarts     int
	// lastRestart is when the most recent counted restart happened (the
	// last termination of a container), zero when unknown.
	lastRestart time.Time
}

// restartTracker accumulates restart counts and the latest last-termination
// time of a set of containers.
type restartTracker struct {
	count int
	last  time.Time
}

func (r *restartTracker) add(st *corev1.ContainerStatus) {
	r.count += int(st.RestartCount)
	if t := st.LastTerminationState.Terminated; t != nil && r.last.Before(t.FinishedAt.Time) {
		r.last = t.FinishedAt.Time
	}
}

// summarizePod derives READY, STATUS and RESTARTS with kube-apiserver's
// rules: the phase (or status reason) is refined first by the init
// containers, then, once initialization is over, by the app containers, and
// finally by deletion.
func summarizePod(pod *corev1.Pod) podSummary {
	s := podSummary{total: len(pod.Spec.Containers)}

	s.status = string(pod.Status.Phase)
	if pod.Status.Reason != "" {
		s.status = pod.Status.Reason
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonSchedulingGated {
			s.status = corev1.PodReasonSchedulingGated
		}
	}

	// Sidecars (restartable init containers) keep running next to the app
	// containers, so they count towards READY and RESTARTS like them.
	// Statuses find their container by name, the last one of a name winning.
	sidecars := map[string]bool{}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		restartable := c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
		sidecars[c.Name] = restartable
		if restartable {
			s.total++
		}
	}

	// all counts every init container looked at; sidecar only the sidecars,
	// which are all that is left of the init containers once the pod is up.
	var all, sidecar restartTracker
	initializing := false
	for i := range pod.Status.InitContainerStatuses {
		st := &pod.Status.InitContainerStatuses[i]
		all.add(st)
		if sidecars[st.Name] {
			sidecar.add(st)
		}

		term := st.State.Terminated
		switch {
		case term != nil && term.ExitCode == 0:
			continue
		case sidecars[st.Name] && st.Started != nil && *st.Started:
			if st.Ready {
				s.ready++
			}
			continue
		case term != nil:
			switch {
			case term.Reason != "":
				s.status = "Init:" + term.Reason
			case term.Signal != 0:
				s.status = fmt.Sprintf("Init:Signal:%d", term.Signal)
			default:
				s.status = fmt.Sprintf("Init:ExitCode:%d", term.ExitCode)
			}
		case st.State.Waiting != nil && st.State.Waiting.Reason != "" && st.State.Waiting.Reason != "PodInitializing":
			s.status = "Init:" + st.State.Waiting.Reason
		default:
			// The position of the first unfinished init container among
			// all declared ones.
			s.status = fmt.Sprintf("Init:%d/%d", i, len(pod.Spec.InitContainers))
		}
		// The first init container that is neither done nor a started
		// sidecar decides the status; later ones have not run yet.
		initializing = true
		break
	}
	s.restarts, s.lastRestart = all.count, all.last

	// A pod whose Initialized condition is true is past its init containers
	// even if their statuses say otherwise (e.g. after a node restart).
	if !initializing || podConditionTrue(pod, corev1.PodInitialized) {
		apps := sidecar
		hasRunning := false
		errorStatus := ""
		// Walk backwards so that the first container with something to say
		// has the last word.
		for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
			st := &pod.Status.ContainerStatuses[i]
			apps.add(st)
			switch {
			case st.State.Waiting != nil && st.State.Waiting.Reason != "":
				s.status = st.State.Waiting.Reason
			case st.State.Terminated != nil:
				term := st.State.Terminated
				switch {
				case term.Reason != "":
					s.status = term.Reason
				case term.Signal != 0:
					s.status = fmt.Sprintf("Signal:%d", term.Signal)
				default:
					s.status = fmt.Sprintf("ExitCode:%d", term.ExitCode)
				}
				if term.ExitCode != 0 {
					errorStatus = s.status
				}
			case st.Ready && st.State.Running != nil:
				hasRunning = true
				s.ready++
			}
		}
		s.restarts, s.lastRestart = apps.count, apps.last

		// A container that completed must not hide others still running,
		// nor one that failed.
		if s.status == "Completed" {
			switch {
			case hasRunning && anyPodConditionTrue(pod, corev1.PodReady):
				s.status = "Running"
			case errorStatus != "":
				s.status = errorStatus
			case hasRunning:
				s.status = "NotReady"
			}
		}
	}

	if pod.DeletionTimestamp != nil {
		switch {
		case pod.Status.Reason == nodeLostReason:
			s.status = "Unknown"
		case pod.Status.Phase != corev1.PodFailed && pod.Status.Phase != corev1.PodSucceeded:
			s.status = "Terminating"
		}
	}
	return s
}

// podConditionTrue tells whether the first condition of type t is true.
func podConditionTrue(pod *corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// anyPodConditionTrue tells whether some condition of type t is true.
func anyPodConditionTrue(pod *corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// podIP is the pod's primary IP. The singular podIP wins over podIPs, as
// kube-apiserver's defaulting makes it authoritative when both disagree.
func podIP(pod *corev1.Pod) string {
	if pod.Status.PodIP != "" {
		return pod.Status.PodIP
	}
	if len(pod.Status.PodIPs) > 0 {
		return pod.Status.PodIPs[0].IP
	}
	return ""
}

// readinessGates renders "true/declared" readiness gates, or <none>.
func readinessGates(pod *corev1.Pod) string {
	if len(pod.Spec.ReadinessGates) == 0 {
		return "<none>"
	}
	passed := 0
	for _, gate := range pod.Spec.ReadinessGates {
		if podConditionTrue(pod, gate.ConditionType) {
			passed++
		}
	}
	return fmt.Sprintf("%d/%d", passed, len(pod.Spec.ReadinessGates))
}

// orNone renders an empty value as <none>.
func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
