// Package apiserver assembles ks-apiserver: the resources.kubesphere.io API
// group served from informer caches on a generic API server.
package apiserver

import (
	"fmt"
	"net/http"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/install"
	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	"github.com/ks-apiserver/ks-apiserver/pkg/kapis"
	"github.com/ks-apiserver/ks-apiserver/pkg/printers"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/upstream"
)

var (
	// Scheme holds every type ks-apiserver serves.
	Scheme = runtime.NewScheme()
	// Codecs encodes and decodes the types of Scheme.
	Codecs = serializer.NewCodecFactory(Scheme)
)

func init() {
	install.Install(Scheme)
	// Field label conversions go on the process-wide Scheme here, not from
	// ExtraConfig.Upstream in New: requests of every server in the process
	// read the Scheme's maps unlocked, so they are written once, before any
	// server exists; install.Install registers every declared kind as well.
	for _, res := range registryresources.All() {
		gvk := v1alpha3.SchemeGroupVersion.WithKind(res.Kind)
		utilruntime.Must(Scheme.AddFieldLabelConversionFunc(gvk, res.FieldLabelConversionFunc()))
	}

	// Types the generic server answers with outside the group (Status,
	// discovery documents), as every aggregated server registers them.
	metav1.AddToGroupVersion(Scheme, schema.GroupVersion{Version: "v1"})
	Scheme.AddUnversionedTypes(schema.GroupVersion{Group: "", Version: "v1"},
		&metav1.Status{},
		&metav1.APIVersions{},
		&metav1.APIGroupList{},
		&metav1.APIGroup{},
		&metav1.APIResourceList{},
	)
}

// ExtraConfig is ks-apiserver's own configuration.
type ExtraConfig struct {
	// Caches provides the informers of the mirrored resources; the server
	// runs it after start and reports its sync on /readyz.
	Caches *mirror.Caches
	// OAuth is the OAuth server to mount, or nil.
	OAuth *OAuth
	// Monitor probes kube-apiserver: while it does not answer, the caches
	// are served marked stale. Nil: never marked.
	Monitor *upstream.Monitor
	// UpstreamTimeout bounds a request's delegated authentication and
	// authorization; past it, or when kube-apiserver refuses the
	// connection, the request is answered 503 with Retry-After. 0: no bound.
	UpstreamTimeout time.Duration
	// MaxWatchesPerUser bounds one user's concurrent watches and other
	// long-running requests (members of system:masters are exempt); 0 means
	// no bound.
	MaxWatchesPerUser int
	// LocalRBAC answers "allow" from the mirrored RBAC objects before asking
	// kube-apiserver (SubjectAccessReview) about what they do not allow.
	LocalRBAC bool
	// ShuttingDown is closed when shutdown begins: from then on every
	// answer asks its client to reconnect (withCloseOnShutdown). Nil: never.
	ShuttingDown <-chan struct{}
}

// Config is the whole configuration of ks-apiserver.
type Config struct {
	GenericConfig *genericapiserver.RecommendedConfig
	ExtraConfig   ExtraConfig
}

// Server is a running ks-apiserver.
type Server struct {
	GenericAPIServer *genericapiserver.GenericAPIServer
}

type completedConfig struct {
	GenericConfig genericapiserver.CompletedConfig
	ExtraConfig   *ExtraConfig
	// lists streams the JSON lists; New gives it the storage.
	lists *listStreamer
}

// CompletedConfig is a Config with defaults filled in; only Complete makes one.
type CompletedConfig struct {
	*completedConfig
}

