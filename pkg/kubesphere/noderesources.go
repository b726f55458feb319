package kubesphere

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Annotations KubeSphere 3.3 puts on nodes it serves.
const (
	AnnotationNodeCPURequests            = "node.kubesphere.io/cpu-requests"
	AnnotationNodeCPULimits              = "node.kubesphere.io/cpu-limits"
	AnnotationNodeMemoryRequests         = "node.kubesphere.io/memory-requests"
	AnnotationNodeMemoryLimits           = "node.kubesphere.io/memory-limits"
	AnnotationNodeCPURequestsFraction    = "node.kubesphere.io/cpu-requests-fraction"
	AnnotationNodeCPULimitsFraction      = "node.kubesphere.io/cpu-limits-fraction"
	AnnotationNodeMemoryRequestsFraction = "node.kubesphere.io/memory-requests-fraction"
	AnnotationNodeMemoryLimitsFraction   = "node.kubesphere.io/memory-limits-fraction"
)

// PodTerminated tells whether a pod's phase is Succeeded or Failed: such a
// pod holds no resources on its node.
func PodTerminated(pod *corev1.Pod) bool {
	return pod != nil && (pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed)
}

// PodRequestsAndLimits returns the requests and limits of a pod as the
// scheduler counts them, like k8s.io/kubernetes resourcehelper's
// PodRequestsAndLimits that KubeSphere 3.3 calls: the sum over the
// containers, raised to each init container's value where that is larger,
// plus spec.overhead (added to every request and to the limits the pod has).
// Sidecar init containers (restartPolicy Always), which KubeSphere 3.3's
// Kubernetes did not know, are counted as the current resourcehelper does:
// they run beside the containers, so they add to the sum, and to every init
// container that starts after them. A pod without sidecars gets exactly
// KubeSphere's figures. The lists returned are new; the pod is not mutated.
func PodRequestsAndLimits(pod *corev1.Pod) (reqs, limits corev1.ResourceList) {
	reqs = podResources(pod, func(r corev1.ResourceRequirements) corev1.ResourceList { return r.Requests })
	limits = podResources(pod, func(r corev1.ResourceRequirements) corev1.ResourceList { return r.Limits })
	for name, q := range pod.Spec.Overhead {
		addQuantity(reqs, name, q)
		if _, ok := limits[name]; ok {
			addQuantity(limits, name, q)
		}
	}
	return reqs, limits
}

func podResources(pod *corev1.Pod, of func(corev1.ResourceRequirements) corev1.ResourceList) corev1.ResourceList {
	sum := corev1.ResourceList{}
	for _, c := range pod.Spec.Containers {
		addList(sum, of(c.Resources))
	}
	sidecars := corev1.ResourceList{}
	initMax := corev1.ResourceList{}
	for _, c := range pod.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			addList(sum, of(c.Resources))
			addList(sidecars, of(c.Resources))
			maxList(initMax, sidecars)
			continue
		}
		step := corev1.ResourceList{}
		addList(step, of(c.Resources))
		addList(step, sidecars)
		maxList(initMax, step)
	}
	maxList(sum, initMax)
	return sum
}

func addQuantity(list corev1.ResourceList, name corev1.ResourceName, q resource.Quantity) {
	if v, ok := list[name]; ok {
		v.Add(q)
		list[name] = v
	} else {
		list[name] = q.DeepCopy()
	}
}

func addList(list, add corev1.ResourceList) {
	for name, q := range add {
		addQuantity(list, name, q)
	}
}

func maxList(list, other corev1.ResourceList) {
	for name, q := range other {
		if v, ok := list[name]; !ok || q.Cmp(v) > 0 {
			list[name] = q.DeepCopy()
		}
	}
}

// The values of PodResourceValues: CPU requests and limits in millicores,
// memory requests and limits in bytes, then for each of those four how many
// quantities were written in binary (Ki, Mi, ...) and in decimal notation.
const (
	valCPURequests = iota
	valCPULimits
	valMemoryRequests
	valMemoryLimits
	numValues
	valBinary  = numValues
	valDecimal = 2 * numValues
)

