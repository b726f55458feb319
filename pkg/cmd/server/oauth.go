package server

import (
	"net/http"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"

	"github.com/ks-apiserver/ks-apiserver/pkg/apiserver"
	"github.com/ks-apiserver/ks-apiserver/pkg/oauth"
	upstreamhealth "github.com/ks-apiserver/ks-apiserver/pkg/upstream"
)

// oauthServer is the OAuth server against the upstream kube-apiserver, built
// when the configuration is completed, or nil when --oauth=false.
func (o *Options) oauthServer(upstream *rest.Config, monitor *upstreamhealth.Monitor) *apiserver.OAuth {
	if !o.OAuth.Enabled {
		return nil
	}
	cfg := rest.CopyConfig(upstream)
	// User objects are CRs: kube-apiserver serves them as JSON only.
	cfg.ContentType, cfg.AcceptContentTypes = runtime.ContentTypeJSON, runtime.ContentTypeJSON
	// A login writes to kube-apiserver (failed-login counts, the session):
	// on a hung kube-apiserver it fails with 503 within --upstream-timeout
	// instead of waiting out the request deadline. Watches are not bounded.
	// The watches of sessions, users and keys wait for kube-apiserver
	// through an outage and go out within one probe of its return, as the
	// mirrors' informers do, instead of client-go's reflector backoff (up
	// to 30 s): a login or logout elsewhere is seen promptly.
	watchCfg := rest.CopyConfig(cfg)
	if monitor != nil {
		watchCfg.Wrap(monitor.Gate)
	}
	cfg.Wrap(upstreamhealth.Bound(o.UpstreamTimeout))
	build := func(authorizeReview func(*http.Request) bool) (*oauth.Server, *oauth.Runtime, error) {
		return o.OAuth.Build(cfg, watchCfg, authorizeReview)
	}
	return &apiserver.OAuth{Build: build, Limits: o.OAuth.Serving}
}
