package printers

import (
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Container states, as the kubelet reports them.

func running() corev1.ContainerState {
	return corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ago(time.Hour)}}
}

func waiting(reason string) corev1.ContainerState {
	return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}
}

func terminated(reason string, exitCode, signal int32) corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		Reason: reason, ExitCode: exitCode, Signal: signal, FinishedAt: ago(time.Minute),
	}}
}

// status is a container status; restarts > 0 come with a last termination
// lastExit before now.
func status(name string, state corev1.ContainerState, ready bool, restarts int32, lastExit time.Duration) corev1.ContainerStatus {
	st := corev1.ContainerStatus{Name: name, State: state, Ready: ready, RestartCount: restarts, Started: ptr.To(state.Running != nil)}
	if restarts > 0 {
		st.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 1, FinishedAt: ago(lastExit)}
	}
	return st
}

func containers(names ...string) []corev1.Container {
	var cs []corev1.Container
	for _, n := range names {
		cs = append(cs, corev1.Container{Name: n, Image: "registry.k8s.io/" + n + ":1.0"})
	}
	return cs
}

func sidecar(name string) corev1.Container {
	return corev1.Container{Name: name, Image: "registry.k8s.io/" + name + ":1.0", RestartPolicy: ptr.To(corev1.ContainerRestartPolicyAlways)}
}

func condition(t corev1.PodConditionType, s corev1.ConditionStatus) corev1.PodCondition {
	return corev1.PodCondition{Type: t, Status: s}
}

// podCells prints pod through the pods table.
func podCells(t *testing.T, pod *corev1.Pod) []any {
	t.Helper()
	table, ok := For(corev1.SchemeGroupVersion.WithResource("pods"))
	if !ok {
		t.Fatal("no pods table")
	}
	row, err := table.Cells(pod, now)
	if err != nil {
		t.Fatal(err)
	}
	return row
}

