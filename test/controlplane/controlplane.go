// Package controlplane runs a real etcd and kube-apiserver on loopback, and
// ks-apiserver aggregated by them, for the end-to-end tests and `make run`.
// It starts processes from binaries built by hack/tools/build.sh and stops
// exactly the processes it started.
package controlplane

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Port is a loopback port; zero means any free port. Var names the
// environment variable that sets it, for the message when it is busy.
type Port struct {
	Number int
	Var    string
}

// Config says where and how to run the control plane.
type Config struct {
	// Dir holds certificates, kubeconfigs, etcd data and process logs. Empty:
	// a temporary folder that Stop removes.
	Dir string
	// BinDir holds the etcd and kube-apiserver binaries.
	BinDir string
	// Ports of etcd (client and peer) and kube-apiserver.
	EtcdPort, EtcdPeerPort, APIServerPort Port
	// ExtraAPIServerArgs are appended to kube-apiserver's flags.
	ExtraAPIServerArgs []string
	// TokenWebhook, when set, makes kube-apiserver authenticate bearer
	// tokens with ks-apiserver's /oauth/authenticate.
	TokenWebhook *TokenWebhook
}

// ControlPlane is a running etcd and kube-apiserver.
type ControlPlane struct {
	// Dir is the working folder (see Config.Dir).
	Dir string
	// URL is kube-apiserver's address, https://127.0.0.1:<port>.
	URL string
	// AdminKubeconfig is a kubeconfig file for a system:masters user.
	AdminKubeconfig string
	// Admin is the client configuration of that user.
	Admin *rest.Config
	// TokenWebhookPort is the port kube-apiserver's token webhook calls
	// (Config.TokenWebhook); start the answering ks-apiserver there.
	TokenWebhookPort int

	binDir string
	// apiServerArgs are the first kube-apiserver's flags but its port, so
	// that StartAPIServer runs another one like it.
	apiServerArgs []string
	clusterCA     *ca
	ksServing     *ksServing
	processes     []*Process
	removeDir     bool
}

