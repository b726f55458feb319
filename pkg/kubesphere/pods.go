package kubesphere

import (
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/query"
)

// Group names of pods, kept up to date by the pods' index.
const (
	// PodGroupNode puts each pod that has not terminated under its
	// spec.nodeName: the pods whose requests a node's annotations sum.
	PodGroupNode = "node"
	// PodGroupPVC puts each pod under "<namespace>/<claimName>" of every
	// PVC it mounts: what a PVC's in-use annotation reads.
	PodGroupPVC = "pvc"
	// PVCGroupStorageClass puts each PVC under every storage class it
	// names: what a storage class's pvc-count counts.
	PVCGroupStorageClass = "storageClass"
)

// PodNodeGroup is the key of a pod in PodGroupNode: its spec.nodeName, none
// when the pod is unscheduled or has terminated (Succeeded or Failed).
func PodNodeGroup(pod *corev1.Pod) []string {
	if pod == nil || pod.Spec.NodeName == "" || PodTerminated(pod) {
		return nil
	}
	return []string{pod.Spec.NodeName}
}

// PodPVCGroup is the keys of a pod in PodGroupPVC: "<namespace>/<claimName>"
// for every PVC volume.
func PodPVCGroup(pod *corev1.Pod) []string {
	names := PodClaimNames(pod)
	for i, n := range names {
		names[i] = pod.Namespace + "/" + n
	}
	return names
}

// PodMountsPVC is KubeSphere 3.3's pods pvcName filter: some volume of the
// pod is the persistentVolumeClaim claimName.
func PodMountsPVC(pod *corev1.Pod, claimName string) bool {
	if pod == nil {
		return false
	}
	for _, v := range pod.Spec.Volumes {
		if c := v.PersistentVolumeClaim; c != nil && c.ClaimName == claimName {
			return true
		}
	}
	return false
}

// CompilePodServiceName is KubeSphere 3.3's pods serviceName filter
// (podBelongToService): the pods that the Service named value, in the pod's
// namespace, selects with its spec.selector. A missing service, or one with
// an empty selector, matches nothing. The service is read from env's "services" cache for every pod, so
// a long-lived predicate (a watch's) follows changes of the service; its
// parsed selector is reused while the cached service object is the same.
func CompilePodServiceName(value string, env query.Env) (query.Predicate, error) {
	type parsed struct {
		svc runtime.Object
		sel labels.Selector
	}
	var mu sync.Mutex
	memo := map[string]parsed{} // by namespace
	selectorIn := func(ns string) labels.Selector {
		if env == nil {
			return nil
		}
		obj, found := env.Get("services", ns, value)
		if !found {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if p, ok := memo[ns]; ok && p.svc == obj {
			return p.sel
		}
		var sel labels.Selector
		if svc, isSvc := obj.(*corev1.Service); isSvc && svc != nil && len(svc.Spec.Selector) > 0 {
			sel = labels.SelectorFromSet(svc.Spec.Selector)
		}
		memo[ns] = parsed{svc: obj, sel: sel}
		return sel
	}
	return func(it *query.Item) bool {
		pod, ok := it.Object.(*corev1.Pod)
		if !ok || pod == nil {
			return false
		}
		sel := selectorIn(pod.Namespace)
		return sel != nil && sel.Matches(labels.Set(pod.Labels))
	}, nil
}
