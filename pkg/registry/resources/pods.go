package resources

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/kubesphere"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func pods() mirror.Resource {
	return mirror.Resource{
		Name: "pods", SingularName: "pod", Kind: "Pod", Namespaced: true,
		Upstream: corev1.SchemeGroupVersion.WithResource("pods"),
		New:      func() runtime.Object { return &resources.Pod{} },
		NewList:  func() runtime.Object { return &resources.PodList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*corev1.Pod)
			return &resources.Pod{ObjectMeta: u.ObjectMeta, Spec: u.Spec, Status: u.Status}
		},
		Fields: mirror.FieldsOf(func(p *corev1.Pod) fields.Set {
			return fields.Set{
				"spec.nodeName":            p.Spec.NodeName,
				"spec.restartPolicy":       string(p.Spec.RestartPolicy),
				"spec.schedulerName":       p.Spec.SchedulerName,
				"spec.serviceAccountName":  p.Spec.ServiceAccountName,
				"spec.hostNetwork":         strconv.FormatBool(p.Spec.HostNetwork),
				"status.phase":             string(p.Status.Phase),
				"status.podIP":             primaryIP(p),
				"status.nominatedNodeName": p.Status.NominatedNodeName,
			}
		}),
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.Pod)
			return &corev1.Pod{ObjectMeta: s.ObjectMeta, Spec: s.Spec, Status: s.Status}
		},
		Query: query.Type{
			Filters: map[string]query.Filter{
				"nodeName":    {Attr: query.AttrOf(func(p *corev1.Pod) string { return p.Spec.NodeName })},
				"pvcName":     {Compile: query.MatchOf(kubesphere.PodMountsPVC)},
				"serviceName": {Compile: kubesphere.CompilePodServiceName, Reads: []query.Read{{Resource: "services"}}},
				"phase":       {Values: kubesphere.PodPhases, Attr: query.AttrOf(func(p *corev1.Pod) string { return string(p.Status.Phase) })},
				"status":      {Values: kubesphere.PodStatuses, Attr: query.AttrOf(kubesphere.PodStatus)},
			},
			Groups: map[string]func(runtime.Object) []string{
				kubesphere.PodGroupNode: query.GroupOf(kubesphere.PodNodeGroup),
				kubesphere.PodGroupPVC:  query.GroupOf(kubesphere.PodPVCGroup),
			},
			Sums: map[string]func(runtime.Object) []int64{kubesphere.PodGroupNode: podResourceValues},
		},
	}
}

// primaryIP is what status.podIP selects on: the first of status.podIPs,
// as kube-apiserver takes it.
func primaryIP(p *corev1.Pod) string {
	if len(p.Status.PodIPs) > 0 {
		return p.Status.PodIPs[0].IP
	}
	return p.Status.PodIP
}

// podResourceValues are what the pods on a node add up to in the node's
// computed annotations.
func podResourceValues(obj runtime.Object) []int64 {
	p, _ := obj.(*corev1.Pod)
	return kubesphere.PodResourceValues(p)
}
