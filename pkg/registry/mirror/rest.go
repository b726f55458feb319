package mirror

import (
	"context"
	"fmt"
	"reflect"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/client-go/tools/cache"
)

// REST is the API storage of one mirrored resource.
type REST struct {
	rest.TableConvertor

	res      *Resource
	resource schema.GroupResource
	store    *Store
	informer cache.SharedIndexInformer
}

var (
	_ rest.Storage              = &REST{}
	_ rest.Scoper               = &REST{}
	_ rest.SingularNameProvider = &REST{}
	_ rest.Getter               = &REST{}
	_ rest.Lister               = &REST{}
)

// NewREST serves res, in the API group of resource, from informer, which
// must be the upstream resource's informer and may still be unsynced.
func NewREST(res *Resource, resource schema.GroupResource, informer cache.SharedIndexInformer) *REST {
	return &REST{
		TableConvertor: rest.NewDefaultTableConvertor(resource),
		res:            res,
		resource:       resource,
		store:          NewStore(res, informer.GetIndexer()),
		informer:       informer,
	}
}

// New returns an empty object of the resource.
func (r *REST) New() runtime.Object { return r.res.New() }

// NewList returns an empty list of the resource.
func (r *REST) NewList() runtime.Object { return r.res.NewList() }

// Destroy releases nothing: the informers belong to the shared factory.
func (r *REST) Destroy() {}

// NamespaceScoped tells whether the resource lives in namespaces.
func (r *REST) NamespaceScoped() bool { return r.res.Namespaced }

// GetSingularName returns the singular resource name.
func (r *REST) GetSingularName() string { return r.res.SingularName }

// Get returns one object, or a NotFound error.
func (r *REST) Get(ctx context.Context, name string, _ *metav1.GetOptions) (runtime.Object, error) {
	if err := r.synced(); err != nil {
		return nil, err
	}
	obj, ok, err := r.store.Get(genericapirequest.NamespaceValue(ctx), name)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	if !ok {
		return nil, apierrors.NewNotFound(r.resource, name)
	}
	return r.res.Convert(obj), nil
}

// List returns the objects of the request's namespace (all namespaces for a
// cluster-wide request) matching its label and field selectors, ordered by
// namespace and name.
func (r *REST) List(ctx context.Context, options *metainternalversion.ListOptions) (runtime.Object, error) {
	if err := r.synced(); err != nil {
		return nil, err
	}
	if options == nil {
		options = &metainternalversion.ListOptions{}
	}
	// Read the version before the objects: the list is at least this fresh.
	resourceVersion := r.informer.LastSyncResourceVersion()
	objs, err := r.store.List(genericapirequest.NamespaceValue(ctx), options.LabelSelector, options.FieldSelector)
	if err != nil {
		if apierrors.IsBadRequest(err) {
			return nil, err
		}
		return nil, apierrors.NewInternalError(err)
	}
	items := make([]runtime.Object, len(objs))
	for i, obj := range objs {
		items[i] = r.res.Convert(obj)
	}
	list := r.res.NewList()
	if err := meta.SetList(list, items); err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("list %s: %w", r.res.Name, err))
	}
	listMeta, err := meta.ListAccessor(list)
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("list %s: %w", r.res.Name, err))
	}
	listMeta.SetResourceVersion(resourceVersion)
	if err := setTotalItems(list, int64(len(items))); err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("list %s: %w", r.res.Name, err))
	}
	return list, nil
}

// synced refuses reads until the informer has its first full list, so a
// missing object is never reported as NotFound by a cache still filling up.
func (r *REST) synced() error {
	if r.informer.HasSynced() {
		return nil
	}
	return apierrors.NewServiceUnavailable(fmt.Sprintf("the cache of %s is not yet synced with kube-apiserver, retry shortly", r.resource))
}

// setTotalItems sets the TotalItems field every list type of the group has.
func setTotalItems(list runtime.Object, total int64) error {
	v := reflect.ValueOf(list)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("%T is not a pointer to a struct", list)
	}
	field := v.Elem().FieldByName("TotalItems")
	if !field.IsValid() || field.Kind() != reflect.Int64 {
		return fmt.Errorf("%T has no int64 TotalItems field", list)
	}
	field.SetInt(total)
	return nil
}
