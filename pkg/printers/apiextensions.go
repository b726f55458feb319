package printers

import (
	"sort"
	"strings"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func init() {
	// The columns of apiextensions-apiserver's own CRD table convertor.
	register(apiextensionsv1.SchemeGroupVersion.WithResource("customresourcedefinitions"), Table{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			col("Scope", "string", "Cluster/Namespaced"),
			col("Versions", "string", "Served versions"),
			col("Created At", "date", objectMetaDocs["creationTimestamp"]),
			wideCol("Group", "string", "API group"),
			wideCol("Kind", "string", "CustomResource kind"),
			wideCol("ShortNames", "string", "Short names"),
			wideCol("Established", "boolean", "Established status"),
		},
		Cells: rowOf(crdRow),
	})
}

func crdRow(crd *apiextensionsv1.CustomResourceDefinition, _ time.Time) []any {
	return []any{
		crd.Name,
		string(crd.Spec.Scope),
		crdVersions(crd),
		createdAt(crd.CreationTimestamp),
		crd.Spec.Group,
		crd.Spec.Names.Kind,
		strings.Join(crd.Spec.Names.ShortNames, ","),
		crdEstablished(crd),
	}
}

// crdVersions lists the served versions, sorted as strings, marking the
// storage version with "(storage)".
func crdVersions(crd *apiextensionsv1.CustomResourceDefinition) string {
	var versions []string
	for _, v := range crd.Spec.Versions {
		if !v.Served {
			continue
		}
		label := v.Name
		if v.Storage {
			label += "(storage)"
		}
		versions = append(versions, label)
	}
	sort.Strings(versions)
	return strings.Join(versions, ",")
}

func crdEstablished(crd *apiextensionsv1.CustomResourceDefinition) bool {
	for _, c := range crd.Status.Conditions {
		if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
			return true
		}
	}
	return false
}
