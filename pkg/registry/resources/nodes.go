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

func nodes() mirror.Resource {
	return mirror.Resource{
		Name: "nodes", SingularName: "node", Kind: "Node",
		Upstream: corev1.SchemeGroupVersion.WithResource("nodes"),
		New:      func() runtime.Object { return &resources.Node{} },
		NewList:  func() runtime.Object { return &resources.NodeList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*corev1.Node)
			return &resources.Node{ObjectMeta: u.ObjectMeta, Spec: u.Spec, Status: u.Status}
		},
		Fields: mirror.FieldsOf(func(p *corev1.Node) fields.Set {
			return fields.Set{"spec.unschedulable": strconv.FormatBool(p.Spec.Unschedulable)}
		}),
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.Node)
			return &corev1.Node{ObjectMeta: s.ObjectMeta, Spec: s.Spec, Status: s.Status}
		},
		Query: query.Type{
			Filters: map[string]query.Filter{
				"status": {Values: kubesphere.NodeStatuses, Attr: query.AttrOf(kubesphere.NodeStatus)},
			},
			Decorate: query.DecorateOf(func(n *corev1.Node, env query.Env) *corev1.Node {
				// Totals the pods index keeps per node as pods come and go.
				return kubesphere.NodeWithResourceValues(n, query.GroupSum(env, "pods", kubesphere.PodGroupNode, n.Name, podResourceValues))
			}),
			DecorateReads: []query.Read{{Resource: "pods", AllNamespaces: true}},
		},
	}
}
