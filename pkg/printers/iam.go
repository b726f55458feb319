package printers

import (
	"time"

	metatable "k8s.io/apimachinery/pkg/api/meta/table"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
)

func init() {
	// Users are this project's CRD: kube-apiserver prints them with the
	// additionalPrinterColumns of artifacts/deploy/crds, which this table
	// follows (an absent value is a nil cell, a date a human duration).
	column := func(name, typ, path string) metav1.TableColumnDefinition {
		return col(name, typ, "Custom resource definition column (in JSONPath format): "+path)
	}
	register(iamv1beta1.SchemeGroupVersion.WithResource("users"), Table{
		Columns: []metav1.TableColumnDefinition{
			nameColumn(),
			column("Email", "string", ".spec.email"),
			column("Status", "string", ".status.state"),
			column("Age", "date", ".metadata.creationTimestamp"),
		},
		Cells: rowOf(func(u *iamv1beta1.User, _ time.Time) []any {
			return []any{u.Name, orNil(u.Spec.Email), orNil(string(u.Status.State)), metatable.ConvertToHumanReadableDateType(u.CreationTimestamp)}
		}),
	})
}

// orNil is the cell of an optional string field: nil when empty, as a
// JSONPath column finds nothing for a field omitted from the JSON.
func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}
