package apiserver

import (
	"context"
	"net/http"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/endpoints/responsewriter"
	"k8s.io/apiserver/pkg/warning"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
	"k8s.io/klog/v2"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	"github.com/ks-apiserver/ks-apiserver/pkg/oauth"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
	"github.com/ks-apiserver/ks-apiserver/pkg/upstream"
)

// StaleHeader is set to "true" on responses of resources.kubesphere.io
// (/apis and /kapis) served while kube-apiserver is unreachable or the caches
// are catching up after it returned; a Warning header says the same to
// kubectl and client-go users.
const StaleHeader = "X-Ks-Data-Stale"

// outageRetryAfter is the Retry-After of a request refused because
// kube-apiserver did not answer a delegated check.
const outageRetryAfter = 5

// The generic chain answers an authenticator error with 401 and an
// authorizer error with 500; when the error is kube-apiserver not answering,
// the honest answer is 503 with Retry-After. Neither filter can be told so,
// hence a per-request record of such failures, written by the bounded
// authenticator and authorizer and read by withOutageAnswers, which replaces
// that 401, 403 or 500 by a 503 Status. The decision itself is unchanged
// (the request is still refused): only its answer is.
type outageRecord struct {
	mu    sync.Mutex
	authn bool
	authz bool
}

type outageRecordKey struct{}

func recordOutage(ctx context.Context, authn bool) {
	r, ok := ctx.Value(outageRecordKey{}).(*outageRecord)
	if !ok {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if authn {
		r.authn = true
	} else {
		r.authz = true
	}
}

// replaces reports whether the answer code is the generic chain's answer to
// a failure recorded for this request, and which check failed.
func (r *outageRecord) replaces(code int) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.authn && code == http.StatusUnauthorized:
		return "authentication", true
	case r.authz && (code == http.StatusInternalServerError || code == http.StatusForbidden):
		return "authorization", true
	}
	return "", false
}

// withOutageAnswers turns the answer to a failed delegated check into 503
// with Retry-After (see outageRecord).
func withOutageAnswers(handler http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec := &outageRecord{}
		req = req.WithContext(context.WithValue(req.Context(), outageRecordKey{}, rec))
		handler.ServeHTTP(responsewriter.WrapForHTTP1Or2(&outageWriter{ResponseWriter: w, rec: rec, req: req}), req)
	})
}

type outageWriter struct {
	http.ResponseWriter
	rec      *outageRecord
	req      *http.Request
	written  bool
	replaced bool
}

