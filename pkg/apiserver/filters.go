package apiserver

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericapiserver "k8s.io/apiserver/pkg/server"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	"github.com/ks-apiserver/ks-apiserver/pkg/kapis"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

// buildHandlerChain is the generic chain with ks-apiserver's own filters
// around the API handler, after authentication and authorization; the
// OAuth paths take a chain of their own (oauthChain).
func buildHandlerChain(apiHandler http.Handler, c *genericapiserver.Config, extra *ExtraConfig) http.Handler {
	inner := withStaleMark(withSelectorValidation(withQueryValues(apiHandler)), extra.Monitor)
	if extra.MaxWatchesPerUser > 0 {
		inner = withLongRunningPerUser(inner, extra.MaxWatchesPerUser, c.LongRunningFunc)
	}
	generic := withOutageAnswers(genericapiserver.DefaultBuildHandlerChain(inner, c))
	if extra.OAuth == nil {
		return withCloseOnShutdown(generic, extra.ShuttingDown)
	}
	oauthHandler := oauthChain(extra.OAuth, c)
	return withCloseOnShutdown(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if isOAuthPath(req.URL.Path) {
			oauthHandler.ServeHTTP(w, req)
			return
		}
		generic.ServeHTTP(w, req)
	}), extra.ShuttingDown)
}

// watchRetryAfter is the Retry-After of a refused watch: watches end after
// minutes, so an immediate retry would fail again.
const watchRetryAfter = 5

// withLongRunningPerUser bounds one user's concurrent watches (and any
// other long-running request), which the generic in-flight limits do not
// count: 429 with a Status beyond limit. The user is the authenticated one,
// so through kube-apiserver it is the end user of the front-proxy headers.
// Members of system:masters are exempt, as from the generic in-flight limit
// (the loopback client, cluster admins).
func withLongRunningPerUser(handler http.Handler, limit int, longRunning genericapirequest.LongRunningRequestCheck) http.Handler {
	var mu sync.Mutex
	counts := map[string]int{}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		info, ok := genericapirequest.RequestInfoFrom(req.Context())
		u, hasUser := genericapirequest.UserFrom(req.Context())
		if !ok || !hasUser || longRunning == nil || !longRunning(req, info) || slices.Contains(u.GetGroups(), user.SystemPrivilegedGroup) {
			handler.ServeHTTP(w, req)
			return
		}
		name := u.GetName()
		mu.Lock()
		if counts[name] >= limit {
			mu.Unlock()
			err := apierrors.NewTooManyRequests(fmt.Sprintf(
				"too many concurrent watches and long-running requests for this user (limit %d, --max-watches-per-user); retry after one ends", limit), watchRetryAfter)
			responsewriters.ErrorNegotiated(err, Codecs, v1alpha3.SchemeGroupVersion, w, req)
			return
		}
		counts[name]++
		mu.Unlock()
		defer func() {
			mu.Lock()
			if counts[name]--; counts[name] == 0 {
				delete(counts, name)
			}
			mu.Unlock()
		}()
		handler.ServeHTTP(w, req)
	})
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
		if !ok || !info.IsResourceRequest || info.APIGroup != v1alpha3.GroupName || info.APIPrefix == kapis.APIPrefix {
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

// requestInfoResolver is the generic resolver that also reads /kapis paths
// as resource requests (/kapis/resources.kubesphere.io/v1alpha3/namespaces/demo/pods
// is a list of pods in demo), so that they are authorized exactly like the
// same request on /apis, mirror rule included.
func requestInfoResolver(c *genericapiserver.Config) genericapirequest.RequestInfoResolver {
	factory := genericapiserver.NewRequestInfoResolver(c)
	factory.APIPrefixes.Insert(kapis.APIPrefix)
	return kapisRequestInfo{factory}
}

type kapisRequestInfo struct {
	*genericapirequest.RequestInfoFactory
}

// NewRequestInfo reads /kapis paths without their query: KubeSphere's
// parameters (limit=abc is valid there) are not Kubernetes list options.
func (r kapisRequestInfo) NewRequestInfo(req *http.Request) (*genericapirequest.RequestInfo, error) {
	if strings.HasPrefix(req.URL.Path, "/"+kapis.APIPrefix+"/") && req.URL.RawQuery != "" {
		u := *req.URL
		u.RawQuery = ""
		stripped := *req
		stripped.URL = &u
		req = &stripped
	}
	return r.RequestInfoFactory.NewRequestInfo(req)
}