// TestPodStatus covers the READY, STATUS and RESTARTS rules.
func TestPodStatus(t *testing.T) {
	type want struct{ ready, status, restarts string }
	cases := []struct {
		name string
		pod  corev1.Pod
		want want
	}{
		{
			name: "running and ready",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{Containers: containers("app", "proxy")},
				Status: corev1.PodStatus{
					Phase:      corev1.PodRunning,
					Conditions: []corev1.PodCondition{condition(corev1.PodReady, corev1.ConditionTrue)},
					ContainerStatuses: []corev1.ContainerStatus{
						status("app", running(), true, 0, 0),
						status("proxy", running(), true, 0, 0),
					},
				},
			},
			want: want{"2/2", "Running", "0"},
		},
		{
			name: "running, one container not ready",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{Containers: containers("app", "proxy")},
				Status: corev1.PodStatus{
					Phase: corev1.PodRunning,
					ContainerStatuses: []corev1.ContainerStatus{
						status("app", running(), true, 0, 0),
						status("proxy", running(), false, 0, 0),
					},
				},
			},
			want: want{"1/2", "Running", "0"},
		},
		{
			name: "pending, not scheduled yet",
			pod: corev1.Pod{
				Spec:   corev1.PodSpec{Containers: containers("app")},
				Status: corev1.PodStatus{Phase: corev1.PodPending},
			},
			want: want{"0/1", "Pending", "0"},
		},
		{
			name: "scheduling gated",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{Containers: containers("app"), SchedulingGates: []corev1.PodSchedulingGate{{Name: "example.com/quota"}}},
				Status: corev1.PodStatus{
					Phase: corev1.PodPending,
					Conditions: []corev1.PodCondition{{
						Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonSchedulingGated,
					}},
				},
			},
			want: want{"0/1", "SchedulingGated", "0"},
		},
		{
			name: "container creating",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:             corev1.PodPending,
					ContainerStatuses: []corev1.ContainerStatus{status("app", waiting("ContainerCreating"), false, 0, 0)},
				},
			},
			want: want{"0/1", "ContainerCreating", "0"},
		},
		{
			name: "init containers: second one running",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{InitContainers: containers("migrate", "seed"), Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase: corev1.PodPending,
					InitContainerStatuses: []corev1.ContainerStatus{
						status("migrate", terminated("Completed", 0, 0), false, 0, 0),
						status("seed", running(), false, 0, 0),
					},
					ContainerStatuses: []corev1.ContainerStatus{status("app", waiting("PodInitializing"), false, 0, 0)},
				},
			},
			want: want{"0/1", "Init:1/2", "0"},
		},
		{
			name: "init container waiting on PodInitializing",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{InitContainers: containers("migrate"), Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:                 corev1.PodPending,
					InitContainerStatuses: []corev1.ContainerStatus{status("migrate", waiting("PodInitializing"), false, 0, 0)},
				},
			},
			want: want{"0/1", "Init:0/1", "0"},
		},
		{
			name: "init container crash looping",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{InitContainers: containers("migrate"), Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:                 corev1.PodPending,
					InitContainerStatuses: []corev1.ContainerStatus{status("migrate", waiting("CrashLoopBackOff"), false, 4, 2*time.Minute)},
					ContainerStatuses:     []corev1.ContainerStatus{status("app", waiting("PodInitializing"), false, 0, 0)},
				},
			},
			want: want{"0/1", "Init:CrashLoopBackOff", "4 (2m ago)"},
		},
		{
			name: "init container failed with a reason",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{InitContainers: containers("migrate"), Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:                 corev1.PodFailed,
					InitContainerStatuses: []corev1.ContainerStatus{status("migrate", terminated("Error", 1, 0), false, 0, 0)},
				},
			},
			want: want{"0/1", "Init:Error", "0"},
		},
		{
			name: "init container failed with an exit code only",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{InitContainers: containers("migrate"), Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:                 corev1.PodPending,
					InitContainerStatuses: []corev1.ContainerStatus{status("migrate", terminated("", 3, 0), false, 0, 0)},
				},
			},
			want: want{"0/1", "Init:ExitCode:3", "0"},
		},
		{
			name: "init container killed by a signal",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{InitContainers: containers("migrate"), Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:                 corev1.PodPending,
					InitContainerStatuses: []corev1.ContainerStatus{status("migrate", terminated("", 137, 9), false, 0, 0)},
				},
			},
			want: want{"0/1", "Init:Signal:9", "0"},
		},
		{
			name: "crash loop with restart age",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:             corev1.PodRunning,
					ContainerStatuses: []corev1.ContainerStatus{status("app", waiting("CrashLoopBackOff"), false, 7, 45*time.Second)},
				},
			},
			want: want{"0/1", "CrashLoopBackOff", "7 (45s ago)"},
		},
		{
			name: "restarts without a last termination time",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:             corev1.PodRunning,
					ContainerStatuses: []corev1.ContainerStatus{{Name: "app", State: running(), Ready: true, RestartCount: 2}},
				},
			},
			want: want{"1/1", "Running", "2"},
		},
		{
			name: "restarts add up, the latest termination counts",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{Containers: containers("app", "proxy")},
				Status: corev1.PodStatus{
					Phase: corev1.PodRunning,
					ContainerStatuses: []corev1.ContainerStatus{
						status("app", running(), true, 3, 3*time.Hour),
						status("proxy", running(), true, 1, 90*time.Minute),
					},
				},
			},
			want: want{"2/2", "Running", "4 (90m ago)"},
		},
		{
			name: "completed",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{Containers: containers("job")},
				Status: corev1.PodStatus{
					Phase:             corev1.PodSucceeded,
					ContainerStatuses: []corev1.ContainerStatus{status("job", terminated("Completed", 0, 0), false, 0, 0)},
				},
			},
			want: want{"0/1", "Completed", "0"},
		},
		{
			name: "one container completed, the other running and pod ready",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{Containers: containers("app", "setup")},
				Status: corev1.PodStatus{
					Phase:      corev1.PodRunning,
					Conditions: []corev1.PodCondition{condition(corev1.PodReady, corev1.ConditionTrue)},
					ContainerStatuses: []corev1.ContainerStatus{
						status("app", running(), true, 0, 0),
						status("setup", terminated("Completed", 0, 0), false, 0, 0),
					},
				},
			},
			want: want{"1/2", "Running", "0"},
		},
		{
			name: "one container completed, the other running but pod not ready",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{Containers: containers("app", "setup")},
				Status: corev1.PodStatus{
					Phase:      corev1.PodRunning,
					Conditions: []corev1.PodCondition{condition(corev1.PodReady, corev1.ConditionFalse)},
					ContainerStatuses: []corev1.ContainerStatus{
						status("app", running(), true, 0, 0),
						status("setup", terminated("Completed", 0, 0), false, 0, 0),
					},
				},
			},
			want: want{"1/2", "NotReady", "0"},
		},
		{
			name: "one container completed, another failed",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{Containers: containers("a", "b")},
				Status: corev1.PodStatus{
					Phase: corev1.PodFailed,
					ContainerStatuses: []corev1.ContainerStatus{
						status("a", terminated("Completed", 0, 0), false, 0, 0),
						status("b", terminated("Error", 2, 0), false, 0, 0),
					},
				},
			},
			want: want{"0/2", "Error", "0"},
		},
		{
			name: "failed",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:             corev1.PodFailed,
					ContainerStatuses: []corev1.ContainerStatus{status("app", terminated("Error", 1, 0), false, 0, 0)},
				},
			},
			want: want{"0/1", "Error", "0"},
		},
		{
			name: "OOM killed",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:             corev1.PodRunning,
					ContainerStatuses: []corev1.ContainerStatus{status("app", terminated("OOMKilled", 137, 0), false, 1, 5*time.Minute)},
				},
			},
			want: want{"0/1", "OOMKilled", "1 (5m ago)"},
		},
		{
			name: "exit code without a reason",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:             corev1.PodFailed,
					ContainerStatuses: []corev1.ContainerStatus{status("app", terminated("", 42, 0), false, 0, 0)},
				},
			},
			want: want{"0/1", "ExitCode:42", "0"},
		},
		{
			name: "signal without a reason",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:             corev1.PodFailed,
					ContainerStatuses: []corev1.ContainerStatus{status("app", terminated("", 0, 15), false, 0, 0)},
				},
			},
			want: want{"0/1", "Signal:15", "0"},
		},
		{
			name: "the first container has the last word",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{Containers: containers("a", "b")},
				Status: corev1.PodStatus{
					Phase: corev1.PodRunning,
					ContainerStatuses: []corev1.ContainerStatus{
						status("a", waiting("ImagePullBackOff"), false, 0, 0),
						status("b", waiting("CrashLoopBackOff"), false, 0, 0),
					},
				},
			},
			want: want{"0/2", "ImagePullBackOff", "0"},
		},
		{
			name: "evicted",
			pod: corev1.Pod{
				Spec:   corev1.PodSpec{Containers: containers("app")},
				Status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted"},
			},
			want: want{"0/1", "Evicted", "0"},
		},
		{
			name: "terminating",
			pod: corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: agoPtr(10 * time.Second)},
				Spec:       corev1.PodSpec{Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:             corev1.PodRunning,
					ContainerStatuses: []corev1.ContainerStatus{status("app", running(), true, 0, 0)},
				},
			},
			want: want{"1/1", "Terminating", "0"},
		},
		{
			name: "deleted after it completed",
			pod: corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: agoPtr(10 * time.Second)},
				Spec:       corev1.PodSpec{Containers: containers("job")},
				Status: corev1.PodStatus{
					Phase:             corev1.PodSucceeded,
					ContainerStatuses: []corev1.ContainerStatus{status("job", terminated("Completed", 0, 0), false, 0, 0)},
				},
			},
			want: want{"0/1", "Completed", "0"},
		},
		{
			name: "node lost",
			pod: corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: agoPtr(time.Minute)},
				Spec:       corev1.PodSpec{Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:             corev1.PodRunning,
					Reason:            "NodeLost",
					ContainerStatuses: []corev1.ContainerStatus{status("app", running(), true, 0, 0)},
				},
			},
			want: want{"1/1", "Unknown", "0"},
		},
		{
			name: "sidecar running next to the app",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{
					InitContainers: []corev1.Container{containers("migrate")[0], sidecar("mesh")},
					Containers:     containers("app"),
				},
				Status: corev1.PodStatus{
					Phase: corev1.PodRunning,
					Conditions: []corev1.PodCondition{
						condition(corev1.PodInitialized, corev1.ConditionTrue),
						condition(corev1.PodReady, corev1.ConditionTrue),
					},
					InitContainerStatuses: []corev1.ContainerStatus{
						// The finished init container's restarts no longer count.
						func() corev1.ContainerStatus {
							st := status("migrate", terminated("Completed", 0, 0), false, 5, 3*time.Hour)
							st.Started = ptr.To(false)
							return st
						}(),
						status("mesh", running(), true, 2, 10*time.Minute),
					},
					ContainerStatuses: []corev1.ContainerStatus{status("app", running(), true, 1, time.Hour)},
				},
			},
			want: want{"2/2", "Running", "3 (10m ago)"},
		},
		{
			name: "sidecar started but not ready, app still initializing",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{
					InitContainers: []corev1.Container{sidecar("mesh"), containers("migrate")[0]},
					Containers:     containers("app"),
				},
				Status: corev1.PodStatus{
					Phase: corev1.PodPending,
					InitContainerStatuses: []corev1.ContainerStatus{
						status("mesh", running(), false, 0, 0),
						status("migrate", running(), false, 0, 0),
					},
					ContainerStatuses: []corev1.ContainerStatus{status("app", waiting("PodInitializing"), false, 0, 0)},
				},
			},
			want: want{"0/2", "Init:1/2", "0"},
		},
		{
			name: "sidecar not started yet",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{
					InitContainers: []corev1.Container{sidecar("mesh")},
					Containers:     containers("app"),
				},
				Status: corev1.PodStatus{
					Phase:                 corev1.PodPending,
					InitContainerStatuses: []corev1.ContainerStatus{status("mesh", waiting(""), false, 0, 0)},
				},
			},
			want: want{"0/2", "Init:0/1", "0"},
		},
		{
			name: "sidecar crash looping during initialization counts every init restart",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{
					InitContainers: []corev1.Container{containers("migrate")[0], sidecar("mesh")},
					Containers:     containers("app"),
				},
				Status: corev1.PodStatus{
					Phase: corev1.PodPending,
					InitContainerStatuses: []corev1.ContainerStatus{
						status("migrate", terminated("Completed", 0, 0), false, 1, 20*time.Minute),
						status("mesh", waiting("CrashLoopBackOff"), false, 6, time.Minute),
					},
				},
			},
			want: want{"0/2", "Init:CrashLoopBackOff", "7 (60s ago)"},
		},
		{
			// The init status still speaks, but the app containers count.
			name: "initialized pod with a stale init container status",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{InitContainers: containers("migrate"), Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase: corev1.PodRunning,
					Conditions: []corev1.PodCondition{
						condition(corev1.PodInitialized, corev1.ConditionTrue),
						condition(corev1.PodReady, corev1.ConditionTrue),
					},
					InitContainerStatuses: []corev1.ContainerStatus{status("migrate", waiting("PodInitializing"), false, 0, 0)},
					ContainerStatuses:     []corev1.ContainerStatus{status("app", running(), true, 0, 0)},
				},
			},
			want: want{"1/1", "Init:0/1", "0"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pod := c.pod
			pod.Name = "web-0"
			pod.CreationTimestamp = ago(26 * time.Hour)
			row := podCells(t, &pod)
			got := want{row[1].(string), row[2].(string), row[3].(string)}
			if got != c.want {
				t.Errorf("READY, STATUS, RESTARTS = %q, want %q", got, c.want)
			}
			if row[0] != "web-0" || row[4] != "26h" {
				t.Errorf("NAME, AGE = %v, %v", row[0], row[4])
			}
		})
	}
}

