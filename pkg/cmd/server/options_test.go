package server

import (
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

func TestSelfSignedCertificate(t *testing.T) {
	o := NewOptions()
	o.SecureServing.BindAddress = net.ParseIP("127.0.0.1")
	o.SecureServing.ServerCert.CertDirectory = t.TempDir()
	if err := o.ensureServingCert(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(o.SecureServing.ServerCert.CertDirectory, "ks-apiserver.crt"))
	if err != nil {
		t.Fatal(err)
	}
	var certs []*x509.Certificate
	for rest := data; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		certs = append(certs, c)
	}
	if len(certs) != 2 || !certs[1].IsCA {
		t.Fatalf("want the serving certificate followed by its CA, got %d certificates", len(certs))
	}
	roots := x509.NewCertPool()
	roots.AddCert(certs[1])
	// The names kube-apiserver's aggregator and local clients verify.
	for _, name := range []string{"localhost", "ks-apiserver.kubesphere-system.svc", "127.0.0.1"} {
		if _, err := certs[0].Verify(x509.VerifyOptions{DNSName: name, Roots: roots}); err != nil {
			t.Errorf("certificate does not verify for %s: %v", name, err)
		}
	}
}

func TestValidate(t *testing.T) {
	o := NewOptions()
	if err := o.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	o.UpstreamQPS, o.UpstreamBurst, o.SecureServing.BindPort, o.MaxWatchesPerUser = 0, -1, 70000, -1
	o.UpstreamTimeout = 0
	o.ShutdownDelay, o.InsecureHTTPPort = -time.Second, -1
	o.UpstreamPageSize = -1
	err := o.Validate()
	if err == nil {
		t.Fatal("invalid options accepted")
	}
	for _, want := range []string{"--upstream-qps", "--upstream-burst", "--secure-port", "--max-watches-per-user", "--upstream-timeout",
		"--shutdown-delay-duration", "--insecure-http-port", "--upstream-list-page-size"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

func TestValidatePlainHTTP(t *testing.T) {
	o := NewOptions()
	o.InsecureHTTPPort = o.SecureServing.BindPort
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "--insecure-http-port must differ") {
		t.Errorf("the secure port as plain-HTTP port: %v", err)
	}
	o.InsecureHTTPPort, o.InsecureHTTPBindAddress = 8080, "example.com"
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "--insecure-http-bind-address") {
		t.Errorf("a host name as bind address: %v", err)
	}
	// Off by default: no plain-HTTP listener unless asked for.
	if NewOptions().InsecureHTTPPort != 0 {
		t.Error("the plain-HTTP port is on by default")
	}
}

func TestFlagSections(t *testing.T) {
	fss := NewOptions().Flags()
	want := []string{"secure serving", "authentication", "authorization", "limits", "upstream kube-apiserver", "serving certificate", "plain http", "shutdown", "oauth", "logging"}
	if !slices.Equal(fss.Order, want) {
		t.Errorf("flag sections = %v, want %v", fss.Order, want)
	}
	if f := fss.FlagSet("limits").Lookup("max-watches-per-user"); f == nil || f.DefValue != "100" {
		t.Errorf("--max-watches-per-user: %+v", f)
	}
	if fss.FlagSet("upstream kube-apiserver").Lookup("kubeconfig") == nil {
		t.Error("--kubeconfig missing")
	}
	for _, name := range []string{"oauth-issuer", "oauth-clients-file", "oauth-lockout-max-failures", "oauth-lockout-window"} {
		if fss.FlagSet("oauth").Lookup(name) == nil {
			t.Errorf("--%s missing", name)
		}
	}
}

func TestOAuthOptionsValidation(t *testing.T) {
	o := NewOptions()
	o.OAuth.Issuer = "http://ks.example.com/oauth/"
	o.OAuth.Leeway = 5 * time.Minute
	o.OAuth.Serving.MaxInFlightPerIP = 0
	err := o.Validate()
	if err == nil {
		t.Fatal("invalid OAuth options accepted")
	}
	for _, want := range []string{"--oauth-issuer", "--oauth-clock-leeway", "--oauth-max-requests-in-flight-per-ip"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	// The OAuth paths never reach the API's authorizer (they have a chain
	// of their own), so nothing of them is always allowed there.
	for _, p := range o.Authorization.AlwaysAllowPaths {
		if strings.HasPrefix(p, "/oauth") || strings.HasPrefix(p, "/.well-known") {
			t.Errorf("%s always allowed", p)
		}
	}
}

func TestInformerConfigCompression(t *testing.T) {
	upstream := &rest.Config{Host: "https://kube-apiserver.example"}
	gated := false
	gate := func(rt http.RoundTripper) http.RoundTripper { gated = true; return rt }
	o := NewOptions()
	if cfg := o.informerConfig(upstream, gate); cfg.DisableCompression {
		t.Errorf("informers refuse gzip by default")
	}
	if _, err := rest.HTTPClientFor(o.informerConfig(upstream, gate)); err != nil || !gated {
		t.Errorf("informers' transport not gated by the upstream monitor (err %v)", err)
	}
	fss := o.Flags()
	if err := fss.FlagSet("upstream kube-apiserver").Parse([]string{"--upstream-compression=false"}); err != nil {
		t.Fatal(err)
	}
	if cfg := o.informerConfig(upstream, gate); !cfg.DisableCompression {
		t.Errorf("--upstream-compression=false: informers still accept gzip")
	}
	if upstream.DisableCompression || upstream.WrapTransport != nil {
		t.Errorf("the upstream configuration was changed")
	}
}
