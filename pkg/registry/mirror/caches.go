package mirror

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// InformerSource is one shared informer factory (client-go's, the
// apiextensions one, this project's generated one), seen through the two
// calls every generated factory offers.
type InformerSource struct {
	// ForResource returns the factory's informer of a resource, or an error
	// when the factory does not know it.
	ForResource func(schema.GroupVersionResource) (cache.SharedIndexInformer, error)
	// Start starts the informers created so far that are not running yet.
	Start func(stop <-chan struct{})
}

// Caches gives each mirrored resource a Cache fed by the informer of its
// upstream resource, once kube-apiserver serves that resource: an upstream API
// that is absent (a CRD not installed) is looked for again periodically, and
// until it appears the mirror serves an empty list instead of failing.
type Caches struct {
	sources   []InformerSource
	discovery discovery.DiscoveryInterface
	resources []*Resource
	// followed are cached for other resources' computed annotations, not
	// served.
	followed []*Resource
	recheck  time.Duration
	window   int

	mu     sync.RWMutex
	caches map[string]*Cache // by resource name
	// discovered is closed after the first discovery round, so readiness
	// waits for it.
	discovered chan struct{}
}

// NewCaches mirrors resources, discovering their upstream resources with
// disco (again every recheck while some are absent) and taking their
// informers from the first source that knows each. Each cache keeps window
// events for resuming watches.
func NewCaches(disco discovery.DiscoveryInterface, resources []Resource, recheck time.Duration, window int, sources ...InformerSource) *Caches {
	u := &Caches{
		sources: sources, discovery: disco, recheck: recheck, window: window,
		caches:     map[string]*Cache{},
		discovered: make(chan struct{}),
	}
	for i := range resources {
		resources[i].CompleteQuery()
		u.resources = append(u.resources, &resources[i])
	}
	return u
}

// Resources returns the mirrored resources.
func (u *Caches) Resources() []*Resource { return u.resources }

// Followed returns the resources cached but not served.
func (u *Caches) Followed() []*Resource { return u.followed }

// Follow adds resources that are cached but not served (Resources leaves
// them out): their caches feed other resources' computed annotations. One
// that kube-apiserver does not serve is looked for again as a mirrored one
// is. Call it before Run.
func (u *Caches) Follow(resources ...Resource) {
	for i := range resources {
		resources[i].CompleteQuery()
		u.followed = append(u.followed, &resources[i])
	}
}

// Cache returns the cache of a mirrored resource, or false while
// kube-apiserver does not serve its upstream resource.
func (u *Caches) Cache(res *Resource) (*Cache, bool) {
	u.mu.RLock()
	defer u.mu.RUnlock()
	c, ok := u.caches[res.Name]
	return c, ok
}

// SyncedCache returns the cache to read res from: nil when kube-apiserver
// does not serve the upstream resource (the mirror is empty), and a 503
// until the cache holds the initial list, so that a cache still filling up
// never reports an existing object missing.
func (u *Caches) SyncedCache(res *Resource) (*Cache, error) {
	c, ok := u.Cache(res)
	if !ok {
		return nil, nil
	}
	if !c.Synced() {
		return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("the cache of %s is not yet synced with kube-apiserver, retry shortly", res.Name))
	}
	return c, nil
}

// Run discovers the wanted resources and starts their informers, then looks
// for the absent ones every recheck period until all exist or ctx ends.
func (u *Caches) Run(ctx context.Context) {
	first := true
	var logged []string
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		missing := u.startPresent(ctx)
		if first {
			close(u.discovered)
			first = false
		}
		// Said once per change: an optional API (the snapshot CRD) may stay
		// absent for good.
		if len(missing) == 0 || slices.Equal(missing, logged) {
			return
		}
		logged = missing
		klog.InfoS("Upstream resources not served by kube-apiserver; their mirrors list nothing until they appear",
			"resources", missing, "recheck", u.recheck)
	}, u.recheck)
}