// TestPodWideColumns covers IP, NODE, NOMINATED NODE and READINESS GATES.
func TestPodWideColumns(t *testing.T) {
	cases := []struct {
		name string
		pod  corev1.Pod
		want []any
	}{
		{
			name: "unscheduled",
			pod:  corev1.Pod{Spec: corev1.PodSpec{Containers: containers("app")}, Status: corev1.PodStatus{Phase: corev1.PodPending}},
			want: []any{"<none>", "<none>", "<none>", "<none>"},
		},
		{
			name: "scheduled with readiness gates",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{
					Containers: containers("app"),
					NodeName:   "worker-1",
					ReadinessGates: []corev1.PodReadinessGate{
						{ConditionType: "example.com/lb-registered"},
						{ConditionType: "example.com/warm"},
						{ConditionType: "example.com/missing"},
					},
				},
				Status: corev1.PodStatus{
					Phase:  corev1.PodRunning,
					PodIP:  "10.244.1.7",
					PodIPs: []corev1.PodIP{{IP: "10.244.1.7"}, {IP: "fd00::7"}},
					Conditions: []corev1.PodCondition{
						condition("example.com/lb-registered", corev1.ConditionTrue),
						condition("example.com/warm", corev1.ConditionFalse),
					},
				},
			},
			want: []any{"10.244.1.7", "worker-1", "<none>", "1/3"},
		},
		{
			name: "only the IP list set, and a nominated node",
			pod: corev1.Pod{
				Spec: corev1.PodSpec{Containers: containers("app")},
				Status: corev1.PodStatus{
					Phase:             corev1.PodPending,
					PodIPs:            []corev1.PodIP{{IP: "fd00::9"}},
					NominatedNodeName: "worker-2",
				},
			},
			want: []any{"fd00::9", "<none>", "worker-2", "<none>"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			row := podCells(t, &c.pod)
			if got := row[5:]; !reflect.DeepEqual(got, c.want) {
				t.Errorf("wide cells = %q, want %q", got, c.want)
			}
		})
	}
}

// TestPodFullRow checks one whole row, cell types included.
func TestPodFullRow(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: meta("coredns-7db6d8ff4d-x2x4l", 3*24*time.Hour+5*time.Hour),
		Spec:       corev1.PodSpec{Containers: containers("coredns"), NodeName: "cp-1"},
		Status: corev1.PodStatus{
			Phase:             corev1.PodRunning,
			PodIP:             "10.244.0.3",
			Conditions:        []corev1.PodCondition{condition(corev1.PodReady, corev1.ConditionTrue)},
			ContainerStatuses: []corev1.ContainerStatus{status("coredns", running(), true, 1, 2*24*time.Hour)},
		},
	}
	want := []any{"coredns-7db6d8ff4d-x2x4l", "1/1", "Running", "1 (2d ago)", "3d5h", "10.244.0.3", "cp-1", "<none>", "<none>"}
	if got := podCells(t, pod); !reflect.DeepEqual(got, want) {
		t.Errorf("row = %#v\nwant  %#v", got, want)
	}
}
