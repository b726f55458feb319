// Package server holds ks-apiserver's command line: options, validation, the
// configuration they produce, and the run loop.
package server

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/watch"
	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/flowcontrol"
	cliflag "k8s.io/component-base/cli/flag"
	basecompatibility "k8s.io/component-base/compatibility"
	"k8s.io/component-base/logs"
	logsapi "k8s.io/component-base/logs/api/v1"
	baseversion "k8s.io/component-base/version"

	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apiextensionsinformers "k8s.io/apiextensions-apiserver/pkg/client/informers/externalversions"

	"github.com/ks-apiserver/ks-apiserver/pkg/apiserver"
	"github.com/ks-apiserver/ks-apiserver/pkg/generated/clientset/versioned"
	generatedinformers "github.com/ks-apiserver/ks-apiserver/pkg/generated/informers/externalversions"
	generatedopenapi "github.com/ks-apiserver/ks-apiserver/pkg/generated/openapi"
	"github.com/ks-apiserver/ks-apiserver/pkg/oauth"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
	"github.com/ks-apiserver/ks-apiserver/pkg/servingcert"
	"github.com/ks-apiserver/ks-apiserver/pkg/upstream"
)

// SelfSignedDNSNames and SelfSignedIPs are the subject alternative names of
// the certificate ks-apiserver makes for itself when given none: loopback for
// local runs, and the in-cluster Service names kube-apiserver's aggregator
// verifies (<service>.<namespace>.svc).
var (
	SelfSignedDNSNames = serviceDNSNames("kubesphere-system")
	SelfSignedIPs      = []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
)

// serviceDNSNames are the names of the ks-apiserver Service in namespace,
// and localhost.
func serviceDNSNames(namespace string) []string {
	return []string{
		"localhost",
		"ks-apiserver",
		"ks-apiserver." + namespace,
		"ks-apiserver." + namespace + ".svc",
		"ks-apiserver." + namespace + ".svc.cluster.local",
	}
}

// Options are ks-apiserver's command-line options.
type Options struct {
	SecureServing  *genericoptions.SecureServingOptionsWithLoopback
	Authentication *genericoptions.DelegatingAuthenticationOptions
	Authorization  *genericoptions.DelegatingAuthorizationOptions
	Logs           *logs.Options
	OAuth          *oauth.Options

	// Kubeconfig reaches the kube-apiserver whose resources are mirrored; empty
	// means the in-cluster configuration.
	Kubeconfig string
	// UpstreamQPS and UpstreamBurst limit the informers' requests.
	UpstreamQPS   float32
	UpstreamBurst int
	// UpstreamCompression lets the informers accept gzip-compressed lists
	// and watch-lists from kube-apiserver.
	UpstreamCompression bool
	// UpstreamPageSize is the page size of the pods informer's initial
	// list (see mirror.PagedListWatch); 0: client-go's own (a watch-list).
	UpstreamPageSize int64
	// UpstreamDiscoveryInterval is how often upstream APIs that are absent
	// (a CRD not installed) are looked for again.
	UpstreamDiscoveryInterval time.Duration
	// MaxWatchesPerUser bounds one user's concurrent watches (and other
	// long-running requests); 0: unbounded.
	MaxWatchesPerUser int
	// UpstreamTimeout bounds what a request waits for kube-apiserver (its
	// delegated authentication and authorization, retries included; the
	// OAuth server's requests but watches).
	UpstreamTimeout time.Duration
	// LocalRBAC allows what the mirrored RBAC objects allow without a
	// SubjectAccessReview.
	LocalRBAC bool

	// ShutdownDelay is how long the server keeps serving after SIGTERM with
	// /readyz failing, so that Services and kube-apiserver's aggregator stop
	// routing to it before it stops listening.
	ShutdownDelay time.Duration
	// ShutdownSendRetryAfter keeps listening after the delay until the
	// requests in flight are done, answering new ones 429 with Retry-After.
	ShutdownSendRetryAfter bool
	// ShutdownWatchGrace is how long open watches get to end once the
	// server stops accepting requests; 0: they are cut at once.
	ShutdownWatchGrace time.Duration

	// InsecureHTTPPort serves /oauth, /kapis and health over plain HTTP
	// (bearer tokens only); 0: off.
	InsecureHTTPPort int
	// InsecureHTTPBindAddress is the address of the plain-HTTP port.
	InsecureHTTPBindAddress string
	// insecureListener is the plain-HTTP port's listener, opened by Config.
	insecureListener net.Listener

	// ServingCertSecret serves the certificate of this kubernetes.io/tls
	// Secret in ServingCertNamespace, following its changes; empty: files
	// or a self-signed certificate in memory.
	ServingCertSecret, ServingCertNamespace string
	// ServingCertManage creates the Secret when absent and renews it.
	ServingCertManage bool
	// ServingCertValidity is the validity of a certificate made here.
	ServingCertValidity time.Duration
	// ServingCertAPIService is the APIService whose caBundle follows the
	// Secret's ca.crt.
	ServingCertAPIService string
	// servingCert is the Secret's source, built by Config, loaded by Run.
	servingCert *servingcert.Source
}

