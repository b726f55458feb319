// Package query is the KubeSphere query language of resources.kubesphere.io:
// the vocabulary each resource type accepts (filters, sort keys, computed
// annotations), the parsing of request parameters into a Query, and the
// sorted, incrementally maintained indexes lists are answered from. It knows
// nothing of HTTP: the /apis storage and the /kapis routes both hand it
// url.Values and get a page back.
package query

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
)

// Predicate tells whether a cached object is in a list. It must not mutate
// the object.
type Predicate func(it *Item) bool

// Env lets filters and computed annotations read other resources' caches:
// the pods of a node, the service a pod filter names.
type Env interface {
	// Get returns one cached upstream object of a resource ("services").
	Get(resource, namespace, name string) (runtime.Object, bool)
	// Group returns the cached objects of resource that a group function of
	// its Type put under key (for example the pods on node "n1").
	Group(resource, group, key string) []runtime.Object
}

// GroupSummer is an Env that keeps running totals of values over the
// members of group keys (the requests of the pods on a node).
type GroupSummer interface {
	GroupSum(resource, group, key string) []int64
}

// GroupSum returns the sums of of(obj) over the objects under key in a
// resource's group: from env's running totals when it keeps them (of must
// then be the resource Type's Sums function of that group), else by adding
// them up.
func GroupSum(env Env, resource, group, key string, of func(runtime.Object) []int64) []int64 {
	if s, ok := env.(GroupSummer); ok {
		return s.GroupSum(resource, group, key)
	}
	var total []int64
	if env == nil {
		return nil
	}
	for _, obj := range env.Group(resource, group, key) {
		vals := of(obj)
		if len(total) < len(vals) {
			total = append(total, make([]int64, len(vals)-len(total))...)
		}
		for i, v := range vals {
			total[i] += v
		}
	}
	return total
}

// Filter is one filter parameter of a Type, for example pods' "status".
//
// A filter that compares one attribute of the object (Attr) is evaluated on a
// value computed once when the object enters the cache, never per request:
// the pod status KubeSphere computes from container states is an Attr. Other
// filters Compile the request's value into a Predicate once per request.
type Filter struct {
	// Values is the closed vocabulary of the filter, nil for free text. On
	// /apis a value outside it is a 400 naming the accepted values; on
	// /kapis it matches nothing, as in KubeSphere.
	Values []string
	// FoldCase compares Attr values case-insensitively.
	FoldCase bool
	// Attr is the attribute the filter compares exactly with the value.
	Attr func(obj runtime.Object) string
	// NameSubstring declares that the filter only matches objects whose
	// name contains the value (the metadata "name" filter), so lists may
	// skip names that cannot, by their signature, before running it.
	NameSubstring bool
	// Labels declares that the value is a label selector on the object's
	// own labels (the metadata "label" filter): lists answer it from the
	// label index, and Compile is not used.
	Labels bool
	// Compile turns a request's value into a predicate. It is used when Attr
	// is nil. An error is a bad value (a 400 naming the parameter).
	Compile func(value string, env Env) (Predicate, error)
	// Reads are the other resources Compile's predicate reads through env
	// (pods' serviceName reads services): a caller needs the right to read
	// them too, which the registry checks before it runs the filter.
	Reads []Read
}

// Read is another resource that a filter or a type's computed annotations
// read through an Env.
type Read struct {
	// Resource is the resource read ("services").
	Resource string
	// AllNamespaces is set when what is read spans every namespace (the pods
	// on a node, the PVCs of a storage class); otherwise only the namespace
	// of the object at hand is read (a pod's services, a PVC's pods).
	AllNamespaces bool
	// Optional is set on a computed annotation's read that only some of
	// the type's annotations need: a caller who may not make it still gets
	// the others, and Decorate sees the resource as not Readable.
	Optional bool
}

// Unreadable is an Env that tells which resources the caller may not read
// (the optional reads of a computed annotation).
type Unreadable interface {
	Unreadable(resource string) bool
}

// Readable reports whether a computed annotation may be computed from
// resource through env: false when env says the caller may not read it, so
// that the annotation is left out rather than given a wrong value.
func Readable(env Env, resource string) bool {
	u, ok := env.(Unreadable)
	return !ok || !u.Unreadable(resource)
}

// ParamRead is a filter parameter of a Query whose filter reads another
// resource.
type ParamRead struct {
	Param string
	Read
}

// SortKey is one sortBy value of a Type. Objects are ordered by the key, then
// namespace, then name, so the order is total and a page is stable.
type SortKey struct {
	// Of returns the object's key: its time in Unix nanoseconds, a string, or
	// both (times compare first).
	Of func(obj runtime.Object) Key
}

// Key is the value an object is sorted by.
type Key struct {
	Time int64
	Str  string
}

// Compare orders keys by time, then string.
func (k Key) Compare(o Key) int {
	switch {
	case k.Time < o.Time:
		return -1
	case k.Time > o.Time:
		return 1
	}
	return strings.Compare(k.Str, o.Str)
}

