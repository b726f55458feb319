package e2e

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
)

// listedNames returns a paged list's resourceVersion and its objects'
// names, and fails on a name listed twice.
func listedNames(t *testing.T, list runtime.Object) (string, map[string]bool) {
	t.Helper()
	lm, err := meta.ListAccessor(list)
	if err != nil {
		t.Fatal(err)
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, obj := range items {
		m, err := meta.Accessor(obj)
		if err != nil {
			t.Fatal(err)
		}
		if got[m.GetName()] {
			t.Errorf("%s listed twice", m.GetName())
		}
		got[m.GetName()] = true
	}
	return lm.GetResourceVersion(), got
}

func sameNames(got map[string]bool, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, n := range want {
		if !got[n] {
			return false
		}
	}
	return true
}

// The pods informer's paged list, over kube-apiserver: pods created and
// deleted while the pages are read do not show, every pod of the first
// page's snapshot is listed once, every page is at the first page's
// resourceVersion; an informer built on it never asks for a watch-list,
// lists, then follows every change from the list's resourceVersion.
func TestPagedListIsOneSnapshot(t *testing.T) {
	ns := newNamespace(t, "paged", 40)
	client := kubernetes.NewForConfigOrDie(cp.Admin)
	pods := client.CoreV1().Pods(ns)
	var before []string
	for i := range 40 {
		before = append(before, fmt.Sprintf("pod-%02d", i))
	}

	var mu sync.Mutex
	var pageRVs []string
	var watches []metav1.ListOptions
	churn := true
	lw := &mirror.PagedListWatch{
		PageSize: 7, Transform: mirror.Compact,
		ListPage: func(ctx context.Context, options metav1.ListOptions) (runtime.Object, error) {
			list, err := pods.List(ctx, options)
			if err != nil {
				return nil, err
			}
			mu.Lock()
			defer mu.Unlock()
			pageRVs = append(pageRVs, list.ResourceVersion)
			if churn {
				// A write between pages: a pod more, one fewer.
				n := len(pageRVs)
				if _, err := pods.Create(ctx, &corev1.Pod{
					ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("late-%02d", n)},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
				}, metav1.CreateOptions{}); err != nil {
					return nil, err
				}
				if err := pods.Delete(ctx, fmt.Sprintf("pod-%02d", n), metav1.DeleteOptions{}); err != nil {
					return nil, err
				}
			}
			return list, nil
		},
		WatchFunc: func(ctx context.Context, options metav1.ListOptions) (watch.Interface, error) {
			mu.Lock()
			watches = append(watches, options)
			mu.Unlock()
			return pods.Watch(ctx, options)
		},
	}
	list, err := lw.ListWithContext(context.Background(), metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	rv, got := listedNames(t, list)
	if !sameNames(got, before) {
		t.Errorf("listed %v, want the 40 pods of the first page's snapshot", got)
	}
	if len(pageRVs) != 6 {
		t.Errorf("%d pages, want 6 of 7", len(pageRVs))
	}
	for i, prv := range pageRVs {
		if prv != rv {
			t.Errorf("page %d at resourceVersion %s, the list at %s", i+1, prv, rv)
		}
	}

	mu.Lock()
	churn = false
	mu.Unlock()
	inf := cache.NewSharedIndexInformer(lw, &corev1.Pod{}, 0, cache.Indexers{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go inf.RunWithContext(ctx)
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		t.Fatal("the informer did not sync")
	}
	createPod(t, client, ns, "after-sync")
	if err := pods.Delete(ctx, "pod-39", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventuallyOK(t, "the informer follows kube-apiserver", func() (bool, string) {
		now, err := pods.List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		var want []string
		for _, p := range now.Items {
			want = append(want, p.Name)
		}
		got := map[string]bool{}
		for _, k := range inf.GetStore().ListKeys() {
			_, name, _ := cache.SplitMetaNamespaceKey(k)
			got[name] = true
		}
		return sameNames(got, want), fmt.Sprintf("informer %v, kube-apiserver %v", got, want)
	})
	mu.Lock()
	defer mu.Unlock()
	if len(watches) == 0 {
		t.Fatal("the informer never watched")
	}
	for _, w := range watches {
		if w.SendInitialEvents != nil || w.ResourceVersion == "" || w.ResourceVersion == "0" {
			t.Errorf("watch %+v: want a plain watch from the list's resourceVersion, not a watch-list", w)
		}
	}
}

// A continue token that kube-apiserver no longer honours (410 Expired: etcd
// compacted past its snapshot, and so did the watch cache) starts the
// paged list again from a new snapshot, which is returned whole. It needs
// a control plane of its own, compacting etcd every second.
func TestPagedListRestartsAfterExpiredContinue(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	own, err := controlplane.Start(ctx, controlplane.Config{BinDir: binDir, ExtraAPIServerArgs: []string{"--etcd-compaction-interval=1s"}})
	if err != nil {
		t.Fatal(err)
	}
	defer own.Stop()
	client := kubernetes.NewForConfigOrDie(own.Admin)
	const ns = "default"
	cms := client.CoreV1().ConfigMaps(ns)
	var want []string
	for i := range 20 {
		name := fmt.Sprintf("cm-%02d", i)
		if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		want = append(want, name)
	}
	// kube-root-ca.crt, which kube-controller-manager would make, is not
	// there: the control plane runs none.

	var requests []metav1.ListOptions
	var firstRV string
	expired := false
	lw := &mirror.PagedListWatch{
		PageSize: 8, Transform: mirror.Compact,
		ListPage: func(ctx context.Context, options metav1.ListOptions) (runtime.Object, error) {
			requests = append(requests, options)
			list, err := cms.List(ctx, options)
			if apierrors.IsResourceExpired(err) {
				expired = true
			}
			if err != nil || len(requests) > 1 {
				return list, err
			}
			// After the first page, write until its continue token expires.
			firstRV = list.ResourceVersion
			i := 0
			err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
				i++
				name := "tick-" + strconv.Itoa(i)
				if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
					return false, err
				}
				if err := cms.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
					return false, err
				}
				_, err := cms.List(ctx, metav1.ListOptions{Limit: 8, Continue: list.Continue})
				if apierrors.IsResourceExpired(err) {
					return true, nil
				}
				return false, err
			})
			if err != nil {
				return nil, fmt.Errorf("waiting for the continue token to expire: %w", err)
			}
			return list, nil
		},
	}
	list, err := lw.ListWithContext(ctx, metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatalf("paged list: %v; requests %+v", err, requests)
	}
	if !expired {
		t.Fatalf("no continue token expired; requests %+v", requests)
	}
	if len(requests) < 5 || requests[1].Continue == "" || requests[2].Continue != "" {
		t.Errorf("requests %+v: want a first page, its expired continue, then a new walk", requests)
	}
	rv, got := listedNames(t, list)
	if !sameNames(got, want) {
		t.Errorf("listed %v, want the 20 config maps", got)
	}
	first, _ := strconv.ParseInt(firstRV, 10, 64)
	if last, _ := strconv.ParseInt(rv, 10, 64); last <= first {
		t.Errorf("list at resourceVersion %s, not after the abandoned walk's %s", rv, firstRV)
	}
}
