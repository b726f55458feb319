// Package servingcert serves ks-apiserver's TLS certificate from a Secret
// that every replica follows, and, when asked, makes that certificate itself:
// one leader-elected replica creates a CA and a serving certificate, renews
// them before they expire, and keeps an APIService's caBundle equal to the
// CAs in use, so that neither cert-manager nor a hand-made caBundle is
// needed. A Secret ks-apiserver did not create (cert-manager's, or one a
// user provides) is only read, never rewritten.
package servingcert

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
)

// Keys of the Secret. tls.crt and tls.key are what every replica serves,
// ca.crt the CAs clients trust (old and new during a rotation); next.crt
// and next.key are a renewed certificate waiting until its CA is trusted.
const (
	CertKey     = corev1.TLSCertKey
	KeyKey      = corev1.TLSPrivateKeyKey
	CAKey       = "ca.crt"
	nextCertKey = "next.crt"
	nextKeyKey  = "next.key"
)

// Annotations on a Secret ks-apiserver manages.
const (
	// ManagedAnnotation marks a Secret ks-apiserver created: only such a
	// Secret is ever renewed or rewritten.
	ManagedAnnotation = "resources.kubesphere.io/serving-cert-managed-by"
	managedBy         = "ks-apiserver"
	// stagedAnnotation is when next.crt was written (RFC 3339).
	stagedAnnotation = "resources.kubesphere.io/serving-cert-next-since"
)

// MinValidity is the shortest validity Config.Validity may have.
const MinValidity = time.Minute

var apiServicesGVR = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

// Config says where the certificate lives and what to do with it.
type Config struct {
	Client  kubernetes.Interface
	Dynamic dynamic.Interface
	// Namespace and Name are the Secret's.
	Namespace, Name string
	// Manage creates the Secret when it does not exist and renews a Secret
	// it created before it expires.
	Manage bool
	// Validity is how long a certificate made here is valid; it is renewed
	// when a third of it is left.
	Validity time.Duration
	// DNSNames and IPs are the names a certificate made here is valid for.
	DNSNames []string
	IPs      []net.IP
	// APIService, when set, is the APIService whose caBundle the leader
	// keeps equal to the Secret's ca.crt.
	APIService string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Source serves the Secret's certificate: it is a dynamic certificate
// provider for the secure port, and runs the Secret's watch and, when it
// manages the Secret or an APIService, the leader's work.
type Source struct {
	cfg Config

	current   atomic.Pointer[keyPair]
	mu        sync.Mutex
	listeners []dynamiccertificates.Listener
	// published is the caBundle last seen on or written to the APIService.
	published atomic.Pointer[[]byte]
}

type keyPair struct{ cert, key []byte }

var (
	_ dynamiccertificates.CertKeyContentProvider = &Source{}
	_ dynamiccertificates.ControllerRunner       = &Source{}
)

// New returns a Source; Load must succeed before it serves.
func New(cfg Config) *Source {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Source{cfg: cfg}
}

// Name names the provider in the generic server's logs.
func (s *Source) Name() string { return "serving-cert::secret::" + s.cfg.Namespace + "/" + s.cfg.Name }

// CurrentCertKeyContent is the certificate and key served now.
func (s *Source) CurrentCertKeyContent() ([]byte, []byte) {
	if kp := s.current.Load(); kp != nil {
		return kp.cert, kp.key
	}
	return nil, nil
}

// AddListener registers who reloads the TLS configuration on a change.
func (s *Source) AddListener(l dynamiccertificates.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listeners = append(s.listeners, l)
}

// Load reads the Secret, creating it first when Manage is set and it does
// not exist, and retries until it holds a usable certificate or ctx ends:
// a replica cannot serve before it has one.
func (s *Source) Load(ctx context.Context) error {
	var last error
	err := wait.PollUntilContextCancel(ctx, 2*time.Second, true, func(ctx context.Context) (bool, error) {
		secret, err := s.cfg.Client.CoreV1().Secrets(s.cfg.Namespace).Get(ctx, s.cfg.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) && s.cfg.Manage {
			secret, err = s.create(ctx)
		}
		if err == nil {
			err = s.use(secret)
		}
		if err != nil {
			if last == nil || last.Error() != err.Error() {
				klog.ErrorS(err, "Waiting for the serving certificate Secret", "secret", klog.KRef(s.cfg.Namespace, s.cfg.Name), "manage", s.cfg.Manage)
			}
			last = err
			return false, nil
		}
		return true, nil
	})
	if err != nil && last != nil {
		return fmt.Errorf("serving certificate Secret %s/%s: %w", s.cfg.Namespace, s.cfg.Name, last)
	}
	return err
}

// RunOnce is part of dynamiccertificates.ControllerRunner; Load already
// did the work.
func (s *Source) RunOnce(context.Context) error {
	if s.current.Load() == nil {
		return errors.New("no serving certificate loaded")
	}
	return nil
}

// Run follows the Secret and, when there is leader work, takes part in
// the election for it, until ctx ends.
func (s *Source) Run(ctx context.Context, _ int) {
	factory := informers.NewSharedInformerFactoryWithOptions(s.cfg.Client, 0, informers.WithNamespace(s.cfg.Namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("metadata.name", s.cfg.Name).String()
		}))
	inf := factory.Core().V1().Secrets().Informer()
	follow := func(obj any) {
		if secret, ok := obj.(*corev1.Secret); ok {
			if err := s.use(secret); err != nil {
				klog.ErrorS(err, "Ignoring an unusable serving certificate; still serving the previous one", "secret", klog.KObj(secret))
			}
		}
	}
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: follow, UpdateFunc: func(_, obj any) { follow(obj) }})
	factory.Start(ctx.Done())
	if s.cfg.Manage || s.cfg.APIService != "" {
		go s.elect(ctx)
	}
	<-ctx.Done()
	factory.Shutdown()
}

