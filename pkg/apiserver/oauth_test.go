package apiserver

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericapiserver "k8s.io/apiserver/pkg/server"
	basecompatibility "k8s.io/component-base/compatibility"
	baseversion "k8s.io/component-base/version"

	"github.com/ks-apiserver/ks-apiserver/pkg/oauth"
)

// reviewTestAuthorizer allows kube-apiserver to create tokenreviews, and
// takes longer than the upstream timeout for "slow".
var reviewTestAuthorizer = authorizer.AuthorizerFunc(func(ctx context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	if a.GetUser().GetName() == "slow" {
		<-ctx.Done()
		return authorizer.DecisionNoOpinion, "", ctx.Err()
	}
	if a.GetUser().GetName() == "kube-apiserver" && a.GetVerb() == "create" && a.GetAPIGroup() == "authentication.k8s.io" && a.GetResource() == "tokenreviews" {
		return authorizer.DecisionAllow, "", nil
	}
	return authorizer.DecisionNoOpinion, "", nil
})

// completableConfig is a generic configuration Complete accepts without a
// listener.
func completableConfig() *genericapiserver.RecommendedConfig {
	c := genericapiserver.NewRecommendedConfig(Codecs)
	c.ExternalAddress = "127.0.0.1:6443"
	c.EffectiveVersion = basecompatibility.NewEffectiveVersionFromString(baseversion.DefaultKubeBinaryVersion, "", "")
	return c
}

// Complete builds the OAuth server once, handing it who may call the
// TokenReview webhook under the completed authorizer (upstream timeout
// included); nothing sets it afterwards.
func TestCompleteBuildsOAuthWithReviewAuthorizer(t *testing.T) {
	var authorizeReview func(*http.Request) bool
	builds := 0
	cfg := &Config{GenericConfig: completableConfig(), ExtraConfig: ExtraConfig{
		UpstreamTimeout: 100 * time.Millisecond,
		OAuth: &OAuth{Build: func(f func(*http.Request) bool) (*oauth.Server, *oauth.Runtime, error) {
			builds++
			authorizeReview = f
			return nil, nil, nil
		}},
	}}
	cfg.GenericConfig.Authorization.Authorizer = reviewTestAuthorizer
	if _, err := cfg.Complete(); err != nil {
		t.Fatal(err)
	}
	if builds != 1 || authorizeReview == nil {
		t.Fatalf("Build called %d times, authorizer %v", builds, authorizeReview != nil)
	}
	// Without the upstream timeout, "slow" would take the whole 5 s.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	as := func(name string) *http.Request {
		r := httptest.NewRequestWithContext(ctx, http.MethodPost, oauth.ReviewPath, nil)
		if name == "" {
			return r
		}
		return r.WithContext(genericapirequest.WithUser(r.Context(), &user.DefaultInfo{Name: name}))
	}
	for name, want := range map[string]bool{"kube-apiserver": true, "alice": false, "": false, "slow": false} {
		start := time.Now()
		if got := authorizeReview(as(name)); got != want || time.Since(start) > 2*time.Second {
			t.Errorf("%q: allowed %v after %v, want %v", name, got, time.Since(start), want)
		}
	}

	// A server that cannot be built fails Complete.
	cfg = &Config{GenericConfig: completableConfig(), ExtraConfig: ExtraConfig{
		OAuth: &OAuth{Build: func(func(*http.Request) bool) (*oauth.Server, *oauth.Runtime, error) {
			return nil, nil, errors.New("no clients")
		}},
	}}
	if _, err := cfg.Complete(); err == nil {
		t.Fatal("Complete succeeded though the OAuth server failed to build")
	}
}
