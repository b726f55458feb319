package query

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// Mode selects how parameters are read.
type Mode int

const (
	// Native is the /apis reading: standard Kubernetes parameters and
	// unknown ones are ignored, a known parameter with a bad value (or given
	// twice) is an error naming it and what it accepts.
	Native Mode = iota
	// Compat is KubeSphere 3.3's /kapis reading: every parameter that is not
	// page, limit, sortBy, ascending or labelSelector is a filter, an unknown
	// filter matches nothing, bad page and limit values fall back to
	// KubeSphere's defaults. A malformed labelSelector is an error (KubeSphere
	// silently matched everything).
	Compat
)

// Parameter names of the query language.
const (
	ParamSortBy        = "sortBy"
	ParamAscending     = "ascending"
	ParamPage          = "page"
	ParamLimit         = "limit"
	ParamLabelSelector = "labelSelector"
)

// Query is a parsed list request.
type Query struct {
	// SortBy is the canonical sort key; "" keeps (namespace, name) order.
	SortBy string
	// Ascending is the direction of SortBy (KubeSphere's default is false:
	// newest first, Z to A).
	Ascending bool
	// Page is the 1-based page number; 0 when not given.
	Page int
	// Limit is the page size (Compat only; on /apis the Kubernetes limit
	// parameter is read by the API machinery); -1 when not given.
	Limit int
	// LabelSelector is the Compat labelSelector, nil when not given. Its
	// requirements are in Labels.
	LabelSelector labels.Selector
	// Filters are the compiled filter parameters, but those in Attrs.
	Filters []Predicate
	// Attrs are the filter parameters comparing an attribute the index
	// keeps postings of (pods' status, phase, nodeName): lists select their
	// objects from the postings, as label requirements.
	Attrs []AttrValue
	// Labels are the label requirements of the labelSelector (Compat) and
	// label filter parameters, answered from the label index.
	Labels []labels.Requirement
	// Namespace is the value of the namespace filter, which lists use to
	// read one namespace only; "" when not given.
	Namespace string
	// NameSig is the signature of the name substring filter (see
	// Request.NameSig), 0 when there is none.
	NameSig uint64
	// MatchNothing is set when the list is empty whatever the objects: an
	// unknown filter on /kapis, as in KubeSphere.
	MatchNothing bool
	// Reads are the other resources the given filters read (see
	// Filter.Reads), in parameter order, for the caller to authorize.
	Reads []ParamRead
}

// Error is a parameter with a value the query language does not accept.
type Error struct {
	Param    string
	Value    string
	Accepted string
	Reason   string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("invalid value %q for query parameter %q", e.Value, e.Param)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.Accepted != "" {
		msg += "; accepted values: " + e.Accepted
	}
	return msg
}

// Parse reads the query parameters of a list of type t. env is what filters
// that read other resources (pods' serviceName) use when they run.
func Parse(values url.Values, mode Mode, t *Type, env Env) (*Query, error) {
	t.Complete()
	q := &Query{Limit: -1}
	if mode == Compat {
		return q, q.parseCompat(values, t, env)
	}
	return q, q.parseNative(values, t, env)
}

func (q *Query) parseNative(values url.Values, t *Type, env Env) error {
	get := func(param string) (string, bool, error) {
		vs, ok := values[param]
		if !ok {
			return "", false, nil
		}
		for _, v := range vs[1:] {
			if v != vs[0] {
				return "", false, &Error{Param: param, Value: strings.Join(vs, ","), Reason: "given more than once with different values"}
			}
		}
		return vs[0], true, nil
	}
	sortBy, hasSort, err := get(ParamSortBy)
	if err != nil {
		return err
	}
	asc, hasAsc, err := get(ParamAscending)
	if err != nil {
		return err
	}
	if hasSort || hasAsc {
		q.SortBy = SortByCreationTimestamp
	}
	if hasSort {
		key, ok := t.sortKey(sortBy)
		if !ok {
			return &Error{Param: ParamSortBy, Value: sortBy, Accepted: strings.Join(t.SortKeyNames(), ", ")}
		}
		q.SortBy = key
	}
	if hasAsc {
		b, err := strconv.ParseBool(asc)
		if err != nil {
			return &Error{Param: ParamAscending, Value: asc, Accepted: "true, false"}
		}
		q.Ascending = b
	}
	if page, ok, err := get(ParamPage); err != nil {
		return err
	} else if ok {
		n, err := strconv.Atoi(page)
		if err != nil || n < 1 {
			return &Error{Param: ParamPage, Value: page, Accepted: "a page number from 1, with limit as the page size"}
		}
		q.Page = n
	}
	for _, name := range t.FilterNames() {
		v, ok, err := get(name)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		f := t.filters[name]
		if f.Values != nil && !slices.ContainsFunc(f.Values, func(a string) bool { return a == v || f.FoldCase && strings.EqualFold(a, v) }) {
			return &Error{Param: name, Value: v, Accepted: strings.Join(f.Values, ", ")}
		}
		if err := q.addFilter(t, name, v, env); err != nil {
			return err
		}
	}
	return nil
}

