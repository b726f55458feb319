package oauth

import (
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/crypto/bcrypt"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/ks-apiserver/ks-apiserver/pkg/generated/clientset/versioned"
)

// Options are the command-line options of the OAuth server.
type Options struct {
	Enabled         bool
	Issuer          string
	Audiences       []string
	ClientsFile     string
	DefaultClient   bool
	Namespace       string
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	IdleTimeout     time.Duration
	RefreshGrace    time.Duration
	Leeway          time.Duration
	MaxFailures     int
	MaxPerUser      int
	LockoutWindow   time.Duration
	IPRate          float64
	IPBurst         int
	HashWorkers     int
	HashWait        time.Duration
	BcryptCost      int
	UsernamePrefix  string
	GroupsPrefix    string
	KeyRotation     time.Duration
	KeyPublishLead  time.Duration
	// LoginHistoryRetention and LoginHistoryMaxEntries bound the kept
	// LoginRecords (KubeSphere's defaults: 7 days, 100 per user).
	LoginHistoryRetention  time.Duration
	LoginHistoryMaxEntries int
	// Serving bounds the OAuth endpoints' share of the server.
	Serving ServingLimits
}

// NewOptions returns the defaults (KubeSphere's where it has one: 2 h
// access tokens, 10 failures in 10 minutes).
func NewOptions() *Options {
	return &Options{
		Enabled:         true,
		Issuer:          "https://ks-apiserver.kubesphere-system.svc/oauth",
		Audiences:       nil, // DefaultAudiences(Issuer)
		DefaultClient:   true,
		Namespace:       "kubesphere-system",
		AccessTokenTTL:  2 * time.Hour,
		RefreshTokenTTL: 24 * time.Hour,
		IdleTimeout:     4 * time.Hour,
		RefreshGrace:    10 * time.Second,
		Leeway:          30 * time.Second,
		MaxFailures:     10,
		MaxPerUser:      100,
		LockoutWindow:   10 * time.Minute,
		IPRate:          1,
		IPBurst:         30,
		HashWorkers:     runtime.GOMAXPROCS(0),
		HashWait:        2 * time.Second,
		BcryptCost:      bcrypt.DefaultCost,
		KeyRotation:     30 * 24 * time.Hour,
		KeyPublishLead:  time.Hour,

		LoginHistoryRetention:  7 * 24 * time.Hour,
		LoginHistoryMaxEntries: 100,
		Serving: ServingLimits{
			BodyTimeout: 5 * time.Second, MaxInFlight: 200, MaxInFlightPerIP: 20, MaxReviewsInFlight: 200,
		},
	}
}