// Type is the query vocabulary of one resource. Every Type has the metadata
// filters and sort keys of KubeSphere's DefaultObjectMetaFilter and
// DefaultObjectMetaCompare; Filters and SortKeys add the type's own, and
// may override a metadata one (customresourcedefinitions' "name" also
// matches the kind).
type Type struct {
	// Resource is the plural resource name ("pods").
	Resource string
	// Namespaced is true for namespace-scoped resources.
	Namespaced bool
	// Filters are the type's own filter parameters, by name.
	Filters map[string]Filter
	// SortKeys are the type's own sortBy values, by name.
	SortKeys map[string]SortKey
	// Aliases are other spellings of sort keys ("createTime" for
	// "creationTimestamp", "lastUpdateTimestamp" for "updateTime").
	Aliases map[string]string
	// Groups put each object under keys of named groups (pods under their
	// node), kept up to date with the cache, for Env.Group lookups. They
	// (and Sums) must depend on the object alone: the index computes them
	// again when the object leaves.
	Groups map[string]func(obj runtime.Object) []string
	// Sums are values to total over the members of each key of a group,
	// by group name (the requests and limits of the pods on each node);
	// the index keeps the totals as objects come and go.
	Sums map[string]func(obj runtime.Object) []int64
	// Decorate returns a copy of obj carrying KubeSphere's computed
	// annotations (node requests and limits, PVC in-use, ...). It must not
	// mutate obj. Nil means objects are served as cached.
	Decorate func(obj runtime.Object, env Env) runtime.Object
	// DecorateReads are the other resources Decorate reads through env.
	// Objects are served without the computed annotations (never with
	// wrong values) to a caller who may not read all of them.
	DecorateReads []Read

	compiled bool
	filters  map[string]Filter
	sortKeys map[string]SortKey
	attrs    []string // names of the Attr filters, in the order of Item.attrs
	// indexed tells, by attr, whether the index keeps postings of its
	// values: exact comparisons are answered from them, case-insensitive
	// ones stay predicates.
	indexed []bool
	keys    []string // names of the sort keys, in the order of Item.keys
	groups  []string // names of the groups, sorted
}

// Names of the sort keys every type has.
const (
	SortByCreationTimestamp = "creationTimestamp"
	SortByName              = "name"
)

// Complete merges the metadata vocabulary into t. It is idempotent and must
// be called before t is shared.
func (t *Type) Complete() *Type {
	if t.compiled {
		return t
	}
	t.filters = metaFilters()
	for name, f := range t.Filters {
		t.filters[name] = f
	}
	t.sortKeys = map[string]SortKey{
		SortByCreationTimestamp: {Of: creationKey},
		SortByName:              {Of: nameKey},
	}
	for name, k := range t.SortKeys {
		t.sortKeys[name] = k
	}
	aliases := map[string]string{"createTime": SortByCreationTimestamp}
	for a, name := range t.Aliases {
		aliases[a] = name
	}
	t.Aliases = aliases
	for name, f := range t.filters {
		if f.Attr != nil {
			t.attrs = append(t.attrs, name)
		}
	}
	slices.Sort(t.attrs)
	for _, name := range t.attrs {
		t.indexed = append(t.indexed, !t.filters[name].FoldCase)
	}
	for name := range t.sortKeys {
		t.keys = append(t.keys, name)
	}
	slices.Sort(t.keys)
	for name := range t.Groups {
		t.groups = append(t.groups, name)
	}
	slices.Sort(t.groups)
	t.compiled = true
	return t
}

// SortKeyNames returns every accepted sortBy value, aliases included, sorted.
func (t *Type) SortKeyNames() []string {
	t.Complete()
	names := append([]string(nil), t.keys...)
	for a := range t.Aliases {
		names = append(names, a)
	}
	slices.Sort(names)
	return names
}

// ParameterNames returns every query parameter a list of the type reads
// besides the Kubernetes ones: sortBy, ascending, page and the filters,
// sorted.
func (t *Type) ParameterNames() []string {
	names := append(t.FilterNames(), ParamSortBy, ParamAscending, ParamPage)
	slices.Sort(names)
	return names
}

// FilterNames returns every filter parameter of the type, sorted.
func (t *Type) FilterNames() []string {
	t.Complete()
	names := make([]string, 0, len(t.filters))
	for name := range t.filters {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// sortKey resolves a sortBy value (or alias) to its canonical name.
func (t *Type) sortKey(name string) (string, bool) {
	if a, ok := t.Aliases[name]; ok {
		name = a
	}
	_, ok := t.sortKeys[name]
	return name, ok
}

func (t *Type) keyIndex(name string) int {
	i, _ := slices.BinarySearch(t.keys, name)
	return i
}

func (t *Type) attrIndex(name string) int {
	i, ok := slices.BinarySearch(t.attrs, name)
	if !ok {
		panic(fmt.Sprintf("query: %s has no attribute filter %q", t.Resource, name))
	}
	return i
}
