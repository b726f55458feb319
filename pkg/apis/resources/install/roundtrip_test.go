package install

import (
	"math/rand"
	"os"
	"strconv"
	"testing"

	"k8s.io/apimachinery/pkg/api/apitesting/fuzzer"
	"k8s.io/apimachinery/pkg/api/apitesting/roundtrip"
	metafuzzer "k8s.io/apimachinery/pkg/apis/meta/fuzzer"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
)

// Every type must survive conversion between the internal and v1alpha3
// versions and encoding, in JSON and in protobuf, unchanged.
// CustomResourceDefinitions are left out: random recursive JSON schemas make
// the fuzzer run for minutes, and their conversion is the same plain field
// assignment as every other mirror's (test/e2e lists them in protobuf).
func TestRoundTripTypes(t *testing.T) {
	scheme := runtime.NewScheme()
	Install(scheme)
	skip := map[schema.GroupVersionKind]bool{}
	for _, gv := range []schema.GroupVersion{resources.SchemeGroupVersion, v1alpha3.SchemeGroupVersion} {
		skip[gv.WithKind("CustomResourceDefinition")] = true
		skip[gv.WithKind("CustomResourceDefinitionList")] = true
	}
	codecs := serializer.NewCodecFactory(scheme)
	seed := rand.Int63()
	if s := os.Getenv("KS_FUZZ_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseInt(s, 10, 64); err != nil {
			t.Fatalf("KS_FUZZ_SEED: %v", err)
		}
	}
	t.Logf("fuzzer seed %d (KS_FUZZ_SEED=%d repeats this run)", seed, seed)
	f := fuzzer.FuzzerFor(metafuzzer.Funcs, rand.NewSource(seed), codecs)
	roundtrip.RoundTripTypes(t, scheme, codecs, f, skip)
}
