package printers

import (
	"fmt"
	"strings"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxHPATargets is how many metrics TARGETS shows before summarizing.
const maxHPATargets = 2

func init() {
	register(autoscalingv2.SchemeGroupVersion.WithResource("horizontalpodautoscalers"), Table{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			col("Reference", "string", autoscalingv2.HorizontalPodAutoscalerSpec{}.SwaggerDoc()["scaleTargetRef"]),
			col("Targets", "string", autoscalingv2.HorizontalPodAutoscalerSpec{}.SwaggerDoc()["metrics"]),
			col("MinPods", "string", autoscalingv2.HorizontalPodAutoscalerSpec{}.SwaggerDoc()["minReplicas"]),
			col("MaxPods", "string", autoscalingv2.HorizontalPodAutoscalerSpec{}.SwaggerDoc()["maxReplicas"]),
			col("Replicas", "string", autoscalingv2.HorizontalPodAutoscalerStatus{}.SwaggerDoc()["currentReplicas"]),
			ageColumn(),
		},
		Cells: rowOf(hpaRow),
	})
}

func hpaRow(hpa *autoscalingv2.HorizontalPodAutoscaler, now time.Time) []any {
	minPods := "<unset>"
	if hpa.Spec.MinReplicas != nil {
		minPods = fmt.Sprintf("%d", *hpa.Spec.MinReplicas)
	}
	return []any{
		hpa.Name,
		hpa.Spec.ScaleTargetRef.Kind + "/" + hpa.Spec.ScaleTargetRef.Name,
		hpaTargets(hpa.Spec.Metrics, hpa.Status.CurrentMetrics),
		minPods,
		int64(hpa.Spec.MaxReplicas),
		int64(hpa.Status.CurrentReplicas),
		age(hpa.CreationTimestamp, now),
	}
}

// hpaTargets renders each metric as current/target, pairing spec and status
// by position, and summarizes all but the first few as "+ N more...".
func hpaTargets(specs []autoscalingv2.MetricSpec, statuses []autoscalingv2.MetricStatus) string {
	if len(specs) == 0 {
		return "<none>"
	}
	list := make([]string, 0, len(specs))
	for i, spec := range specs {
		var status *autoscalingv2.MetricStatus
		if i < len(statuses) {
			status = &statuses[i]
		}
		list = append(list, hpaTarget(spec, status))
	}
	if len(list) <= maxHPATargets {
		return strings.Join(list, ", ")
	}
	return fmt.Sprintf("%s + %d more...", strings.Join(list[:maxHPATargets], ", "), len(list)-maxHPATargets)
}

// hpaTarget renders one metric; status is nil when the HPA has not reported
// it, which shows as <unknown>.
func hpaTarget(spec autoscalingv2.MetricSpec, status *autoscalingv2.MetricStatus) string {
	const unknown = "<unknown>"
	switch spec.Type {
	case autoscalingv2.ExternalMetricSourceType:
		if spec.External == nil {
			break
		}
		var current *autoscalingv2.MetricValueStatus
		if status != nil && status.External != nil {
			current = &status.External.Current
		}
		return valueTarget(spec.External.Target, current)

	case autoscalingv2.ObjectMetricSourceType:
		if spec.Object == nil {
			break
		}
		var current *autoscalingv2.MetricValueStatus
		if status != nil && status.Object != nil {
			current = &status.Object.Current
		}
		return valueTarget(spec.Object.Target, current)

	case autoscalingv2.PodsMetricSourceType:
		if spec.Pods == nil {
			break
		}
		cur := unknown
		if status != nil && status.Pods != nil {
			cur = quantityPtrString(status.Pods.Current.AverageValue)
		}
		return cur + "/" + quantityPtrString(spec.Pods.Target.AverageValue)

	case autoscalingv2.ResourceMetricSourceType:
		if spec.Resource == nil {
			break
		}
		var current *autoscalingv2.MetricValueStatus
		if status != nil && status.Resource != nil {
			current = &status.Resource.Current
		}
		return spec.Resource.Name.String() + ": " + utilizationTarget(spec.Resource.Target, current)

	case autoscalingv2.ContainerResourceMetricSourceType:
		if spec.ContainerResource == nil {
			break
		}
		var current *autoscalingv2.MetricValueStatus
		if status != nil && status.ContainerResource != nil {
			current = &status.ContainerResource.Current
		}
		return spec.ContainerResource.Name.String() + ": " + utilizationTarget(spec.ContainerResource.Target, current)
	}
	// Unknown metric types, and specs missing the source their type names
	// (which validation rejects), cannot be described.
	return "<unknown type>"
}

// valueTarget renders an object or external metric: against an average
// value, suffixed " (avg)", else against a plain value.
func valueTarget(target autoscalingv2.MetricTarget, current *autoscalingv2.MetricValueStatus) string {
	cur := "<unknown>"
	if target.AverageValue != nil {
		if current != nil && current.AverageValue != nil {
			cur = quantityPtrString(current.AverageValue)
		}
		return cur + "/" + quantityPtrString(target.AverageValue) + " (avg)"
	}
	if current != nil {
		cur = quantityPtrString(current.Value)
	}
	return cur + "/" + quantityPtrString(target.Value)
}

// utilizationTarget renders a resource metric: against an average value, or
// else as a utilization percentage (<auto> when no target is set).
func utilizationTarget(target autoscalingv2.MetricTarget, current *autoscalingv2.MetricValueStatus) string {
	cur := "<unknown>"
	if target.AverageValue != nil {
		if current != nil {
			cur = quantityPtrString(current.AverageValue)
		}
		return cur + "/" + quantityPtrString(target.AverageValue)
	}
	if current != nil && current.AverageUtilization != nil {
		cur = fmt.Sprintf("%d%%", *current.AverageUtilization)
	}
	want := "<auto>"
	if target.AverageUtilization != nil {
		want = fmt.Sprintf("%d%%", *target.AverageUtilization)
	}
	return cur + "/" + want
}

// quantityPtrString renders an optional quantity the way Quantity.String
// does for a nil pointer ("<nil>"), without mutating the object.
func quantityPtrString(q *resource.Quantity) string {
	if q == nil {
		return "<nil>"
	}
	return quantityString(*q)
}
