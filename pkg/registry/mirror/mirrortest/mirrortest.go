// Package mirrortest builds a mirror.Caches over fixed objects, for tests,
// benchmarks and fuzzing of what reads the caches (the /kapis handler, the
// API server), with no cluster.
package mirrortest

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	fakediscovery "k8s.io/client-go/discovery/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"

	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

// NewCaches serves objects, by resource name, the way the server fills its
// caches: discovery finds every declared upstream resource, and each
// resource's informer lists its objects once and then sees no change. It
// returns once every cache holds its objects (as /readyz would say); the
// informers stop when tb ends. Objects need numeric resourceVersions.
func NewCaches(tb testing.TB, resources []mirror.Resource, objects map[string][]runtime.Object) *mirror.Caches {
	tb.Helper()
	lists := map[string]*metav1.APIResourceList{}
	byUpstream := map[schema.GroupVersionResource][]runtime.Object{}
	for _, res := range resources {
		gv := res.Upstream.GroupVersion().String()
		if lists[gv] == nil {
			lists[gv] = &metav1.APIResourceList{GroupVersion: gv}
		}
		lists[gv].APIResources = append(lists[gv].APIResources, metav1.APIResource{Name: res.Upstream.Resource})
		byUpstream[res.Upstream] = objects[res.Name]
	}
	disco := &fakediscovery.FakeDiscovery{Fake: &clienttesting.Fake{}}
	for _, l := range lists {
		disco.Resources = append(disco.Resources, l)
	}

	var mu sync.Mutex
	var pending []cache.SharedIndexInformer
	source := mirror.InformerSource{
		ForResource: func(gvr schema.GroupVersionResource) (cache.SharedIndexInformer, error) {
			objs, ok := byUpstream[gvr]
			if !ok {
				return nil, fmt.Errorf("mirrortest: %s is not declared", gvr)
			}
			inf := cache.NewSharedIndexInformer(fixedListWatch(objs), nil, 0, cache.Indexers{})
			mu.Lock()
			pending = append(pending, inf)
			mu.Unlock()
			return inf, nil
		},
		Start: func(stop <-chan struct{}) {
			mu.Lock()
			defer mu.Unlock()
			for _, inf := range pending {
				go inf.Run(stop)
			}
			pending = nil
		},
	}
	u := mirror.NewCaches(disco, resources, time.Hour, 0, source)
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	go u.Run(ctx)
	err := wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return u.ReadyCheck().Check(nil) == nil, nil
	})
	if err != nil {
		tb.Fatalf("mirrortest: the caches did not fill: %v (%v)", err, u.ReadyCheck().Check(nil))
	}
	return u
}

// fixedLister lists objs at the newest of their resourceVersions; its
// watch never sends anything.
type fixedLister struct{ *cache.ListWatch }

// IsWatchListSemanticsUnSupported makes the reflector list, not stream.
func (fixedLister) IsWatchListSemanticsUnSupported() bool { return true }

func fixedListWatch(objs []runtime.Object) cache.ListerWatcher {
	var newest uint64
	items := make([]runtime.RawExtension, len(objs))
	for i, obj := range objs {
		items[i].Object = obj
		if m, err := meta.Accessor(obj); err == nil {
			rv, _ := strconv.ParseUint(m.GetResourceVersion(), 10, 64)
			newest = max(newest, rv)
		}
	}
	return fixedLister{&cache.ListWatch{
		ListWithContextFunc: func(context.Context, metav1.ListOptions) (runtime.Object, error) {
			return &metav1.List{ListMeta: metav1.ListMeta{ResourceVersion: strconv.FormatUint(newest, 10)}, Items: items}, nil
		},
		WatchFuncWithContext: func(context.Context, metav1.ListOptions) (watch.Interface, error) { return watch.NewFake(), nil },
	}}
}
