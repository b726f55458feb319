package apiserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apiserver/pkg/endpoints/handlers/negotiation"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
)

const (
	protobufFirst = "application/vnd.kubernetes.protobuf, application/json"
	protobufOnly  = "application/vnd.kubernetes.protobuf"
)

// Every served type has generated protobuf, so the group keeps negotiating it.
func TestServedTypesHaveProtobuf(t *testing.T) {
	if missing := withoutProtobuf(Scheme, v1alpha3.SchemeGroupVersion); len(missing) > 0 {
		t.Errorf("kinds without protobuf marshalling: %v (run hack/update-codegen.sh)", missing)
	}
	ns := negotiatedSerializer(Scheme, Codecs, v1alpha3.SchemeGroupVersion)
	if _, ok := runtime.SerializerInfoForMediaType(ns.SupportedMediaTypes(), runtime.ContentTypeProtobuf); !ok {
		t.Error("the group does not offer protobuf")
	}
	list := &v1alpha3.PodList{Items: []v1alpha3.Pod{{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "ns"}}}}
	rec := writeNegotiated(ns, v1alpha3.SchemeGroupVersion, protobufFirst, list)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != runtime.ContentTypeProtobuf {
		t.Errorf("protobuf-first PodList: %d %q: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
}

// A group with a type that has no protobuf answers protobuf-first clients in
// JSON (the protobuf serializer would answer 406), and protobuf-only clients
// with 406 before encoding anything.
func TestProtobufFallsBackToJSON(t *testing.T) {
	gv := schema.GroupVersion{Group: "fallback.example.com", Version: "v1"}
	scheme := runtime.NewScheme()
	// metav1.Table is a runtime.Object without protobuf marshalling.
	scheme.AddKnownTypes(gv, &metav1.Table{}, &metav1.Status{})
	codecs := serializer.NewCodecFactory(scheme)
	obj := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{{Name: "Name", Type: "string"}}}

	if rec := writeNegotiated(codecs, gv, protobufFirst, obj); rec.Code != http.StatusNotAcceptable {
		t.Fatalf("without the fallback, protobuf-first: %d, want the 406 the fallback avoids", rec.Code)
	}
	ns := negotiatedSerializer(scheme, codecs, gv)
	rec := writeNegotiated(ns, gv, protobufFirst, obj)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), runtime.ContentTypeJSON) {
		t.Errorf("protobuf-first: %d %q, want 200 JSON: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	if !strings.Contains(rec.Body.String(), `"columnDefinitions"`) {
		t.Errorf("protobuf-first: body %s", rec.Body)
	}
	if rec := writeNegotiated(ns, gv, protobufOnly, obj); rec.Code != http.StatusNotAcceptable {
		t.Errorf("protobuf-only: %d, want 406", rec.Code)
	}
}

func writeNegotiated(ns runtime.NegotiatedSerializer, gv schema.GroupVersion, accept string, obj runtime.Object) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/apis/"+gv.String()+"/things", nil)
	req.Header.Set("Accept", accept)
	rec := httptest.NewRecorder()
	responsewriters.WriteObjectNegotiated(ns, negotiation.DefaultEndpointRestrictions, gv, rec, req, http.StatusOK, obj, false)
	return rec
}
