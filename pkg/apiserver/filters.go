package apiserver

import (
	"fmt"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericapiserver "k8s.io/apiserver/pkg/server"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

// buildHandlerChain is the generic chain with ks-apiserver's own filters
// around the API handler, after authentication and authorization.
func buildHandlerChain(apiHandler http.Handler, c *genericapiserver.Config) http.Handler {
	return genericapiserver.DefaultBuildHandlerChain(withSelectorValidation(withQueryValues(apiHandler)), c)
}

// withQueryValues hands the query parameters of resources.kubesphere.io
// lists to the storage, which reads the KubeSphere ones (sortBy, status, ...)
// that Kubernetes list options do not carry.
func withQueryValues(handler http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		info, ok := genericapirequest.RequestInfoFrom(req.Context())
		if ok && info.IsResourceRequest && info.APIGroup == v1alpha3.GroupName && (info.Verb == "list" || info.Verb == "watch") {
			req = req.WithContext(mirror.WithQueryValues(req.Context(), req.URL.Query()))
		}
		handler.ServeHTTP(w, req)
	})
}

// withSelectorValidation answers a malformed labelSelector or fieldSelector
// with a 400 Status that names the parameter and the expected syntax; the
// generic handler's error carries only the parser's message.
func withSelectorValidation(handler http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		info, ok := genericapirequest.RequestInfoFrom(req.Context())
		if !ok || !info.IsResourceRequest || info.APIGroup != v1alpha3.GroupName || info.APIPrefix == kapisPrefix {
			// /kapis reads its parameters with KubeSphere's rules.
			handler.ServeHTTP(w, req)
			return
		}
		query := req.URL.Query()
		var err error
		for _, v := range query["labelSelector"] {
			if _, perr := labels.Parse(v); perr != nil {
				err = apierrors.NewBadRequest(fmt.Sprintf(
					"invalid labelSelector %q: %v (expected a label selector such as app=web,tier in (front,back),!canary)", v, perr))
				break
			}
		}
		for _, v := range query["fieldSelector"] {
			if err != nil {
				break
			}
			if _, perr := fields.ParseSelector(v); perr != nil {
				err = apierrors.NewBadRequest(fmt.Sprintf(
					"invalid fieldSelector %q: %v (expected a field selector such as metadata.name=web-0,metadata.namespace!=demo)", v, perr))
			}
		}
		if err != nil {
			gv := v1alpha3.SchemeGroupVersion
			responsewriters.ErrorNegotiated(err, Codecs, gv, w, req)
			return
		}
		handler.ServeHTTP(w, req)
	})
}

// kapisPrefix is the first path segment of the KubeSphere routes.
const kapisPrefix = "kapis"

// requestInfoResolver is the generic resolver that also reads /kapis paths
// as resource requests (/kapis/resources.kubesphere.io/v1alpha3/namespaces/demo/pods
// is a list of pods in demo), so that they are authorized exactly like the
// same request on /apis, mirror rule included.
func requestInfoResolver(c *genericapiserver.Config) genericapirequest.RequestInfoResolver {
	factory := genericapiserver.NewRequestInfoResolver(c)
	factory.APIPrefixes.Insert(kapisPrefix)
	return kapisRequestInfo{factory}
}

type kapisRequestInfo struct {
	*genericapirequest.RequestInfoFactory
}

// NewRequestInfo reads /kapis paths without their query: KubeSphere's
// parameters (limit=abc is valid there) are not Kubernetes list options.
func (r kapisRequestInfo) NewRequestInfo(req *http.Request) (*genericapirequest.RequestInfo, error) {
	if strings.HasPrefix(req.URL.Path, "/"+kapisPrefix+"/") && req.URL.RawQuery != "" {
		u := *req.URL
		u.RawQuery = ""
		stripped := *req
		stripped.URL = &u
		req = &stripped
	}
	return r.RequestInfoFactory.NewRequestInfo(req)
}