// startPresent starts the informers of the wanted resources kube-apiserver
// serves now, and returns the ones it does not.
func (u *Caches) startPresent(ctx context.Context) []string {
	var missing []string
	served := map[schema.GroupVersion]map[string]bool{}
	for _, res := range append(slices.Clip(u.resources), u.followed...) {
		if _, ok := u.Cache(res); ok {
			continue
		}
		gvr := res.Upstream
		gv := gvr.GroupVersion()
		if _, done := served[gv]; !done {
			served[gv] = u.servedResources(gv)
		}
		if !served[gv][gvr.Resource] {
			missing = append(missing, gvr.String())
			setPresent(res.Name, false)
			continue
		}
		if err := u.start(ctx, res); err != nil {
			klog.ErrorS(err, "Cannot mirror upstream resource", "resource", gvr.String())
			missing = append(missing, gvr.String())
			setPresent(res.Name, false)
			continue
		}
		setPresent(res.Name, true)
	}
	sort.Strings(missing)
	return missing
}

// servedResources lists the resources of a group version kube-apiserver
// serves; empty when the group version is absent or discovery fails (then it
// is tried again later).
func (u *Caches) servedResources(gv schema.GroupVersion) map[string]bool {
	list, err := u.discovery.ServerResourcesForGroupVersion(gv.String())
	if err != nil {
		klog.V(2).InfoS("Upstream group version not discovered", "groupVersion", gv.String(), "err", err)
		return nil
	}
	out := map[string]bool{}
	for _, r := range list.APIResources {
		if !strings.Contains(r.Name, "/") {
			out[r.Name] = true
		}
	}
	return out
}

func (u *Caches) start(ctx context.Context, res *Resource) error {
	for _, src := range u.sources {
		inf, err := src.ForResource(res.Upstream)
		if err != nil {
			continue
		}
		c := NewCache(res, u.window)
		if err := c.Follow(inf); err != nil {
			return err
		}
		u.mu.Lock()
		u.caches[res.Name] = c
		u.mu.Unlock()
		src.Start(ctx.Done())
		return nil
	}
	return fmt.Errorf("no informer source knows %s", res.Upstream)
}

// HealthCheck is the readyz check "informer-sync": ready once discovery ran
// and every started informer has its first full list.
type HealthCheck struct{ u *Caches }

// Name names the check.
func (HealthCheck) Name() string { return "informer-sync" }

// Check fails while an informer is still syncing.
func (h HealthCheck) Check(*http.Request) error {
	select {
	case <-h.u.discovered:
	default:
		return fmt.Errorf("upstream resources not discovered yet")
	}
	h.u.mu.RLock()
	defer h.u.mu.RUnlock()
	var unsynced []string
	for name, c := range h.u.caches {
		if !c.Synced() {
			unsynced = append(unsynced, name)
		}
	}
	if len(unsynced) > 0 {
		sort.Strings(unsynced)
		return fmt.Errorf("informers not synced: %s", strings.Join(unsynced, ", "))
	}
	return nil
}

// ReadyCheck returns the readiness check of the upstream informers.
func (u *Caches) ReadyCheck() HealthCheck { return HealthCheck{u: u} }

// Get returns a cached upstream object of another mirrored resource, for
// filters such as pods' serviceName; it implements query.Env.
func (u *Caches) Get(resource, namespace, name string) (runtime.Object, bool) {
	u.mu.RLock()
	c, ok := u.caches[resource]
	u.mu.RUnlock()
	if !ok {
		return nil, false
	}
	obj, found, _ := c.get(namespace, name)
	return obj, found
}

// Group returns the cached objects of a resource under one key of one of its
// groups (the pods of a node), for computed annotations; it implements
// query.Env.
func (u *Caches) Group(resource, group, key string) []runtime.Object {
	u.mu.RLock()
	c, ok := u.caches[resource]
	u.mu.RUnlock()
	if !ok {
		return nil
	}
	return c.index.Group(group, key)
}

// GroupSum returns the running totals a resource's index keeps for a group
// key (the requests of the pods on a node); it implements query.GroupSummer.
func (u *Caches) GroupSum(resource, group, key string) []int64 {
	u.mu.RLock()
	c, ok := u.caches[resource]
	u.mu.RUnlock()
	if !ok {
		return nil
	}
	return c.index.GroupSum(group, key)
}

// Absent reports whether discovery has run and kube-apiserver does not
// serve the named resource; before the first discovery nothing is absent.
func (u *Caches) Absent(name string) bool {
	select {
	case <-u.discovered:
		u.mu.RLock()
		defer u.mu.RUnlock()
		_, served := u.caches[name]
		return !served
	default:
		return false
	}
}
