package server

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"

	"github.com/ks-apiserver/ks-apiserver/pkg/apiserver"
	upstreamhealth "github.com/ks-apiserver/ks-apiserver/pkg/upstream"
)

// oauthServer builds the OAuth server against the upstream kube-apiserver,
// or returns nil when --oauth=false.
func (o *Options) oauthServer(upstream *rest.Config) (*apiserver.OAuth, error) {
	if !o.OAuth.Enabled {
		return nil, nil
	}
	cfg := rest.CopyConfig(upstream)
	// User objects are CRs: kube-apiserver serves them as JSON only.
	cfg.ContentType, cfg.AcceptContentTypes = runtime.ContentTypeJSON, runtime.ContentTypeJSON
	// A login writes to kube-apiserver (failed-login counts, the session):
	// on a hung kube-apiserver it fails with 503 within --upstream-timeout
	// instead of waiting out the request deadline. Watches are not bounded.
	cfg.Wrap(upstreamhealth.Bound(o.UpstreamTimeout))
	server, rt, err := o.OAuth.Build(cfg)
	if err != nil {
		return nil, err
	}
	return &apiserver.OAuth{Server: server, Runtime: rt, Limits: o.OAuth.Serving}, nil
}
