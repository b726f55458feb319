package mirror

import (
	"time"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/query"
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

// Selection is one list request over a store.
type Selection struct {
	// Namespace is the request's namespace, "" for all.
	Namespace string
	// Label and Field are the Kubernetes selectors; nil selects everything.
	Label labels.Selector
	Field fields.Selector
	// Query carries the KubeSphere parameters; nil keeps (namespace, name)
	// order with no further filters.
	Query *query.Query
	// After continues from a previous page's last item.
	After *query.Cursor
	// Offset skips that many matching items; Limit is the page size,
	// negative for all.
	Offset int
	Limit  int
	// Snapshot is the state to read, nil for the current one.
	Snapshot *query.Snapshot
	// RV is the resourceVersion of Snapshot.
	RV uint64
}

// Snapshot returns the current state of the store's indexes and the
// resourceVersion it is at.
func (s *Store) Snapshot() (*query.Snapshot, uint64) { return s.cache.snapshot() }

// Select answers a list request from the cache's sorted indexes, and
// returns the resourceVersion of the state it read. A field selector on an
// unsupported field is a BadRequest error.
func (s *Store) Select(sel Selection) (query.Result, uint64, error) {
	start := time.Now()
	res, rv, err := s.selectQuiet(sel)
	if err == nil {
		m, shape := s.cache.metrics, listShape(sel)
		m.duration[shape].Observe(time.Since(start).Seconds())
		m.visited[shape].Observe(float64(res.Visited))
	}
	return res, rv, err
}

// selectQuiet is Select without metrics, for reads that are part of
// another request (the backends of a service).
func (s *Store) selectQuiet(sel Selection) (query.Result, uint64, error) {
	if err := s.res.validateFieldSelector(sel.Field); err != nil {
		return query.Result{}, 0, err
	}
	snap, rv := sel.Snapshot, sel.RV
	if snap == nil {
		snap, rv = s.cache.snapshot()
	}
	req := query.Request{Namespace: sel.Namespace, After: sel.After, Offset: sel.Offset, Limit: sel.Limit}
	if q := sel.Query; q != nil {
		if q.MatchNothing {
			return query.Result{}, rv, nil
		}
		req.SortBy, req.Descending = q.SortBy, q.SortBy != "" && !q.Ascending
		req.Filters = append(req.Filters, q.Filters...)
		req.Labels = append(req.Labels, q.Labels...)
		req.Attrs = q.Attrs
		req.NameSig = q.NameSig
		if !narrow(&req.Namespace, q.Namespace, s.res.Namespaced) {
			return query.Result{}, rv, nil
		}
	}
	if sel.Label != nil && !sel.Label.Empty() {
		// Answered from the label index, as the label filters are.
		reqs, selectable := sel.Label.Requirements()
		if !selectable {
			return query.Result{}, rv, nil
		}
		req.Labels = append(req.Labels, reqs...)
	}
	if sel.Field != nil && !sel.Field.Empty() {
		if ns, ok := sel.Field.RequiresExactMatch("metadata.namespace"); ok && !narrow(&req.Namespace, ns, s.res.Namespaced) {
			return query.Result{}, rv, nil
		}
		field := sel.Field
		req.Filters = append(req.Filters, func(it *query.Item) bool {
			m, err := accessor(it.Object)
			return err == nil && field.Matches(s.res.fieldSet(it.Object, m))
		})
	}
	return snap.List(req), rv, nil
}

// narrow restricts a list to namespace ns (when given) and reports false
// when that contradicts the namespace the list already has.
func narrow(namespace *string, ns string, namespaced bool) bool {
	if ns == "" || !namespaced {
		return true
	}
	if *namespace != "" && *namespace != ns {
		return false
	}
	*namespace = ns
	return true
}

// List returns the objects in namespace ("" for all) matching both selectors,
// ordered by namespace, then name, and the resourceVersion they are at. Nil
// selectors match everything. A field selector on an unsupported field is a
// BadRequest error.
func (s *Store) List(namespace string, label labels.Selector, field fields.Selector) ([]runtime.Object, uint64, error) {
	res, rv, err := s.selectQuiet(Selection{Namespace: namespace, Label: label, Field: field, Limit: -1})
	if err != nil {
		return nil, 0, err
	}
	out := make([]runtime.Object, len(res.Items))
	for i, it := range res.Items {
		out[i] = it.Object
	}
	return out, rv, nil
}
