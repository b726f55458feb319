package apiserver

import (
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	"github.com/ks-apiserver/ks-apiserver/pkg/kapis"
)

// healthPaths are answered on the plain-HTTP port as on the secure one.
var healthPaths = []string{"/healthz", "/livez", "/readyz"}

// InsecureHandler is what the optional plain-HTTP port serves: the OAuth
// paths, /kapis and health, through the same handler chain as the secure
// port (full), and nothing else. /kapis needs a bearer token: there is no
// client certificate on plain HTTP, so neither x509 nor front-proxy
// request headers can authenticate, and the front-proxy headers are dropped
// so that no later change of the chain can come to trust them.
func InsecureHandler(full http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for name := range r.Header {
			if strings.HasPrefix(name, "X-Remote-") {
				r.Header.Del(name)
			}
		}
		path := r.URL.Path
		switch {
		case isOAuthPath(path), isHealthPath(path):
		case strings.HasPrefix(path, "/"+kapis.APIPrefix+"/"):
			if !hasBearer(r) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="ks-apiserver"`)
				responsewriters.ErrorNegotiated(apierrors.NewUnauthorized(
					"a bearer token is required on the plain-HTTP port (POST /oauth/token gives one)"),
					Codecs, v1alpha3.SchemeGroupVersion, w, r)
				return
			}
		default:
			responsewriters.ErrorNegotiated(&apierrors.StatusError{ErrStatus: metav1.Status{
				Status: metav1.StatusFailure, Code: http.StatusNotFound, Reason: metav1.StatusReasonNotFound,
				Message: "the plain-HTTP port serves only /oauth, /kapis and health; use the secure port for " + path,
			}}, Codecs, v1alpha3.SchemeGroupVersion, w, r)
			return
		}
		full.ServeHTTP(w, r)
	})
}

func isHealthPath(path string) bool {
	for _, p := range healthPaths {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// hasBearer reports whether the request carries a non-empty bearer token.
func hasBearer(r *http.Request) bool {
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	return ok && strings.EqualFold(scheme, "bearer") && strings.TrimSpace(token) != ""
}

// withCloseOnShutdown asks every client to close its connection after the
// answer once shutdown has begun (HTTP/1: Connection: close; HTTP/2: the
// server turns it into a GOAWAY), so that during the shutdown delay clients
// reconnect, through their Service, to a replica that stays.
func withCloseOnShutdown(handler http.Handler, shuttingDown <-chan struct{}) http.Handler {
	if shuttingDown == nil {
		return handler
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-shuttingDown:
			w.Header().Set("Connection", "close")
		default:
		}
		handler.ServeHTTP(w, r)
	})
}
