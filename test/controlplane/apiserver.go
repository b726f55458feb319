package controlplane

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// APIServer is another kube-apiserver of the control plane: same etcd,
// certificates, service-account keys and token webhook as the first, on a
// port of its own, so that a test can pause, kill and restart it while the
// first keeps serving.
type APIServer struct {
	// URL is its address, https://127.0.0.1:<port>.
	URL string
	// Port is its secure port.
	Port int
	// Process is the running kube-apiserver; Restart replaces it.
	Process *Process

	cp   *ControlPlane
	name string
}

// StartAPIServer starts another kube-apiserver against the control plane's
// etcd and waits until it is ready. name names its process and log.
func (cp *ControlPlane) StartAPIServer(ctx context.Context, name string) (*APIServer, error) {
	if cp.apiServerArgs == nil {
		return nil, fmt.Errorf("the control plane has no kube-apiserver to copy")
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	a := &APIServer{URL: "https://127.0.0.1:" + strconv.Itoa(port), Port: port, cp: cp, name: name}
	return a, a.start(ctx)
}

func (a *APIServer) start(ctx context.Context) error {
	p, err := startProcess(a.cp.Dir, a.name, filepath.Join(a.cp.binDir, "kube-apiserver"),
		append([]string{"--secure-port=" + strconv.Itoa(a.Port)}, a.cp.apiServerArgs...)...)
	if err != nil {
		return err
	}
	a.cp.processes = append(a.cp.processes, p)
	a.Process = p
	return a.WaitReady(ctx, 120*time.Second)
}

// WaitReady waits until its /readyz says ok.
func (a *APIServer) WaitReady(ctx context.Context, timeout time.Duration) error {
	cfg := rest.CopyConfig(a.cp.Admin)
	cfg.Host = a.URL
	cfg.Timeout = 2 * time.Second
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	return waitFor(ctx, a.Process, timeout, func(ctx context.Context) bool {
		body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil && string(body) == "ok"
	})
}

// Pause stops the process (SIGSTOP): connections stay open and nothing
// answers, as with a hung kube-apiserver.
func (a *APIServer) Pause() error { return a.Process.cmd.Process.Signal(syscall.SIGSTOP) }

// Resume continues a paused process (SIGCONT).
func (a *APIServer) Resume() error { return a.Process.cmd.Process.Signal(syscall.SIGCONT) }

// Kill kills the process (SIGKILL) and waits until it has exited: its
// connections are closed and its port refuses new ones.
func (a *APIServer) Kill() {
	_ = a.Process.cmd.Process.Kill()
	<-a.Process.done
}

// Restart starts it again on the same port and waits until it is ready.
func (a *APIServer) Restart(ctx context.Context) error { return a.start(ctx) }

// Kubeconfig writes a copy of the kubeconfig at path that points at this
// kube-apiserver, and returns the copy's path.
func (a *APIServer) Kubeconfig(path string) (string, error) {
	config, err := clientcmd.LoadFromFile(path)
	if err != nil {
		return "", err
	}
	for _, cluster := range config.Clusters {
		cluster.Server = a.URL
	}
	out := filepath.Join(a.cp.Dir, a.name+"-"+filepath.Base(path))
	if err := clientcmd.WriteToFile(*config, out); err != nil {
		return "", err
	}
	return out, os.Chmod(out, 0o600)
}
