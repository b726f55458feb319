package apiserver

import (
	"fmt"
	"net/http"

	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/healthz"

	"github.com/ks-apiserver/ks-apiserver/pkg/oauth"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
)

// OAuth is the OAuth server mounted next to the API on the secure port.
type OAuth struct {
	Server  *oauth.Server
	Runtime *oauth.Runtime
}

// completeOAuth puts the OAuth bearer-token authenticator in front of the
// delegating one, so ks-apiserver's own tokens work on its routes and the
// identity is then authorized like any other, and lets callers allowed to
// create TokenReviews use the webhook.
func (cfg *Config) completeOAuth() {
	o := cfg.ExtraConfig.OAuth
	if o == nil {
		return
	}
	auth := &cfg.GenericConfig.Authentication
	auth.Authenticator = oauth.NewRequestAuthenticator(o.Server, auth.Authenticator)
	authz := cfg.GenericConfig.Authorization.Authorizer
	o.Server.SetReviewAuthorizer(func(r *http.Request) bool {
		u, ok := genericapirequest.UserFrom(r.Context())
		if !ok || authz == nil {
			return false
		}
		decision, _, err := authz.Authorize(r.Context(), authorizer.AttributesRecord{
			User: u, Verb: "create", APIGroup: "authentication.k8s.io", APIVersion: "v1",
			Resource: "tokenreviews", ResourceRequest: true,
		})
		return err == nil && decision == authorizer.DecisionAllow
	})
}

// installOAuth mounts the OAuth handler outside the API groups (the
// authorizer lets /oauth/* and /.well-known/* through; the handlers
// authenticate what they need themselves) and runs its watches and leader.
func installOAuth(s *genericapiserver.GenericAPIServer, o *OAuth, upstream *mirror.Upstream) error {
	if o == nil {
		return nil
	}
	if o.Runtime.UsersServed == nil {
		// The mirror of users knows whether kube-apiserver serves the CRD.
		// Until its discovery has run the CRD counts as served, so that
		// readiness waits for the users watch instead of latching without it.
		o.Runtime.UsersServed = func() bool { return !upstream.Absent("users") }
	}
	h := o.Server.Handler()
	for _, p := range oauth.Paths {
		if p[len(p)-1] == '/' {
			s.Handler.NonGoRestfulMux.HandlePrefix(p, h)
		} else {
			s.Handler.NonGoRestfulMux.Handle(p, h)
		}
	}
	if err := s.AddReadyzChecks(healthz.NamedCheck("oauth", func(*http.Request) error { return o.Runtime.Ready() })); err != nil {
		return fmt.Errorf("oauth readiness check: %w", err)
	}
	return s.AddPostStartHook("start-oauth", func(ctx genericapiserver.PostStartHookContext) error {
		o.Runtime.Run(ctx)
		return nil
	})
}
