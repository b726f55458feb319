// Package kapis serves KubeSphere 3.3's /kapis/resources.kubesphere.io/v1alpha3
// routes over the same caches, indexes and query engine as the
// Kubernetes-native API: lists answer {"items":[...],"totalItems":N} with
// KubeSphere's parameter semantics, gets answer the bare object. Where
// KubeSphere had bugs it follows DESIGN.md's compatibility decisions: a
// missing object is a 404, errors are metav1.Status JSON, sorting is total,
// out-of-range pages are empty, a malformed labelSelector is a 400.
package kapis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/klog/v2"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

// APIPrefix is the first path segment of the KubeSphere routes, read as an
// API prefix (like "apis") by the server's request info resolver.
const APIPrefix = "kapis"

// Prefix is the root of the routes.
const Prefix = "/" + APIPrefix + "/" + v1alpha3.GroupName + "/v1alpha3"

// Handler serves the routes under Prefix. Authentication and authorization
// happen before it, in the server's handler chain, which sees these paths as
// resource requests of resources.kubesphere.io; filters and computed fields
// that read other resources are authorized here, through reads.
type Handler struct {
	upstream  *mirror.Caches
	reads     mirror.ReadAuthorizer
	resources map[string]*mirror.Resource
}

// New serves the resources upstream mirrors; reads authorizes what filters
// and computed fields read of other resources (nil: authorization is off).
func New(caches *mirror.Caches, reads mirror.ReadAuthorizer) *Handler {
	h := &Handler{upstream: caches, reads: reads, resources: map[string]*mirror.Resource{}}
	for _, res := range caches.Resources() {
		h.resources[res.Name] = res
	}
	return h
}

// route is a parsed path under Prefix.
type route struct {
	namespace, resource, name string
}

// parse reads /{resources}[/{name}] and /namespaces/{namespace}/{resources}[/{name}];
// /namespaces/{name} is a get of a namespace, as in KubeSphere.
func parse(path string) (route, bool) {
	rest, ok := strings.CutPrefix(path, Prefix+"/")
	if !ok {
		return route{}, false
	}
	parts := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	for _, p := range parts {
		if p == "" {
			return route{}, false
		}
	}
	switch {
	case len(parts) == 1:
		return route{resource: parts[0]}, true
	case len(parts) == 2:
		return route{resource: parts[0], name: parts[1]}, true
	case parts[0] == "namespaces" && len(parts) == 3:
		return route{namespace: parts[1], resource: parts[2]}, true
	case parts[0] == "namespaces" && len(parts) == 4:
		return route{namespace: parts[1], resource: parts[2], name: parts[3]}, true
	}
	return route{}, false
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, apierrors.NewMethodNotSupported(
			schema.GroupResource{Group: "resources.kubesphere.io"}, strings.ToLower(req.Method)))
		return
	}
	r, ok := parse(req.URL.Path)
	if !ok {
		writeError(w, noRoute(req.URL.Path))
		return
	}
	if r.namespace == "" && (r.resource == ComponentsPath || r.resource == ComponentHealthPath) {
		h.serveComponents(w, mirror.NewReads(req.Context(), h.reads), r)
		return
	}
	res, ok := h.resources[r.resource]
	if !ok || (r.namespace != "" && !res.Namespaced) {
		writeError(w, &apierrors.StatusError{ErrStatus: metav1.Status{
			Status: metav1.StatusFailure, Code: http.StatusNotFound, Reason: metav1.StatusReasonNotFound,
			Message: fmt.Sprintf("resource %q is not supported%s", r.resource, scopeHint(res, r)),
		}})
		return
	}
	c, err := h.upstream.SyncedCache(res)
	if err != nil {
		writeError(w, err)
		return
	}
	if r.name != "" {
		h.get(w, req, res, c, r)
		return
	}
	h.list(w, req, res, c, r)
}

func scopeHint(res *mirror.Resource, r route) string {
	if res != nil && r.namespace != "" {
		return fmt.Sprintf(" in a namespace: %s are cluster-scoped, list them at %s/%s", res.Name, Prefix, res.Name)
	}
	return ""
}

