package resources_test

import (
	"reflect"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsfake "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset/fake"
	apiextensionsinformers "k8s.io/apiextensions-apiserver/pkg/client/informers/externalversions"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/cache"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	"github.com/ks-apiserver/ks-apiserver/pkg/apiserver"
	generatedfake "github.com/ks-apiserver/ks-apiserver/pkg/generated/clientset/versioned/fake"
	generatedinformers "github.com/ks-apiserver/ks-apiserver/pkg/generated/informers/externalversions"
	"github.com/ks-apiserver/ks-apiserver/pkg/printers"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
)

// Every declaration must be consistent with the API types and the upstream
// informers, or the server would fail at start or at the first request.
func TestDeclarations(t *testing.T) {
	// The upstream types and informers of every source the server uses.
	upstreamScheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(upstreamScheme))
	utilruntime.Must(apiextensionsv1.AddToScheme(upstreamScheme))
	utilruntime.Must(iamv1beta1.AddToScheme(upstreamScheme))
	builtin := informers.NewSharedInformerFactory(fake.NewClientset(), 0)
	crds := apiextensionsinformers.NewSharedInformerFactory(apiextensionsfake.NewClientset(), 0)
	owned := generatedinformers.NewSharedInformerFactory(generatedfake.NewSimpleClientset(), 0)
	informerFor := func(gvr schema.GroupVersionResource) (cache.SharedIndexInformer, error) {
		if inf, err := builtin.ForResource(gvr); err == nil {
			return inf.Informer(), nil
		}
		if inf, err := crds.ForResource(gvr); err == nil {
			return inf.Informer(), nil
		}
		inf, err := owned.ForResource(gvr)
		if err != nil {
			return nil, err
		}
		return inf.Informer(), nil
	}
	seen := map[string]bool{}
	for _, res := range resources.All() {
		t.Run(res.Name, func(t *testing.T) {
			if seen[res.Name] {
				t.Fatalf("resource %s declared twice", res.Name)
			}
			seen[res.Name] = true

			gvks, _, err := apiserver.Scheme.ObjectKinds(res.New())
			if err != nil {
				t.Fatalf("New() type not in the scheme: %v", err)
			}
			if !containsKind(gvks, res.Kind) {
				t.Errorf("New() is %v, declared kind %s", gvks, res.Kind)
			}
			if _, err := apiserver.Scheme.New(v1alpha3.SchemeGroupVersion.WithKind(res.Kind)); err != nil {
				t.Errorf("kind %s is not served in v1alpha3: %v", res.Kind, err)
			}
			list := res.NewList()
			if !meta.IsListType(list) {
				t.Errorf("NewList() %T is not a list", list)
			}
			if f := reflect.ValueOf(list).Elem().FieldByName("TotalItems"); !f.IsValid() {
				t.Errorf("%T has no TotalItems", list)
			}

			informer, err := informerFor(res.Upstream)
			if err != nil {
				t.Fatalf("no informer for upstream %s: %v", res.Upstream, err)
			}
			upstream, err := upstreamScheme.New(res.Upstream.GroupVersion().WithKind(res.Kind))
			if err != nil {
				t.Fatalf("upstream kind: %v", err)
			}
			accessor, _ := meta.Accessor(upstream)
			accessor.SetName("x")
			served := res.ToServed(upstream)
			if reflect.TypeOf(served) != reflect.TypeOf(res.New()) {
				t.Errorf("Convert returns %T, New returns %T", served, res.New())
			}
			if m, _ := meta.Accessor(served); m.GetName() != "x" {
				t.Errorf("Convert lost the name")
			}
			back := res.ToUpstream(served)
			if reflect.TypeOf(back) != reflect.TypeOf(upstream) || !reflect.DeepEqual(back, upstream) {
				t.Errorf("ToUpstream(Convert(x)) = %#v, want %#v", back, upstream)
			}
			if _, ok := printers.For(res.Upstream); !ok {
				t.Errorf("no table for %s", res.Upstream)
			}
			if _, ok := informer.GetIndexer().GetIndexers()["namespace"]; res.Namespaced && !ok {
				t.Errorf("namespaced resource without a namespace index")
			}
			for _, f := range res.SelectableFields() {
				if _, _, err := apiserver.Scheme.ConvertFieldLabel(v1alpha3.SchemeGroupVersion.WithKind(res.Kind), f, "v"); err != nil {
					t.Errorf("field %s not accepted by the scheme: %v", f, err)
				}
			}
		})
	}
}

func containsKind(gvks []schema.GroupVersionKind, kind string) bool {
	for _, gvk := range gvks {
		if gvk.Kind == kind {
			return true
		}
	}
	return false
}
