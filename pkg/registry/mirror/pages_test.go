package mirror_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/util/watchlist"

	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

// fakePager serves pod lists as kube-apiserver does: the first page (no
// continue token) is a snapshot of the pods at the current resourceVersion,
// and continue tokens page through that snapshot; expire makes the next
// continue request fail with 410 Expired.
type fakePager struct {
	mu       sync.Mutex
	pods     []string // the current pods' names, in order
	rv       int
	expire   int // how many continue requests to fail
	requests []metav1.ListOptions
	// snapshots by resourceVersion
	snapshots map[int][]string
	// onPage, if set, runs after each page is served
	onPage func(options metav1.ListOptions)
}

func newFakePager(n int) *fakePager {
	f := &fakePager{rv: 100, snapshots: map[int][]string{}}
	for i := range n {
		f.pods = append(f.pods, fmt.Sprintf("pod-%04d", i))
	}
	return f
}

// change adds one pod and removes the first, as a write between pages.
func (f *fakePager) change() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rv++
	f.pods = append(f.pods[1:], fmt.Sprintf("new-%d", f.rv))
}

func (f *fakePager) list(_ context.Context, options metav1.ListOptions) (k8sruntime.Object, error) {
	f.mu.Lock()
	f.requests = append(f.requests, options)
	var rv, start int
	if options.Continue == "" {
		rv = f.rv
		f.snapshots[rv] = append([]string(nil), f.pods...)
	} else {
		if f.expire > 0 {
			f.expire--
			f.mu.Unlock()
			return nil, apierrors.NewResourceExpired("the provided continue parameter is too old")
		}
		if _, err := fmt.Sscanf(options.Continue, "%d/%d", &rv, &start); err != nil {
			f.mu.Unlock()
			return nil, apierrors.NewBadRequest("bad continue token")
		}
	}
	snap := f.snapshots[rv]
	end := min(len(snap), start+int(options.Limit))
	if options.Limit == 0 {
		end = len(snap)
	}
	list := &corev1.PodList{ListMeta: metav1.ListMeta{ResourceVersion: strconv.Itoa(rv)}}
	for _, name := range snap[start:end] {
		list.Items = append(list.Items, corev1.Pod{ObjectMeta: metav1.ObjectMeta{
			Namespace: "ns", Name: name, ResourceVersion: strconv.Itoa(rv),
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "test"}},
		}})
	}
	if end < len(snap) {
		list.Continue = fmt.Sprintf("%d/%d", rv, end)
		remaining := int64(len(snap) - end)
		list.RemainingItemCount = &remaining
	}
	onPage := f.onPage
	f.mu.Unlock()
	if onPage != nil {
		onPage(options)
	}
	return list, nil
}

