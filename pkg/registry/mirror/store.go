package mirror

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// Store answers reads of one resource from its Cache. It returns cached
// upstream objects, which callers must not mutate.
type Store struct {
	res   *Resource
	cache *Cache
}

// NewStore returns a store reading res from cache.
func NewStore(res *Resource, cache *Cache) *Store {
	return &Store{res: res, cache: cache}
}

// Get returns the object namespace/name, or false when there is none, and
// the cache's resourceVersion.
func (s *Store) Get(namespace, name string) (runtime.Object, bool, uint64) {
	return s.cache.get(namespace, name)
}

// List returns the objects in namespace ("" for all) matching both selectors,
// ordered by namespace, then name, and the resourceVersion they are at. Nil
// selectors match everything. A field selector on an unsupported field is a
// BadRequest error.
func (s *Store) List(namespace string, label labels.Selector, field fields.Selector) ([]runtime.Object, uint64, error) {
	if err := s.res.validateFieldSelector(field); err != nil {
		return nil, 0, err
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
				return nil, s.cache.ResourceVersion(), nil
			}
			namespace = ns
		}
	}
	var snap snapshot
	if field != nil && hasExactName(field) {
		name, _ := field.RequiresExactMatch("metadata.name")
		snap = s.byName(namespace, name)
	} else {
		snap = s.cache.list(namespace)
	}

	out := make([]runtime.Object, 0, len(snap.objects))
	for _, obj := range snap.objects {
		m, err := accessor(obj)
		if err != nil {
			return nil, 0, fmt.Errorf("list %s: %w", s.res.Name, err)
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
	return out, snap.rv, nil
}

// byName looks one name up directly: in one namespace, or in every namespace
// for a cluster-wide list of a namespaced resource.
func (s *Store) byName(namespace, name string) snapshot {
	if !s.res.Namespaced || namespace != "" {
		obj, ok, rv := s.cache.get(namespace, name)
		if !ok {
			return snapshot{rv: rv}
		}
		return snapshot{objects: []runtime.Object{obj}, rv: rv}
	}
	var snap snapshot
	for _, ns := range s.cache.namespaces() {
		obj, ok, rv := s.cache.get(ns, name)
		snap.rv = max(snap.rv, rv)
		if ok {
			snap.objects = append(snap.objects, obj)
		}
	}
	if snap.rv == 0 {
		snap.rv = s.cache.ResourceVersion()
	}
	return snap
}

func hasExactName(field fields.Selector) bool {
	_, ok := field.RequiresExactMatch("metadata.name")
	return ok
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