// Start starts etcd and kube-apiserver and waits until kube-apiserver is ready.
func Start(ctx context.Context, cfg Config) (_ *ControlPlane, err error) {
	cp := &ControlPlane{Dir: cfg.Dir, binDir: cfg.BinDir}
	if cp.Dir == "" {
		if cp.Dir, err = os.MkdirTemp("", "ks-controlplane-"); err != nil {
			return nil, err
		}
		cp.removeDir = true
	}
	defer func() {
		if err != nil {
			cp.Stop()
		}
	}()
	for _, bin := range []string{"etcd", "kube-apiserver"} {
		if _, err := os.Stat(filepath.Join(cfg.BinDir, bin)); err != nil {
			return nil, fmt.Errorf("%s binary missing in %s (run hack/tools/build.sh): %w", bin, cfg.BinDir, err)
		}
	}
	for _, p := range []struct {
		port *Port
		use  string
	}{{&cfg.EtcdPort, "etcd"}, {&cfg.EtcdPeerPort, "etcd peers"}, {&cfg.APIServerPort, "kube-apiserver"}} {
		if p.port.Number == 0 {
			if p.port.Number, err = FreePort(); err != nil {
				return nil, err
			}
		} else if err := CheckPort(p.port.Number, p.use, p.port.Var); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(cp.Dir, 0o700); err != nil {
		return nil, err
	}
	if err := cp.startEtcd(ctx, cfg.EtcdPort.Number, cfg.EtcdPeerPort.Number); err != nil {
		return nil, err
	}
	if err := cp.startAPIServer(ctx, cfg.EtcdPort.Number, cfg.APIServerPort.Number, cfg.ExtraAPIServerArgs, cfg.TokenWebhook); err != nil {
		return nil, err
	}
	if cfg.TokenWebhook != nil {
		if err := cp.bindWebhookUser(ctx); err != nil {
			return nil, err
		}
	}
	return cp, nil
}

// Stop stops every process the harness started, newest first, and removes a
// temporary working folder.
func (cp *ControlPlane) Stop() {
	for i := len(cp.processes) - 1; i >= 0; i-- {
		cp.processes[i].Stop(15 * time.Second)
	}
	cp.processes = nil
	if cp.removeDir {
		_ = os.RemoveAll(cp.Dir)
	}
}

// Processes returns the processes started so far, oldest first.
func (cp *ControlPlane) Processes() []*Process { return append([]*Process(nil), cp.processes...) }

func (cp *ControlPlane) startEtcd(ctx context.Context, port, peerPort int) error {
	client := "http://127.0.0.1:" + strconv.Itoa(port)
	peer := "http://127.0.0.1:" + strconv.Itoa(peerPort)
	p, err := startProcess(cp.Dir, "etcd", filepath.Join(cp.binDir, "etcd"),
		"--name=local", "--data-dir="+filepath.Join(cp.Dir, "etcd"),
		"--listen-client-urls="+client, "--advertise-client-urls="+client,
		"--listen-peer-urls="+peer, "--initial-advertise-peer-urls="+peer,
		"--initial-cluster=local="+peer,
		// Throwaway local data: durability is not worth the write latency.
		"--unsafe-no-fsync", "--quota-backend-bytes=8589934592",
		"--log-level=warn")
	if err != nil {
		return err
	}
	cp.processes = append(cp.processes, p)
	return waitFor(ctx, p, 60*time.Second, func(ctx context.Context) bool {
		return httpOK(ctx, http.DefaultClient, client+"/health")
	})
}

func (cp *ControlPlane) startAPIServer(ctx context.Context, etcdPort, port int, extra []string, webhook *TokenWebhook) error {
	dir := filepath.Join(cp.Dir, "pki")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	var err error
	if cp.clusterCA, err = newCA("ks-local-cluster-ca"); err != nil {
		return err
	}
	caFile := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(caFile, cp.clusterCA.CertPEM, 0o600); err != nil {
		return err
	}
	serving, err := cp.clusterCA.issue("kube-apiserver", nil,
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
		[]net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.96.0.1")})
	if err != nil {
		return err
	}
	servingCert, servingKey, err := serving.write(dir, "apiserver")
	if err != nil {
		return err
	}
	frontProxyCA, err := newCA("ks-local-front-proxy-ca")
	if err != nil {
		return err
	}
	frontProxyCAFile := filepath.Join(dir, "front-proxy-ca.crt")
	if err := os.WriteFile(frontProxyCAFile, frontProxyCA.CertPEM, 0o600); err != nil {
		return err
	}
	proxyClient, err := frontProxyCA.issue("front-proxy-client", nil, nil, nil)
	if err != nil {
		return err
	}
	proxyCert, proxyKey, err := proxyClient.write(dir, "front-proxy-client")
	if err != nil {
		return err
	}
	saPub, saKey, err := writeServiceAccountKeys(dir)
	if err != nil {
		return err
	}

	args := []string{
		"--etcd-servers=http://127.0.0.1:" + strconv.Itoa(etcdPort),
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		"--endpoint-reconciler-type=none",
		"--tls-cert-file=" + servingCert, "--tls-private-key-file=" + servingKey,
		"--client-ca-file=" + caFile,
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file=" + saPub, "--service-account-signing-key-file=" + saKey,
		"--service-cluster-ip-range=10.96.0.0/24",
		"--authorization-mode=RBAC",
		"--requestheader-client-ca-file=" + frontProxyCAFile,
		"--requestheader-allowed-names=front-proxy-client",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-username-headers=X-Remote-User",
		"--proxy-client-cert-file=" + proxyCert, "--proxy-client-key-file=" + proxyKey,
		"--enable-aggregator-routing=false",
		"--profiling=false",
	}
	if webhook != nil {
		webhookArgs, err := cp.tokenWebhookArgs(dir, webhook)
		if err != nil {
			return err
		}
		args = append(args, webhookArgs...)
	}
	cp.apiServerArgs = append(append([]string(nil), args...), extra...)
	p, err := startProcess(cp.Dir, "kube-apiserver", filepath.Join(cp.binDir, "kube-apiserver"),
		append([]string{"--secure-port=" + strconv.Itoa(port)}, cp.apiServerArgs...)...)
	if err != nil {
		return err
	}
	cp.processes = append(cp.processes, p)

	cp.URL = "https://127.0.0.1:" + strconv.Itoa(port)
	if err := cp.writeAdminKubeconfig(dir); err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(cp.Admin)
	if err != nil {
		return err
	}
	return waitFor(ctx, p, 120*time.Second, func(ctx context.Context) bool {
		body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil && string(body) == "ok"
	})
}

// writeAdminKubeconfig issues a system:masters client certificate and writes
// the kubeconfig that uses it.
func (cp *ControlPlane) writeAdminKubeconfig(pkiDir string) error {
	admin, err := cp.clusterCA.issue("kubernetes-admin", []string{"system:masters"}, nil, nil)
	if err != nil {
		return err
	}
	cp.AdminKubeconfig = filepath.Join(cp.Dir, "kubeconfig")
	kubeconfig := clientcmdapi.NewConfig()
	kubeconfig.Clusters["local"] = &clientcmdapi.Cluster{Server: cp.URL, CertificateAuthorityData: cp.clusterCA.CertPEM}
	kubeconfig.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: admin.CertPEM, ClientKeyData: admin.KeyPEM}
	kubeconfig.Contexts["local"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "admin"}
	kubeconfig.CurrentContext = "local"
	if err := clientcmd.WriteToFile(*kubeconfig, cp.AdminKubeconfig); err != nil {
		return err
	}
	cp.Admin, err = clientcmd.NewDefaultClientConfig(*kubeconfig, nil).ClientConfig()
	return err
}

// ClientKubeconfig writes a kubeconfig for the cluster that authenticates
// with a bearer token, and returns its path.
func (cp *ControlPlane) ClientKubeconfig(name, token string) (string, error) {
	path := filepath.Join(cp.Dir, name+".kubeconfig")
	kubeconfig := clientcmdapi.NewConfig()
	kubeconfig.Clusters["local"] = &clientcmdapi.Cluster{Server: cp.URL, CertificateAuthorityData: cp.clusterCA.CertPEM}
	kubeconfig.AuthInfos[name] = &clientcmdapi.AuthInfo{Token: token}
	kubeconfig.Contexts["local"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: name}
	kubeconfig.CurrentContext = "local"
	return path, clientcmd.WriteToFile(*kubeconfig, path)
}

// waitFor polls ready until it is true, the process exits (an error with the
// end of its log), ctx ends or timeout passes.
func waitFor(ctx context.Context, p *Process, timeout time.Duration, ready func(context.Context) bool) error {
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		if exited, err := p.Exited(); exited {
			return false, fmt.Errorf("%s exited (%v); end of %s:\n%s", p.Name, err, p.LogFile, p.tail())
		}
		return ready(ctx), nil
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		if exited, _ := p.Exited(); !exited {
			return fmt.Errorf("%s not ready after %s (log: %s): %w", p.Name, timeout, p.LogFile, err)
		}
	}
	return err
}

// waitUntil polls cond until it is true, or fails after timeout.
func waitUntil(ctx context.Context, timeout time.Duration, cond func(context.Context) bool) error {
	return wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		return cond(ctx), nil
	})
}

func httpOK(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
