package query_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
	"github.com/ks-apiserver/ks-apiserver/test/fixtures"
)

// FuzzParse feeds arbitrary query strings to the parser, in both modes, for
// every resource type, and runs what parses over a small index: nothing
// panics, and every rejection is a *query.Error naming a parameter.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"", "sortBy=createTime&limit=10", "sortBy=name&ascending=true&page=3&limit=2",
		"name=svc&status=Running", "status=running", "label=app%3Dweb", "label=a%3D(b",
		"annotation=!x", "names=a,b,,c", "page=0&limit=-5", "page=99999999999999999999&limit=9223372036854775807",
		"page=-9223372036854775808&limit=-1", "ascending=maybe", "sortBy=updateTime", "sortBy=sortBy=",
		"labelSelector=a%20in%20(b", "ownerReference=x&ownerKind=ReplicaSet", "uid=&namespace=", "%zz",
		"nodeName=node-0001&phase=Pending", "storageClassName=&status=BOUND", "email=a&ingroup=b&notingroup=c",
	} {
		f.Add(seed, uint8(0), false)
		f.Add(seed, uint8(6), true)
	}
	all := registryresources.All()
	ix := map[string]*query.Index{}
	for i := range all {
		ix[all[i].Name] = query.NewIndex(all[i].QueryType())
	}
	for i := range 50 {
		_ = ix["pods"].Set(fixtures.RealisticPod(i))
		_ = ix["nodes"].Set(fixtures.RealisticNode(i))
	}
	f.Fuzz(func(t *testing.T, raw string, resource uint8, compat bool) {
		values, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		res := &all[int(resource)%len(all)]
		mode := query.Native
		if compat {
			mode = query.Compat
		}
		q, err := query.Parse(values, mode, res.QueryType(), nil)
		if err != nil {
			var qe *query.Error
			if !errors.As(err, &qe) || qe.Param == "" {
				t.Fatalf("%q: error %v is not a *query.Error naming a parameter", raw, err)
			}
			return
		}
		offset, limit := q.Bounds()
		if offset < 0 || limit < -1 {
			t.Fatalf("%q: bounds offset %d, limit %d", raw, offset, limit)
		}
		r := ix[res.Name].Snapshot().List(query.Request{
			Namespace: q.Namespace, SortBy: q.SortBy, Descending: !q.Ascending,
			Filters: q.Filters, Labels: q.Labels, Attrs: q.Attrs, NameSig: q.NameSig, Offset: offset, Limit: limit,
		})
		if len(r.Items) > r.Total || r.Remaining < 0 || limit >= 0 && len(r.Items) > limit {
			t.Fatalf("%q: %d items, total %d, remaining %d", raw, len(r.Items), r.Total, r.Remaining)
		}
	})
}