// use serves the Secret's certificate when it differs from the current one.
func (s *Source) use(secret *corev1.Secret) error {
	cert, key := secret.Data[CertKey], secret.Data[KeyKey]
	if _, err := tls.X509KeyPair(cert, key); err != nil {
		return fmt.Errorf("%s and %s: %w", CertKey, KeyKey, err)
	}
	if cur := s.current.Load(); cur != nil && bytes.Equal(cur.cert, cert) && bytes.Equal(cur.key, key) {
		return nil
	}
	s.current.Store(&keyPair{cert: cert, key: key})
	if leaf := parseCerts(cert); len(leaf) > 0 {
		klog.InfoS("Serving certificate loaded", "secret", klog.KObj(secret), "notAfter", leaf[0].NotAfter.UTC().Format(time.RFC3339))
	}
	s.mu.Lock()
	listeners := slices.Clone(s.listeners)
	s.mu.Unlock()
	for _, l := range listeners {
		l.Enqueue()
	}
	return nil
}

// create writes a fresh Secret; when another replica was first, it reads
// that one instead.
func (s *Source) create(ctx context.Context) (*corev1.Secret, error) {
	now := s.cfg.Now()
	is, err := issue(now, s.cfg.Validity, s.cfg.DNSNames, s.cfg.IPs)
	if err != nil {
		return nil, err
	}
	secrets := s.cfg.Client.CoreV1().Secrets(s.cfg.Namespace)
	secret, err := secrets.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name: s.cfg.Name, Namespace: s.cfg.Namespace,
			Labels:      map[string]string{"app.kubernetes.io/name": "ks-apiserver"},
			Annotations: map[string]string{ManagedAnnotation: managedBy},
		},
		Type: corev1.SecretTypeTLS,
		Data: map[string][]byte{CertKey: is.certPEM, KeyKey: is.keyPEM, CAKey: is.caPEM},
	}, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return secrets.Get(ctx, s.cfg.Name, metav1.GetOptions{})
	}
	if err == nil {
		klog.InfoS("Created a self-signed serving certificate", "secret", klog.KObj(secret), "validity", s.cfg.Validity)
	}
	return secret, err
}

