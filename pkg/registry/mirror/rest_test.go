package mirror

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
)

// servedPod and servedPodList stand in for the generated API types: the
// storage is generic and must work with any object and list pair.
type servedPod struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	Spec corev1.PodSpec
}

func (p *servedPod) DeepCopyObject() runtime.Object { c := *p; return &c }

type servedPodList struct {
	metav1.TypeMeta
	metav1.ListMeta
	TotalItems int64
	Items      []servedPod
}

func (l *servedPodList) DeepCopyObject() runtime.Object { c := *l; return &c }

var podsResource = schema.GroupResource{Group: "resources.kubesphere.io", Resource: "pods"}

func servedPods() *Resource {
	return &Resource{
		Name: "pods", SingularName: "pod", Kind: "Pod", Namespaced: true,
		Upstream: corev1.SchemeGroupVersion.WithResource("pods"),
		New:      func() runtime.Object { return &servedPod{} },
		NewList:  func() runtime.Object { return &servedPodList{} },
		ToServed: func(obj runtime.Object) runtime.Object {
			p := obj.(*corev1.Pod)
			return &servedPod{ObjectMeta: p.ObjectMeta, Spec: p.Spec}
		},
	}
}

// startedREST serves pods from a cache following a real shared informer fed
// by a fake clientset.
func startedREST(t *testing.T, objs ...runtime.Object) *REST {
	t.Helper()
	factory := informers.NewSharedInformerFactory(fake.NewClientset(objs...), 0)
	informer := factory.Core().V1().Pods().Informer()
	up, c := upstreamWith(informer)
	r := NewREST(up.Resources()[0], podsResource, up, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), c.Synced) {
		t.Fatal("cache did not sync")
	}
	return r
}

// upstreamWith is an Upstream that has discovered pods, with a cache
// following informer.
func upstreamWith(informer cache.SharedIndexInformer) (*Caches, *Cache) {
	u := NewCaches(nil, []Resource{*servedPods()}, time.Minute, 100)
	c := NewCache(u.resources[0], 100)
	if err := c.Follow(informer); err != nil {
		panic(err)
	}
	u.caches["pods"] = c
	close(u.discovered)
	return u, c
}

// An upstream API kube-apiserver does not serve lists as empty, gets as
// NotFound, and still rejects bad field selectors.
func TestRESTUpstreamAbsent(t *testing.T) {
	up := NewCaches(nil, []Resource{*servedPods()}, time.Minute, 100)
	r := NewREST(up.Resources()[0], podsResource, up, nil, nil)
	obj, err := r.List(inNamespace(""), nil)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if l := obj.(*servedPodList); l.TotalItems != 0 || l.Items == nil || len(l.Items) != 0 {
		t.Errorf("List = %+v, want an empty page", l)
	}
	if _, err := r.Get(inNamespace("a"), "p", nil); !apierrors.IsNotFound(err) {
		t.Errorf("Get: %v, want NotFound", err)
	}
	_, err = r.List(inNamespace(""), &metainternalversion.ListOptions{FieldSelector: fields.OneTermEqualSelector("spec.x", "y")})
	if !apierrors.IsBadRequest(err) {
		t.Errorf("List with a bad field: %v, want BadRequest", err)
	}
}

// Before the first discovery nothing is absent (readiness that depends on
// a resource must wait for it); after it, what kube-apiserver does not serve.
func TestUpstreamAbsent(t *testing.T) {
	up := NewCaches(nil, []Resource{*servedPods()}, time.Minute, 100)
	if up.Absent("pods") {
		t.Error("pods absent before discovery ran")
	}
	close(up.discovered)
	if !up.Absent("pods") {
		t.Error("pods not absent after a discovery that found no pods")
	}
	served, _ := upstreamWith(cache.NewSharedIndexInformer(nil, &corev1.Pod{}, 0, cache.Indexers{}))
	if served.Absent("pods") {
		t.Error("discovered pods reported absent")
	}
}

func inNamespace(ns string) context.Context {
	return genericapirequest.WithNamespace(context.Background(), ns)
}