func names(t *testing.T, list k8sruntime.Object) (rv string, got []string) {
	t.Helper()
	lm, err := meta.ListAccessor(list)
	if err != nil {
		t.Fatal(err)
	}
	if lm.GetContinue() != "" {
		t.Errorf("the list has a continue token %q: the reflector's pager would ask for more", lm.GetContinue())
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range items {
		pod := obj.(*corev1.Pod)
		if pod.ManagedFields == nil || len(pod.ManagedFields) != 0 {
			t.Errorf("pod %s was not compacted: managedFields %v", pod.Name, pod.ManagedFields)
		}
		got = append(got, pod.Name)
	}
	return lm.GetResourceVersion(), got
}

func checkExactlyOnce(t *testing.T, got, want []string) {
	t.Helper()
	seen := map[string]int{}
	for _, n := range got {
		seen[n]++
	}
	for _, n := range want {
		if seen[n] != 1 {
			t.Errorf("pod %s listed %d times, want once", n, seen[n])
		}
		delete(seen, n)
	}
	for n := range seen {
		t.Errorf("pod %s listed but not in the snapshot", n)
	}
}

// Every object of the first page's snapshot is listed exactly once, at the
// first page's resourceVersion, in pages of PageSize, as a consistent read
// whatever resourceVersion the reflector asked for; writes between pages do
// not show; each object is compacted; the list has no continue token.
func TestPagedListWatchListsOneSnapshot(t *testing.T) {
	for _, asked := range []string{"0", "", "57"} {
		t.Run("resourceVersion="+asked, func(t *testing.T) {
			f := newFakePager(1234)
			want := append([]string(nil), f.pods...)
			f.onPage = func(metav1.ListOptions) { f.change() }
			lw := &mirror.PagedListWatch{ListPage: f.list, PageSize: 100, Transform: mirror.Compact}
			list, err := lw.ListWithContext(context.Background(), metav1.ListOptions{ResourceVersion: asked, Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			rv, got := names(t, list)
			if rv != "100" {
				t.Errorf("resourceVersion %q, want the first page's, 100", rv)
			}
			checkExactlyOnce(t, got, want)
			if len(f.requests) != 13 {
				t.Errorf("%d requests, want 13 pages of 100", len(f.requests))
			}
			for i, r := range f.requests {
				if r.Limit != 100 || r.ResourceVersion != "" || r.ResourceVersionMatch != "" || (i == 0) != (r.Continue == "") {
					t.Errorf("request %d: %+v, want limit 100, no resourceVersion, a continue token but on the first", i, r)
				}
			}
		})
	}
}

// A continue token that expired (410) starts the whole list again from a
// new snapshot; the objects of the abandoned walk are not in the result.
// After maxListRestarts expired walks the error is returned.
func TestPagedListWatchRestartsOnExpiredContinue(t *testing.T) {
	f := newFakePager(250)
	f.onPage = func(metav1.ListOptions) { f.change() }
	f.expire = 1
	lw := &mirror.PagedListWatch{ListPage: f.list, PageSize: 100, Transform: mirror.Compact}
	list, err := lw.ListWithContext(context.Background(), metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	rv, got := names(t, list)
	// The first walk read page 1 at 100 (then 101), its continue expired;
	// the second starts at 101.
	if rv != "101" {
		t.Errorf("resourceVersion %s, want 101 (the new walk's)", rv)
	}
	checkExactlyOnce(t, got, f.snapshots[101])
	firsts := 0
	for _, r := range f.requests {
		if r.Continue == "" {
			firsts++
		}
	}
	if firsts != 2 {
		t.Errorf("%d first pages, want 2 (one restart): %+v", firsts, f.requests)
	}

	f = newFakePager(250)
	f.expire = 100
	lw.ListPage = f.list
	if _, err := lw.ListWithContext(context.Background(), metav1.ListOptions{}); !apierrors.IsResourceExpired(err) {
		t.Errorf("always expiring: error %v, want the 410 Expired", err)
	}
	if len(f.requests) != 8 {
		t.Errorf("always expiring: %d requests, want 4 walks of 2", len(f.requests))
	}
}

// An error of the first page is returned as is (the reflector handles a
// 410 there itself, by listing again at the newest resourceVersion).
func TestPagedListWatchFirstPageError(t *testing.T) {
	calls := 0
	lw := &mirror.PagedListWatch{PageSize: 10, ListPage: func(context.Context, metav1.ListOptions) (k8sruntime.Object, error) {
		calls++
		return nil, apierrors.NewResourceExpired("too old")
	}}
	if _, err := lw.ListWithContext(context.Background(), metav1.ListOptions{}); !apierrors.IsResourceExpired(err) || calls != 1 {
		t.Errorf("error %v after %d calls, want the first page's 410 after 1", err, calls)
	}
	lw.ListPage = func(context.Context, metav1.ListOptions) (k8sruntime.Object, error) {
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, "")
	}
	if _, err := lw.ListWithContext(context.Background(), metav1.ListOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("error %v, want the first page's 404", err)
	}
}

// Page n is transformed before page n+2 is requested: one page is fetched
// while the one before is compacted, so decoded pods never accumulate.
func TestPagedListWatchTransformsAsPagesArrive(t *testing.T) {
	f := newFakePager(1000)
	var mu sync.Mutex
	transformed := 0
	f.onPage = func(options metav1.ListOptions) {
		mu.Lock()
		defer mu.Unlock()
		var rv, start int
		if options.Continue != "" {
			_, _ = fmt.Sscanf(options.Continue, "%d/%d", &rv, &start)
		}
		// Page start/100 is served; pages before the previous one are done.
		if want := start - 100; transformed < want {
			t.Errorf("page from %d served with %d pods transformed, want at least %d", start, transformed, want)
		}
	}
	lw := &mirror.PagedListWatch{ListPage: f.list, PageSize: 100, Transform: func(obj any) (any, error) {
		mu.Lock()
		transformed++
		mu.Unlock()
		return mirror.Compact(obj)
	}}
	if _, err := lw.ListWithContext(context.Background(), metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if transformed != 1000 {
		t.Errorf("%d pods transformed, want 1000", transformed)
	}
}

// client-go's reflector does not use watch-list with it, and its watch is
// the given one.
func TestPagedListWatchDeclinesWatchList(t *testing.T) {
	w := watch.NewFake()
	lw := &mirror.PagedListWatch{WatchFunc: func(_ context.Context, options metav1.ListOptions) (watch.Interface, error) {
		if options.ResourceVersion != "42" {
			t.Errorf("watch from %q, want 42", options.ResourceVersion)
		}
		return w, nil
	}}
	if !watchlist.DoesClientNotSupportWatchListSemantics(lw) {
		t.Error("client-go would use watch-list")
	}
	if got, err := lw.WatchWithContext(context.Background(), metav1.ListOptions{ResourceVersion: "42"}); err != nil || got != w {
		t.Errorf("watch %v, %v", got, err)
	}
}
