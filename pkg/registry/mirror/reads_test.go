package mirror

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"github.com/ks-apiserver/ks-apiserver/pkg/kubesphere"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
)

// fakeLists allows the "resource/namespace" pairs it holds ("resource/" is
// every namespace, each one included, as with RBAC) and records the
// questions.
type fakeLists struct {
	allow map[string]bool
	fail  error
	asked []string
}

func (f *fakeLists) AuthorizeList(ctx context.Context, resource, namespace string) (bool, string, error) {
	f.asked = append(f.asked, resource+"/"+namespace)
	if f.fail != nil {
		return false, "", f.fail
	}
	return f.allow[resource+"/"+namespace] || f.allow[resource+"/"], "", nil
}

func asUser(ctx context.Context, name string) context.Context {
	return genericapirequest.WithUser(ctx, &user.DefaultInfo{Name: name})
}

// serviceNameQuery is a pods query with the serviceName filter, as pods
// declare it.
func serviceNameQuery(t *testing.T, values url.Values) *query.Query {
	t.Helper()
	typ := &query.Type{Resource: "pods", Namespaced: true, Filters: map[string]query.Filter{
		"serviceName": {Compile: kubesphere.CompilePodServiceName, Reads: []query.Read{{Resource: "services"}}},
	}}
	q, err := query.Parse(values, query.Native, typ, nil)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestReadsFilters(t *testing.T) {
	ctx := asUser(context.Background(), "x")
	q := serviceNameQuery(t, url.Values{"serviceName": {"web"}})

	authz := &fakeLists{allow: map[string]bool{"services/web-shop": true}}
	err := NewReads(ctx, authz).Filters(podsResource, q, "demo")
	want := `filter "serviceName" reads services: user "x" cannot list services in namespace "demo"`
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), want) {
		t.Errorf("without services in demo: %v, want Forbidden containing %s", err, want)
	}
	if err := NewReads(ctx, authz).Filters(podsResource, q, "web-shop"); err != nil {
		t.Errorf("with services in web-shop: %v", err)
	}
	err = NewReads(ctx, authz).Filters(podsResource, q, "")
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `cannot list services at the cluster scope`) {
		t.Errorf("cluster-wide list without services everywhere: %v", err)
	}
	// A query without such filters asks nothing.
	authz.asked = nil
	if err := NewReads(ctx, authz).Filters(podsResource, serviceNameQuery(t, url.Values{"name": {"web"}}), "demo"); err != nil || len(authz.asked) != 0 {
		t.Errorf("name filter: %v, asked %v", err, authz.asked)
	}
	// A failing authorizer fails closed, as the generic filter does (500).
	err = NewReads(ctx, &fakeLists{fail: errors.New("webhook down")}).Filters(podsResource, q, "demo")
	if status, ok := err.(apierrors.APIStatus); !ok || status.Status().Code != http.StatusInternalServerError {
		t.Errorf("failing authorizer: %v, want a 500", err)
	}
	// Authorization off.
	if err := NewReads(ctx, nil).Filters(podsResource, q, "demo"); err != nil {
		t.Errorf("nil authorizer: %v", err)
	}
}

// One question per distinct permission per request, whatever the number of
// objects; a cluster-wide request asks for every namespace first.
func TestReadsAllowedAsksOncePerPermission(t *testing.T) {
	ctx := asUser(context.Background(), "x")
	pods := query.Read{Resource: "pods"}
	allPods := query.Read{Resource: "pods", AllNamespaces: true}

	authz := &fakeLists{allow: map[string]bool{"pods/": true}}
	r := NewReads(ctx, authz)
	for _, ns := range []string{"a", "b", "a", "c"} {
		if !r.Allowed(pods, "", ns) {
			t.Errorf("pods in %s denied with pods everywhere", ns)
		}
	}
	if !r.Allowed(allPods, "", "") || len(authz.asked) != 1 {
		t.Errorf("asked %v, want pods/ once", authz.asked)
	}

	authz = &fakeLists{allow: map[string]bool{"pods/a": true}}
	r = NewReads(ctx, authz)
	got := map[string]bool{}
	for _, ns := range []string{"a", "b", "a", "b"} {
		got[ns] = r.Allowed(pods, "", ns)
	}
	if !got["a"] || got["b"] || r.Allowed(allPods, "", "") {
		t.Errorf("pods in a only: %v", got)
	}
	if want := "pods/ pods/a pods/b"; strings.Join(authz.asked, " ") != want {
		t.Errorf("asked %v, want %s", authz.asked, want)
	}
	// A namespaced request asks its namespace directly.
	authz.asked = nil
	if !NewReads(ctx, authz).Allowed(pods, "a", "a") || strings.Join(authz.asked, " ") != "pods/a" {
		t.Errorf("namespaced request asked %v", authz.asked)
	}
	if NewReads(ctx, &fakeLists{fail: errors.New("down")}).Allowed(pods, "a", "a") {
		t.Error("a failing authorizer allowed a read")
	}
}

