package mirror

import (
	"fmt"
	"net/url"
	"slices"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ks-apiserver/ks-apiserver/pkg/query"
)

func testPods() *Resource {
	return &Resource{Name: "pods", SingularName: "pod", Kind: "Pod", Namespaced: true}
}

func testNodes() *Resource {
	return &Resource{Name: "nodes", SingularName: "node", Kind: "Node"}
}

// lastRV numbers test objects as etcd would.
var lastRV atomic.Uint64

func pod(ns, name string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		Namespace: ns, Name: name, Labels: labels, ResourceVersion: fmt.Sprint(lastRV.Add(1)),
	}}
}

// synced is a cache holding objs as its initial state.
func synced(res *Resource, objs ...runtime.Object) *Cache {
	c := NewCache(res, 100)
	for _, o := range objs {
		c.apply(watch.Added, o, nil)
	}
	c.synced, c.windowStart = true, c.rv
	return c
}

func podCache(pods ...*corev1.Pod) *Cache {
	objs := make([]runtime.Object, len(pods))
	for i, p := range pods {
		objs[i] = p
	}
	return synced(testPods(), objs...)
}

func names(objs []runtime.Object) []string {
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		m, _ := accessor(o)
		if m.GetNamespace() != "" {
			out = append(out, m.GetNamespace()+"/"+m.GetName())
		} else {
			out = append(out, m.GetName())
		}
	}
	return out
}

// The cache holds pods whose keys sort differently from (namespace, name):
// "a-b/x" < "a/x" as strings, but namespace "a" < "a-b".
var orderingPods = []*corev1.Pod{
	pod("a-b", "x", map[string]string{"app": "web", "tier": "front"}),
	pod("a", "z", map[string]string{"app": "web"}),
	pod("a", "x", map[string]string{"app": "db"}),
	pod("b", "x", nil),
	pod("a", "y", map[string]string{"app": "web", "tier": "back"}),
}

func TestStoreList(t *testing.T) {
	store := NewStore(testPods(), podCache(orderingPods...))
	tests := []struct {
		name      string
		namespace string
		label     string
		field     string
		want      []string
	}{
		{name: "all namespaces in namespace, name order", want: []string{"a/x", "a/y", "a/z", "a-b/x", "b/x"}},
		{name: "one namespace", namespace: "a", want: []string{"a/x", "a/y", "a/z"}},
		{name: "namespace with no objects", namespace: "c", want: []string{}},
		{name: "label equality", label: "app=web", want: []string{"a/y", "a/z", "a-b/x"}},
		{name: "label set and namespace", namespace: "a", label: "app in (web,db),tier!=back", want: []string{"a/x", "a/z"}},
		{name: "label exists", label: "tier", want: []string{"a/y", "a-b/x"}},
		{name: "label does not exist", label: "!app", want: []string{"b/x"}},
		{name: "field name across namespaces", field: "metadata.name=x", want: []string{"a/x", "a-b/x", "b/x"}},
		{name: "field name in namespace", namespace: "a-b", field: "metadata.name=x", want: []string{"a-b/x"}},
		{name: "field name not found", field: "metadata.name=nope", want: []string{}},
		{name: "field namespace", field: "metadata.namespace=a", want: []string{"a/x", "a/y", "a/z"}},
		{name: "field namespace disagrees with request namespace", namespace: "b", field: "metadata.namespace=a", want: []string{}},
		{name: "field inequality", field: "metadata.name!=x", want: []string{"a/y", "a/z"}},
		{name: "field and label", field: "metadata.namespace=a", label: "app=web", want: []string{"a/y", "a/z"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			label, err := labels.Parse(tc.label)
			if err != nil {
				t.Fatal(err)
			}
			field, err := fields.ParseSelector(tc.field)
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := store.List(tc.namespace, label, field)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if g, w := names(got), tc.want; !slices.Equal(g, w) {
				t.Errorf("List = %v, want %v", g, w)
			}
		})
	}
}

func TestStoreListUnsupportedField(t *testing.T) {
	store := NewStore(testPods(), podCache(orderingPods...))
	_, _, err := store.List("", nil, fields.OneTermEqualSelector("spec.nodeName", "n1"))
	if !apierrors.IsBadRequest(err) {
		t.Fatalf("List with unsupported field: got %v, want a BadRequest", err)
	}
	want := `field label "spec.nodeName" is not supported for pods: supported fields are metadata.name, metadata.namespace`
	if err.Error() != want {
		t.Errorf("message = %q, want %q", err.Error(), want)
	}
}