// elect runs leader election on a Lease named after the Secret; the
// leader renews the certificate and keeps the caBundle in step.
func (s *Source) elect(ctx context.Context) {
	host, _ := os.Hostname()
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Name: s.cfg.Name, Namespace: s.cfg.Namespace},
		Client:     s.cfg.Client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: fmt.Sprintf("%s_%d_%d", host, os.Getpid(), time.Now().UnixNano())},
	}
	for ctx.Err() == nil {
		elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock: lock, ReleaseOnCancel: true, Name: s.cfg.Name,
			LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: s.lead,
				OnStoppedLeading: func() {},
			},
		})
		if err != nil {
			klog.ErrorS(err, "Serving certificate leader election")
			return
		}
		elector.Run(ctx)
	}
}

// lead reconciles on every tick until leadership ends.
func (s *Source) lead(ctx context.Context) {
	klog.InfoS("Leading the serving certificate", "lease", klog.KRef(s.cfg.Namespace, s.cfg.Name))
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		if err := s.reconcile(ctx); err != nil {
			klog.ErrorS(err, "Reconciling the serving certificate; will retry", "secret", klog.KRef(s.cfg.Namespace, s.cfg.Name))
		}
	}, s.tick())
}

// tick is how often the leader looks: often enough for the shortest
// validity, at most once a minute.
func (s *Source) tick() time.Duration {
	return min(max(s.cfg.Validity/60, time.Second), time.Minute)
}

// promoteAfter is how long a renewed certificate waits, its CA already in
// ca.crt and the caBundle, before replicas serve it: kube-apiserver's
// aggregator and clients that read ca.crt pick up the new CA meanwhile.
func (s *Source) promoteAfter() time.Duration {
	return min(max(s.cfg.Validity/10, 2*time.Second), time.Hour)
}

// reconcile is one look of the leader: create the Secret if it is gone,
// renew a managed one, and publish its CAs in the APIService's caBundle.
func (s *Source) reconcile(ctx context.Context) error {
	secrets := s.cfg.Client.CoreV1().Secrets(s.cfg.Namespace)
	secret, err := secrets.Get(ctx, s.cfg.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) && s.cfg.Manage {
		secret, err = s.create(ctx)
	}
	if err != nil {
		return err
	}
	if s.cfg.Manage && secret.Annotations[ManagedAnnotation] == managedBy {
		if next, changed, err := s.renew(secret); err != nil {
			return err
		} else if changed {
			if secret, err = secrets.Update(ctx, next, metav1.UpdateOptions{}); err != nil {
				return fmt.Errorf("store the renewed serving certificate: %w", err)
			}
		}
	}
	if s.cfg.APIService != "" && len(parseCerts(secret.Data[CAKey])) > 0 {
		return s.publish(ctx, secret.Data[CAKey])
	}
	return nil
}

