package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"maps"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
)

const servingSecret = "ks-apiserver-serving-cert"

// Two ks-apiservers in the default in-cluster mode (--serving-cert-secret
// with management on) against a control plane of their own: one creates the
// Secret, both serve it, the leader sets the APIService's caBundle, and
// kube-apiserver's aggregation works with no certificate handed out by the
// test. With a 1m validity the certificate is renewed under a new CA while
// clients read continuously through kube-apiserver and directly on both
// replicas (trusting only the caBundle as they find it): none fails.
func TestSelfSignedServingCertSharedAndRenewed(t *testing.T) {
	ctx := context.Background()
	own, err := controlplane.Start(ctx, controlplane.Config{BinDir: binDir})
	if err != nil {
		t.Fatal(err)
	}
	defer own.Stop()
	artifacts := filepath.Join(repoRoot(), "artifacts", "deploy")
	if err := own.InstallCRDs(ctx, artifacts); err != nil {
		t.Fatal(err)
	}
	port, err := controlplane.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--serving-cert-secret=" + servingSecret, "--serving-cert-apiservice=" + controlplane.APIServiceName,
		"--serving-cert-validity=1m"}, oauthArgs...)
	start := func(name string, port int) *controlplane.KSAPIServer {
		s, err := own.RunKSAPIServer(ctx, controlplane.KSConfig{
			Binary: ksBin, ArtifactsDir: artifacts, Name: name, Port: controlplane.Port{Number: port},
			ServingCertSecret: servingSecret, ExtraArgs: args,
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := start("ks-cert-a", port)
	// As kubectl apply -k leaves it: an APIService without a caBundle.
	if err := own.RegisterAPIService(ctx, port, nil); err != nil {
		t.Fatal(err)
	}
	b := start("ks-cert-b", 0)
	if err := own.WaitAPIServiceAvailable(ctx, controlplane.APIServiceName, 90*time.Second); err != nil {
		t.Fatal(err)
	}

	core := kubernetes.NewForConfigOrDie(own.Admin)
	apiServices := dynamic.NewForConfigOrDie(own.Admin).Resource(apiServicesGVR)
	secretNow := func() (cert, caBundle []byte) {
		s, err := core.CoreV1().Secrets("kubesphere-system").Get(ctx, servingSecret, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("serving Secret: %v", err)
		}
		if s.Annotations["resources.kubesphere.io/serving-cert-managed-by"] != "ks-apiserver" {
			t.Fatalf("the Secret is not marked as ks-apiserver's: %v", s.Annotations)
		}
		return s.Data["tls.crt"], s.Data["ca.crt"]
	}
	bundleNow := func() []byte {
		obj, err := apiServices.Get(ctx, controlplane.APIServiceName, metav1.GetOptions{})
		if err != nil {
			return nil
		}
		enc, _, _ := unstructured.NestedString(obj.Object, "spec", "caBundle")
		skip, _, _ := unstructured.NestedBool(obj.Object, "spec", "insecureSkipTLSVerify")
		if skip {
			t.Error("the APIService skips TLS verification")
		}
		data, _ := base64.StdEncoding.DecodeString(enc)
		return data
	}
	cert0, ca0 := secretNow()
	if got := bundleNow(); !bytes.Equal(got, ca0) || len(pemCerts(ca0)) != 1 {
		t.Fatalf("caBundle %q is not the Secret's single CA %q", got, ca0)
	}
	// Both replicas serve the Secret's certificate, valid for the Service's name.
	var pool atomic.Pointer[x509.CertPool]
	setPool := func(bundle []byte) {
		p := x509.NewCertPool()
		if p.AppendCertsFromPEM(bundle) {
			pool.Store(p)
		}
	}
	setPool(bundleNow())
	for _, s := range []*controlplane.KSAPIServer{a, b} {
		if leaf, err := servedLeaf(s, pool.Load()); err != nil || !bytes.Equal(leaf, pemCerts(cert0)[0]) {
			t.Fatalf("%s does not serve the Secret's certificate: %v", s.Process.Name, err)
		}
	}
	if out, err := runKubectl(own.AdminKubeconfig, "get", "namespaces.resources.kubesphere.io", "kube-system", "-o", "name"); err != nil || strings.TrimSpace(out) != "namespace.resources.kubesphere.io/kube-system" {
		t.Fatalf("kubectl get through kube-apiserver: %v %s", err, out)
	}

	// Renewal under load: clients through kube-apiserver, and directly on
	// both replicas with a fresh handshake each time against the caBundle
	// as it is now.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts, failures := map[string]int{}, map[string][]string{}
	record := func(name string, err error) {
		mu.Lock()
		defer mu.Unlock()
		counts[name]++
		if err != nil && len(failures[name]) < 5 {
			failures[name] = append(failures[name], err.Error())
		}
		if err != nil {
			counts[name+" failed"]++
		}
	}
	loop := func(name string, do func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				record(name, do())
			}
		}()
	}
	aggregated, err := rest.HTTPClientFor(own.Admin)
	if err != nil {
		t.Fatal(err)
	}
	loop("through kube-apiserver", func() error {
		status, body, err := plainDo(aggregated, http.MethodGet, own.URL+"/apis/resources.kubesphere.io/v1alpha3/namespaces?limit=2", "", nil)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("%d %s", status, trim(body, 200))
		}
		return err
	})
	for _, s := range []*controlplane.KSAPIServer{a, b} {
		loop("direct "+s.Process.Name, func() error {
			_, err := servedLeaf(s, pool.Load())
			return err
		})
	}
	maxCAs := 1
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 150*time.Second, true, func(context.Context) (bool, error) {
		bundle := bundleNow()
		setPool(bundle)
		maxCAs = max(maxCAs, len(pemCerts(bundle)))
		cert, ca := secretNow()
		if bytes.Equal(cert, cert0) || len(pemCerts(ca)) != 1 || !bytes.Equal(bundle, ca) || bytes.Equal(ca, ca0) {
			return false, nil
		}
		for _, s := range []*controlplane.KSAPIServer{a, b} {
			if leaf, err := servedLeaf(s, pool.Load()); err != nil || !bytes.Equal(leaf, pemCerts(cert)[0]) {
				return false, nil
			}
		}
		return true, nil
	})
	// A few more rounds of every loop on the new certificate alone.
	if err == nil {
		mu.Lock()
		before := maps.Clone(counts)
		mu.Unlock()
		if wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			for name, n := range before {
				if !strings.HasSuffix(name, " failed") && counts[name] < n+5 {
					return false, nil
				}
			}
			return true, nil
		}) != nil {
			mu.Lock()
			now := maps.Clone(counts)
			mu.Unlock()
			t.Errorf("the clients made fewer than 5 more rounds in 30 s after the renewal (before %v, now %v)", before, now)
		}
	}
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("the certificate was not renewed and served with only the new CA trusted: %v", err)
	}
	if maxCAs < 2 {
		t.Errorf("the caBundle never held the old and the new CA together")
	}
	for name, n := range counts {
		if strings.HasSuffix(name, " failed") {
			continue
		}
		t.Logf("%s: %d requests during the renewal, %d failed", name, n, counts[name+" failed"])
		if counts[name+" failed"] > 0 {
			t.Errorf("%s failed during the renewal: %v", name, failures[name])
		}
	}
}

// servedLeaf handshakes with s as a client of the Service name trusting
// pool, and returns the DER certificate it serves.
func servedLeaf(s *controlplane.KSAPIServer, pool *x509.CertPool) ([]byte, error) {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", strings.TrimPrefix(s.URL, "https://"), &tls.Config{
		RootCAs: pool, ServerName: "ks-apiserver.kubesphere-system.svc", MinVersion: tls.VersionTLS12,
	})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].Raw, nil
}

// pemCerts returns the DER bytes of every certificate in PEM data.
func pemCerts(data []byte) [][]byte {
	var out [][]byte
	for rest := data; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			return out
		}
		out = append(out, block.Bytes)
	}
}

// runKubectl runs kubectl with another control plane's kubeconfig.
func runKubectl(kubeconfig string, args ...string) (string, error) {
	out, err := command(repoRoot(), kubectlBin, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	return string(out), err
}