// AddFlags adds the options to fs.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.Enabled, "oauth", o.Enabled, "serve the OAuth server (/oauth/*, /.well-known/*) and accept its access tokens")
	fs.StringVar(&o.Issuer, "oauth-issuer", o.Issuer, "issuer URL of the tokens (https, identical on every replica); discovery documents point below it")
	fs.StringSliceVar(&o.Audiences, "oauth-audiences", o.Audiences, "audiences of access tokens: ks-apiserver's own first, then kube-apiserver's --api-audiences for its TokenReview webhook "+
		"(default: the issuer without its /oauth path, then https://kubernetes.default.svc); none may equal an OAuth client's id, or an access token would pass as that client's ID token")
	fs.StringVar(&o.ClientsFile, "oauth-clients-file", o.ClientsFile, "YAML file of OAuth clients (id, secret or secretHash, grants, accessTokenTTL, refreshTokenTTL, redirectURIs)")
	fs.BoolVar(&o.DefaultClient, "oauth-default-client", o.DefaultClient, "also register KubeSphere's well-known kubesphere/kubesphere client (password and refresh_token grants), for compatibility")
	fs.StringVar(&o.Namespace, "oauth-namespace", o.Namespace, "namespace of the OAuth Secrets (keys, sessions, login records) and the leader-election Lease")
	fs.DurationVar(&o.AccessTokenTTL, "oauth-access-token-ttl", o.AccessTokenTTL, "default access token lifetime (expires_in)")
	fs.DurationVar(&o.RefreshTokenTTL, "oauth-refresh-token-ttl", o.RefreshTokenTTL, "default absolute lifetime of a session and its refresh tokens")
	fs.DurationVar(&o.IdleTimeout, "oauth-idle-timeout", o.IdleTimeout, "a session not refreshed for this long ends")
	fs.DurationVar(&o.RefreshGrace, "oauth-refresh-grace", o.RefreshGrace, "a rotated refresh token still returns the same successor for this long (lost responses); later use revokes the session")
	fs.DurationVar(&o.Leeway, "oauth-clock-leeway", o.Leeway, "clock skew tolerated on token times (at most 60s)")
	fs.IntVar(&o.MaxFailures, "oauth-lockout-max-failures", o.MaxFailures, "failed logins of one username from one client IP within --oauth-lockout-window that lock it for that IP")
	fs.IntVar(&o.MaxPerUser, "oauth-lockout-max-failures-per-user", o.MaxPerUser, "failed logins of one username from all client IPs within --oauth-lockout-window that lock it everywhere (User status AuthLimitExceeded); at least --oauth-lockout-max-failures, at most 1000")
	fs.DurationVar(&o.LockoutWindow, "oauth-lockout-window", o.LockoutWindow, "window of the failed-login count")
	fs.Float64Var(&o.IPRate, "oauth-ip-rate", o.IPRate, "password attempts and failed client authentications per second per client IP (0: unlimited)")
	fs.IntVar(&o.IPBurst, "oauth-ip-burst", o.IPBurst, "burst of --oauth-ip-rate")
	fs.IntVar(&o.HashWorkers, "oauth-hash-workers", o.HashWorkers, "concurrent password checks (default: CPUs); more wait or get 503")
	fs.DurationVar(&o.HashWait, "oauth-hash-wait", o.HashWait, "how long a login waits for a password-check slot before 503")
	fs.IntVar(&o.BcryptCost, "oauth-bcrypt-cost", o.BcryptCost, "bcrypt cost of hashes made from plaintext passwords; an older, cheaper hash is checked for the same work and rehashed at this cost on its next successful login")
	fs.StringVar(&o.UsernamePrefix, "oauth-username-prefix", o.UsernamePrefix, "prefix of the username of access tokens on ks-apiserver's routes and in TokenReview answers, like kube-apiserver's --oidc-username-prefix "+
		"(default none: KubeSphere's bare names, which RBAC bindings of KubeSphere users name); must end in ':' (such as \"kubesphere:\") so no account can take a name such as an x509 CN \"admin\"")
	fs.StringVar(&o.GroupsPrefix, "oauth-groups-prefix", o.GroupsPrefix, "prefix of the groups of access tokens, like kube-apiserver's --oidc-groups-prefix (default none); must end in ':'. "+
		"Groups starting with \"system:\" are never issued, prefix or not")
	fs.DurationVar(&o.KeyRotation, "oauth-key-rotation-period", o.KeyRotation, "how long one signing key signs")
	fs.DurationVar(&o.KeyPublishLead, "oauth-key-publish-lead", o.KeyPublishLead, "how long a new signing key is published before it signs")
	fs.DurationVar(&o.LoginHistoryRetention, "oauth-login-history-retention", o.LoginHistoryRetention, "how long a LoginRecord (one per password login of an existing user) is kept")
	fs.IntVar(&o.LoginHistoryMaxEntries, "oauth-login-history-max-entries", o.LoginHistoryMaxEntries, "how many of each user's newest LoginRecords are kept")
	fs.DurationVar(&o.Serving.BodyTimeout, "oauth-request-body-timeout", o.Serving.BodyTimeout, "how long a client may take to send an OAuth request body; slower ones get 408 and are disconnected")
	fs.IntVar(&o.Serving.MaxInFlight, "oauth-max-requests-in-flight", o.Serving.MaxInFlight, "concurrent requests to the OAuth endpoints other than the TokenReview webhook; more get 429 (they never use the API's --max-*-requests-inflight)")
	fs.IntVar(&o.Serving.MaxInFlightPerIP, "oauth-max-requests-in-flight-per-ip", o.Serving.MaxInFlightPerIP, "share of --oauth-max-requests-in-flight one client IP (IPv6: one /64) may hold; more get 429")
	fs.IntVar(&o.Serving.MaxReviewsInFlight, "oauth-max-reviews-in-flight", o.Serving.MaxReviewsInFlight, "concurrent TokenReview webhook requests (/oauth/authenticate, callers allowed to create tokenreviews); more get 429")
}

