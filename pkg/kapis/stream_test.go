package kapis_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	k8sruntime "k8s.io/apimachinery/pkg/runtime"

	"github.com/ks-apiserver/ks-apiserver/pkg/kapis"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror/mirrortest"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
	"github.com/ks-apiserver/ks-apiserver/test/fixtures"
)

func realisticPodsHandler(tb testing.TB, n int) *kapis.Handler {
	pods := make([]k8sruntime.Object, n)
	for i := range pods {
		pods[i] = fixtures.RealisticPod(i)
	}
	return kapis.New(mirrortest.NewCaches(tb, registryresources.All(), map[string][]k8sruntime.Object{"pods": pods}), nil)
}

// A streamed /kapis list is what KubeSphere's go-restful wrote: the whole
// {"items":[...],"totalItems":N} indented by one space, as re-encoding its
// items in one piece gives, for a page, a whole list and an empty one.
func TestKapisListIsStreamedInTheSameFormat(t *testing.T) {
	h := realisticPodsHandler(t, 300)
	for _, path := range []string{"/pods", "/namespaces/team-001/pods?limit=2", "/pods?name=none"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, kapis.Prefix+path, nil))
		var got struct {
			Items      []json.RawMessage `json:"items"`
			TotalItems int               `json:"totalItems"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", " ")
		if err := enc.Encode(got); err != nil {
			t.Fatal(err)
		}
		if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), want.Bytes()) {
			t.Fatalf("%s: %d\n%.300s\nwant\n%.300s", path, rec.Code, rec.Body.String(), want.String())
		}
	}
}

// discard is a ResponseWriter that keeps nothing and, halfway through the
// body, measures how much the live heap has grown.
type discard struct {
	header          http.Header
	written, expect int
	base            uint64
	growth          int64
}

func (w *discard) Header() http.Header { return w.header }
func (w *discard) WriteHeader(int)     {}
func (w *discard) Write(p []byte) (int, error) {
	if w.written < w.expect/2 && w.written+len(p) >= w.expect/2 {
		w.growth = int64(liveHeap()) - int64(w.base)
	}
	w.written += len(p)
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

// A whole /kapis list holds one object at a time: halfway through writing
// 3,000 pods the live heap has grown by less than a tenth of the response
// (the whole list was built, then encoded in one buffer, before).
func TestKapisFullListHoldsOneObjectAtATime(t *testing.T) {
	h := realisticPodsHandler(t, 3000)
	size := &discard{header: http.Header{}}
	h.ServeHTTP(size, httptest.NewRequest(http.MethodGet, kapis.Prefix+"/pods", nil))
	w := &discard{header: http.Header{}, expect: size.written}
	w.base = liveHeap()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, kapis.Prefix+"/pods", nil))
	t.Logf("%d bytes written, live heap +%d bytes halfway", w.written, w.growth)
	if w.written != w.expect || w.growth > int64(w.expect/10) {
		t.Fatalf("wrote %d of %d bytes; the live heap grew by %d bytes: the list is held whole", w.written, w.expect, w.growth)
	}
}