// NewOptions returns the default options.
func NewOptions() *Options {
	o := &Options{
		SecureServing:       genericoptions.NewSecureServingOptions().WithLoopback(),
		Authentication:      genericoptions.NewDelegatingAuthenticationOptions(),
		Authorization:       genericoptions.NewDelegatingAuthorizationOptions(),
		Logs:                logs.NewOptions(),
		OAuth:               oauth.NewOptions(),
		UpstreamQPS:         50,
		UpstreamCompression: true,
		UpstreamPageSize:    500,
		UpstreamBurst:       100,

		UpstreamDiscoveryInterval: 30 * time.Second,
		MaxWatchesPerUser:         100,
		UpstreamTimeout:           3 * time.Second,
		LocalRBAC:                 true,
		InsecureHTTPBindAddress:   "0.0.0.0",
		ServingCertNamespace:      "kubesphere-system",
		ServingCertManage:         true,
		ServingCertValidity:       365 * 24 * time.Hour,
	}
	// Health details (which check fails) are as public as the overall answer.
	o.Authorization.AlwaysAllowPaths = append(o.Authorization.AlwaysAllowPaths, "/healthz/*", "/livez/*", "/readyz/*")
	o.SecureServing.BindPort = 9443
	o.SecureServing.ServerCert.CertDirectory = ""
	o.SecureServing.ServerCert.PairName = "ks-apiserver"
	return o
}

