// Package mirror serves read-only resources.kubesphere.io resources from
// informer caches of the upstream resources they mirror. A resource is a
// Resource declaration; this package supplies everything else (get, list,
// selectors, ordering, scoping, errors) once for all of them.
package mirror

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ks-apiserver/ks-apiserver/pkg/query"
)

// Resource declares one mirrored resource.
type Resource struct {
	// Name is the plural resource name, the same as upstream's ("pods").
	Name string
	// SingularName is the singular name kubectl accepts ("pod").
	SingularName string
	// Kind is the kind of the served object ("Pod").
	Kind string
	// Namespaced is true for namespace-scoped resources.
	Namespaced bool
	// Upstream is the mirrored resource; its informer comes from the shared
	// informer factory.
	Upstream schema.GroupVersionResource

	// New returns an empty served (internal) object.
	New func() runtime.Object
	// NewList returns an empty served (internal) list.
	NewList func() runtime.Object
	// ToServed turns a cached upstream object into the served internal object.
	// It must not copy more than the top-level struct: the result shares maps
	// and slices with the cache and is never mutated by this package.
	ToServed func(upstream runtime.Object) runtime.Object
	// ToUpstream is the inverse of Convert, for code written against the
	// upstream types (the table printers); the same sharing rules apply.
	ToUpstream func(served runtime.Object) runtime.Object

	// Fields adds the resource's own selectable fields (for example
	// spec.nodeName) to metadata.name and metadata.namespace, which every
	// resource supports. It may be nil. It must return the same keys for
	// every object: the keys it returns for an empty object are the fields
	// requests may select on.
	Fields func(upstream runtime.Object) fields.Set

	// Query is the resource's KubeSphere query vocabulary beyond the
	// metadata filters and sort keys every resource has: its filters, sort
	// keys, groups and computed annotations, all over upstream objects.
	// Resource and Namespaced are filled in from the declaration.
	Query query.Type
}

// CompleteQuery fills in the query vocabulary from the declaration and
// merges the metadata vocabulary into it. Call it once, before the resource
// is served; NewCaches does.
func (r *Resource) CompleteQuery() {
	if r.Query.Resource == "" {
		r.Query.Resource = r.Name
		r.Query.Namespaced = r.Namespaced
	}
	r.Query.Complete()
}

// QueryType returns the resource's query vocabulary, completed by
// CompleteQuery.
func (r *Resource) QueryType() *query.Type { return &r.Query }

// FieldsOf adapts a field function of one upstream type to Resource.Fields.
func FieldsOf[T runtime.Object](f func(T) fields.Set) func(runtime.Object) fields.Set {
	return func(obj runtime.Object) fields.Set {
		t, ok := obj.(T)
		if !ok {
			return nil
		}
		return f(t)
	}
}

// metaFields are the fields every resource can be selected by.
var metaFields = []string{"metadata.name", "metadata.namespace"}

// SelectableFields returns the sorted names of every field the resource can
// be selected by.
func (r *Resource) SelectableFields() []string {
	names := append([]string(nil), metaFields...)
	if r.Fields != nil && r.ToUpstream != nil && r.New != nil {
		for name := range r.Fields(r.ToUpstream(r.New())) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// fieldSet returns the selectable fields of one upstream object.
func (r *Resource) fieldSet(obj runtime.Object, m metaObject) fields.Set {
	set := fields.Set{"metadata.name": m.GetName()}
	if r.Namespaced {
		set["metadata.namespace"] = m.GetNamespace()
	}
	if r.Fields != nil {
		for k, v := range r.Fields(obj) {
			set[k] = v
		}
	}
	return set
}

// checkField returns an error naming the field and the supported ones when
// the resource cannot be selected by field.
func (r *Resource) checkField(field string) error {
	supported := r.SelectableFields()
	if slices.Contains(supported, field) {
		return nil
	}
	return fmt.Errorf("field label %q is not supported for %s: supported fields are %s",
		field, r.Name, strings.Join(supported, ", "))
}

// validateFieldSelector rejects selectors on fields the resource does not
// support with a 400. Requests through the API handler were already checked
// by the scheme's field label conversion; this guards every other caller.
func (r *Resource) validateFieldSelector(field fields.Selector) error {
	if field == nil {
		return nil
	}
	for _, req := range field.Requirements() {
		if err := r.checkField(req.Field); err != nil {
			return apierrors.NewBadRequest(err.Error())
		}
	}
	return nil
}

// FieldLabelConversionFunc validates field-selector labels for the
// resource's kind; the API handler turns its error into a 400 Status.
func (r *Resource) FieldLabelConversionFunc() runtime.FieldLabelConversionFunc {
	return func(label, value string) (string, string, error) {
		if err := r.checkField(label); err != nil {
			return "", "", err
		}
		return label, value, nil
	}
}

// metaObject is the part of an object the store reads.
type metaObject interface {
	GetNamespace() string
	GetName() string
	GetLabels() map[string]string
}

func accessor(obj runtime.Object) (metaObject, error) {
	return meta.Accessor(obj)
}
