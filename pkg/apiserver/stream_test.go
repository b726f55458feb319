package apiserver

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/wait"
	genericapifilters "k8s.io/apiserver/pkg/endpoints/filters"
	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	generatedopenapi "github.com/ks-apiserver/ks-apiserver/pkg/generated/openapi"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
	"github.com/ks-apiserver/ks-apiserver/test/fixtures"
)

// podServer is a whole ks-apiserver (generic handler chain included,
// authentication and authorization off) over n realistic pods held by a
// real informer, the way kube-apiserver serves them.
func podServer(t *testing.T, n int) *Server {
	t.Helper()
	objs := make([]k8sruntime.Object, n)
	for i := range objs {
		objs[i] = fixtures.RealisticPod(i)
	}
	client := fake.NewClientset(objs...)
	client.Resources = []*metav1.APIResourceList{{GroupVersion: "v1", APIResources: []metav1.APIResource{{Name: "pods", Namespaced: true, Kind: "Pod"}}}}
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTransform(mirror.Compact))
	up := mirror.NewCaches(client.Discovery(), registryresources.All(), time.Minute, 100, mirror.InformerSource{
		ForResource: func(gvr schema.GroupVersionResource) (cache.SharedIndexInformer, error) {
			inf, err := factory.ForResource(gvr)
			if err != nil {
				return nil, err
			}
			return inf.Informer(), nil
		},
		Start: factory.Start,
	})
	generic := completableConfig()
	generic.LoopbackClientConfig = &rest.Config{Host: "https://127.0.0.1:1"}
	withOpenAPI(generic)
	cfg := &Config{GenericConfig: generic, ExtraConfig: ExtraConfig{Caches: up}}
	completed, err := cfg.Complete()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := completed.New()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go up.Run(ctx)
	if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return up.ReadyCheck().Check(nil) == nil, nil
	}); err != nil {
		t.Fatalf("caches did not sync: %v", err)
	}
	return srv
}

// withOpenAPI gives c the OpenAPI configuration New needs.
func withOpenAPI(c *genericapiserver.RecommendedConfig) {
	namer := openapinamer.NewDefinitionNamer(Scheme)
	c.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(generatedopenapi.GetOpenAPIDefinitions, namer)
	c.OpenAPIV3Config = genericapiserver.DefaultOpenAPIV3Config(generatedopenapi.GetOpenAPIDefinitions, namer)
}

// genericHandler is the generic API handler alone: what answered every list
// before lists were streamed.
func genericHandler(srv *Server) http.Handler {
	resolver := &genericapirequest.RequestInfoFactory{APIPrefixes: sets.NewString("apis"), GrouplessAPIPrefixes: sets.NewString("api")}
	return genericapifilters.WithRequestInfo(srv.GenericAPIServer.Handler.Director, resolver)
}

