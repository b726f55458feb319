package controlplane

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// APIServiceName is the APIService that aggregates ks-apiserver.
const APIServiceName = "v1alpha3.resources.kubesphere.io"

// KSConfig says how to run ks-apiserver against the control plane.
type KSConfig struct {
	// Binary is the ks-apiserver executable.
	Binary string
	// ArtifactsDir holds the deployment manifests (artifacts/deploy): the
	// namespace and RBAC are applied from there.
	ArtifactsDir string
	// Port is ks-apiserver's secure port.
	Port Port
	// ExtraArgs are appended to ks-apiserver's flags.
	ExtraArgs []string
	// Env is added to ks-apiserver's environment (NAME=value), e.g.
	// GOGC or client-go's KUBE_FEATURE_<gate> switches.
	Env []string
	// Name names the process, its log and its certificate folder; default
	// "ks-apiserver". Give each instance of a test its own.
	Name string
	// Kubeconfig is ks-apiserver's identity upstream; default a token of the
	// ks-apiserver service account of artifacts/deploy/rbac.yaml.
	Kubeconfig string
	// ServingCertSecret, when set, is the Secret in kubesphere-system that
	// ExtraArgs make ks-apiserver serve from (--serving-cert-secret): no
	// certificate flags are passed, and CAPEM is the Secret's ca.crt.
	ServingCertSecret string
	// ReadyTimeout bounds the wait for /readyz in StartKSAPIServer; default
	// 60 s (make perf waits longer: 100k pods on a busy machine).
	ReadyTimeout time.Duration
}

// KSAPIServer is a running ks-apiserver aggregated by the control plane.
type KSAPIServer struct {
	// URL is the direct address, https://127.0.0.1:<port>.
	URL string
	// Port is the secure port.
	Port int
	// CAFile holds the CA of ks-apiserver's self-signed serving certificate.
	CAFile string
	// CAPEM is the content of CAFile.
	CAPEM []byte
	// Process is the ks-apiserver process.
	Process *Process
}

// StartKSAPIServer applies ks-apiserver's RBAC, starts it with a service
// account token of its own, waits until it is ready, and registers it with
// kube-apiserver through an ExternalName Service and an APIService whose
// caBundle is ks-apiserver's serving CA; it returns once the APIService is
// Available.
func (cp *ControlPlane) StartKSAPIServer(ctx context.Context, cfg KSConfig) (*KSAPIServer, error) {
	ks, err := cp.RunKSAPIServer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	client, err := ks.HTTPClient()
	if err != nil {
		return nil, err
	}
	timeout := cfg.ReadyTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	if err := waitFor(ctx, ks.Process, timeout, func(ctx context.Context) bool {
		return httpOK(ctx, client, ks.URL+"/readyz")
	}); err != nil {
		return nil, err
	}
	if err := cp.RegisterAPIService(ctx, ks.Port, ks.CAPEM); err != nil {
		return nil, err
	}
	return ks, cp.WaitAPIServiceAvailable(ctx, APIServiceName, 60*time.Second)
}