// Validate reports invalid options.
func (o *Options) Validate() []error {
	if !o.Enabled {
		return nil
	}
	var errs []error
	u, err := url.Parse(o.Issuer)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o.Issuer, "/") {
		errs = append(errs, fmt.Errorf("--oauth-issuer must be an https URL without query, fragment or trailing slash, got %q", o.Issuer))
	}
	for _, a := range o.Audiences {
		if a == "" {
			errs = append(errs, fmt.Errorf("--oauth-audiences must not contain an empty audience"))
		}
	}
	if o.Leeway < 0 || o.Leeway > time.Minute {
		errs = append(errs, fmt.Errorf("--oauth-clock-leeway must be between 0 and 60s, got %s", o.Leeway))
	}
	if o.MaxFailures < 1 || o.LockoutWindow <= 0 {
		errs = append(errs, fmt.Errorf("--oauth-lockout-max-failures and --oauth-lockout-window must be positive"))
	}
	// The per-user record holds one entry per counted failure.
	if o.MaxPerUser < o.MaxFailures || o.MaxPerUser > 1000 {
		errs = append(errs, fmt.Errorf("--oauth-lockout-max-failures-per-user must be between --oauth-lockout-max-failures and 1000, got %d", o.MaxPerUser))
	}
	if o.BcryptCost < bcrypt.MinCost || o.BcryptCost > bcrypt.MaxCost {
		errs = append(errs, fmt.Errorf("--oauth-bcrypt-cost must be between %d and %d", bcrypt.MinCost, bcrypt.MaxCost))
	}
	for _, p := range []struct{ flag, value string }{{"--oauth-username-prefix", o.UsernamePrefix}, {"--oauth-groups-prefix", o.GroupsPrefix}} {
		if err := validatePrefix(p.flag, p.value); err != nil {
			errs = append(errs, err)
		}
	}
	if o.AccessTokenTTL <= 0 || o.RefreshTokenTTL <= 0 || o.IdleTimeout <= 0 || o.RefreshGrace < 0 {
		errs = append(errs, fmt.Errorf("OAuth token lifetimes must be positive"))
	}
	if l := o.Serving; l.BodyTimeout <= 0 || l.MaxInFlight < 1 || l.MaxInFlightPerIP < 1 || l.MaxReviewsInFlight < 1 {
		errs = append(errs, fmt.Errorf("--oauth-request-body-timeout, --oauth-max-requests-in-flight, --oauth-max-requests-in-flight-per-ip and --oauth-max-reviews-in-flight must be positive"))
	}
	if o.LoginHistoryRetention <= 0 || o.LoginHistoryMaxEntries < 1 {
		errs = append(errs, fmt.Errorf("--oauth-login-history-retention and --oauth-login-history-max-entries must be positive"))
	}
	if o.KeyPublishLead <= 0 || o.KeyRotation <= 2*o.KeyPublishLead {
		errs = append(errs, fmt.Errorf("--oauth-key-rotation-period must exceed twice --oauth-key-publish-lead"))
	}
	return errs
}

// KubernetesAudience is kube-apiserver's default --api-audiences (its
// --service-account-issuer as set by kubeadm and most distributions).
const KubernetesAudience = "https://kubernetes.default.svc"

// DefaultAudiences are the access tokens' audiences when none are set: a
// resource identifier of ks-apiserver's API (the issuer without a final
// /oauth path), then kube-apiserver's. Neither is a client id, so an access
// token never passes an OIDC library's ID-token check for a client.
func DefaultAudiences(issuer string) []string {
	return []string{strings.TrimSuffix(issuer, "/oauth"), KubernetesAudience}
}

