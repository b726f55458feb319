package mirror

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
)

// PagedListWatch is the ListerWatcher of an informer whose initial list is
// big (pods): its List reads the whole list in pages of PageSize from one
// consistent snapshot and passes each page's objects through Transform (the
// informer's compaction) as soon as the page is decoded, so that only the
// compacted objects accumulate, not the decoded list. It declines
// client-go's watch-list (the reflector then lists, and watches from the
// list's resourceVersion as usual): a streamed initial list, or a plain one,
// holds every object as decoded until the informer's Replace transforms them.
// The informer's transform sees the objects again at Replace; Compact passes
// what it compacted already unchanged.
type PagedListWatch struct {
	// ListPage lists one page (options carry limit and continue).
	ListPage func(ctx context.Context, options metav1.ListOptions) (runtime.Object, error)
	// WatchFunc watches, as the informer's own ListWatch does.
	WatchFunc func(ctx context.Context, options metav1.ListOptions) (watch.Interface, error)
	// PageSize is the limit of each page.
	PageSize int64
	// Transform, if not nil, runs on every listed object.
	Transform cache.TransformFunc
}

var (
	_ cache.ListerWatcher            = &PagedListWatch{}
	_ cache.ListerWatcherWithContext = &PagedListWatch{}
)

// maxListRestarts bounds how often one List starts again after a continue
// token expired; then the reflector's backoff takes over.
const maxListRestarts = 3

// IsWatchListSemanticsUnSupported tells client-go's reflector not to use
// watch-list for this informer (k8s.io/client-go/util/watchlist).
func (lw *PagedListWatch) IsWatchListSemanticsUnSupported() bool { return true }

// List is ListWithContext without a context.
func (lw *PagedListWatch) List(options metav1.ListOptions) (runtime.Object, error) {
	return lw.ListWithContext(context.Background(), options)
}

// Watch is WatchWithContext without a context.
func (lw *PagedListWatch) Watch(options metav1.ListOptions) (watch.Interface, error) {
	return lw.WatchFunc(context.Background(), options)
}

// WatchWithContext is WatchFunc.
func (lw *PagedListWatch) WatchWithContext(ctx context.Context, options metav1.ListOptions) (watch.Interface, error) {
	return lw.WatchFunc(ctx, options)
}

// ListWithContext returns every object, transformed, in one list at the
// resourceVersion of its first page, and without a continue token (the
// reflector's own pager then asks nothing more). Whatever resourceVersion
// the reflector asks for ("0" at first, the last one it saw on a relist),
// the list is a consistent read (resourceVersion unset): as fresh as any,
// served by kube-apiserver's watch cache, and the only way for a paginated
// list not to be an exact-match read of etcd. A continue token that expired
// (410) starts the whole list again from a new snapshot, as client-go's
// pager does.
func (lw *PagedListWatch) ListWithContext(ctx context.Context, options metav1.ListOptions) (runtime.Object, error) {
	options.ResourceVersion, options.ResourceVersionMatch = "", ""
	options.Limit, options.Continue = lw.PageSize, ""
	for restarts := 0; ; restarts++ {
		list, err := lw.list(ctx, options)
		var expired continueExpired
		if err == nil || !errors.As(err, &expired) || restarts == maxListRestarts {
			return list, err
		}
	}
}

// continueExpired is an expired continue token, told from an error of the
// first page (which the reflector handles itself).
type continueExpired struct{ error }

func (e continueExpired) Unwrap() error { return e.error }

// page is one decoded page: its objects, each extracted into an allocation
// of its own, and its list metadata (not the decoded list, which is garbage
// once the page is extracted).
type page struct {
	items     []runtime.Object
	rv, cont  string
	remaining *int64
	err       error
}

// list reads the pages one ahead: the next page is requested and decoded
// while this one is transformed (kube-apiserver encodes it meanwhile), so
// at most two pages are decoded and not yet transformed at once.
func (lw *PagedListWatch) list(ctx context.Context, options metav1.ListOptions) (runtime.Object, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan page)
	go func() {
		defer close(pages)
		for first := true; ; first = false {
			p := lw.fetch(ctx, options, first)
			select {
			case pages <- p:
			case <-ctx.Done():
				return
			}
			if p.err != nil || p.cont == "" {
				return
			}
			options.Continue = p.cont
		}
	}()
	out := &metav1.List{}
	for p := range pages {
		if p.err != nil {
			return nil, p.err
		}
		if out.ResourceVersion == "" {
			out.ResourceVersion = p.rv
			if n := p.remaining; n != nil && *n > 0 {
				out.Items = make([]runtime.RawExtension, 0, int64(len(p.items))+*n)
			}
		}
		for _, obj := range p.items {
			if lw.Transform != nil {
				t, err := lw.Transform(obj)
				if err != nil {
					return nil, err
				}
				if obj, _ = t.(runtime.Object); obj == nil {
					return nil, fmt.Errorf("transform of a listed object returned %T, not an object", t)
				}
			}
			out.Items = append(out.Items, runtime.RawExtension{Object: obj})
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// fetch requests, decodes and extracts one page.
func (lw *PagedListWatch) fetch(ctx context.Context, options metav1.ListOptions, first bool) page {
	obj, err := lw.ListPage(ctx, options)
	if err != nil {
		if !first && (apierrors.IsResourceExpired(err) || apierrors.IsGone(err)) {
			err = continueExpired{err}
		}
		return page{err: err}
	}
	lm, err := meta.ListAccessor(obj)
	if err != nil {
		return page{err: fmt.Errorf("unable to understand list result %T: %w", obj, err)}
	}
	items, err := meta.ExtractListWithAlloc(obj)
	if err != nil {
		return page{err: fmt.Errorf("unable to understand list result %T: %w", obj, err)}
	}
	return page{items: items, rv: lm.GetResourceVersion(), cont: lm.GetContinue(), remaining: lm.GetRemainingItemCount()}
}