// Flags returns the flags in named sections, in the order help prints them.
func (o *Options) Flags() cliflag.NamedFlagSets {
	var fss cliflag.NamedFlagSets
	o.SecureServing.AddFlags(fss.FlagSet("secure serving"))
	o.Authentication.AddFlags(fss.FlagSet("authentication"))
	o.Authorization.AddFlags(fss.FlagSet("authorization"))
	fss.FlagSet("authorization").BoolVar(&o.LocalRBAC, "authorization-local-rbac", o.LocalRBAC,
		"allow what kube-apiserver's RBAC objects (Roles, ClusterRoles and their bindings, read from ks-apiserver's own caches) allow "+
			"without a SubjectAccessReview; everything else is still asked of kube-apiserver. Turn off if kube-apiserver runs an "+
			"authorizer before RBAC that can deny what RBAC allows.")
	fss.FlagSet("limits").IntVar(&o.MaxWatchesPerUser, "max-watches-per-user", o.MaxWatchesPerUser,
		"concurrent watches (and other long-running requests) one user may hold, directly or through kube-apiserver; "+
			"more get 429 with Retry-After. Members of system:masters are exempt. 0: unlimited.")

	fs := fss.FlagSet("upstream kube-apiserver")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig,
		"kubeconfig of the kube-apiserver whose resources are mirrored; also the default for "+
			"--authentication-kubeconfig and --authorization-kubeconfig. Empty: the in-cluster configuration.")
	fs.BoolVar(&o.UpstreamCompression, "upstream-compression", o.UpstreamCompression,
		"let the informers accept gzip from kube-apiserver: fewer bytes on the network for the initial lists "+
			"(100k pods: 740 MB of protobuf uncompressed), at the CPU cost of compressing on kube-apiserver and "+
			"decompressing here")
	fs.Int64Var(&o.UpstreamPageSize, "upstream-list-page-size", o.UpstreamPageSize,
		"list pods from kube-apiserver in consistent pages of this many, each compacted before the rest arrives, "+
			"instead of client-go's watch-list, which holds every pod as decoded until the informer takes them; "+
			"0: the watch-list")
	fs.Float32Var(&o.UpstreamQPS, "upstream-qps", o.UpstreamQPS, "queries per second the informers may send to kube-apiserver")
	fs.IntVar(&o.UpstreamBurst, "upstream-burst", o.UpstreamBurst, "burst of queries the informers may send to kube-apiserver")
	fs.DurationVar(&o.UpstreamDiscoveryInterval, "upstream-discovery-interval", o.UpstreamDiscoveryInterval,
		"how often to look again for mirrored upstream APIs kube-apiserver does not serve yet (e.g. a CRD not installed); until found their mirrors list nothing")

	fs.DurationVar(&o.UpstreamTimeout, "upstream-timeout", o.UpstreamTimeout,
		"longest a request waits for kube-apiserver to answer its delegated authentication (TokenReview) and authorization (SubjectAccessReview), "+
			"retries included, and each request of the OAuth server to it but watches; past it, or when kube-apiserver refuses connections, "+
			"the request gets 503 with Retry-After")

	fs = fss.FlagSet("serving certificate")
	fs.StringVar(&o.ServingCertSecret, "serving-cert-secret", o.ServingCertSecret,
		"serve the certificate of this kubernetes.io/tls Secret (tls.crt, tls.key; ca.crt: the CAs clients trust) of "+
			"--serving-cert-namespace instead of --tls-cert-file, and follow its changes without a restart. Every replica "+
			"serves the same Secret. Empty: --tls-cert-file, or a self-signed certificate made at start (local runs).")
	fs.StringVar(&o.ServingCertNamespace, "serving-cert-namespace", o.ServingCertNamespace, "namespace of --serving-cert-secret and of its leader-election Lease (named after it)")
	fs.BoolVar(&o.ServingCertManage, "serving-cert-manage", o.ServingCertManage,
		"with --serving-cert-secret: create the Secret when it does not exist (a new CA and a certificate for the ks-apiserver Service's "+
			"names) and renew it when a third of its validity is left, the new CA trusted before it is served. Only a Secret "+
			"ks-apiserver created is ever rewritten. false: the Secret is provided (cert-manager, or by hand) and only read.")
	fs.DurationVar(&o.ServingCertValidity, "serving-cert-validity", o.ServingCertValidity,
		"validity of the CA and certificate --serving-cert-manage makes (at least 1m)")
	fs.StringVar(&o.ServingCertAPIService, "serving-cert-apiservice", o.ServingCertAPIService,
		"with --serving-cert-secret: keep this APIService's caBundle equal to the Secret's ca.crt (one leader-elected replica "+
			"writes it; insecureSkipTLSVerify is turned off). Empty: the caBundle is someone else's business (cert-manager's CA injector).")

	fs = fss.FlagSet("plain http")
	fs.IntVar(&o.InsecureHTTPPort, "insecure-http-port", o.InsecureHTTPPort,
		"serve /oauth/*, /kapis/* and /healthz, /livez, /readyz also over plain HTTP on this port; everything else there is 404, "+
			"and /kapis needs a bearer token (no client certificates, no front-proxy headers). Passwords and tokens cross the network "+
			"in clear text: use it only on a network you trust (the seed's http:// URLs). 0: off.")
	fs.StringVar(&o.InsecureHTTPBindAddress, "insecure-http-bind-address", o.InsecureHTTPBindAddress,
		"address the plain-HTTP port (--insecure-http-port) listens on")

	fs = fss.FlagSet("shutdown")
	fs.DurationVar(&o.ShutdownDelay, "shutdown-delay-duration", o.ShutdownDelay,
		"after SIGTERM, keep serving this long with /readyz failing and every answer asking its client to reconnect, so that "+
			"Services (kube-proxy) and kube-apiserver's aggregator stop sending here before the listeners close; then requests "+
			"in flight finish. In a cluster, a little more than the time endpoints take to update (the Deployment uses 15s), "+
			"and terminationGracePeriodSeconds above it plus the longest request.")
	fs.BoolVar(&o.ShutdownSendRetryAfter, "shutdown-send-retry-after", o.ShutdownSendRetryAfter,
		"after --shutdown-delay-duration, keep listening until the requests in flight are done and answer new ones 429 with "+
			"Retry-After instead of refusing connections")
	fs.DurationVar(&o.ShutdownWatchGrace, "shutdown-watch-termination-grace-period", o.ShutdownWatchGrace,
		"once the listeners close, how long open watches get to end (they are closed at a paced rate, clients resume them "+
			"elsewhere); 0: closed at once")

	o.OAuth.AddFlags(fss.FlagSet("oauth"))
	logsapi.AddFlags(o.Logs, fss.FlagSet("logging"))
	return fss
}