func (w *outageWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *outageWriter) WriteHeader(code int) {
	if w.replaced {
		return
	}
	if !w.written {
		w.written = true
		if check, ok := w.rec.replaces(code); ok {
			w.replaced = true
			unavailableResponses.WithLabelValues(check).Inc()
			// Headers of the replaced answer (text/plain, or a compressed
			// Status) must not describe the new one.
			for _, h := range []string{"Content-Type", "Content-Encoding", "Content-Length"} {
				w.Header().Del(h)
			}
			err := apierrors.NewServiceUnavailable("kube-apiserver did not answer the " + check +
				" check of this request in time; ks-apiserver serves its caches, retry later")
			err.ErrStatus.Details = &metav1.StatusDetails{RetryAfterSeconds: outageRetryAfter}
			responsewriters.ErrorNegotiated(err, Codecs, v1alpha3.SchemeGroupVersion, w.ResponseWriter, w.req)
			return
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *outageWriter) Write(b []byte) (int, error) {
	if w.replaced {
		return len(b), nil
	}
	w.written = true
	return w.ResponseWriter.Write(b)
}

// boundedAuthenticator bounds the delegated authentication (a TokenReview
// for bearer tokens ks-apiserver did not issue) by timeout, and records a
// failure to reach kube-apiserver so that it is answered 503, not 401.
type boundedAuthenticator struct {
	delegate authenticator.Request
	timeout  time.Duration
}

func (a boundedAuthenticator) AuthenticateRequest(req *http.Request) (*authenticator.Response, bool, error) {
	ctx, cancel := context.WithTimeout(req.Context(), a.timeout)
	defer cancel()
	resp, ok, err := a.delegate.AuthenticateRequest(req.WithContext(ctx))
	if err != nil && (ctx.Err() != nil || upstream.NoAnswerIn(err)) {
		klog.V(2).InfoS("Delegated authentication got no answer from kube-apiserver", "err", err)
		recordOutage(req.Context(), true)
	}
	return resp, ok, err
}

// boundedAuthorizer bounds the whole authorization of a request (the local
// checks and any SubjectAccessReview with its retries) by timeout, and
// records an error so that the refusal is answered 503, not 500.
type boundedAuthorizer struct {
	delegate authorizer.Authorizer
	timeout  time.Duration
}

var _ authorizer.Authorizer = boundedAuthorizer{}

// Authorize implements authorizer.Authorizer.
func (a boundedAuthorizer) Authorize(ctx context.Context, attrs authorizer.Attributes) (authorizer.Decision, string, error) {
	bounded, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	decision, reason, err := a.delegate.Authorize(bounded, attrs)
	if decision != authorizer.DecisionAllow && err != nil {
		// An authorizer error is a question kube-apiserver did not answer:
		// the local authorizers decide without errors.
		klog.V(2).InfoS("Authorization could not be decided", "verb", attrs.GetVerb(), "resource", attrs.GetResource(), "path", attrs.GetPath(), "err", err)
		recordOutage(ctx, false)
	}
	return decision, reason, err
}

// ConditionsAwareAuthorize implements authorizer.Authorizer.
func (a boundedAuthorizer) ConditionsAwareAuthorize(ctx context.Context, attrs authorizer.Attributes) authorizer.ConditionsAwareDecision {
	return authorizer.ConditionsAwareDecisionFromParts(a.Authorize(ctx, attrs))
}

// EvaluateConditions implements authorizer.Authorizer.
func (a boundedAuthorizer) EvaluateConditions(ctx context.Context, d authorizer.ConditionsAwareDecision, data authorizer.ConditionsData) (authorizer.Decision, string, error) {
	return a.delegate.EvaluateConditions(ctx, d, data)
}

// withStaleMark marks the resources.kubesphere.io answers served while the
// caches may lag kube-apiserver (StaleHeader, a Warning and a metric).
func withStaleMark(handler http.Handler, monitor *upstream.Monitor) http.Handler {
	if monitor == nil {
		return handler
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		info, ok := genericapirequest.RequestInfoFrom(req.Context())
		if ok && info.IsResourceRequest && info.APIGroup == v1alpha3.GroupName && monitor.Stale() {
			w.Header().Set(StaleHeader, "true")
			warning.AddWarning(req.Context(), "", "kube-apiserver is unreachable or ks-apiserver is catching up with it: the data may be stale")
			staleResponses.WithLabelValues(info.APIPrefix).Inc()
		}
		handler.ServeHTTP(w, req)
	})
}

var (
	staleResponses = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "stale_responses_total",
		Help:           "resources.kubesphere.io requests answered from the caches while kube-apiserver was unreachable or the caches were catching up with it, by path prefix (apis, kapis).",
		StabilityLevel: metrics.ALPHA,
	}, []string{"prefix"})
	unavailableResponses = metrics.NewCounterVec(&metrics.CounterOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "upstream_unavailable_responses_total",
		Help:           "Requests answered 503 because kube-apiserver did not answer their delegated authentication or authorization in time, by check.",
		StabilityLevel: metrics.ALPHA,
	}, []string{"check"})
	registerMetricsOnce sync.Once
)

func registerMetrics() {
	registerMetricsOnce.Do(func() {
		legacyregistry.MustRegister(staleResponses, unavailableResponses)
		upstream.RegisterMetrics()
		mirror.RegisterMetrics()
		oauth.RegisterMetrics()
	})
}
