package mirror

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
)

// The mirror's metrics. Labels are bounded: resource is one of the mirrored
// resources, type an event type, shape and outcome one of a few constants;
// never a namespace, object name or user.
var (
	cacheObjects = metrics.NewGaugeVec(&metrics.GaugeOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "cache_objects",
		Help:           "Objects in ks-apiserver's cache of an upstream resource.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"resource"})
	cacheEvents = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "cache_events_total",
		Help:           "Upstream events applied to a cache, by resource and type (ADDED, MODIFIED, DELETED); resyncs that change nothing are not counted.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"resource", "type"})
	cacheEventLag = metrics.NewHistogramVec(&metrics.HistogramOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "cache_event_lag_seconds",
		Help:           "Time from an event's arrival from the informer to the update of the cache's indexes and its hand-off to every watcher.",
		Buckets:        metrics.ExponentialBuckets(0.00001, 4, 10),
		StabilityLevel: metrics.ALPHA,
	}, []string{"resource"})
	cacheRelists = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "cache_relists_total",
		Help:           "Times the informer of a resource lost its list-and-watch (an error, or 410 Gone) and listed again.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"resource"})
	upstreamPresent = metrics.NewGaugeVec(&metrics.GaugeOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "upstream_resource_present",
		Help:           "1 when kube-apiserver serves the upstream resource of a mirrored resource, 0 while it is absent (the mirror lists nothing).",
		StabilityLevel: metrics.ALPHA,
	}, []string{"resource"})

	watchers = metrics.NewGaugeVec(&metrics.GaugeOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "watchers",
		Help:           "Open watches of a resource.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"resource"})
	watchersClosedSlow = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "watch_closed_slow_total",
		Help:           "Watches closed because their client fell too far behind the events (it watches again from its last resourceVersion).",
		StabilityLevel: metrics.ALPHA,
	}, []string{"resource"})
	watchBookmarks = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "watch_bookmarks_total",
		Help:           "BOOKMARK events sent to watches, the initial-events-end ones included.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"resource"})
	watchExpired = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "watch_expired_total",
		Help:           "Watches refused with 410 Gone: their resourceVersion is older than the cache's window of recent events.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"resource"})

	listDuration = metrics.NewHistogramVec(&metrics.HistogramOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "list_duration_seconds",
		Help: "Time the query engine takes to answer a list (/apis and /kapis), by resource and shape: " +
			"filtered (filters, selectors or a name search), else sorted (sortBy), else paged (limit, page or continue), else plain.",
		Buckets:        metrics.ExponentialBuckets(0.000005, 4, 10),
		StabilityLevel: metrics.ALPHA,
	}, []string{"resource", "shape"})
	listVisited = metrics.NewHistogramVec(&metrics.HistogramOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "list_items_visited",
		Help:           "Cached objects a list read to answer, by resource and shape: a filtered list visits every candidate, a sorted or paged one only its page.",
		Buckets:        metrics.ExponentialBuckets(1, 4, 12),
		StabilityLevel: metrics.ALPHA,
	}, []string{"resource", "shape"})
	snapshotsKept = metrics.NewGaugeVec(&metrics.GaugeOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "list_snapshots_kept",
		Help:           "Snapshots of a cache kept for the continue tokens of paged lists.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"resource"})
	listContinues = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "list_continues_total",
		Help:           "Continue tokens received, by outcome: snapshot (served from the kept snapshot of the first page), key (continued by key on the current state), expired (410).",
		StabilityLevel: metrics.ALPHA,
	}, []string{"resource", "outcome"})
	freshnessWaits = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "freshness_waits_total",
		Help:           "Reads asking for a resourceVersion newer than the cache that waited for it (resourceVersion not older than), by outcome: caught_up, timeout (504).",
		StabilityLevel: metrics.ALPHA,
	}, []string{"resource", "outcome"})

	registerOnce sync.Once
)