// PodResourceValues are what a node's annotations add up for one pod: the
// figures of PodRequestsAndLimits as numbers, so that the pods index keeps
// running totals per node instead of summing quantities on every request.
func PodResourceValues(pod *corev1.Pod) []int64 {
	vals := make([]int64, 3*numValues)
	if pod == nil {
		return vals
	}
	reqs, limits := PodRequestsAndLimits(pod)
	for i, q := range []struct {
		list  corev1.ResourceList
		name  corev1.ResourceName
		milli bool
	}{
		{reqs, corev1.ResourceCPU, true}, {limits, corev1.ResourceCPU, true},
		{reqs, corev1.ResourceMemory, false}, {limits, corev1.ResourceMemory, false},
	} {
		v, ok := q.list[q.name]
		if !ok {
			continue
		}
		if q.milli {
			vals[i] = v.MilliValue()
		} else {
			vals[i] = v.Value()
		}
		if v.Format == resource.BinarySI {
			vals[valBinary+i]++
		} else {
			vals[valDecimal+i]++
		}
	}
	return vals
}

// NodeWithResourceValues is KubeSphere 3.3's node annotation (nodesGetter's
// annotateNode): a deep copy of node carrying total, the sums of
// PodResourceValues over the pods on it (nil for none), as
// node.kubesphere.io/{cpu,memory}-{requests,limits} (Quantity.String(), "0"
// for none), and each as a share of status.allocatable as
// node.kubesphere.io/{cpu,memory}-{requests,limits}-fraction ("%d%%",
// truncated; "0%" when allocatable is zero; CPU compared in millicores,
// memory in bytes). The node is never mutated. A sum prints in the notation
// most of its pods' quantities used (KubeSphere's printed in the first
// pod's), so "100m" requests add up to "1500m" and "128Mi" to "1920Mi".
//
// The caller sums only pods bound to the node (spec.nodeName) that have not
// terminated (PodTerminated), for a get as for a list: KubeSphere's list did
// so, but its get counted terminated pods too, and annotated nothing at all
// when the cluster had no pod; here every node carries the eight
// annotations.
func NodeWithResourceValues(node *corev1.Node, total []int64) *corev1.Node {
	if node == nil {
		return nil
	}
	if len(total) < 3*numValues {
		total = append(append([]int64(nil), total...), make([]int64, 3*numValues-len(total))...)
	}
	format := func(i int) resource.Format {
		if total[valBinary+i] > total[valDecimal+i] {
			return resource.BinarySI
		}
		return resource.DecimalSI
	}
	cpuReqs := resource.NewMilliQuantity(total[valCPURequests], format(valCPURequests))
	cpuLimits := resource.NewMilliQuantity(total[valCPULimits], format(valCPULimits))
	memReqs := resource.NewQuantity(total[valMemoryRequests], format(valMemoryRequests))
	memLimits := resource.NewQuantity(total[valMemoryLimits], format(valMemoryLimits))
	allocCPU := node.Status.Allocatable[corev1.ResourceCPU]
	allocMem := node.Status.Allocatable[corev1.ResourceMemory]

	out := node.DeepCopy()
	if out.Annotations == nil {
		out.Annotations = make(map[string]string, 8)
	}
	a := out.Annotations
	a[AnnotationNodeCPURequests] = cpuReqs.String()
	a[AnnotationNodeCPULimits] = cpuLimits.String()
	a[AnnotationNodeMemoryRequests] = memReqs.String()
	a[AnnotationNodeMemoryLimits] = memLimits.String()
	a[AnnotationNodeCPURequestsFraction] = fraction(cpuReqs.MilliValue(), allocCPU.MilliValue())
	a[AnnotationNodeCPULimitsFraction] = fraction(cpuLimits.MilliValue(), allocCPU.MilliValue())
	a[AnnotationNodeMemoryRequestsFraction] = fraction(memReqs.Value(), allocMem.Value())
	a[AnnotationNodeMemoryLimitsFraction] = fraction(memLimits.Value(), allocMem.Value())
	return out
}

// fraction is used/total as KubeSphere prints it: a float percentage
// truncated to an int, "0%" when total is 0.
func fraction(used, total int64) string {
	if total == 0 {
		return "0%"
	}
	return fmt.Sprintf("%d%%", int(float64(used)/float64(total)*100))
}
