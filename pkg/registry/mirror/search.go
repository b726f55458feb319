package mirror

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// SearchLabelPrefix spells a KubeSphere query parameter as a label selector
// requirement, for clients that can only pass selectors (kubectl get -l):
// search.resources.kubesphere.io/sortBy=creationTimestamp (or sort-by=...)
// is sortBy=creationTimestamp.
const SearchLabelPrefix = "search.resources.kubesphere.io/"

type queryValuesKey struct{}

// WithQueryValues returns ctx carrying the query parameters of a request, so
// lists can read the KubeSphere parameters the Kubernetes list options do not
// have.
func WithQueryValues(ctx context.Context, values url.Values) context.Context {
	return context.WithValue(ctx, queryValuesKey{}, values)
}

func queryValuesFrom(ctx context.Context) url.Values {
	values, _ := ctx.Value(queryValuesKey{}).(url.Values)
	return values
}

// splitSearchSelector takes the search.resources.kubesphere.io/ requirements
// out of a label selector, as query parameters.
func splitSearchSelector(sel labels.Selector) (labels.Selector, map[string]string, error) {
	if sel == nil {
		return nil, nil, nil
	}
	reqs, selectable := sel.Requirements()
	if !selectable {
		return sel, nil, nil
	}
	var params map[string]string
	rest := labels.NewSelector()
	for _, req := range reqs {
		param, ok := strings.CutPrefix(req.Key(), SearchLabelPrefix)
		if !ok {
			rest = rest.Add(req)
			continue
		}
		op := req.Operator()
		if (op != selection.Equals && op != selection.DoubleEquals) || req.Values().Len() != 1 {
			return nil, nil, apierrors.NewBadRequest(fmt.Sprintf(
				"invalid labelSelector requirement on %s: query parameters given as labels take one value with =, as in %ssortBy=creationTimestamp",
				req.Key(), SearchLabelPrefix))
		}
		if params == nil {
			params = map[string]string{}
		}
		if _, dup := params[param]; dup {
			return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("invalid labelSelector: %s is given more than once", req.Key()))
		}
		params[param] = req.Values().List()[0]
	}
	return rest, params, nil
}

// searchParam is the query parameter a search label names: the parameter
// itself (sortBy) or its kebab-case spelling (sort-by).
func searchParam(label string) string {
	parts := strings.Split(label, "-")
	for i := 1; i < len(parts); i++ {
		if p := parts[i]; p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}