// RegisterMetrics registers the mirror's metrics in the legacy registry
// that the generic server serves on /metrics. Caches made before it report
// nothing (component-base metrics stay no-ops until registered).
func RegisterMetrics() {
	registerOnce.Do(func() {
		legacyregistry.MustRegister(cacheObjects, cacheEvents, cacheEventLag, cacheRelists, upstreamPresent,
			watchers, watchersClosedSlow, watchBookmarks, watchExpired,
			listDuration, listVisited, snapshotsKept, listContinues, freshnessWaits)
	})
}

// List shapes: indexes of shapes, the shape label of the list metrics.
const (
	shapePlain = iota
	shapeSorted
	shapeFiltered
	shapePaged
)

var shapes = [...]string{shapePlain: "plain", shapeSorted: "sorted", shapeFiltered: "filtered", shapePaged: "paged"}

// cacheMetrics are one cache's series, resolved once so that the hot paths
// (events, lists) skip the label lookups.
type cacheMetrics struct {
	objects, watchers, kept            metrics.GaugeMetric
	added, modified, deleted           metrics.CounterMetric
	lag                                metrics.ObserverMetric
	closedSlow, bookmarks, expired     metrics.CounterMetric
	relists                            metrics.CounterMetric
	contSnapshot, contKey, contExpired metrics.CounterMetric
	waitCaughtUp, waitTimeout          metrics.CounterMetric
	duration, visited                  [len(shapes)]metrics.ObserverMetric
}

func newCacheMetrics(resource string) *cacheMetrics {
	m := &cacheMetrics{
		objects:  cacheObjects.WithLabelValues(resource),
		watchers: watchers.WithLabelValues(resource),
		kept:     snapshotsKept.WithLabelValues(resource),
		added:    cacheEvents.WithLabelValues(resource, string(watch.Added)),
		modified: cacheEvents.WithLabelValues(resource, string(watch.Modified)),
		deleted:  cacheEvents.WithLabelValues(resource, string(watch.Deleted)),
		lag:      cacheEventLag.WithLabelValues(resource),
		relists:  cacheRelists.WithLabelValues(resource),

		closedSlow: watchersClosedSlow.WithLabelValues(resource),
		bookmarks:  watchBookmarks.WithLabelValues(resource),
		expired:    watchExpired.WithLabelValues(resource),

		contSnapshot: listContinues.WithLabelValues(resource, "snapshot"),
		contKey:      listContinues.WithLabelValues(resource, "key"),
		contExpired:  listContinues.WithLabelValues(resource, "expired"),
		waitCaughtUp: freshnessWaits.WithLabelValues(resource, "caught_up"),
		waitTimeout:  freshnessWaits.WithLabelValues(resource, "timeout"),
	}
	for i, s := range shapes {
		m.duration[i] = listDuration.WithLabelValues(resource, s)
		m.visited[i] = listVisited.WithLabelValues(resource, s)
	}
	return m
}

// event counts an applied event of type typ that arrived at arrived.
func (m *cacheMetrics) event(typ watch.EventType, arrived time.Time) {
	switch typ {
	case watch.Added:
		m.added.Inc()
	case watch.Modified:
		m.modified.Inc()
	case watch.Deleted:
		m.deleted.Inc()
	}
	m.lag.Observe(time.Since(arrived).Seconds())
}

// listShape is the shape of a selection.
func listShape(sel Selection) int {
	q := sel.Query
	switch {
	case sel.Label != nil && !sel.Label.Empty(), sel.Field != nil && !sel.Field.Empty(),
		q != nil && (len(q.Filters) > 0 || len(q.Labels) > 0 || q.NameSig != 0):
		return shapeFiltered
	case q != nil && q.SortBy != "":
		return shapeSorted
	case sel.Limit >= 0 || sel.After != nil || sel.Offset > 0:
		return shapePaged
	}
	return shapePlain
}

// setPresent records whether kube-apiserver serves the upstream resource of
// the mirrored resource name.
func setPresent(name string, present bool) {
	v := 0.0
	if present {
		v = 1
	}
	upstreamPresent.WithLabelValues(name).Set(v)
}