func TestStoreResourceFields(t *testing.T) {
	res := testPods()
	res.New = func() runtime.Object { return &corev1.Pod{} }
	res.ToUpstream = func(obj runtime.Object) runtime.Object { return obj }
	res.Fields = FieldsOf(func(p *corev1.Pod) fields.Set {
		return fields.Set{"spec.nodeName": p.Spec.NodeName}
	})
	p1, p2 := pod("a", "p1", nil), pod("a", "p2", nil)
	p1.Spec.NodeName = "n1"
	store := NewStore(res, synced(res, p1, p2))
	got, _, err := store.List("", nil, fields.OneTermEqualSelector("spec.nodeName", "n1"))
	if err != nil {
		t.Fatal(err)
	}
	if g := names(got); !slices.Equal(g, []string{"a/p1"}) {
		t.Errorf("spec.nodeName=n1 = %v, want [a/p1]", g)
	}
	if _, _, err := res.FieldLabelConversionFunc()("spec.nodeName", "n1"); err != nil {
		t.Errorf("declared field rejected: %v", err)
	}
	if _, _, err := res.FieldLabelConversionFunc()("status.phase", "x"); err == nil {
		t.Error("undeclared field accepted")
	}
}

func TestStoreGet(t *testing.T) {
	store := NewStore(testPods(), podCache(orderingPods...))
	if obj, ok, _ := store.Get("a", "y"); !ok || obj.(*corev1.Pod).Labels["tier"] != "back" {
		t.Errorf("Get(a, y) = %v, %v", obj, ok)
	}
	for _, key := range [][2]string{{"a", "nope"}, {"c", "x"}, {"", "x"}} {
		if _, ok, _ := store.Get(key[0], key[1]); ok {
			t.Errorf("Get(%q, %q) found, want not found", key[0], key[1])
		}
	}
}

func TestStoreClusterScoped(t *testing.T) {
	var nodes []runtime.Object
	for _, n := range []string{"n3", "n1", "n2"} {
		nodes = append(nodes, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n, Labels: map[string]string{"zone": n[1:]}, ResourceVersion: fmt.Sprint(lastRV.Add(1))}})
	}
	store := NewStore(testNodes(), synced(testNodes(), nodes...))
	got, _, err := store.List("", nil, nil)
	if err != nil || !slices.Equal(names(got), []string{"n1", "n2", "n3"}) {
		t.Errorf("List = %v, %v", names(got), err)
	}
	got, _, err = store.List("", labels.SelectorFromSet(labels.Set{"zone": "2"}), fields.OneTermEqualSelector("metadata.name", "n2"))
	if err != nil || !slices.Equal(names(got), []string{"n2"}) {
		t.Errorf("List(zone=2, name=n2) = %v, %v", names(got), err)
	}
	if _, ok, _ := store.Get("", "n1"); !ok {
		t.Error("Get(n1) not found")
	}
	// Cluster-scoped resources have no metadata.namespace to match.
	got, _, err = store.List("", nil, fields.OneTermEqualSelector("metadata.namespace", "x"))
	if err != nil || len(got) != 0 {
		t.Errorf("List(metadata.namespace=x) = %v, %v; want nothing", names(got), err)
	}
}

// The Kubernetes label selector, the KubeSphere labelSelector and label
// filter (as /kapis gives them), and the label selector left beside search
// labels all narrow one list together, from the label index, and a watch
// judges objects by the same label requirements.
func TestStoreSelectLabelSources(t *testing.T) {
	cache := podCache(orderingPods...)
	store := NewStore(testPods(), cache)
	typ := testPods().QueryType()
	q, err := query.Parse(url.Values{"labelSelector": {"app in (web,db)"}, "label": {"!tier"}}, query.Compat, typ, nil)
	if err != nil || len(q.Filters) != 0 || len(q.Labels) != 2 {
		t.Fatalf("parse: %v, %d predicates, %d label requirements", err, len(q.Filters), len(q.Labels))
	}
	rest, search, err := splitSearchSelector(labels.SelectorFromSet(labels.Set{"app": "web", SearchLabelPrefix + "sortBy": "name"}))
	if err != nil || search["sortBy"] != "name" {
		t.Fatalf("split: %v %v", search, err)
	}
	res, _, err := store.Select(Selection{Label: rest, Query: q, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range res.Items {
		got = append(got, it.Namespace+"/"+it.Name)
	}
	if !slices.Equal(got, []string{"a/z"}) || res.Total != 1 {
		t.Fatalf("app in (web,db), !tier, app=web: %v (total %d), want [a/z]", got, res.Total)
	}
	for _, p := range orderingPods {
		want := p.Namespace == "a" && p.Name == "z" || p.Labels["app"] == "db"
		if got := q.Matches(typ, p); got != want {
			t.Errorf("watch filter on %s/%s: %v, want %v", p.Namespace, p.Name, got, want)
		}
	}
	if res, _, _ := store.Select(Selection{Label: labels.Nothing(), Limit: -1}); res.Total != 0 {
		t.Errorf("labels.Nothing() selected %d", res.Total)
	}
}