// Complete fills in defaults that depend on other options.
func (o *Options) Complete() error {
	if o.Kubeconfig != "" {
		if o.Authentication.RemoteKubeConfigFile == "" {
			o.Authentication.RemoteKubeConfigFile = o.Kubeconfig
		}
		if o.Authorization.RemoteKubeConfigFile == "" {
			o.Authorization.RemoteKubeConfigFile = o.Kubeconfig
		}
	}
	return nil
}

// Validate reports every invalid option at once.
func (o *Options) Validate() error {
	var errs []error
	errs = append(errs, o.SecureServing.Validate()...)
	errs = append(errs, o.Authentication.Validate()...)
	errs = append(errs, o.Authorization.Validate()...)
	errs = append(errs, logsapi.Validate(o.Logs, nil, nil).ToAggregate())
	errs = append(errs, o.OAuth.Validate()...)
	if o.UpstreamQPS <= 0 {
		errs = append(errs, fmt.Errorf("--upstream-qps must be positive, got %v", o.UpstreamQPS))
	}
	if o.UpstreamDiscoveryInterval < time.Second {
		errs = append(errs, fmt.Errorf("--upstream-discovery-interval must be at least 1s, got %s", o.UpstreamDiscoveryInterval))
	}
	if o.MaxWatchesPerUser < 0 {
		errs = append(errs, fmt.Errorf("--max-watches-per-user must not be negative, got %d", o.MaxWatchesPerUser))
	}
	if o.UpstreamTimeout < 100*time.Millisecond {
		errs = append(errs, fmt.Errorf("--upstream-timeout must be at least 100ms, got %s", o.UpstreamTimeout))
	}
	if o.ShutdownDelay < 0 || o.ShutdownWatchGrace < 0 {
		errs = append(errs, fmt.Errorf("--shutdown-delay-duration and --shutdown-watch-termination-grace-period must not be negative"))
	}
	if o.InsecureHTTPPort < 0 || o.InsecureHTTPPort > 65535 {
		errs = append(errs, fmt.Errorf("--insecure-http-port must be between 0 (off) and 65535, got %d", o.InsecureHTTPPort))
	} else if o.InsecureHTTPPort != 0 && o.InsecureHTTPPort == o.SecureServing.BindPort {
		errs = append(errs, fmt.Errorf("--insecure-http-port must differ from --secure-port"))
	}
	if o.InsecureHTTPPort != 0 && net.ParseIP(o.InsecureHTTPBindAddress) == nil {
		errs = append(errs, fmt.Errorf("--insecure-http-bind-address must be an IP address, got %q", o.InsecureHTTPBindAddress))
	}
	if o.ServingCertSecret != "" {
		if o.SecureServing.ServerCert.CertKey.CertFile != "" || o.SecureServing.ServerCert.CertKey.KeyFile != "" {
			errs = append(errs, fmt.Errorf("--serving-cert-secret and --tls-cert-file/--tls-private-key-file exclude each other"))
		}
		if o.ServingCertNamespace == "" {
			errs = append(errs, fmt.Errorf("--serving-cert-namespace must not be empty"))
		}
		if o.ServingCertValidity < servingcert.MinValidity {
			errs = append(errs, fmt.Errorf("--serving-cert-validity must be at least %s, got %s", servingcert.MinValidity, o.ServingCertValidity))
		}
	} else if o.ServingCertAPIService != "" {
		errs = append(errs, fmt.Errorf("--serving-cert-apiservice needs --serving-cert-secret"))
	}
	if o.UpstreamPageSize < 0 {
		errs = append(errs, fmt.Errorf("--upstream-list-page-size must not be negative, got %d", o.UpstreamPageSize))
	}
	if o.UpstreamBurst <= 0 {
		errs = append(errs, fmt.Errorf("--upstream-burst must be positive, got %d", o.UpstreamBurst))
	}
	return utilerrors.NewAggregate(errs)
}

