package mirror

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ks-apiserver/ks-apiserver/pkg/query"
)

// parseResourceVersion reads a resourceVersion, which for every upstream
// resource is an etcd revision; anything else is a 400 naming the parameter.
func parseResourceVersion(rv string) (uint64, error) {
	n, err := strconv.ParseUint(rv, 10, 64)
	if err != nil || n == 0 {
		return 0, apierrors.NewBadRequest(fmt.Sprintf("invalid resourceVersion %q: expected a resourceVersion returned by this API (a positive integer), or \"0\" for any", rv))
	}
	return n, nil
}

// optionalResourceVersion reads the resourceVersion of a read that may ask
// for a minimum version: 0 for unset and "0", which mean any.
func optionalResourceVersion(rv string) (uint64, error) {
	if rv == "" || rv == "0" {
		return 0, nil
	}
	return parseResourceVersion(rv)
}

// tooLargeResourceVersion is kube-apiserver's answer to a read of a version
// the cache has not reached: 504 with the ResourceVersionTooLarge cause,
// which client-go reflectors recognise.
func tooLargeResourceVersion(want, current uint64) error {
	err := apierrors.NewTimeoutError(fmt.Sprintf("Too large resource version: %d, current: %d", want, current), 1)
	err.ErrStatus.Details.Causes = []metav1.StatusCause{{
		Type: metav1.CauseTypeResourceVersionTooLarge, Message: "Too large resource version",
	}}
	return err
}

// continueToken is what a continue parameter carries: the version of the
// list's first page, the order of the list and the position of the last item
// returned. The next page reads the snapshot of the first page while it is
// retained, else the current state from that position on, so an object that
// exists unchanged during the whole walk is returned exactly once.
type continueToken struct {
	// V is the token format, 2.
	V  int    `json:"v"`
	RV uint64 `json:"rv"`
	// SortBy and Desc are the list's order ("" is namespace, name).
	SortBy string `json:"s,omitempty"`
	Desc   bool   `json:"d,omitempty"`
	// KeyTime and KeyStr are the last item's sort key.
	KeyTime   int64  `json:"kt,omitempty"`
	KeyStr    string `json:"ks,omitempty"`
	Namespace string `json:"ns,omitempty"`
	Name      string `json:"n"`
}

const continueTokenVersion = 2

func encodeContinue(t continueToken) string {
	t.V = continueTokenVersion
	data, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(data)
}

func decodeContinue(s string) (*continueToken, error) {
	if s == "" {
		return nil, nil
	}
	bad := func(why string) error {
		return apierrors.NewBadRequest(fmt.Sprintf("invalid continue parameter: %s; pass the metadata.continue value of the previous page unchanged", why))
	}
	data, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad("not a token issued by this API")
	}
	var t continueToken
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil || (t.V != continueTokenVersion && t.V != 1) || t.RV == 0 || t.Name == "" {
		return nil, bad("not a token issued by this API")
	}
	if t.V == 1 {
		// Issued before lists could be sorted: (namespace, name) order, the
		// name being the key. Tokens of a rolling upgrade keep working.
		if t.SortBy != "" || t.Desc || t.KeyTime != 0 || t.KeyStr != "" {
			return nil, bad("not a token issued by this API")
		}
		t.KeyStr = t.Name
	}
	return &t, nil
}

func (t *continueToken) cursor() *query.Cursor {
	return &query.Cursor{Key: query.Key{Time: t.KeyTime, Str: t.KeyStr}, Namespace: t.Namespace, Name: t.Name}
}

// windowStartRV is the oldest resourceVersion from which the cache can
// replay every change.
func (c *Cache) windowStartRV() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.windowStart
}

// continueAt returns the state the next page of a walk whose first page was
// at rv reads: the snapshot kept for it, or nil to read the current state
// from the token's position on, which returns every unchanged object once
// only while the window holds every change since rv (else 410 Expired).
func (c *Cache) continueAt(rv uint64) (*query.Snapshot, error) {
	if snap, ok := c.retained(rv); ok {
		c.metrics.contSnapshot.Inc()
		return snap, nil
	}
	if start := c.windowStartRV(); rv < start {
		c.metrics.contExpired.Inc()
		return nil, apierrors.NewResourceExpired(fmt.Sprintf(
			"the continue token of this list, at resourceVersion %d, has expired (%s holds changes since %d): start the list again",
			rv, c.res.Name, start))
	}
	c.metrics.contKey.Inc()
	return nil, nil
}

// freshnessWait bounds how long a read asking for a newer version than the
// cache holds waits for the cache to catch up with kube-apiserver.
const freshnessWait = 3 * time.Second

// freshnessPoll is how often a waiting read looks at the cache's version.
const freshnessPoll = 20 * time.Millisecond

// waitFresh waits until the cache holds resourceVersion want (0: any), or
// fails like kube-apiserver with a 504 "too large resource version".
func (c *Cache) waitFresh(ctx context.Context, want uint64) error {
	if want == 0 || c.ResourceVersion() >= want {
		return nil
	}
	deadline := c.clock.Now().Add(freshnessWait)
	for c.ResourceVersion() < want {
		if c.clock.Now().After(deadline) {
			c.metrics.waitTimeout.Inc()
			return tooLargeResourceVersion(want, c.ResourceVersion())
		}
		select {
		case <-ctx.Done():
			return apierrors.NewTimeoutError(fmt.Sprintf("waiting for %s at resourceVersion %d", c.res.Name, want), 1)
		case <-c.clock.After(freshnessPoll):
		}
	}
	c.metrics.waitCaughtUp.Inc()
	return nil
}

// checkExact answers a first page asking for exactly resourceVersion want:
// the cache holds only its newest state, so an older version is gone.
func (c *Cache) checkExact(want uint64) error {
	if current := c.ResourceVersion(); current != want {
		return apierrors.NewResourceExpired(fmt.Sprintf(
			"resourceVersion %d is not available: ks-apiserver serves %s at its current resourceVersion %d only; "+
				"list without resourceVersionMatch=Exact, or with resourceVersion=%d", want, c.res.Name, current, current))
	}
	return nil
}

// idleWatch is the watch of a mirror whose upstream API kube-apiserver does
// not serve: nothing can change, so it only marks the (empty) initial state
// and ends after a while, when its client watches again and may find the API.
func idleWatch(ctx context.Context, res *Resource, req watchRequest) watch.Interface {
	result := make(chan watch.Event, 1)
	w := watch.NewProxyWatcher(result)
	go func() {
		defer close(result)
		if req.initialEnd {
			obj := res.New()
			if m, err := meta.Accessor(obj); err == nil {
				m.SetResourceVersion("1")
				m.SetAnnotations(map[string]string{metav1.InitialEventsAnnotationKey: "true"})
				result <- watch.Event{Type: watch.Bookmark, Object: obj}
			}
		}
		select {
		case <-ctx.Done():
		case <-w.StopChan():
		case <-time.After(time.Minute):
		}
	}()
	return w
}
