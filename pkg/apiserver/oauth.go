package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapifilters "k8s.io/apiserver/pkg/endpoints/filters"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericfilters "k8s.io/apiserver/pkg/server/filters"
	"k8s.io/apiserver/pkg/server/healthz"

	"github.com/ks-apiserver/ks-apiserver/pkg/oauth"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

// OAuth is the OAuth server mounted next to the API on the secure port.
type OAuth struct {
	// Build makes the server and its runtime; Complete calls it once, with
	// who may call the TokenReview webhook under the completed authorizer,
	// so the server's configuration is whole before anything uses it.
	Build func(authorizeReview func(*http.Request) bool) (*oauth.Server, *oauth.Runtime, error)
	// Limits bound the OAuth endpoints' share of the server.
	Limits oauth.ServingLimits
	// Server and Runtime are what Build made.
	Server  *oauth.Server
	Runtime *oauth.Runtime
}

// completeOAuth builds the OAuth server, letting callers allowed to create
// TokenReviews use the webhook, and puts its bearer-token authenticator in
// front of the delegating one, so ks-apiserver's own tokens work on its
// routes and the identity is then authorized like any other.
func (cfg *Config) completeOAuth() error {
	o := cfg.ExtraConfig.OAuth
	if o == nil {
		return nil
	}
	var err error
	o.Server, o.Runtime, err = o.Build(reviewAuthorizer(cfg.GenericConfig.Authorization.Authorizer))
	if err != nil {
		return err
	}
	auth := &cfg.GenericConfig.Authentication
	auth.Authenticator = oauth.NewRequestAuthenticator(o.Server, auth.Authenticator)
	return nil
}

// reviewAuthorizer allows the callers of the TokenReview webhook that authz
// allows to create tokenreviews, as kube-apiserver does; nil allows none.
func reviewAuthorizer(authz authorizer.Authorizer) func(*http.Request) bool {
	return func(r *http.Request) bool {
		u, ok := genericapirequest.UserFrom(r.Context())
		if !ok || authz == nil {
			return false
		}
		decision, _, err := authz.Authorize(r.Context(), authorizer.AttributesRecord{
			User: u, Verb: "create", APIGroup: "authentication.k8s.io", APIVersion: "v1",
			Resource: "tokenreviews", ResourceRequest: true,
		})
		return err == nil && decision == authorizer.DecisionAllow
	}
}

// isOAuthPath reports whether path is served by the OAuth server.
func isOAuthPath(path string) bool {
	for _, p := range oauth.Paths {
		if path == p || (p[len(p)-1] == '/' && strings.HasPrefix(path, p)) {
			return true
		}
	}
	return false
}

// oauthChain is the handler chain of the OAuth paths, in place of the
// generic one: the generic authentication filter would drop the
// Authorization header (client_secret_basic), and its in-flight limit would
// let slow token requests starve the TokenReview webhook and the API. The
// OAuth server's own limits (budgets, body deadline, the webhook caller's
// authentication) are in ServingHandler; around them, what every request
// of the generic chain gets: panic recovery, the shutdown wait group, a
// request deadline, HSTS and CORS.
func oauthChain(o *OAuth, c *genericapiserver.Config) http.Handler {
	handler := o.Server.ServingHandler(o.Limits, c.Authentication.Authenticator, c.Authentication.APIAudiences)
	timeout := c.RequestTimeout
	inner := handler
	handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if timeout > 0 {
			ctx, cancel := context.WithTimeout(r.Context(), timeout)
			defer cancel()
			r = r.WithContext(ctx)
		}
		inner.ServeHTTP(w, r)
	})
	handler = genericfilters.WithCORS(handler, c.CorsAllowedOriginList, nil, nil, nil, "true")
	handler = genericfilters.WithHSTS(handler, c.HSTSDirectives)
	handler = genericfilters.WithWaitGroup(handler, c.LongRunningFunc, c.NonLongRunningRequestWaitGroup)
	handler = genericapifilters.WithRequestInfo(handler, c.RequestInfoResolver)
	return genericfilters.WithPanicRecovery(handler, c.RequestInfoResolver)
}

// installOAuth runs the OAuth server's watches and leader; its paths are
// served by oauthChain, ahead of the generic chain.
func installOAuth(s *genericapiserver.GenericAPIServer, o *OAuth, caches *mirror.Caches) error {
	if o == nil {
		return nil
	}
	if o.Runtime.UsersServed == nil {
		// The mirror of users knows whether kube-apiserver serves the CRD.
		// Until its discovery has run the CRD counts as served, so that
		// readiness waits for the users watch instead of latching without it.
		o.Runtime.UsersServed = func() bool { return !caches.Absent("users") }
	}
	if err := s.AddReadyzChecks(healthz.NamedCheck("oauth", func(*http.Request) error { return o.Runtime.Ready() })); err != nil {
		return fmt.Errorf("oauth readiness check: %w", err)
	}
	return s.AddPostStartHook("start-oauth", func(ctx genericapiserver.PostStartHookContext) error {
		o.Runtime.Run(ctx)
		return nil
	})
}