// Config builds the server configuration from the options.
func (o *Options) Config() (*apiserver.Config, error) {
	upstream, err := o.upstreamConfig()
	if err != nil {
		return nil, err
	}
	if o.ServingCertSecret != "" {
		if o.servingCert, err = o.servingCertSource(upstream); err != nil {
			return nil, err
		}
	} else if err := o.ensureServingCert(); err != nil {
		return nil, err
	}
	monitor, err := newMonitor(upstream)
	if err != nil {
		return nil, err
	}
	mirrors, err := newCaches(o.informerConfig(upstream, monitor.Gate), o.UpstreamDiscoveryInterval, o.UpstreamPageSize)
	if err != nil {
		return nil, err
	}

	config := genericapiserver.NewRecommendedConfig(apiserver.Codecs)
	config.EffectiveVersion = basecompatibility.NewEffectiveVersionFromString(baseversion.DefaultKubeBinaryVersion, "", "")
	// Priority and fairness need the flowcontrol API's informers and etcd-backed
	// configuration; kube-apiserver already applies them to aggregated requests.
	config.FlowControl = nil

	namer := openapinamer.NewDefinitionNamer(apiserver.Scheme)
	config.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(generatedopenapi.GetOpenAPIDefinitions, namer)
	config.OpenAPIConfig.Info.Title = "KubeSphere resources"
	config.OpenAPIConfig.Info.Version = "v1alpha3"
	config.OpenAPIV3Config = genericapiserver.DefaultOpenAPIV3Config(generatedopenapi.GetOpenAPIDefinitions, namer)
	config.OpenAPIV3Config.Info.Title = "KubeSphere resources"
	config.OpenAPIV3Config.Info.Version = "v1alpha3"

	if err := o.SecureServing.ApplyTo(&config.SecureServing, &config.LoopbackClientConfig); err != nil {
		return nil, err
	}
	if o.servingCert != nil {
		config.SecureServing.Cert = o.servingCert
	}
	config.ShutdownDelayDuration = o.ShutdownDelay
	config.ShutdownSendRetryAfter = o.ShutdownSendRetryAfter
	config.ShutdownWatchTerminationGracePeriod = o.ShutdownWatchGrace
	if o.InsecureHTTPPort != 0 && o.insecureListener == nil {
		addr := net.JoinHostPort(o.InsecureHTTPBindAddress, strconv.Itoa(o.InsecureHTTPPort))
		if o.insecureListener, err = net.Listen("tcp", addr); err != nil {
			return nil, fmt.Errorf("plain-HTTP port (--insecure-http-port): %w", err)
		}
	}
	// One attempt of a delegated check may not outlast the whole bound.
	o.Authentication.TokenRequestTimeout = o.UpstreamTimeout
	o.Authorization.ClientTimeout = o.UpstreamTimeout
	if err := o.Authentication.ApplyTo(&config.Authentication, config.SecureServing, config.OpenAPIConfig); err != nil {
		return nil, err
	}
	if err := o.Authorization.ApplyTo(&config.Authorization); err != nil {
		return nil, err
	}
	return &apiserver.Config{
		GenericConfig: config,
		ExtraConfig: apiserver.ExtraConfig{
			Caches: mirrors, OAuth: o.oauthServer(upstream, monitor), MaxWatchesPerUser: o.MaxWatchesPerUser,
			Monitor: monitor, UpstreamTimeout: o.UpstreamTimeout, LocalRBAC: o.LocalRBAC,
		},
	}, nil
}

