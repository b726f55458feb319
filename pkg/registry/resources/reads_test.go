package resources_test

import (
	"net/url"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
)

// readsEnv records what filters and computed annotations read.
type readsEnv struct {
	objNS string
	read  []string
	t     *testing.T
}

func (e *readsEnv) Get(resource, namespace, _ string) (runtime.Object, bool) {
	e.read = append(e.read, resource)
	if namespace != e.objNS {
		e.t.Errorf("Get(%s) in namespace %q, the object is in %q: declare the read AllNamespaces or read the object's namespace", resource, namespace, e.objNS)
	}
	return nil, false
}

func (e *readsEnv) Group(resource, _, _ string) []runtime.Object {
	e.read = append(e.read, resource)
	return nil
}

func resourcesOf(reads []query.Read) []string {
	var out []string
	for _, r := range reads {
		out = append(out, r.Resource)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Every filter and computed annotation declares the other resources it
// reads, which the registry authorizes (a read left undeclared would let a
// caller learn about a resource they may not list): run each on an object
// of its type with an Env that records what they read.
func TestDeclaredReads(t *testing.T) {
	for _, res := range resources.All() {
		t.Run(res.Name, func(t *testing.T) {
			res.CompleteQuery()
			typ := res.QueryType()
			obj := res.ToUpstream(res.New())
			m, err := meta.Accessor(obj)
			if err != nil {
				t.Fatal(err)
			}
			env := &readsEnv{t: t}
			if res.Namespaced {
				m.SetNamespace("ns1")
				env.objNS = "ns1"
			}
			for _, name := range typ.FilterNames() {
				value := "x"
				if f := typ.Filters[name]; len(f.Values) > 0 {
					value = f.Values[0]
				}
				env.read = nil
				q, err := query.Parse(url.Values{name: {value}}, query.Native, typ, env)
				if err != nil {
					t.Fatalf("filter %s=%s: %v", name, value, err)
				}
				typ.Matches(obj, q.Filters)
				var declared []query.Read
				for _, r := range q.Reads {
					declared = append(declared, r.Read)
				}
				slices.Sort(env.read)
				if got, want := slices.Compact(env.read), resourcesOf(declared); !slices.Equal(got, want) {
					t.Errorf("filter %s reads %v, declares %v", name, got, want)
				}
			}
			if typ.Decorate == nil {
				if len(typ.DecorateReads) > 0 {
					t.Errorf("DecorateReads without Decorate")
				}
				return
			}
			env.read = nil
			typ.Decorate(obj, env)
			slices.Sort(env.read)
			if got, want := slices.Compact(env.read), resourcesOf(typ.DecorateReads); !slices.Equal(got, want) {
				t.Errorf("Decorate reads %v, declares %v", got, want)
			}
		})
	}
}
