package mirror

import (
	"context"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/ks-apiserver/ks-apiserver/pkg/query"
)

// REST is the API storage of one mirrored resource.
type REST struct {
	rest.TableConvertor

	res      *Resource
	resource schema.GroupResource
	upstream *Caches
	reads    ReadAuthorizer
}

var (
	_ rest.Storage              = &REST{}
	_ rest.Scoper               = &REST{}
	_ rest.SingularNameProvider = &REST{}
	_ rest.Getter               = &REST{}
	_ rest.Lister               = &REST{}
	_ rest.Watcher              = &REST{}
)

// NewREST serves res, in the API group of resource, from the cache upstream
// keeps for it; table is how its objects print (nil: name and age only);
// reads authorizes filters that read other resources (nil: authorization
// is off).
func NewREST(res *Resource, resource schema.GroupResource, upstream *Caches, table rest.TableConvertor, reads ReadAuthorizer) *REST {
	if table == nil {
		table = rest.NewDefaultTableConvertor(resource)
	}
	return &REST{TableConvertor: table, res: res, resource: resource, upstream: upstream, reads: reads}
}

// New returns an empty object of the resource.
func (r *REST) New() runtime.Object { return r.res.New() }

// NewList returns an empty list of the resource.
func (r *REST) NewList() runtime.Object { return r.res.NewList() }

// Kind is the kind of the served objects.
func (r *REST) Kind() string { return r.res.Kind }

// Destroy releases nothing: the caches belong to Upstream.
func (r *REST) Destroy() {}

// NamespaceScoped tells whether the resource lives in namespaces.
func (r *REST) NamespaceScoped() bool { return r.res.Namespaced }

// GetSingularName returns the singular resource name.
func (r *REST) GetSingularName() string { return r.res.SingularName }

// Get returns one object, or a NotFound error. A resourceVersion newer than
// the cache waits briefly for the cache to catch up.
func (r *REST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	c, err := r.cache()
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, apierrors.NewNotFound(r.resource, name)
	}
	if options != nil {
		want, err := optionalResourceVersion(options.ResourceVersion)
		if err != nil {
			return nil, err
		}
		if err := c.waitFresh(ctx, want); err != nil {
			return nil, err
		}
	}
	obj, ok, _ := NewStore(r.res, c).Get(genericapirequest.NamespaceValue(ctx), name)
	if !ok {
		return nil, apierrors.NewNotFound(r.resource, name)
	}
	return r.res.ToServed(obj), nil
}

// List returns the objects of the request's namespace (all namespaces for a
// cluster-wide request) matching its label and field selectors, in
// (namespace, name) order, a page at a time when a limit is given.
func (r *REST) List(ctx context.Context, options *metainternalversion.ListOptions) (runtime.Object, error) {
	page, err := r.ListPage(ctx, options)
	if err != nil {
		return nil, err
	}
	return page.list()
}

// ListPage answers a list like List, but leaves the cached objects
// unconverted until the page is written (Page.Each), so that a list is
// written out one object at a time instead of built whole first.
func (r *REST) ListPage(ctx context.Context, options *metainternalversion.ListOptions) (*Page, error) {
	if options == nil {
		options = &metainternalversion.ListOptions{}
	}
	c, err := r.cache()
	if err != nil {
		return nil, err
	}
	lr, err := r.readList(ctx, options)
	if err != nil {
		return nil, err
	}
	if c == nil {
		// The upstream API is absent: nothing to list, the request checked
		// like any other.
		return &Page{res: r.res}, nil
	}
	return r.listPage(ctx, c, lr)
}

// listRequest is a list request read whole: every parameter parsed and
// checked before any cache is read.
type listRequest struct {
	// sel is what the page selects; its state is chosen when the request
	// is executed.
	sel Selection
	// token continues a walk (nil on a first page) in the order of sortBy
	// and desc.
	token  *continueToken
	sortBy string
	desc   bool
	// rv is the oldest state a first page may read (0: any), exact that it
	// must be that version (resourceVersionMatch=Exact).
	rv    uint64
	exact bool
}