func get(h http.Handler, path string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func body(t *testing.T, rec *httptest.ResponseRecorder) []byte {
	t.Helper()
	if rec.Header().Get("Content-Encoding") != "gzip" {
		return rec.Body.Bytes()
	}
	r, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const (
	protobuf           = "application/vnd.kubernetes.protobuf"
	acceptTable        = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
	acceptTableV1beta1 = "application/json;as=Table;v=v1beta1;g=meta.k8s.io"
)

// Streamed lists are the generic handler's answers, byte for byte: typed
// and Table, compact and indented, pages and whole lists, every
// includeObject, gzip; and what is not streamed (YAML, metadata lists,
// errors) is still answered by the generic handler.
func TestStreamedListsMatchTheGenericHandler(t *testing.T) {
	srv := podServer(t, 1200)
	streamed := srv.GenericAPIServer.Handler
	generic := genericHandler(srv)
	const pods = "/apis/resources.kubesphere.io/v1alpha3/pods"
	cases := []struct {
		name, path, accept, encoding string
	}{
		{"typed", pods, "", ""},
		{"typed in a namespace", "/apis/resources.kubesphere.io/v1alpha3/namespaces/team-007/pods", "application/json", ""},
		{"typed page", pods + "?limit=100", "", ""},
		{"typed page by label", pods + "?limit=50&labelSelector=app%3Dsvc-01", "", ""},
		{"typed by field", pods + "?fieldSelector=spec.nodeName%3Dnode-0003", "", ""},
		{"typed empty", pods + "?labelSelector=app%3Dnone", "", ""},
		{"typed pretty", pods + "?pretty=true&limit=20", "", ""},
		{"typed pretty empty", pods + "?pretty=true&labelSelector=app%3Dnone", "", ""},
		{"typed gzip", pods, "", "gzip"},
		{"table", pods, acceptTable, ""},
		{"table v1beta1", pods + "?limit=30", acceptTableV1beta1, ""},
		{"table no headers", pods + "?includeObject=None&limit=5", acceptTable + ";noHeaders=true", ""},
		{"table objects", pods + "?includeObject=Object&limit=40", acceptTable, ""},
		{"table none", pods + "?includeObject=None", acceptTable, ""},
		{"table pretty", pods + "?pretty=1&limit=10", acceptTable, ""},
		{"table empty", pods + "?labelSelector=app%3Dnone", acceptTable, ""},
		{"table gzip", pods, acceptTable, "gzip"},
		{"yaml", pods + "?limit=3", "application/yaml", ""},
		{"metadata list", pods + "?limit=3", "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io", ""},
		{"bad limit", pods + "?limit=x", "", ""},
		{"bad field", pods + "?fieldSelector=spec.unknown%3Dx", "", ""},
		{"bad includeObject", pods + "?includeObject=All", acceptTable, ""},
		{"bad continue", pods + "?continue=abc", "", ""},
		{"protobuf", pods, protobuf, ""},
		{"protobuf in a namespace", "/apis/resources.kubesphere.io/v1alpha3/namespaces/team-007/pods", protobuf, ""},
		{"protobuf page", pods + "?limit=100", protobuf, ""},
		{"protobuf next page", pods + "?limit=100&continue=" + continueToken(t, srv, pods+"?limit=100"), protobuf, ""},
		{"protobuf page by label", pods + "?limit=50&labelSelector=app%3Dsvc-01", protobuf, ""},
		{"protobuf by field", pods + "?fieldSelector=spec.nodeName%3Dnode-0003", protobuf, ""},
		{"protobuf empty", pods + "?labelSelector=app%3Dnone", protobuf, ""},
		{"protobuf gzip", pods, protobuf, "gzip"},
		{"protobuf gzip small", pods + "?limit=3", protobuf, "gzip"},
		{"protobuf first, JSON fallback", pods + "?limit=200", protobuf + ", application/json", ""},
		{"protobuf table falls back to JSON", pods + "?limit=20", "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io," + acceptTable, ""},
		{"protobuf metadata list", pods + "?limit=3", "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io", ""},
		{"protobuf bad limit", pods + "?limit=x", protobuf, ""},
		{"protobuf bad continue", pods + "?continue=abc", protobuf, ""},
	}
	// Every resource's list type, empty or not: the envelope (list metadata
	// and totalItems) of each.
	for _, res := range registryresources.All() {
		path := "/apis/resources.kubesphere.io/v1alpha3/" + res.Name + "?limit=7"
		cases = append(cases, struct{ name, path, accept, encoding string }{"protobuf " + res.Name, path, protobuf, ""})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			header := http.Header{}
			if tc.accept != "" {
				header.Set("Accept", tc.accept)
			}
			if tc.encoding != "" {
				header.Set("Accept-Encoding", tc.encoding)
			}
			want, got := get(generic, tc.path, header), get(streamed, tc.path, header)
			if got.Code != want.Code || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") ||
				got.Header().Get("Content-Encoding") != want.Header().Get("Content-Encoding") {
				t.Fatalf("streamed %d %q %q, generic %d %q %q", got.Code, got.Header().Get("Content-Type"), got.Header().Get("Content-Encoding"),
					want.Code, want.Header().Get("Content-Type"), want.Header().Get("Content-Encoding"))
			}
			if g, w := body(t, got), body(t, want); !bytes.Equal(g, w) {
				i := 0
				for i < len(g) && i < len(w) && g[i] == w[i] {
					i++
				}
				t.Fatalf("bodies differ at byte %d of %d/%d:\nstreamed ...%q\ngeneric  ...%q", i, len(g), len(w),
					g[max(0, i-80):min(len(g), i+80)], w[max(0, i-80):min(len(w), i+80)])
			}
		})
	}
}

