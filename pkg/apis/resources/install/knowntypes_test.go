package install

import (
	"reflect"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
)

func kindNames(objs []runtime.Object) []string {
	var names []string
	for _, obj := range objs {
		names = append(names, reflect.TypeOf(obj).Elem().Name())
	}
	return names
}

// The internal and v1alpha3 versions list the same kinds in the same order:
// a kind added to one list only would be served without a conversion hub,
// or registered without a served version.
func TestKnownTypesAgree(t *testing.T) {
	internal, served := kindNames(resources.KnownTypes()), kindNames(v1alpha3.KnownTypes())
	if len(served) == 0 || !slices.Equal(internal, served) {
		t.Errorf("internal KnownTypes %v\nv1alpha3 KnownTypes %v", internal, served)
	}
}
