package resources

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

func horizontalpodautoscalers() mirror.Resource {
	return mirror.Resource{
		Name: "horizontalpodautoscalers", SingularName: "horizontalpodautoscaler", Kind: "HorizontalPodAutoscaler", Namespaced: true,
		Upstream: autoscalingv2.SchemeGroupVersion.WithResource("horizontalpodautoscalers"),
		New:      func() runtime.Object { return &resources.HorizontalPodAutoscaler{} },
		NewList:  func() runtime.Object { return &resources.HorizontalPodAutoscalerList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			u := obj.(*autoscalingv2.HorizontalPodAutoscaler)
			return &resources.HorizontalPodAutoscaler{ObjectMeta: u.ObjectMeta, Spec: u.Spec, Status: u.Status}
		},
		ToUpstream: func(obj runtime.Object) runtime.Object {
			s := obj.(*resources.HorizontalPodAutoscaler)
			return &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: s.ObjectMeta, Spec: s.Spec, Status: s.Status}
		},
		Query: query.Type{Filters: map[string]query.Filter{
			"targetKind": {Attr: query.AttrOf(func(h *autoscalingv2.HorizontalPodAutoscaler) string { return h.Spec.ScaleTargetRef.Kind })},
			"targetName": {Attr: query.AttrOf(func(h *autoscalingv2.HorizontalPodAutoscaler) string { return h.Spec.ScaleTargetRef.Name })},
		}},
	}
}