// continueToken is the continue token of the page at path.
func continueToken(t *testing.T, srv *Server, path string) string {
	t.Helper()
	rec := get(srv.GenericAPIServer.Handler, path, nil)
	var list struct {
		Metadata metav1.ListMeta `json:"metadata"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || list.Metadata.Continue == "" {
		t.Fatalf("no continue token in %s (%v): %.200s", path, err, rec.Body.Bytes())
	}
	return url.QueryEscape(list.Metadata.Continue)
}

// heapWriter is a ResponseWriter that discards the body and, halfway
// through it, measures how much the live heap has grown since the request
// began: what serving the list holds at once.
type heapWriter struct {
	header          http.Header
	written, expect int
	base            uint64
	growth          int64
	measured        bool
}

func (w *heapWriter) Header() http.Header { return w.header }
func (w *heapWriter) WriteHeader(int)     {}
func (w *heapWriter) Write(p []byte) (int, error) {
	w.written += len(p)
	if !w.measured && w.written >= w.expect/2 {
		w.measured = true
		w.growth = int64(liveHeap()) - int64(w.base)
	}
	return len(p), nil
}

func liveHeap() uint64 {
	// Twice: buffers pooled by an earlier response survive one collection.
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// A full list holds about one object at a time, not the list: halfway
// through writing 3,000 pods (typed JSON, about 16 MB; protobuf, 9 MB; or
// kubectl's Table), the live heap has grown by less than a tenth of the response. The
// generic handler holds every converted object and the whole encoded
// response before it writes a byte.
func TestFullListHoldsOnePageNotTheCluster(t *testing.T) {
	srv := podServer(t, 3000)
	for _, accept := range []string{"application/json", acceptTable, protobuf, protobuf + ", application/json"} {
		path := "/apis/resources.kubesphere.io/v1alpha3/pods"
		size := get(srv.GenericAPIServer.Handler, path, http.Header{"Accept": {accept}}).Body.Len()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept", accept)
		w := &heapWriter{header: http.Header{}, expect: size}
		w.base = liveHeap()
		srv.GenericAPIServer.Handler.ServeHTTP(w, req)
		if w.written != size {
			t.Fatalf("%s: wrote %d bytes, want %d", accept, w.written, size)
		}
		t.Logf("%s: %d bytes written, live heap +%d bytes halfway", accept, size, w.growth)
		if w.growth > int64(size/10) {
			t.Errorf("%s: the live heap grew by %d bytes while writing a %d-byte list: the list is held whole", accept, w.growth, size)
		}
	}
}

// Start-up garbage (here 200 MB, dropped) is returned to the OS once the
// caches are synced, instead of staying in RSS.
func TestReleaseMemoryReturnsStartupGarbage(t *testing.T) {
	garbage := make([][]byte, 200<<10)
	for i := range garbage {
		garbage[i] = make([]byte, 1<<10)
	}
	runtime.KeepAlive(garbage)
	garbage = nil
	held, returned, _ := releaseMemory()
	t.Logf("heap held from the OS: %d MB before, %d MB after", held>>20, returned>>20)
	if held < returned+100<<20 {
		t.Fatalf("heap held from the OS: %d bytes before, %d after: the garbage was not returned", held, returned)
	}
}
