package printers

import (
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func init() {
	apps := appsv1.SchemeGroupVersion

	register(apps.WithResource("deployments"), Table{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			col("Ready", "string", "Number of the pod with ready state"),
			col("Up-to-date", "string", appsv1.DeploymentStatus{}.SwaggerDoc()["updatedReplicas"]),
			col("Available", "string", appsv1.DeploymentStatus{}.SwaggerDoc()["availableReplicas"]),
			ageColumn(),
			wideCol("Containers", "string", containersDescription),
			wideCol("Images", "string", imagesDescription),
			wideCol("Selector", "string", appsv1.DeploymentSpec{}.SwaggerDoc()["selector"]),
		},
		Cells: rowOf(deploymentRow),
	})

	register(apps.WithResource("statefulsets"), Table{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			col("Ready", "string", "Number of the pod with ready state"),
			ageColumn(),
			wideCol("Containers", "string", containersDescription),
			wideCol("Images", "string", imagesDescription),
		},
		Cells: rowOf(func(ss *appsv1.StatefulSet, now time.Time) []any {
			names, images := containerCells(ss.Spec.Template.Spec.Containers)
			return []any{
				ss.Name,
				fmt.Sprintf("%d/%d", ss.Status.ReadyReplicas, replicas(ss.Spec.Replicas)),
				age(ss.CreationTimestamp, now),
				names,
				images,
			}
		}),
	})

	register(apps.WithResource("daemonsets"), Table{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			col("Desired", "integer", appsv1.DaemonSetStatus{}.SwaggerDoc()["desiredNumberScheduled"]),
			col("Current", "integer", appsv1.DaemonSetStatus{}.SwaggerDoc()["currentNumberScheduled"]),
			col("Ready", "integer", appsv1.DaemonSetStatus{}.SwaggerDoc()["numberReady"]),
			col("Up-to-date", "integer", appsv1.DaemonSetStatus{}.SwaggerDoc()["updatedNumberScheduled"]),
			col("Available", "integer", appsv1.DaemonSetStatus{}.SwaggerDoc()["numberAvailable"]),
			col("Node Selector", "string", corev1.PodSpec{}.SwaggerDoc()["nodeSelector"]),
			ageColumn(),
			wideCol("Containers", "string", containersDescription),
			wideCol("Images", "string", imagesDescription),
			wideCol("Selector", "string", appsv1.DaemonSetSpec{}.SwaggerDoc()["selector"]),
		},
		Cells: rowOf(func(ds *appsv1.DaemonSet, now time.Time) []any {
			names, images := containerCells(ds.Spec.Template.Spec.Containers)
			return []any{
				ds.Name,
				int64(ds.Status.DesiredNumberScheduled),
				int64(ds.Status.CurrentNumberScheduled),
				int64(ds.Status.NumberReady),
				int64(ds.Status.UpdatedNumberScheduled),
				int64(ds.Status.NumberAvailable),
				labels.FormatLabels(ds.Spec.Template.Spec.NodeSelector),
				age(ds.CreationTimestamp, now),
				names,
				images,
				metav1.FormatLabelSelector(ds.Spec.Selector),
			}
		}),
	})

	register(apps.WithResource("replicasets"), Table{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			col("Desired", "integer", appsv1.ReplicaSetSpec{}.SwaggerDoc()["replicas"]),
			col("Current", "integer", appsv1.ReplicaSetStatus{}.SwaggerDoc()["replicas"]),
			col("Ready", "integer", appsv1.ReplicaSetStatus{}.SwaggerDoc()["readyReplicas"]),
			ageColumn(),
			wideCol("Containers", "string", containersDescription),
			wideCol("Images", "string", imagesDescription),
			wideCol("Selector", "string", appsv1.ReplicaSetSpec{}.SwaggerDoc()["selector"]),
		},
		Cells: rowOf(func(rs *appsv1.ReplicaSet, now time.Time) []any {
			names, images := containerCells(rs.Spec.Template.Spec.Containers)
			return []any{
				rs.Name,
				int64(replicas(rs.Spec.Replicas)),
				int64(rs.Status.Replicas),
				int64(rs.Status.ReadyReplicas),
				age(rs.CreationTimestamp, now),
				names,
				images,
				metav1.FormatLabelSelector(rs.Spec.Selector),
			}
		}),
	})
}

func deploymentRow(d *appsv1.Deployment, now time.Time) []any {
	// Unlike the other workloads, a deployment's selector is printed
	// without the <none> placeholder, and <invalid> when it cannot parse.
	selector := "<invalid>"
	if sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err == nil {
		selector = sel.String()
	}
	names, images := containerCells(d.Spec.Template.Spec.Containers)
	return []any{
		d.Name,
		fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, replicas(d.Spec.Replicas)),
		int64(d.Status.UpdatedReplicas),
		int64(d.Status.AvailableReplicas),
		age(d.CreationTimestamp, now),
		names,
		images,
		selector,
	}
}

// replicas reads a desired replica count; an unset one prints as 0, as it
// does once kube-apiserver converts the object to its internal form.
func replicas(r *int32) int32 {
	if r == nil {
		return 0
	}
	return *r
}

// containerCells renders the CONTAINERS and IMAGES cells of a pod template:
// names and images, comma separated, in declaration order.
func containerCells(containers []corev1.Container) (names, images string) {
	n := make([]string, len(containers))
	i := make([]string, len(containers))
	for k, c := range containers {
		n[k], i[k] = c.Name, c.Image
	}
	return strings.Join(n, ","), strings.Join(i, ",")
}
