package mirror

import (
	"context"
	"errors"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/klog/v2"

	"github.com/ks-apiserver/ks-apiserver/pkg/query"
)

// ReadAuthorizer answers whether the caller of a request (the user in its
// context) may list a mirrored resource in a namespace, "" meaning every
// namespace: what listing <resource>.resources.kubesphere.io there through
// ks-apiserver needs, the upstream permission of the mirror rule included.
// A filter or computed annotation that reads another resource needs this
// too, so that it tells the caller nothing they could not list themselves.
type ReadAuthorizer interface {
	AuthorizeList(ctx context.Context, resource, namespace string) (allowed bool, reason string, err error)
}

// Reads checks one request's reads of other resources against a
// ReadAuthorizer, asking it once per distinct resource and namespace. A nil
// authorizer allows everything (authorization is off). Not safe for
// concurrent use: a request's list or get runs on one goroutine.
type Reads struct {
	ctx     context.Context
	authz   ReadAuthorizer
	answers map[readScope]error
}

type readScope struct{ resource, namespace string }

// NewReads checks the reads of the request of ctx with authz.
func NewReads(ctx context.Context, authz ReadAuthorizer) *Reads {
	return &Reads{ctx: ctx, authz: authz}
}

// deniedRead is a read the authorizer refused, as the caller reads it.
type deniedRead struct {
	user, resource, namespace, reason string
}

func (d *deniedRead) Error() string {
	scope := "at the cluster scope"
	if d.namespace != "" {
		scope = fmt.Sprintf("in namespace %q", d.namespace)
	}
	msg := fmt.Sprintf("user %q cannot list %s %s", d.user, d.resource, scope)
	if d.reason != "" {
		msg += " (" + d.reason + ")"
	}
	return msg
}

// check returns nil when the caller may list resource in namespace, a
// *deniedRead when not, another error when the authorizer failed.
func (r *Reads) check(resource, namespace string) error {
	if r.authz == nil {
		return nil
	}
	key := readScope{resource, namespace}
	if err, ok := r.answers[key]; ok {
		return err
	}
	allowed, reason, err := r.authz.AuthorizeList(r.ctx, resource, namespace)
	switch {
	case allowed:
		// As the generic authorization filter: an allow stands whatever
		// else went wrong.
		err = nil
	case err != nil:
		err = fmt.Errorf("authorize list %s in %q: %w", resource, namespace, err)
	default:
		user := ""
		if u, ok := genericapirequest.UserFrom(r.ctx); ok {
			user = u.GetName()
		}
		err = &deniedRead{user: user, resource: resource, namespace: namespace, reason: reason}
	}
	if r.answers == nil {
		r.answers = map[readScope]error{}
	}
	r.answers[key] = err
	return err
}

// Filters returns nil when the caller may read what q's filters read in
// namespace (the scope of the list, "" for every namespace), else a 403
// Status on gr, the listed resource, naming the first filter that may not
// run and the permission it lacks (a 500 when the authorizer failed, as
// the generic authorization filter answers).
func (r *Reads) Filters(gr schema.GroupResource, q *query.Query, namespace string) error {
	for _, pr := range q.Reads {
		ns := namespace
		if pr.AllNamespaces {
			ns = ""
		}
		err := r.check(pr.Resource, ns)
		if err == nil {
			continue
		}
		if denied := (*deniedRead)(nil); errors.As(err, &denied) {
			return apierrors.NewForbidden(gr, "", fmt.Errorf("filter %q reads %s: %w", pr.Param, pr.Resource, err))
		}
		return apierrors.NewInternalError(fmt.Errorf("filter %q: %w", pr.Param, err))
	}
	return nil
}

// Allowed tells whether the caller may make read for an object in objNS
// ("" for a cluster-scoped one) within a request in namespace ("" for a
// cluster-wide request). A read of the object's namespace in a
// cluster-wide request asks for every namespace first, so a caller who may
// read them all costs one check, not one per namespace. An authorizer
// failure is a no.
func (r *Reads) Allowed(read query.Read, namespace, objNS string) bool {
	ns := objNS
	switch {
	case read.AllNamespaces:
		ns = ""
	case namespace == "" && objNS != "":
		if r.check(read.Resource, "") == nil {
			return true
		}
	}
	err := r.check(read.Resource, ns)
	if err != nil {
		if denied := (*deniedRead)(nil); !errors.As(err, &denied) {
			klog.ErrorS(err, "Leaving out what the caller may not be allowed to read", "resource", read.Resource, "namespace", ns)
		}
	}
	return err == nil
}

// Decorate returns obj with its type's computed annotations (on a copy)
// when the caller may read everything they are computed from, else obj as
// cached: the annotations are left out, never given a wrong value. A
// denied optional read leaves out only the annotations computed from it.
// env gives the other resources' caches; namespace is the request's.
func (r *Reads) Decorate(res *Resource, env query.Env, namespace string, obj runtime.Object) runtime.Object {
	t := res.QueryType()
	if t.Decorate == nil {
		return obj
	}
	objNS := ""
	if m, err := accessor(obj); err == nil {
		objNS = m.GetNamespace()
	}
	var denied []string
	for _, read := range t.DecorateReads {
		if r.Allowed(read, namespace, objNS) {
			continue
		}
		if !read.Optional {
			return obj
		}
		denied = append(denied, read.Resource)
	}
	if len(denied) > 0 {
		u := unreadableEnv{Env: env, denied: denied}
		if s, ok := env.(query.GroupSummer); ok {
			env = unreadableSummer{u, s}
		} else {
			env = u
		}
	}
	return t.Decorate(obj, env)
}

// unreadableEnv is an Env with the resources the caller may not read
// marked, for query.Readable.
type unreadableEnv struct {
	query.Env
	denied []string
}

// Unreadable implements query.Unreadable.
func (e unreadableEnv) Unreadable(resource string) bool { return slices.Contains(e.denied, resource) }

// unreadableSummer keeps the running totals of an Env that has them.
type unreadableSummer struct {
	unreadableEnv
	query.GroupSummer
}

// ListScope is the namespace a list of res reads, for Reads.Filters: the
// request's namespace, else the one its namespace filter or its
// metadata.namespace field selector narrows it to, else "" (every
// namespace).
func ListScope(res *Resource, namespace string, q *query.Query, field fields.Selector) string {
	if namespace != "" || !res.Namespaced {
		return namespace
	}
	if q != nil && q.Namespace != "" {
		return q.Namespace
	}
	if field != nil {
		if ns, ok := field.RequiresExactMatch("metadata.namespace"); ok {
			return ns
		}
	}
	return ""
}
