package resources_test

import (
	"encoding/json"
	"math/rand"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/apitesting/fuzzer"
	metafuzzer "k8s.io/apimachinery/pkg/apis/meta/fuzzer"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/randfill"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	"github.com/ks-apiserver/ks-apiserver/pkg/apiserver"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
)

// droppedOnPurpose names, per resource, the JSON paths of upstream fields the
// design does not serve (DESIGN.md): a User's password in any form, and a
// Secret's write-only stringData, which kube-apiserver folds into data and
// never returns. Every other field must reach the client unchanged.
var droppedOnPurpose = map[string][]string{
	"users":   {"spec.password", "metadata.annotations." + lastAppliedKey},
	"secrets": {"stringData"},
}

const lastAppliedKey = "kubectl.kubernetes.io/last-applied-configuration"

// fuzzRounds is how many fuzzed objects each resource round-trips.
const fuzzRounds = 30

// TestDeclarationsRoundTripFuzzed fills upstream objects with the
// apimachinery fuzzer (sample-apiserver's roundtrip pattern) and checks that
// serving one (Convert, then the v1alpha3 conversion) gives the same JSON as
// upstream's, apiVersion and the fields dropped on purpose aside, and that
// ToUpstream gives the object back. A field a conversion forgets fails here.
func TestDeclarationsRoundTripFuzzed(t *testing.T) {
	upstreamScheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(upstreamScheme))
	utilruntime.Must(apiextensionsv1.AddToScheme(upstreamScheme))
	utilruntime.Must(iamv1beta1.AddToScheme(upstreamScheme))
	codecs := serializer.NewCodecFactory(upstreamScheme)

	seed := time.Now().UnixNano()
	if s := os.Getenv("KS_FUZZ_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseInt(s, 10, 64); err != nil {
			t.Fatalf("KS_FUZZ_SEED: %v", err)
		}
	}
	t.Logf("fuzzer seed %d (KS_FUZZ_SEED=%d repeats this run)", seed, seed)
	// The fuzzer's defaults (half the optional fields nil, at most one
	// element per slice or map); fuzzRounds objects per resource set every
	// field in some round.
	funcs := fuzzer.MergeFuzzerFuncs(metafuzzer.Funcs, jsonFuzzerFuncs)
	f := fuzzer.FuzzerFor(funcs, rand.NewSource(seed), codecs)
	// A CRD's schema is recursive with about ten branches per level: bounded
	// depth keeps it from growing without end; 12 still reaches a property
	// of the top-level schema.
	shallow := fuzzer.FuzzerFor(funcs, rand.NewSource(seed), codecs).MaxDepth(12)

	for _, res := range resources.All() {
		t.Run(res.Name, func(t *testing.T) {
			for range fuzzRounds {
				upstream, err := upstreamScheme.New(res.Upstream.GroupVersion().WithKind(res.Kind))
				if err != nil {
					t.Fatalf("upstream kind: %v", err)
				}
				if res.Name == "customresourcedefinitions" {
					shallow.Fill(upstream)
				} else {
					f.Fill(upstream)
				}
				if a, ok := upstream.(interface{ GetAnnotations() map[string]string }); ok && res.Name == "users" && a.GetAnnotations() != nil {
					// Exercise the dropped annotation too.
					a.GetAnnotations()[lastAppliedKey] = `{"spec":{"password":"p"}}`
				}
				want := jsonMap(t, upstream)

				served := res.ToServed(upstream)
				versioned, err := apiserver.Scheme.ConvertToVersion(served, v1alpha3.SchemeGroupVersion)
				if err != nil {
					t.Fatalf("convert to v1alpha3: %v", err)
				}
				got := jsonMap(t, versioned)

				for _, path := range droppedOnPurpose[res.Name] {
					if _, ok := lookup(got, path); ok {
						t.Fatalf("%s is served, the design drops it", path)
					}
					remove(want, path)
				}
				for _, m := range []map[string]any{want, got} {
					delete(m, "apiVersion")
					delete(m, "kind")
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("served JSON differs from upstream JSON (-upstream +served):\n%s", diff)
				}

				if len(droppedOnPurpose[res.Name]) == 0 {
					if back := res.ToUpstream(served); !reflect.DeepEqual(back, upstream) {
						t.Fatalf("ToUpstream(Convert(x)) differs from x: %s", cmp.Diff(upstream, back))
					}
				}
			}
		})
	}
}

// jsonFuzzerFuncs fills a CRD's free-form JSON values (defaults, examples)
// with valid JSON, as kube-apiserver stores them.
func jsonFuzzerFuncs(serializer.CodecFactory) []any {
	return []any{
		func(j *apiextensionsv1.JSON, c randfill.Continue) {
			raw, _ := json.Marshal(map[string]string{c.String(8): c.String(8)})
			j.Raw = raw
		},
	}
}

// jsonMap is obj's JSON as a generic map.
func jsonMap(t *testing.T, obj runtime.Object) map[string]any {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatalf("marshal %T: %v", obj, err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("unmarshal %T: %v", obj, err)
	}
	return m
}

// splitPath splits a dotted path whose last element may itself contain dots
// (an annotation key): the first two elements are struct fields.
func splitPath(path string) []string {
	parts := strings.SplitN(path, ".", 3)
	return parts
}

func lookup(m map[string]any, path string) (any, bool) {
	var cur any = m
	for _, p := range splitPath(path) {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = mm[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func remove(m map[string]any, path string) {
	parts := splitPath(path)
	cur := m
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur[p].(map[string]any)
		if !ok {
			return
		}
		cur = next
	}
	delete(cur, parts[len(parts)-1])
	if len(cur) == 0 && len(parts) > 1 {
		// An annotations map left empty by the removal is omitted upstream-side
		// only if it was empty before; keep the comparison on content.
		remove(m, strings.Join(parts[:len(parts)-1], "."))
	}
}