// informerConfig is the informers' client configuration: gated by the
// upstream monitor, so that they wait for kube-apiserver through an outage
// instead of backing off, and accepting gzip unless --upstream-compression
// is off. kube-apiserver 1.37 gzips watch-lists too (WatchListCompression);
// on a 2-core machine a bare watch-list of 100k pods took 13.8 s without
// gzip and 15.9 s with it, but ks-apiserver's start-up was no faster without
// (`make perf PERF_FLAGS=-startup-only`), and over a real network the
// uncompressed list is 740 MB.
func (o *Options) informerConfig(upstream *rest.Config, gate func(http.RoundTripper) http.RoundTripper) *rest.Config {
	cfg := rest.CopyConfig(upstream)
	cfg.Wrap(gate)
	cfg.DisableCompression = !o.UpstreamCompression
	return cfg
}

// ensureServingCert makes a self-signed serving certificate (and the CA that
// signs it) unless certificate files were given; with --cert-dir it is kept
// there as ks-apiserver.crt (certificate, then CA) and ks-apiserver.key.
func (o *Options) ensureServingCert() error {
	if err := o.SecureServing.MaybeDefaultWithSelfSignedCerts("localhost", SelfSignedDNSNames, SelfSignedIPs); err != nil {
		return fmt.Errorf("create self-signed certificate: %w", err)
	}
	return nil
}

// servingCertSource is the Secret-backed certificate of --serving-cert-secret.
func (o *Options) servingCertSource(upstream *rest.Config) (*servingcert.Source, error) {
	client, err := kubernetes.NewForConfig(upstream)
	if err != nil {
		return nil, fmt.Errorf("serving certificate client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(upstream)
	if err != nil {
		return nil, fmt.Errorf("serving certificate client: %w", err)
	}
	return servingcert.New(servingcert.Config{
		Client: client, Dynamic: dyn,
		Namespace: o.ServingCertNamespace, Name: o.ServingCertSecret,
		Manage: o.ServingCertManage, Validity: o.ServingCertValidity, APIService: o.ServingCertAPIService,
		DNSNames: serviceDNSNames(o.ServingCertNamespace), IPs: SelfSignedIPs,
	}), nil
}

// newCaches builds the informer sources of every mirrored resource: the
// built-in APIs, CustomResourceDefinitions, and this project's own CRDs
// (which kube-apiserver serves as JSON only).
func newCaches(cfg *rest.Config, recheck time.Duration, podsPageSize int64) (*mirror.Caches, error) {
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("client for kube-apiserver: %w", err)
	}
	apiext, err := apiextensionsclient.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("apiextensions client: %w", err)
	}
	jsonCfg := rest.CopyConfig(cfg)
	jsonCfg.ContentType, jsonCfg.AcceptContentTypes = runtime.ContentTypeJSON, runtime.ContentTypeJSON
	own, err := versioned.NewForConfig(jsonCfg)
	if err != nil {
		return nil, fmt.Errorf("iam.kubesphere.io client: %w", err)
	}

	// The pods informer's transform shares what a new version of a pod did
	// not change with the version the informer holds.
	compactor := &mirror.Compactor{}
	builtin := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTransform(compactor.Compact))
	if podsPageSize > 0 {
		// Registered first, the factory's pods informer is this one.
		builtin.InformerFor(&corev1.Pod{}, func(client kubernetes.Interface, resync time.Duration) cache.SharedIndexInformer {
			return cache.NewSharedIndexInformerWithOptions(&mirror.PagedListWatch{
				ListPage: func(ctx context.Context, options metav1.ListOptions) (runtime.Object, error) {
					return client.CoreV1().Pods("").List(ctx, options)
				},
				WatchFunc: func(ctx context.Context, options metav1.ListOptions) (watch.Interface, error) {
					return client.CoreV1().Pods("").Watch(ctx, options)
				},
				PageSize:  podsPageSize,
				Transform: compactor.Compact,
			}, &corev1.Pod{}, cache.SharedIndexInformerOptions{
				ResyncPeriod: resync,
				Indexers:     cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc},
			})
		})
	}
	crds := apiextensionsinformers.NewSharedInformerFactoryWithOptions(apiext, 0, apiextensionsinformers.WithTransform(mirror.Compact))
	owned := generatedinformers.NewSharedInformerFactoryWithOptions(own, 0, generatedinformers.WithTransform(mirror.Compact))

	// Last: it makes an informer of any resource, as unstructured objects.
	dyn, err := dynamic.NewForConfig(jsonCfg)
	if err != nil {
		return nil, fmt.Errorf("dynamic client: %w", err)
	}
	others := dynamicinformer.NewDynamicSharedInformerFactory(dyn, 0)

	u := mirror.NewCaches(client.Discovery(), registryresources.All(), recheck, mirror.DefaultEventWindow,
		informerSource(builtin.ForResource, builtin.Start, compactor),
		informerSource(crds.ForResource, crds.Start, nil),
		informerSource(owned.ForResource, owned.Start, nil),
		mirror.InformerSource{
			ForResource: func(gvr schema.GroupVersionResource) (cache.SharedIndexInformer, error) {
				inf := others.ForResource(gvr).Informer()
				// Fails only once started, when the transform is set already.
				_ = inf.SetTransform(mirror.Compact)
				return inf, nil
			},
			Start: others.Start,
		},
	)
	u.Follow(registryresources.Followed()...)
	return u, nil
}