func TestRESTGet(t *testing.T) {
	r := startedREST(t, pod("web", "p1", map[string]string{"app": "shop"}))

	obj, err := r.Get(inNamespace("web"), "p1", &metav1.GetOptions{})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if p, ok := obj.(*servedPod); !ok || p.Name != "p1" || p.Labels["app"] != "shop" {
		t.Fatalf("Get returned %#v", obj)
	}

	for _, tc := range []struct{ ns, name string }{{"web", "missing"}, {"other", "p1"}} {
		_, err = r.Get(inNamespace(tc.ns), tc.name, &metav1.GetOptions{})
		if !apierrors.IsNotFound(err) {
			t.Fatalf("Get(%s/%s): got %v, want NotFound", tc.ns, tc.name, err)
		}
		status := err.(apierrors.APIStatus).Status()
		if status.Code != 404 || status.Details.Group != "resources.kubesphere.io" || status.Details.Kind != "pods" || status.Details.Name != tc.name {
			t.Errorf("NotFound status = %+v", status)
		}
	}
}

func TestRESTList(t *testing.T) {
	r := startedREST(t,
		pod("web", "b", map[string]string{"app": "shop"}),
		pod("web", "a", map[string]string{"app": "cart"}),
		pod("db", "c", map[string]string{"app": "shop"}),
	)
	obj, err := r.List(inNamespace(""), &metainternalversion.ListOptions{LabelSelector: labels.SelectorFromSet(labels.Set{"app": "shop"})})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	list := obj.(*servedPodList)
	if list.TotalItems != 2 || len(list.Items) != 2 || list.Items[0].Name != "c" || list.Items[1].Name != "b" {
		t.Errorf("List(app=shop) = total %d, items %+v", list.TotalItems, list.Items)
	}

	obj, err = r.List(inNamespace("web"), nil)
	if err != nil {
		t.Fatalf("List(web): %v", err)
	}
	list = obj.(*servedPodList)
	if list.TotalItems != 2 || list.Items[0].Name != "a" || list.Items[1].Name != "b" {
		t.Errorf("List(web) = %+v", list.Items)
	}

	obj, err = r.List(inNamespace("empty"), nil)
	if err != nil {
		t.Fatalf("List(empty): %v", err)
	}
	if list := obj.(*servedPodList); list.TotalItems != 0 || list.Items == nil {
		t.Errorf("List(empty) = %+v, want an empty, non-nil page", list)
	}
}

func TestRESTNotSynced(t *testing.T) {
	factory := informers.NewSharedInformerFactory(fake.NewClientset(), 0)
	up, _ := upstreamWith(factory.Core().V1().Pods().Informer())
	r := NewREST(up.Resources()[0], podsResource, up, nil, nil)
	_, err := r.List(inNamespace(""), nil)
	if !apierrors.IsServiceUnavailable(err) {
		t.Errorf("List before sync: got %v, want ServiceUnavailable", err)
	}
	_, err = r.Get(inNamespace("web"), "p", &metav1.GetOptions{})
	if !apierrors.IsServiceUnavailable(err) {
		t.Errorf("Get before sync: got %v, want ServiceUnavailable", err)
	}
}

// The served objects share data with the cache; serving must leave the
// cached objects exactly as they were.
func TestRESTDoesNotMutateCache(t *testing.T) {
	r := startedREST(t, pod("web", "p1", map[string]string{"app": "shop"}))
	c, _ := r.cache()
	cached, _, _ := c.get("web", "p1")
	before := cached.(*corev1.Pod).DeepCopy()
	for range 3 {
		if _, err := r.List(inNamespace(""), nil); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Get(inNamespace("web"), "p1", nil); err != nil {
			t.Fatal(err)
		}
	}
	after := cached.(*corev1.Pod)
	if after.ResourceVersion != before.ResourceVersion || after.Labels["app"] != "shop" || after.TypeMeta != before.TypeMeta {
		t.Errorf("cached pod changed: before %+v, after %+v", before, after)
	}
}

func TestSetTotalItems(t *testing.T) {
	if err := setTotalItems(&corev1.PodList{}, 1); err == nil {
		t.Error("setTotalItems accepted a list without TotalItems")
	}
	l := &servedPodList{}
	if err := setTotalItems(l, 7); err != nil || l.TotalItems != 7 {
		t.Errorf("setTotalItems = %v, TotalItems %d", err, l.TotalItems)
	}
}
