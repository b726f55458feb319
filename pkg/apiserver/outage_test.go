package apiserver

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapifilters "k8s.io/apiserver/pkg/endpoints/filters"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"github.com/ks-apiserver/ks-apiserver/pkg/upstream"
)

// blockingAuthorizer answers like a SubjectAccessReview to a kube-apiserver
// that never answers: it waits for the context and fails.
type blockingAuthorizer struct{ authorizer.Authorizer }

func (blockingAuthorizer) Authorize(ctx context.Context, _ authorizer.Attributes) (authorizer.Decision, string, error) {
	select {
	case <-ctx.Done():
		return authorizer.DecisionNoOpinion, "", ctx.Err()
	case <-time.After(time.Minute):
		return authorizer.DecisionNoOpinion, "", errors.New("no answer in a minute")
	}
}

type allowAuthorizer struct{ authorizer.Authorizer }

func (allowAuthorizer) Authorize(context.Context, authorizer.Attributes) (authorizer.Decision, string, error) {
	return authorizer.DecisionAllow, "", nil
}

type denyAuthorizer struct{ authorizer.Authorizer }

func (denyAuthorizer) Authorize(context.Context, authorizer.Attributes) (authorizer.Decision, string, error) {
	return authorizer.DecisionDeny, "no", nil
}

// authChain is the generic chain's authentication and authorization
// filters (the same functions DefaultBuildHandlerChain uses) around ok.
func authChain(authn authenticator.Request, authz authorizer.Authorizer) http.Handler {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	h := genericapifilters.WithAuthorization(ok, authz, Codecs)
	h = genericapifilters.WithAuthentication(h, authn, genericapifilters.Unauthorized(Codecs), nil, nil)
	resolver := &genericapirequest.RequestInfoFactory{APIPrefixes: sets.NewString("apis"), GrouplessAPIPrefixes: sets.NewString()}
	return genericapifilters.WithRequestInfo(h, resolver)
}

type authnFunc func(*http.Request) (*authenticator.Response, bool, error)

func (f authnFunc) AuthenticateRequest(r *http.Request) (*authenticator.Response, bool, error) {
	return f(r)
}

func userAuthn(*http.Request) (*authenticator.Response, bool, error) {
	return &authenticator.Response{User: &user.DefaultInfo{Name: "alice"}}, true, nil
}

func serveChain(h http.Handler) (*httptest.ResponseRecorder, time.Duration) {
	req := httptest.NewRequest(http.MethodGet, "/apis/resources.kubesphere.io/v1alpha3/namespaces/demo/pods", nil)
	rec := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(rec, req)
	return rec, time.Since(start)
}

// A SubjectAccessReview kube-apiserver does not answer is a 503 Status with
// Retry-After within the bound: the generic chain alone answers 500 (and,
// unbounded, only when the client-side timeouts end the wait).
func TestAuthorizationOutageIs503(t *testing.T) {
	bounded := boundedAuthorizer{delegate: blockingAuthorizer{}, timeout: 200 * time.Millisecond}
	if rec, _ := serveChain(authChain(authnFunc(userAuthn), bounded)); rec.Code != http.StatusInternalServerError {
		t.Fatalf("without withOutageAnswers the generic chain answers %d, want its 500 (else this test proves nothing)", rec.Code)
	}
	rec, took := serveChain(withOutageAnswers(authChain(authnFunc(userAuthn), bounded)))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "5" || took > 2*time.Second ||
		!strings.Contains(rec.Body.String(), `"kind":"Status"`) || !strings.Contains(rec.Body.String(), "authorization") ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("unanswered authorization: %d in %s %v %s", rec.Code, took, rec.Header(), rec.Body)
	}
	// Decisions are untouched: an allow serves, a deny is a 403.
	if rec, _ := serveChain(withOutageAnswers(authChain(authnFunc(userAuthn), boundedAuthorizer{delegate: allowAuthorizer{}, timeout: time.Second}))); rec.Code != http.StatusOK || rec.Body.String() != "ok" {
		t.Fatalf("allowed: %d %s", rec.Code, rec.Body)
	}
	if rec, _ := serveChain(withOutageAnswers(authChain(authnFunc(userAuthn), boundedAuthorizer{delegate: denyAuthorizer{}, timeout: time.Second}))); rec.Code != http.StatusForbidden {
		t.Fatalf("denied: %d %s", rec.Code, rec.Body)
	}
}

// A TokenReview kube-apiserver does not answer (refused connection, or no
// answer within the bound) is a 503; a token it rejects stays a 401.
func TestAuthenticationOutageIs503(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, c := range []struct {
		name  string
		authn authnFunc
		want  int
	}{
		{"refused", func(*http.Request) (*authenticator.Response, bool, error) { return nil, false, refused }, http.StatusServiceUnavailable},
		{"no answer", func(r *http.Request) (*authenticator.Response, bool, error) {
			<-r.Context().Done()
			return nil, false, r.Context().Err()
		}, http.StatusServiceUnavailable},
		{"rejected", func(*http.Request) (*authenticator.Response, bool, error) {
			return nil, false, errors.New("token expired")
		}, http.StatusUnauthorized},
		{"authenticated", userAuthn, http.StatusOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			authn := boundedAuthenticator{delegate: c.authn, timeout: 200 * time.Millisecond}
			rec, took := serveChain(withOutageAnswers(authChain(authn, allowAuthorizer{})))
			if rec.Code != c.want || took > 2*time.Second {
				t.Fatalf("%d in %s %s, want %d", rec.Code, took, rec.Body, c.want)
			}
			if c.want == http.StatusServiceUnavailable && (rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "authentication")) {
				t.Fatalf("503 without Retry-After or cause: %v %s", rec.Header(), rec.Body)
			}
		})
	}
}

// Answers of resources.kubesphere.io are marked while the monitor says
// kube-apiserver is unreachable, and not otherwise.
func TestStaleMark(t *testing.T) {
	monitor := upstream.NewMonitor(func(context.Context) (int, error) { return http.StatusOK, nil })
	monitor.Interval, monitor.DownInterval = 10*time.Millisecond, 10*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := withStaleMark(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), monitor)
	serve := func(group string) http.Header {
		req := httptest.NewRequest(http.MethodGet, "/apis/x", nil)
		req = req.WithContext(genericapirequest.WithRequestInfo(req.Context(), &genericapirequest.RequestInfo{IsResourceRequest: true, APIGroup: group, APIPrefix: "apis"}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Header()
	}
	if got := serve("resources.kubesphere.io").Get(StaleHeader); got != "" {
		t.Fatalf("marked while reachable: %q", got)
	}
	monitor.MarkUnreachable(errors.New("refused"))
	if got := serve("resources.kubesphere.io").Get(StaleHeader); got != "true" {
		t.Fatalf("not marked while unreachable: %q", got)
	}
	if got := serve("").Get(StaleHeader); got != "" {
		t.Fatalf("another group marked: %q", got)
	}
	go monitor.Run(ctx)
	if err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		return !monitor.Stale(), nil
	}); err != nil {
		t.Fatal("still stale after kube-apiserver answers again")
	}
	if got := serve("resources.kubesphere.io").Get(StaleHeader); got != "" {
		t.Fatalf("marked after kube-apiserver answers again: %q", got)
	}
}