// renew moves a managed Secret one step through its rotation and reports
// whether it changed: a certificate with a third of its validity left gets
// a successor under a new CA, whose CA joins ca.crt at once; the successor
// is served once promoteAfter has passed and the caBundle holds its CA;
// CAs drop out of ca.crt when they expire.
func (s *Source) renew(secret *corev1.Secret) (*corev1.Secret, bool, error) {
	now := s.cfg.Now()
	out := secret.DeepCopy()
	if out.Annotations == nil {
		out.Annotations = map[string]string{}
	}
	cas := parseCerts(out.Data[CAKey])
	leaf := firstCert(out.Data[CertKey])
	next := firstCert(out.Data[nextCertKey])
	changed := false
	switch {
	case next == nil && (leaf == nil || leaf.NotAfter.Sub(now) < s.cfg.Validity/3):
		is, err := issue(now, s.cfg.Validity, s.cfg.DNSNames, s.cfg.IPs)
		if err != nil {
			return nil, false, err
		}
		out.Data[nextCertKey], out.Data[nextKeyKey] = is.certPEM, is.keyPEM
		cas = append(cas, parseCerts(is.caPEM)...)
		out.Annotations[stagedAnnotation] = now.UTC().Format(time.RFC3339)
		changed = true
		klog.InfoS("Renewing the serving certificate: its successor's CA is trusted first", "secret", klog.KObj(secret))
	case next != nil:
		staged, err := time.Parse(time.RFC3339, out.Annotations[stagedAnnotation])
		ca := signer(next, cas)
		if ca == nil {
			// Its CA is gone from ca.crt (edited by hand): start over.
			delete(out.Data, nextCertKey)
			delete(out.Data, nextKeyKey)
			delete(out.Annotations, stagedAnnotation)
			return out, true, nil
		}
		if (err != nil || now.Sub(staged) >= s.promoteAfter()) && s.trusted(ca) {
			out.Data[CertKey], out.Data[KeyKey] = out.Data[nextCertKey], out.Data[nextKeyKey]
			delete(out.Data, nextCertKey)
			delete(out.Data, nextKeyKey)
			delete(out.Annotations, stagedAnnotation)
			changed = true
			klog.InfoS("Serving the renewed certificate", "secret", klog.KObj(secret), "notAfter", next.NotAfter.UTC().Format(time.RFC3339))
		}
	}
	// Expired CAs go; the CAs of what is served or staged stay.
	kept := cas[:0:0]
	for _, ca := range cas {
		if now.Before(ca.NotAfter) || (leaf != nil && leaf.CheckSignatureFrom(ca) == nil) || (next != nil && next.CheckSignatureFrom(ca) == nil) {
			kept = append(kept, ca)
		}
	}
	if bundle := encodeCerts(kept); !bytes.Equal(bundle, out.Data[CAKey]) {
		out.Data[CAKey] = bundle
		changed = true
	}
	return out, changed, nil
}

// trusted reports whether the APIService's caBundle (when there is one to
// keep) holds ca.
func (s *Source) trusted(ca *x509.Certificate) bool {
	if s.cfg.APIService == "" {
		return true
	}
	p := s.published.Load()
	if p == nil {
		return false
	}
	return slices.ContainsFunc(parseCerts(*p), func(c *x509.Certificate) bool { return c.Equal(ca) })
}

// publish makes the APIService's caBundle equal to bundle, and never
// insecureSkipTLSVerify.
func (s *Source) publish(ctx context.Context, bundle []byte) error {
	client := s.cfg.Dynamic.Resource(apiServicesGVR)
	obj, err := client.Get(ctx, s.cfg.APIService, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		// Not applied yet: nothing to keep in step.
		return nil
	}
	if err != nil {
		return fmt.Errorf("read APIService %s: %w", s.cfg.APIService, err)
	}
	spec, _ := obj.Object["spec"].(map[string]any)
	current, _ := spec["caBundle"].(string)
	skip, _ := spec["insecureSkipTLSVerify"].(bool)
	want := base64.StdEncoding.EncodeToString(bundle)
	if current == want && !skip {
		s.published.Store(&bundle)
		return nil
	}
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"caBundle": want, "insecureSkipTLSVerify": false}})
	if _, err := client.Patch(ctx, s.cfg.APIService, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("set the caBundle of APIService %s: %w", s.cfg.APIService, err)
	}
	s.published.Store(&bundle)
	klog.InfoS("Set the APIService's caBundle to the serving CAs", "apiService", s.cfg.APIService, "cas", len(parseCerts(bundle)))
	return nil
}

func firstCert(data []byte) *x509.Certificate {
	if certs := parseCerts(data); len(certs) > 0 {
		return certs[0]
	}
	return nil
}
