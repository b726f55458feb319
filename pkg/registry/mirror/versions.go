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
