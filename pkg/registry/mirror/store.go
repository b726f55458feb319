package mirror

import (
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"
)

// Store answers reads of one resource from the indexer of its upstream
// informer. It returns cached upstream objects, which callers must not mutate.
type Store struct {
	res     *Resource
	indexer cache.Indexer
}

// NewStore returns a store reading res from indexer, which must have the
// cache.NamespaceIndex index for namespaced resources.
func NewStore(res *Resource, indexer cache.Indexer) *Store {
	return &Store{res: res, indexer: indexer}
}

// Get returns the object namespace/name, or false when there is none.
func (s *Store) Get(namespace, name string) (runtime.Object, bool, error) {
	key := name
	if s.res.Namespaced {
		key = namespace + "/" + name
	}
	item, ok, err := s.indexer.GetByKey(key)
	if err != nil || !ok {
		return nil, false, err
	}
	obj, isObj := item.(runtime.Object)
	if !isObj {
		return nil, false, fmt.Errorf("%s cache holds %T, not an object", s.res.Name, item)
	}
	return obj, true, nil
}

// List returns the objects in namespace ("" for all) matching both selectors,
// ordered by namespace, then name. Nil selectors match everything. A field
// selector on an unsupported field is a BadRequest error.
func (s *Store) List(namespace string, label labels.Selector, field fields.Selector) ([]runtime.Object, error) {
	if err := s.validateFields(field); err != nil {
		return nil, err
	}
	if label != nil && label.Empty() {
		label = nil
	}
	if field != nil && field.Empty() {
		field = nil
	}

	// Narrow the scan with the cheapest index the request allows.
	if field != nil && s.res.Namespaced {
		if ns, ok := field.RequiresExactMatch("metadata.namespace"); ok {
			if namespace != "" && namespace != ns {
				return nil, nil
			}
			namespace = ns
		}
	}
	var candidates []any
	var err error
	switch {
	case field != nil && hasExactName(field):
		name, _ := field.RequiresExactMatch("metadata.name")
		candidates, err = s.byName(namespace, name)
	case s.res.Namespaced && namespace != "":
		candidates, err = s.indexer.ByIndex(cache.NamespaceIndex, namespace)
	default:
		candidates = s.indexer.List()
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", s.res.Name, err)
	}

	out := make([]runtime.Object, 0, len(candidates))
	for _, item := range candidates {
		obj, ok := item.(runtime.Object)
		if !ok {
			continue
		}
		m, err := accessor(obj)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", s.res.Name, err)
		}
		if s.res.Namespaced && namespace != "" && m.GetNamespace() != namespace {
			continue
		}
		if label != nil && !label.Matches(labels.Set(m.GetLabels())) {
			continue
		}
		if field != nil && !field.Matches(s.res.fieldSet(obj, m)) {
			continue
		}
		out = append(out, obj)
	}
	slices.SortFunc(out, compareNamespaceName)
	return out, nil
}

// byName looks one name up directly: in one namespace, or in every namespace
// for a cluster-wide list of a namespaced resource.
func (s *Store) byName(namespace, name string) ([]any, error) {
	if !s.res.Namespaced || namespace != "" {
		obj, ok, err := s.Get(namespace, name)
		if err != nil || !ok {
			return nil, err
		}
		return []any{obj}, nil
	}
	var out []any
	for _, ns := range s.indexer.ListIndexFuncValues(cache.NamespaceIndex) {
		obj, ok, err := s.Get(ns, name)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, obj)
		}
	}
	return out, nil
}

func hasExactName(field fields.Selector) bool {
	_, ok := field.RequiresExactMatch("metadata.name")
	return ok
}

// validateFields rejects selectors on fields the resource does not support.
// Requests through the API handler were already checked by the scheme's field
// label conversion; this guards every other caller.
func (s *Store) validateFields(field fields.Selector) error {
	if field == nil {
		return nil
	}
	for _, req := range field.Requirements() {
		if err := s.res.checkField(req.Field); err != nil {
			return apierrors.NewBadRequest(err.Error())
		}
	}
	return nil
}

// compareNamespaceName orders objects by namespace, then name: the order of
// kube-apiserver's own lists.
func compareNamespaceName(a, b runtime.Object) int {
	ma, errA := accessor(a)
	mb, errB := accessor(b)
	if errA != nil || errB != nil {
		return 0
	}
	if c := strings.Compare(ma.GetNamespace(), mb.GetNamespace()); c != 0 {
		return c
	}
	return strings.Compare(ma.GetName(), mb.GetName())
}