// Complete fills in the defaults of the configuration and puts the mirror
// rule around the configured authorizer (behind it, with LocalRBAC, the
// local RBAC fast path in front of the delegated one), and builds the OAuth
// server; call it once.
func (cfg *Config) Complete() (CompletedConfig, error) {
	extra := &cfg.ExtraConfig
	lists := &listStreamer{storage: map[string]*mirror.REST{}}
	cfg.GenericConfig.BuildHandlerChainFunc = func(apiHandler http.Handler, c *genericapiserver.Config) http.Handler {
		lists.next = apiHandler
		return buildHandlerChain(lists, c, extra)
	}
	cfg.GenericConfig.RequestInfoResolver = requestInfoResolver(&cfg.GenericConfig.Config)
	// A nil authorizer means authorization is off; there is nothing to narrow.
	if authz := cfg.GenericConfig.Authorization.Authorizer; authz != nil {
		// Both checks of the mirror rule go to the fast path first.
		if extra.LocalRBAC && extra.Caches != nil {
			authz = localRBACAuthorizer(extra.Caches, authz)
		}
		var declared []*mirror.Resource
		if extra.Caches != nil {
			declared = extra.Caches.Resources()
		}
		cfg.GenericConfig.Authorization.Authorizer = mirrorAuthorizer(declared, authz)
		if extra.UpstreamTimeout > 0 {
			cfg.GenericConfig.Authorization.Authorizer = boundedAuthorizer{delegate: cfg.GenericConfig.Authorization.Authorizer, timeout: extra.UpstreamTimeout}
		}
	}
	if authn := cfg.GenericConfig.Authentication.Authenticator; authn != nil && extra.UpstreamTimeout > 0 {
		cfg.GenericConfig.Authentication.Authenticator = boundedAuthenticator{delegate: authn, timeout: extra.UpstreamTimeout}
	}
	if err := cfg.completeOAuth(); err != nil {
		return CompletedConfig{}, fmt.Errorf("oauth: %w", err)
	}
	return CompletedConfig{&completedConfig{
		GenericConfig: cfg.GenericConfig.Complete(),
		ExtraConfig:   &cfg.ExtraConfig,
		lists:         lists,
	}}, nil
}

// New builds the server and installs the API group.
func (c completedConfig) New() (*Server, error) {
	caches := c.ExtraConfig.Caches
	if caches == nil {
		return nil, fmt.Errorf("ks-apiserver needs the upstream informers")
	}
	genericServer, err := c.GenericConfig.New("ks-apiserver", genericapiserver.NewEmptyDelegate())
	if err != nil {
		return nil, err
	}

	reads := readAuthorizer(c.GenericConfig.Authorization.Authorizer, caches.Followed())
	apiGroupInfo := genericapiserver.NewDefaultAPIGroupInfo(v1alpha3.GroupName, Scheme, metav1.ParameterCodec, Codecs)
	apiGroupInfo.NegotiatedSerializer = negotiatedSerializer(Scheme, Codecs, v1alpha3.SchemeGroupVersion)
	storage := map[string]rest.Storage{}
	for _, res := range caches.Resources() {
		var table rest.TableConvertor
		if t, ok := printers.For(res.Upstream); ok {
			table = mirror.NewTableConvertor(res, t.Columns, t.Cells)
		}
		lister := mirror.NewREST(res, v1alpha3.Resource(res.Name), caches, table, reads)
		storage[res.Name] = lister
		c.lists.storage[res.Name] = lister
	}
	apiGroupInfo.VersionedResourcesStorageMap[v1alpha3.SchemeGroupVersion.Version] = storage
	if err := genericServer.InstallAPIGroup(&apiGroupInfo); err != nil {
		return nil, err
	}
	genericServer.Handler.NonGoRestfulMux.HandlePrefix(kapis.Prefix+"/", kapis.New(caches, reads))
	released := newStartupMemory()
	if err := genericServer.AddReadyzChecks(caches.ReadyCheck(), released); err != nil {
		return nil, err
	}
	if err := genericServer.AddPostStartHook("start-upstream-informers", func(ctx genericapiserver.PostStartHookContext) error {
		restoreGC := mirror.RelaxGCForSync()
		go caches.Run(ctx)
		go releaseAfterSync(ctx, caches, restoreGC, released)
		return nil
	}); err != nil {
		return nil, err
	}
	registerMetrics()
	if monitor := c.ExtraConfig.Monitor; monitor != nil {
		if err := genericServer.AddPostStartHook("start-upstream-monitor", func(ctx genericapiserver.PostStartHookContext) error {
			go monitor.Run(ctx)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	if err := installOAuth(genericServer, c.ExtraConfig.OAuth, caches); err != nil {
		return nil, err
	}
	return &Server{GenericAPIServer: genericServer}, nil
}