// readList reads a list request: its selectors and KubeSphere parameters,
// continue token, resourceVersion and page, each error a 400 (a filter the
// caller may not read a 403) that says what to fix.
func (r *REST) readList(ctx context.Context, options *metainternalversion.ListOptions) (*listRequest, error) {
	label, q, err := r.readFilters(ctx, options)
	if err != nil {
		return nil, err
	}
	lr := &listRequest{
		sel: Selection{
			Namespace: genericapirequest.NamespaceValue(ctx),
			Label:     label, Field: options.FieldSelector,
			Query: q, Limit: -1,
		},
		sortBy: q.SortBy,
		desc:   q.SortBy != "" && !q.Ascending,
	}
	if options.Limit > 0 {
		lr.sel.Limit = int(options.Limit)
	}
	if lr.token, err = decodeContinue(options.Continue); err != nil {
		return nil, err
	}
	if lr.token != nil {
		if lr.token.SortBy != lr.sortBy || lr.token.Desc != lr.desc {
			return nil, apierrors.NewBadRequest(fmt.Sprintf(
				"invalid continue parameter: the token continues a list in another order; repeat the first page's %s and %s parameters",
				query.ParamSortBy, query.ParamAscending))
		}
		lr.sel.After = lr.token.cursor()
	} else {
		// A continued page reads its walk's version, whatever it asks.
		if lr.rv, err = optionalResourceVersion(options.ResourceVersion); err != nil {
			return nil, err
		}
		lr.exact = lr.rv != 0 && options.ResourceVersionMatch == metav1.ResourceVersionMatchExact
	}
	if q.Page > 0 {
		if options.Limit <= 0 {
			return nil, apierrors.NewBadRequest(fmt.Sprintf(
				"query parameter %q needs %q, the page size", query.ParamPage, query.ParamLimit))
		}
		offset, ok := query.Offset(q.Page, int(options.Limit))
		if !ok {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("query parameter %q is out of range", query.ParamPage))
		}
		lr.sel.Offset = offset
	}
	return lr, nil
}

// listPage executes a list request on c: it picks the state to read (the
// walk's kept snapshot, or the current state once it holds the version
// asked for), selects the page and, when more follow, issues their token.
func (r *REST) listPage(ctx context.Context, c *Cache, lr *listRequest) (*Page, error) {
	sel := lr.sel
	if lr.token != nil {
		snap, err := c.continueAt(lr.token.RV)
		if err != nil {
			return nil, err
		}
		if snap != nil {
			sel.Snapshot, sel.RV = snap, lr.token.RV
		}
	} else {
		// kube-apiserver's rules for reads served from its watch cache.
		if err := c.waitFresh(ctx, lr.rv); err != nil {
			return nil, err
		}
		if lr.exact {
			if err := c.checkExact(lr.rv); err != nil {
				return nil, err
			}
		}
	}
	if sel.Snapshot == nil {
		sel.Snapshot, sel.RV = c.snapshot()
	}

	res, rv, err := NewStore(r.res, c).Select(sel)
	if err != nil {
		return nil, err
	}
	page := &Page{res: r.res, items: res.Items, rv: rv, total: int64(res.Total)}
	if lr.token != nil {
		// Every page reports the first page's version, so a watch from it
		// replays every change made during the walk.
		page.rv = lr.token.RV
	}
	if sel.Limit > 0 && res.Remaining > 0 && res.Last != nil {
		remaining := int64(res.Remaining)
		page.remaining = &remaining
		page.continueToken = encodeContinue(continueToken{
			RV: page.rv, SortBy: lr.sortBy, Desc: lr.desc,
			KeyTime: res.Last.Key.Time, KeyStr: res.Last.Key.Str,
			Namespace: res.Last.Namespace, Name: res.Last.Name,
		})
		if sel.RV == page.rv {
			c.keep(page.rv, sel.Snapshot)
		}
	}
	return page, nil
}

// readFilters reads what selects the objects of a list or watch: its field
// selector, checked against the resource's fields, and its KubeSphere
// parameters (listQuery).
func (r *REST) readFilters(ctx context.Context, options *metainternalversion.ListOptions) (labels.Selector, *query.Query, error) {
	if err := r.res.validateFieldSelector(options.FieldSelector); err != nil {
		return nil, nil, err
	}
	return r.listQuery(ctx, options.LabelSelector, options.FieldSelector)
}