func (q *Query) parseCompat(values url.Values, t *Type, env Env) error {
	last := func(param string) string {
		vs := values[param]
		if len(vs) == 0 {
			return ""
		}
		return vs[len(vs)-1]
	}
	q.SortBy = SortByCreationTimestamp
	if key, ok := t.sortKey(last(ParamSortBy)); ok {
		q.SortBy = key
	}
	q.Ascending, _ = strconv.ParseBool(last(ParamAscending))
	q.Page = 1
	if n, err := strconv.Atoi(last(ParamPage)); err == nil {
		q.Page = n
	}
	if n, err := strconv.Atoi(last(ParamLimit)); err == nil {
		q.Limit = n
	}
	if s := last(ParamLabelSelector); s != "" {
		sel, err := parseSelector(s)
		if err != nil {
			return &Error{Param: ParamLabelSelector, Value: s, Reason: err.Error()}
		}
		q.LabelSelector = sel
		q.addLabels(sel)
	}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		switch name {
		case ParamPage, ParamLimit, ParamSortBy, ParamAscending, ParamLabelSelector:
			continue
		}
		if _, ok := t.filters[name]; !ok {
			q.MatchNothing = true
			continue
		}
		if err := q.addFilter(t, name, last(name), env); err != nil {
			// KubeSphere matches nothing on a value it cannot use (a
			// malformed label filter).
			q.MatchNothing = true
		}
	}
	return nil
}

func (q *Query) addFilter(t *Type, name, value string, env Env) error {
	f := t.filters[name]
	for _, r := range f.Reads {
		q.Reads = append(q.Reads, ParamRead{Param: name, Read: r})
	}
	if name == "namespace" && t.Namespaced {
		q.Namespace = value
	}
	if f.Labels {
		sel, err := parseSelector(value)
		if err != nil {
			return &Error{Param: name, Value: value, Reason: err.Error()}
		}
		q.addLabels(sel)
		return nil
	}
	if f.Attr != nil {
		i := t.attrIndex(name)
		if t.indexed[i] {
			q.Attrs = append(q.Attrs, AttrValue{attr: i, value: value})
			return nil
		}
		if f.FoldCase {
			q.Filters = append(q.Filters, func(it *Item) bool { return strings.EqualFold(it.attrs[i], value) })
		} else {
			q.Filters = append(q.Filters, func(it *Item) bool { return it.attrs[i] == value })
		}
		return nil
	}
	p, err := f.Compile(value, env)
	if err != nil {
		return &Error{Param: name, Value: value, Reason: err.Error()}
	}
	if f.NameSubstring {
		q.NameSig |= NameSignature(value)
	}
	q.Filters = append(q.Filters, p)
	return nil
}

func (q *Query) addLabels(sel labels.Selector) {
	reqs, selectable := sel.Requirements()
	if !selectable {
		q.MatchNothing = true
	}
	q.Labels = append(q.Labels, reqs...)
}

// Matches reports whether obj passes the query's filters and label
// requirements, as a list would judge it (watches filter their events with
// it).
func (q *Query) Matches(t *Type, obj runtime.Object) bool {
	if q.MatchNothing {
		return false
	}
	if len(q.Labels) > 0 {
		ls := labels.Set(objectLabels(obj))
		for _, req := range q.Labels {
			if !req.Matches(ls) {
				return false
			}
		}
	}
	filters := q.Filters
	if len(q.Attrs) > 0 {
		filters = slices.Clip(filters)
		for _, a := range q.Attrs {
			filters = append(filters, a.matches)
		}
	}
	return t.Matches(obj, filters)
}

// AttrValue is a filter on an attribute the index keeps postings of: the
// objects whose attribute equals a value.
type AttrValue struct {
	attr  int // index in Type.attrs
	value string
}

func (a AttrValue) matches(it *Item) bool { return it.attrs[a.attr] == a.value }

// Predicate is the filter as a predicate, evaluated on each item.
func (a AttrValue) Predicate() Predicate { return a.matches }

// Bounds returns the offset and the page size (negative: everything) that
// a Compat page/limit selects, with KubeSphere's rules: no limit (-1) is
// everything; a negative limit or offset, or one that does not fit, is an
// empty page (an offset past the end gives one too).
func (q *Query) Bounds() (offset, limit int) {
	if q.Limit == -1 {
		return 0, -1
	}
	offset, ok := Offset(q.Page, q.Limit)
	if !ok || q.Limit < 0 || offset < 0 {
		return 0, 0
	}
	return offset, q.Limit
}

// Offset returns (page-1)*limit, the number of items before a page, and false
// when it does not fit in an int.
func Offset(page, limit int) (int, bool) {
	p := int64(page) - 1
	l := int64(limit)
	if p != 0 && l != 0 && (p > math.MaxInt32 || p < math.MinInt32 || l > math.MaxInt32 || l < math.MinInt32) {
		return 0, false
	}
	return int(p * l), true
}