func (h *Handler) get(w http.ResponseWriter, req *http.Request, res *mirror.Resource, c *mirror.Cache, r route) {
	notFound := apierrors.NewNotFound(res.Upstream.GroupResource(), r.name)
	if c == nil {
		writeError(w, notFound)
		return
	}
	obj, ok, _ := mirror.NewStore(res, c).Get(r.namespace, r.name)
	if !ok {
		writeError(w, notFound)
		return
	}
	writeJSON(w, http.StatusOK, h.serve(mirror.NewReads(req.Context(), h.reads), res, r.namespace, obj))
}

func (h *Handler) list(w http.ResponseWriter, req *http.Request, res *mirror.Resource, c *mirror.Cache, r route) {
	q, err := query.Parse(req.URL.Query(), query.Compat, res.QueryType(), h.upstream)
	if err != nil {
		writeError(w, apierrors.NewBadRequest(err.Error()))
		return
	}
	reads := mirror.NewReads(req.Context(), h.reads)
	if err := reads.Filters(v1alpha3.Resource(res.Name), q, mirror.ListScope(res, r.namespace, q, nil)); err != nil {
		writeError(w, err)
		return
	}
	var result query.Result
	if c != nil {
		sel := mirror.Selection{Namespace: r.namespace, Query: q}
		sel.Offset, sel.Limit = q.Bounds()
		if result, _, err = mirror.NewStore(res, c).Select(sel); err != nil {
			writeError(w, err)
			return
		}
	}
	writeList(w, result, func(obj runtime.Object) runtime.Object { return h.serve(reads, res, r.namespace, obj) })
}

// writeList writes KubeSphere's api.ListResult ({items, totalItems}) of result's items, as served by serve,
// exactly as writeJSON would, but one item at a time: a list of the whole
// cluster is never held in memory, in objects or in bytes.
func writeList(w http.ResponseWriter, result query.Result, serve func(runtime.Object) runtime.Object) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("  ", " ")
	buf.WriteString("{\n \"items\": [")
	for i, it := range result.Items {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n  ")
		if err := enc.Encode(serve(it.Object)); err != nil {
			klog.V(2).InfoS("Writing a /kapis response failed", "err", err)
			return
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
		if _, err := w.Write(buf.Bytes()); err != nil {
			klog.V(2).InfoS("Writing a /kapis response failed", "err", err)
			return
		}
		buf.Reset()
	}
	if len(result.Items) > 0 {
		buf.WriteString("\n ")
	}
	fmt.Fprintf(&buf, "],\n \"totalItems\": %d\n}\n", result.Total)
	if _, err := w.Write(buf.Bytes()); err != nil {
		klog.V(2).InfoS("Writing a /kapis response failed", "err", err)
	}
}

// serve returns what KubeSphere clients get for a cached object: the
// upstream object as the mirror serves it (a user without its password
// hash), with the type's computed annotations on a copy where the caller
// may read what they are computed from (namespace is the request's).
func (h *Handler) serve(reads *mirror.Reads, res *mirror.Resource, namespace string, obj runtime.Object) runtime.Object {
	obj = reads.Decorate(res, h.upstream, namespace, obj)
	if res.ToServed != nil && res.ToUpstream != nil {
		obj = res.ToUpstream(res.ToServed(obj))
	}
	return obj
}

// writeJSON writes v as KubeSphere did. pkg/oauth has its own on purpose:
// compact RFC 6749 bodies with nosniff, and errors that are not Statuses.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ") // as KubeSphere's go-restful wrote it
	if err := enc.Encode(v); err != nil {
		klog.V(2).InfoS("Writing a /kapis response failed", "err", err)
	}
}

func writeError(w http.ResponseWriter, err error) {
	status, ok := err.(apierrors.APIStatus)
	if !ok {
		status = apierrors.NewInternalError(err)
	}
	s := status.Status()
	s.Kind, s.APIVersion = "Status", "v1"
	writeJSON(w, int(s.Code), s)
}