// listQuery reads the KubeSphere parameters of a list or watch, from its URL
// and from search.resources.kubesphere.io/<parameter>=<value> requirements
// of its label selector, and returns the label selector without those. A
// filter that reads another resource the caller may not list in the scope
// of the request (field is its field selector) is a 403.
func (r *REST) listQuery(ctx context.Context, label labels.Selector, field fields.Selector) (labels.Selector, *query.Query, error) {
	values := url.Values{}
	for k, vs := range queryValuesFrom(ctx) {
		values[k] = vs
	}
	label, search, err := splitSearchSelector(label)
	if err != nil {
		return nil, nil, err
	}
	params := r.res.QueryType().ParameterNames()
	for label, v := range search {
		k := searchParam(label)
		if !slices.Contains(params, k) {
			// Unlike an unknown URL parameter, a label with this prefix can
			// only mean a query parameter: never ignore it silently.
			return nil, nil, apierrors.NewBadRequest(fmt.Sprintf(
				"label %s%s is not a query parameter of %s; accepted: %s (or their kebab-case spelling, as sort-by)",
				SearchLabelPrefix, label, r.res.Name, strings.Join(params, ", ")))
		}
		if _, ok := values[k]; ok {
			return nil, nil, apierrors.NewBadRequest(fmt.Sprintf(
				"query parameter %q is given both as a parameter and as the label %s%s", k, SearchLabelPrefix, label))
		}
		values[k] = []string{v}
	}
	q, err := query.Parse(values, query.Native, r.res.QueryType(), r.upstream)
	if err != nil {
		return nil, nil, apierrors.NewBadRequest(err.Error())
	}
	scope := ListScope(r.res, genericapirequest.NamespaceValue(ctx), q, field)
	if err := NewReads(ctx, r.reads).Filters(r.resource, q, scope); err != nil {
		return nil, nil, err
	}
	return label, q, nil
}

// Watch streams the changes of the request's namespace matching its
// selectors: from a resourceVersion within the cache's window of recent
// events (older is 410 Expired), or the current state first (unset or "0",
// and sendInitialEvents=true, which ends the initial state with the
// k8s.io/initial-events-end bookmark).
func (r *REST) Watch(ctx context.Context, options *metainternalversion.ListOptions) (watch.Interface, error) {
	if options == nil {
		options = &metainternalversion.ListOptions{}
	}
	// The KubeSphere filters (URL parameters or search labels) select the
	// events as they select a list; sortBy, ascending and page do not apply
	// to a stream of events.
	label, q, err := r.readFilters(ctx, options)
	if err != nil {
		return nil, err
	}
	req := watchRequest{
		namespace: genericapirequest.NamespaceValue(ctx),
		label:     label,
		field:     options.FieldSelector,
		bookmarks: options.AllowWatchBookmarks,
	}
	if q.MatchNothing {
		req.filter = func(runtime.Object) bool { return false }
	} else if len(q.Filters) > 0 || len(q.Labels) > 0 || len(q.Attrs) > 0 {
		t := r.res.QueryType()
		req.filter = func(obj runtime.Object) bool { return q.Matches(t, obj) }
	}
	if req.label != nil && req.label.Empty() {
		req.label = nil
	}
	if req.field != nil && req.field.Empty() {
		req.field = nil
	}
	rv, err := optionalResourceVersion(options.ResourceVersion)
	if err != nil {
		return nil, err
	}
	if options.SendInitialEvents != nil {
		req.initial = *options.SendInitialEvents
		req.initialEnd = req.initial && options.AllowWatchBookmarks
	} else {
		req.initial = rv == 0
	}
	if !req.initial && rv != 0 {
		req.from, req.resume = rv, true
	}

	c, err := r.cache()
	if err != nil {
		return nil, err
	}
	if c == nil {
		return idleWatch(ctx, r.res, req), nil
	}
	if req.initial {
		// The initial state is at least at the version asked for.
		if err := c.waitFresh(ctx, rv); err != nil {
			return nil, err
		}
	}
	return c.watch(ctx, req, c.memo.serve)
}

// cache returns the resource's cache (see Upstream.SyncedCache).
func (r *REST) cache() (*Cache, error) { return r.upstream.SyncedCache(r.res) }

// setTotalItems sets the TotalItems field every list type of the group has.
func setTotalItems(list runtime.Object, total int64) error {
	v := reflect.ValueOf(list)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("%T is not a pointer to a struct", list)
	}
	field := v.Elem().FieldByName("TotalItems")
	if !field.IsValid() || field.Kind() != reflect.Int64 {
		return fmt.Errorf("%T has no int64 TotalItems field", list)
	}
	field.SetInt(total)
	return nil
}