// clients loads the configured clients, plus the default one.
func (o *Options) clients() (*Clients, error) {
	var configs []ClientConfig
	if o.ClientsFile != "" {
		var err error
		if configs, err = LoadClientsFile(o.ClientsFile); err != nil {
			return nil, err
		}
	}
	if o.DefaultClient {
		found := false
		for _, c := range configs {
			found = found || c.ID == DefaultClientID
		}
		if !found {
			configs = append(configs, DefaultClientConfig())
			klog.InfoS("OAuth client \"kubesphere\" with KubeSphere's well-known default secret is enabled for compatibility; " +
				"disable it with --oauth-default-client=false and configure clients with --oauth-clients-file")
		}
	}
	return NewClients(configs, o.AccessTokenTTL, o.RefreshTokenTTL)
}

// Build makes the server and its runtime against kube-apiserver (cfg must
// speak JSON for the iam.kubesphere.io client); the watches of sessions,
// users and keys use watchCfg instead (nil: cfg), so that they can wait
// through an outage rather than back off; authorizeReview decides who may
// call the TokenReview webhook (Config.AuthorizeReview).
func (o *Options) Build(cfg, watchCfg *rest.Config, authorizeReview func(*http.Request) bool) (*Server, *Runtime, error) {
	clients, err := o.clients()
	if err != nil {
		return nil, nil, fmt.Errorf("OAuth clients: %w", err)
	}
	klog.InfoS("OAuth clients", "ids", clients.IDs())
	core, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	iam, err := versioned.NewForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	watchCore, watchIAM := core, iam
	if watchCfg != nil {
		if watchCore, err = kubernetes.NewForConfig(watchCfg); err != nil {
			return nil, nil, err
		}
		if watchIAM, err = versioned.NewForConfig(watchCfg); err != nil {
			return nil, nil, err
		}
	}
	store := NewKubeStore(core, o.Namespace)
	store.Watch = watchCore
	users := NewKubeUsersWatching(iam, watchIAM)
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	history := NewKubeLoginHistory(dyn, o.LoginHistoryRetention, o.LoginHistoryMaxEntries)
	audiences := o.Audiences
	if len(audiences) == 0 {
		audiences = DefaultAudiences(o.Issuer)
	}
	klog.InfoS("OAuth access token audiences", "audiences", audiences)
	server, err := New(Config{
		Issuer: o.Issuer, Audiences: audiences,
		AccessTokenTTL: o.AccessTokenTTL, RefreshTokenTTL: o.RefreshTokenTTL, IdleTimeout: o.IdleTimeout,
		RefreshGrace: o.RefreshGrace, Leeway: o.Leeway,
		MaxFailures: o.MaxFailures, MaxFailuresPerUser: o.MaxPerUser, LockoutWindow: o.LockoutWindow,
		IPRate: o.IPRate, IPBurst: o.IPBurst, HashWorkers: o.HashWorkers, HashWait: o.HashWait,
		BcryptCost: o.BcryptCost, UsernamePrefix: o.UsernamePrefix, GroupsPrefix: o.GroupsPrefix, Clients: clients, Store: store, Users: users,
		LoginHistory: history, AuthorizeReview: authorizeReview,
	})
	if err != nil {
		return nil, nil, err
	}
	maxTTL := o.AccessTokenTTL
	for _, id := range clients.IDs() {
		c, _ := clients.Get(id)
		maxTTL = max(maxTTL, c.AccessTokenTTL)
	}
	rt := &Runtime{
		Server: server, Core: core, Watch: watchCore, IAM: iam, Namespace: o.Namespace, Store: store, Users: users,
		KeyRotationPeriod: o.KeyRotation, KeyPublishLead: o.KeyPublishLead, MaxTokenLife: maxTTL + o.Leeway,
		BcryptCost: o.BcryptCost, LoginHistory: history,
	}
	return server, rt, nil
}
