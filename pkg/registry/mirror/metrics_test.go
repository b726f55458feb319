package mirror

import (
	"context"
	"fmt"
	"testing"
	"time"

	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/testutil"

	"github.com/ks-apiserver/ks-apiserver/pkg/query"
)

func counter(t *testing.T, m metrics.CounterMetric) float64 {
	t.Helper()
	v, err := testutil.GetCounterMetricValue(m)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func gauge(t *testing.T, m metrics.GaugeMetric) float64 {
	t.Helper()
	v, err := testutil.GetGaugeMetricValue(m)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func observations(t *testing.T, m metrics.ObserverMetric) uint64 {
	t.Helper()
	n, err := testutil.GetHistogramMetricCount(m)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCacheMetrics drives one cache through events, watches and lists and
// checks that each series moves by what happened, under a resource name of
// its own (the series are global).
func TestCacheMetrics(t *testing.T) {
	RegisterMetrics()
	res := servedPods()
	res.Name = "metricpods"
	up := NewCaches(nil, []Resource{*res}, time.Minute, 100)
	res = up.resources[0]
	c := NewCache(res, 100)
	for i := range 20 {
		c.apply(watch.Added, pod(fmt.Sprintf("ns-%d", i%2), fmt.Sprintf("p-%02d", i), map[string]string{"app": "web"}), nil)
	}
	c.synced, c.windowStart = true, c.rv
	up.caches[res.Name] = c
	close(up.discovered)
	m := c.metrics

	if got := counter(t, m.added); got != 20 {
		t.Errorf("ADDED events = %v, want 20", got)
	}
	if got := gauge(t, m.objects); got != 20 {
		t.Errorf("objects = %v, want 20", got)
	}
	lagBefore := observations(t, m.lag)
	p := pod("ns-0", "p-00", map[string]string{"app": "web"})
	c.apply(watch.Modified, p, nil)
	c.apply(watch.Deleted, p, nil)
	if counter(t, m.modified) != 1 || counter(t, m.deleted) != 1 || gauge(t, m.objects) != 19 {
		t.Errorf("after an update and a delete: MODIFIED %v, DELETED %v, objects %v; want 1, 1, 19",
			counter(t, m.modified), counter(t, m.deleted), gauge(t, m.objects))
	}
	if got := observations(t, m.lag) - lagBefore; got != 2 {
		t.Errorf("event lag observed %d times for 2 events", got)
	}

	// Watches: one open and read, one expired, one that never reads and
	// falls behind.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w, err := c.watch(ctx, watchRequest{initial: true, initialEnd: true, bookmarks: true}, res.ToServed)
	if err != nil {
		t.Fatal(err)
	}
	for e := range w.ResultChan() {
		if e.Type == watch.Bookmark {
			break
		}
	}
	if got := counter(t, m.bookmarks); got != 1 {
		t.Errorf("bookmarks = %v, want 1 (the initial-events-end one)", got)
	}
	slow, err := c.watch(ctx, watchRequest{resume: true, from: c.rv}, res.ToServed)
	if err != nil {
		t.Fatal(err)
	}
	if got := gauge(t, m.watchers); got != 2 {
		t.Errorf("watchers = %v, want 2", got)
	}
	if _, err := c.watch(ctx, watchRequest{resume: true, from: 1}, res.ToServed); err == nil || counter(t, m.expired) != 1 {
		t.Errorf("a watch from before the window: err %v, expired %v; want 410 and 1", err, counter(t, m.expired))
	}
	go func() {
		for range w.ResultChan() {
		}
	}()
	// The slow watcher hands its client up to resultBuffer events and
	// holds one more, then queues watchInput.
	for i := range watchInput + resultBuffer + 2 {
		c.apply(watch.Added, pod("ns-2", fmt.Sprintf("q-%04d", i), nil), nil)
	}
	if got := counter(t, m.closedSlow); got != 1 {
		t.Errorf("watchers closed for falling behind = %v, want 1", got)
	}
	if got := gauge(t, m.watchers); got != 1 {
		t.Errorf("watchers after closing the slow one = %v, want 1", got)
	}
	slow.Stop()
	w.Stop()
	if got := gauge(t, m.watchers); got != 0 {
		t.Errorf("watchers after both stopped = %v, want 0", got)
	}

	// Lists: each shape observed once, with the items it visited.
	store := NewStore(res, c)
	web := labels.SelectorFromSet(labels.Set{"app": "web"})
	for _, tc := range []struct {
		shape int
		sel   Selection
	}{
		{shapePlain, Selection{Limit: -1}},
		{shapePaged, Selection{Limit: 5}},
		{shapeSorted, Selection{Limit: 5, Query: &query.Query{SortBy: query.SortByName, Ascending: true}}},
		{shapeFiltered, Selection{Limit: 5, Label: web}},
	} {
		before := observations(t, m.duration[tc.shape])
		if _, _, err := store.Select(tc.sel); err != nil {
			t.Fatal(err)
		}
		if got := observations(t, m.duration[tc.shape]) - before; got != 1 {
			t.Errorf("%s list observed %d times, want 1", shapes[tc.shape], got)
		}
	}
	visited, err := testutil.GetHistogramMetricValue(m.visited[shapePaged])
	if err != nil || visited != 5 {
		t.Errorf("items visited by the paged list = %v (%v), want 5", visited, err)
	}

	// Continue tokens: from the kept snapshot, then by key once it is gone.
	r := NewREST(res, podsResource, up, nil, nil)
	list, err := r.List(inNamespace(""), &metainternalversion.ListOptions{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	token := list.(*servedPodList).Continue
	if gauge(t, m.kept) != 1 {
		t.Errorf("snapshots kept = %v, want 1", gauge(t, m.kept))
	}
	if _, err := r.List(inNamespace(""), &metainternalversion.ListOptions{Limit: 10, Continue: token}); err != nil {
		t.Fatal(err)
	}
	c.keptMu.Lock()
	clear(c.kept)
	c.keptMu.Unlock()
	if _, err := r.List(inNamespace(""), &metainternalversion.ListOptions{Limit: 10, Continue: token}); err != nil {
		t.Fatal(err)
	}
	if counter(t, m.contSnapshot) != 1 || counter(t, m.contKey) != 1 {
		t.Errorf("continues: snapshot %v, key %v; want 1 and 1", counter(t, m.contSnapshot), counter(t, m.contKey))
	}

	// A read of a resourceVersion the cache does not reach in time: 504.
	ahead := fmt.Sprint(c.ResourceVersion() + 1000)
	if _, err := r.List(inNamespace(""), &metainternalversion.ListOptions{ResourceVersion: ahead, Limit: 1}); err == nil {
		t.Fatal("a list of a future resourceVersion succeeded")
	}
	if counter(t, m.waitTimeout) != 1 || counter(t, m.waitCaughtUp) != 0 {
		t.Errorf("freshness waits: timeout %v, caught up %v; want 1 and 0", counter(t, m.waitTimeout), counter(t, m.waitCaughtUp))
	}
}