// newMonitor probes kube-apiserver's /readyz with a client of its own (no
// rate limit: a probe must not queue behind the informers' requests).
func newMonitor(cfg *rest.Config) (*upstream.Monitor, error) {
	probeCfg := rest.CopyConfig(cfg)
	probeCfg.RateLimiter = flowcontrol.NewFakeAlwaysRateLimiter()
	client, err := rest.HTTPClientFor(probeCfg)
	if err != nil {
		return nil, fmt.Errorf("client for kube-apiserver's /readyz: %w", err)
	}
	readyz := strings.TrimSuffix(probeCfg.Host, "/") + "/readyz"
	return upstream.NewMonitor(func(ctx context.Context) (int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, readyz, nil)
		if err != nil {
			return 0, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		_ = resp.Body.Close()
		return resp.StatusCode, nil
	}), nil
}

// informerSource adapts one generated informer factory, whatever its own
// GenericInformer type, to mirror.InformerSource; compactor, if any, is
// the factory's transform, told the store of each informer.
func informerSource[G interface {
	Informer() cache.SharedIndexInformer
}](
	forResource func(schema.GroupVersionResource) (G, error), start func(<-chan struct{}), compactor *mirror.Compactor,
) mirror.InformerSource {
	return mirror.InformerSource{
		ForResource: func(gvr schema.GroupVersionResource) (cache.SharedIndexInformer, error) {
			inf, err := forResource(gvr)
			if err != nil {
				return nil, err
			}
			if compactor != nil {
				compactor.Follow(gvr, inf.Informer().GetStore())
			}
			return inf.Informer(), nil
		},
		Start: start,
	}
}

// upstreamConfig is the client configuration of the mirrored kube-apiserver.
func (o *Options) upstreamConfig() (*rest.Config, error) {
	var cfg *rest.Config
	var err error
	if o.Kubeconfig != "" {
		cfg, err = clientcmd.BuildConfigFromFlags("", o.Kubeconfig)
	} else {
		cfg, err = rest.InClusterConfig()
	}
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver client configuration (--kubeconfig): %w", err)
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS = o.UpstreamQPS
	cfg.Burst = o.UpstreamBurst
	cfg.UserAgent = "ks-apiserver"
	// Built-in types travel as protobuf: smaller and cheaper to decode.
	cfg.ContentType = runtime.ContentTypeProtobuf
	cfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	return cfg, nil
}
