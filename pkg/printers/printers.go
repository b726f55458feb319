// Package printers describes how each mirrored upstream resource prints in
// `kubectl get`: the metav1.Table columns and row cells that kube-apiserver
// v1.37 produces for the upstream type.
//
// The behaviour follows kube-apiserver's server-side printers (which always
// generate the wide columns and leave it to kubectl to hide the ones with
// Priority 1), re-implemented on the versioned k8s.io/api types so that this
// module never depends on k8s.io/kubernetes. Objects are printed as
// kube-apiserver prints them after converting them to its internal types:
// an unset replica count, for instance, shows as 0.
package printers

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/duration"
)

// Table is how one resource prints: its columns and a function giving the
// cells of one object's row, in column order.
type Table struct {
	Columns []metav1.TableColumnDefinition
	// Cells returns one row's cells for an upstream object of the table's type;
	// now is the reference time for AGE-like columns.
	Cells func(obj runtime.Object, now time.Time) ([]any, error)
}

// For returns the table of an upstream resource (e.g.
// corev1.SchemeGroupVersion.WithResource("pods")), and false when the
// resource has none here.
func For(gvr schema.GroupVersionResource) (Table, bool) {
	t, ok := tables[gvr]
	if !ok {
		return Table{}, false
	}
	// Hand out a private copy of the columns: callers may trim or edit them
	// (e.g. for NoHeaders) and must not change what the next caller sees.
	t.Columns = append([]metav1.TableColumnDefinition(nil), t.Columns...)
	return t, true
}

// tables holds every resource's table, keyed by its upstream resource.
var tables = map[schema.GroupVersionResource]Table{}

// register adds the table of one upstream resource; it is called from the
// init functions of the per-group files.
func register(gvr schema.GroupVersionResource, t Table) {
	if _, dup := tables[gvr]; dup {
		panic(fmt.Sprintf("printers: duplicate table for %s", gvr))
	}
	tables[gvr] = t
}

// rowOf adapts a typed row function to Table.Cells: it rejects objects of
// any other type (and nil pointers) with an error instead of panicking.
func rowOf[T any, PT interface {
	*T
	runtime.Object
}](row func(obj PT, now time.Time) []any) func(runtime.Object, time.Time) ([]any, error) {
	return func(obj runtime.Object, now time.Time) ([]any, error) {
		o, ok := obj.(PT)
		if !ok {
			return nil, fmt.Errorf("printers: cannot print %T, want %T", obj, PT(nil))
		}
		if (*T)(o) == nil {
			return nil, fmt.Errorf("printers: cannot print a nil %T", o)
		}
		return row(o, now), nil
	}
}

// objectMetaDocs are the field descriptions kube-apiserver uses for the
// NAME, AGE and CREATED AT columns.
var objectMetaDocs = metav1.ObjectMeta{}.SwaggerDoc()

// nameColumn is the first column of every table.
func nameColumn() metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name", Description: objectMetaDocs["name"]}
}

// ageColumn is the AGE column; kube-apiserver types it "string" because the
// cell is a human duration such as "5m", not a timestamp.
func ageColumn() metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: "Age", Type: "string", Description: objectMetaDocs["creationTimestamp"]}
}

// col is a priority-0 column, shown by plain `kubectl get`.
func col(name, typ, description string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Description: description}
}

// wideCol is a priority-1 column, shown only by `kubectl get -o wide`.
func wideCol(name, typ, description string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Priority: 1, Description: description}
}

// Shared descriptions of the pod-template columns of the workload tables.
const (
	containersDescription = "Names of each container in the template."
	imagesDescription     = "Images referenced by each container in the template."
)

// age renders the time elapsed from t to now as kube-apiserver does, with
// "<unknown>" for an unset time.
func age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

// createdAt renders a creation timestamp the way the default table convertor
// does for its CREATED AT column.
func createdAt(t metav1.Time) string {
	return t.UTC().Format(time.RFC3339)
}