// RunKSAPIServer applies ks-apiserver's namespace and RBAC, starts it, and
// returns once it serves TLS; it neither waits for readiness nor registers
// the APIService.
func (cp *ControlPlane) RunKSAPIServer(ctx context.Context, cfg KSConfig) (*KSAPIServer, error) {
	for _, file := range []string{"namespace.yaml", "rbac.yaml", "aggregate-roles.yaml"} {
		data, err := os.ReadFile(filepath.Join(cfg.ArtifactsDir, file))
		if err != nil {
			return nil, err
		}
		if err := Apply(ctx, cp.Admin, data); err != nil {
			return nil, err
		}
	}
	var err error
	if cfg.Name == "" {
		cfg.Name = "ks-apiserver"
	}
	if cfg.Kubeconfig == "" {
		if cfg.Kubeconfig, err = cp.ServiceAccountKubeconfig(ctx, "kubesphere-system", "ks-apiserver"); err != nil {
			return nil, err
		}
	}
	if cfg.Port.Number == 0 {
		if cfg.Port.Number, err = FreePort(); err != nil {
			return nil, err
		}
	} else if err := CheckPort(cfg.Port.Number, cfg.Name, cfg.Port.Var); err != nil {
		return nil, err
	}

	certDir := filepath.Join(cp.Dir, cfg.Name+"-certs")
	args := []string{
		"--secure-port=" + strconv.Itoa(cfg.Port.Number),
		"--bind-address=127.0.0.1",
		"--kubeconfig=" + cfg.Kubeconfig,
	}
	switch {
	case cfg.ServingCertSecret != "":
	case cp.ksServing != nil:
		// The certificate kube-apiserver's token webhook already trusts.
		args = append(args, "--tls-cert-file="+cp.ksServing.certFile, "--tls-private-key-file="+cp.ksServing.keyFile)
	default:
		args = append(args, "--cert-dir="+certDir)
	}
	p, err := startProcessWithEnv(cp.Dir, cfg.Name, cfg.Binary, cfg.Env, append(args, cfg.ExtraArgs...)...)
	if err != nil {
		return nil, err
	}
	cp.processes = append(cp.processes, p)
	ks := &KSAPIServer{
		URL: "https://127.0.0.1:" + strconv.Itoa(cfg.Port.Number), Port: cfg.Port.Number,
		Process: p, CAFile: filepath.Join(cp.Dir, cfg.Name+"-ca.crt"),
	}

	if cfg.ServingCertSecret != "" {
		client, err := kubernetes.NewForConfig(cp.Admin)
		if err != nil {
			return nil, err
		}
		if err := waitFor(ctx, p, 60*time.Second, func(ctx context.Context) bool {
			secret, err := client.CoreV1().Secrets("kubesphere-system").Get(ctx, cfg.ServingCertSecret, metav1.GetOptions{})
			if err != nil || len(secret.Data["ca.crt"]) == 0 {
				return false
			}
			ks.CAPEM = secret.Data["ca.crt"]
			return true
		}); err != nil {
			return nil, err
		}
	} else if cp.ksServing != nil {
		ks.CAPEM = cp.ksServing.caPEM
	} else if err := waitFor(ctx, p, 60*time.Second, func(context.Context) bool {
		// The self-signed certificate file holds the serving certificate
		// followed by the CA that signed it; the CA is what clients and the
		// APIService trust.
		chain, err := os.ReadFile(filepath.Join(certDir, "ks-apiserver.crt"))
		if err != nil {
			return false
		}
		ks.CAPEM, err = LastCertificate(chain)
		return err == nil
	}); err != nil {
		return nil, err
	}
	if err := os.WriteFile(ks.CAFile, ks.CAPEM, 0o600); err != nil {
		return nil, err
	}
	client, err := ks.HTTPClient()
	if err != nil {
		return nil, err
	}
	// Serving: /livez answers as soon as the listener is up.
	return ks, waitFor(ctx, p, 60*time.Second, func(ctx context.Context) bool {
		return httpOK(ctx, client, ks.URL+"/livez")
	})
}

// HTTPClient trusts ks-apiserver's serving CA and presents no credentials.
func (ks *KSAPIServer) HTTPClient() (*http.Client, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ks.CAPEM) {
		return nil, fmt.Errorf("no CA certificate for ks-apiserver")
	}
	return &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}, nil
}

// ServiceAccountKubeconfig writes a kubeconfig holding a fresh token of the
// service account.
func (cp *ControlPlane) ServiceAccountKubeconfig(ctx context.Context, namespace, name string) (string, error) {
	client, err := kubernetes.NewForConfig(cp.Admin)
	if err != nil {
		return "", err
	}
	token, err := client.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To(int64(7 * 24 * time.Hour / time.Second))},
	}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("token for service account %s/%s: %w", namespace, name, err)
	}
	return cp.ClientKubeconfig(name, token.Status.Token)
}

// RegisterAPIService points the aggregator at ks-apiserver on loopback: an
// ExternalName Service to localhost, and an APIService verified by caBundle
// (none when caPEM is empty, as kubectl apply -k leaves it).
func (cp *ControlPlane) RegisterAPIService(ctx context.Context, port int, caPEM []byte) error {
	caBundle := ""
	if len(caPEM) > 0 {
		caBundle = "\n  caBundle: " + base64.StdEncoding.EncodeToString(caPEM)
	}
	manifest := fmt.Sprintf(`apiVersion: v1
kind: Service
metadata: {name: ks-apiserver, namespace: kubesphere-system}
spec:
  type: ExternalName
  externalName: localhost
  ports: [{name: https, port: %[1]d, targetPort: %[1]d, protocol: TCP}]
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: %[2]s}
spec:
  group: resources.kubesphere.io
  version: v1alpha3
  service: {name: ks-apiserver, namespace: kubesphere-system, port: %[1]d}%[3]s
  groupPriorityMinimum: 1000
  versionPriority: 15
`, port, APIServiceName, caBundle)
	return Apply(ctx, cp.Admin, []byte(manifest))
}

var apiServicesGVR = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

// WaitAPIServiceAvailable waits until the APIService's Available condition is True.
func (cp *ControlPlane) WaitAPIServiceAvailable(ctx context.Context, name string, timeout time.Duration) error {
	client, err := dynamic.NewForConfig(cp.Admin)
	if err != nil {
		return err
	}
	var last string
	err = wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		obj, err := client.Resource(apiServicesGVR).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		conditions, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
		for _, c := range conditions {
			cond, _ := c.(map[string]any)
			if cond["type"] == "Available" {
				last = fmt.Sprintf("%v: %v", cond["reason"], cond["message"])
				return cond["status"] == "True", nil
			}
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("APIService %s not available (%s): %w", name, last, err)
	}
	return nil
}