// Computed annotations are left out, on the cached object itself, unless
// every read they need is allowed.
func TestReadsDecorate(t *testing.T) {
	ctx := asUser(context.Background(), "x")
	res := servedPods()
	res.Query.Decorate = func(obj runtime.Object, _ query.Env) runtime.Object {
		p := obj.(*corev1.Pod).DeepCopy()
		p.Annotations = map[string]string{"computed": "1"}
		return p
	}
	res.Query.DecorateReads = []query.Read{{Resource: "pods"}, {Resource: "nodes", AllNamespaces: true}}
	cached := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "p"}}

	for _, c := range []struct {
		allow    map[string]bool
		computed bool
	}{
		{map[string]bool{"pods/a": true, "nodes/": true}, true},
		{map[string]bool{"pods/": true, "nodes/": true}, true},
		{map[string]bool{"pods/b": true, "nodes/": true}, false},
		{map[string]bool{"pods/a": true}, false},
	} {
		out := NewReads(ctx, &fakeLists{allow: c.allow}).Decorate(res, nil, "", cached)
		_, computed := out.(*corev1.Pod).Annotations["computed"]
		if computed != c.computed || !c.computed && out != cached {
			t.Errorf("allowed %v: computed %v, want %v", c.allow, computed, c.computed)
		}
	}
	if cached.Annotations != nil {
		t.Error("the cached object was mutated")
	}
}

func TestListScope(t *testing.T) {
	q := func(ns string) *query.Query { return &query.Query{Namespace: ns} }
	nodes := &Resource{Name: "nodes"}
	for _, c := range []struct {
		res       *Resource
		namespace string
		q         *query.Query
		field     fields.Selector
		want      string
	}{
		{servedPods(), "demo", q("other"), nil, "demo"},
		{servedPods(), "", q("demo"), nil, "demo"},
		{servedPods(), "", q(""), fields.OneTermEqualSelector("metadata.namespace", "data"), "data"},
		{servedPods(), "", q(""), fields.OneTermEqualSelector("metadata.name", "x"), ""},
		{servedPods(), "", nil, nil, ""},
		{nodes, "", q("demo"), nil, ""},
	} {
		if got := ListScope(c.res, c.namespace, c.q, c.field); got != c.want {
			t.Errorf("ListScope(%s, %q, %+v, %v) = %q, want %q", c.res.Name, c.namespace, c.q, c.field, got, c.want)
		}
	}
}

// Lists and watches of the storage check the reads of their filters, given
// as parameters or as search labels, before reading anything.
func TestRESTFilterReads(t *testing.T) {
	pods := servedPods()
	pods.Query.Filters = map[string]query.Filter{
		"serviceName": {Compile: kubesphere.CompilePodServiceName, Reads: []query.Read{{Resource: "services"}}},
	}
	// No cache: the upstream API is absent, and the checks still apply.
	up := NewCaches(nil, []Resource{*pods}, 0, 100)
	authz := &fakeLists{allow: map[string]bool{"services/web-shop": true}}
	r := NewREST(up.Resources()[0], podsResource, up, nil, authz)

	byParam := func(ns string) context.Context {
		return WithQueryValues(asUser(inNamespace(ns), "x"), url.Values{"serviceName": {"web"}})
	}
	byLabel := &metainternalversion.ListOptions{LabelSelector: labels.SelectorFromSet(labels.Set{SearchLabelPrefix + "service-name": "web"})}
	want := `filter "serviceName" reads services: user "x" cannot list services in namespace "demo"`
	for name, call := range map[string]func() error{
		"list":              func() error { _, err := r.List(byParam("demo"), nil); return err },
		"watch":             func() error { _, err := r.Watch(byParam("demo"), nil); return err },
		"list, label":       func() error { _, err := r.List(asUser(inNamespace("demo"), "x"), byLabel); return err },
		"watch, label":      func() error { _, err := r.Watch(asUser(inNamespace("demo"), "x"), byLabel); return err },
		"cluster-wide list": func() error { _, err := r.List(byParam(""), nil); return err },
	} {
		err := call()
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), strings.TrimSuffix(want, ` in namespace "demo"`)) {
			t.Errorf("%s: %v, want Forbidden: %s", name, err, want)
		}
	}
	if _, err := r.List(byParam("demo"), nil); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("list in demo: %v, want %s", err, want)
	}
	if _, err := r.List(byParam("web-shop"), nil); err != nil {
		t.Errorf("list in web-shop with services there: %v", err)
	}
	w, err := r.Watch(byParam("web-shop"), nil)
	if err != nil {
		t.Fatalf("watch in web-shop with services there: %v", err)
	}
	w.Stop()
}
