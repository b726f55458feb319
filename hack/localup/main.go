// Command localup runs ks-apiserver against a real local control plane (etcd
// and kube-apiserver on loopback) with demo data, prints how to use it, and
// stays in the foreground until Ctrl-C or SIGTERM, when it stops exactly the
// processes it started. hack/local-up.sh (make run) builds and runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "local-up: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	root := flag.String("root", ".", "repository root")
	binDirFlag := flag.String("bin-dir", "", "folder with etcd, kube-apiserver and kubectl (default <root>/_output/bin)")
	ksBinary := flag.String("ks-apiserver", "", "ks-apiserver binary (default <bin-dir>/ks-apiserver)")
	dirFlag := flag.String("dir", "", "working folder, emptied at start: kubeconfig, env, certificates, logs, etcd data (default <root>/_output/local)")
	flag.Parse()
	binDir := *binDirFlag
	if binDir == "" {
		binDir = filepath.Join(*root, "_output", "bin")
	}
	if *ksBinary == "" {
		*ksBinary = filepath.Join(binDir, "ks-apiserver")
	}
	if *dirFlag == "" {
		*dirFlag = filepath.Join(*root, "_output", "local")
	}
	dir, err := filepath.Abs(*dirFlag)
	if err != nil {
		return err
	}

	// Every port is checked before anything starts, so a busy one is reported
	// at once, by its variable.
	ports := map[string]*controlplane.Port{}
	for _, p := range []struct {
		env, use string
		port     int
	}{
		{"KS_ETCD_PORT", "etcd", 2379}, {"KS_ETCD_PEER_PORT", "etcd peers", 2380},
		{"KS_KUBE_APISERVER_PORT", "kube-apiserver", 6443}, {"KS_APISERVER_PORT", "ks-apiserver", 9443},
	} {
		number := p.port
		if v := os.Getenv(p.env); v != "" {
			if number, err = strconv.Atoi(v); err != nil || number <= 0 || number > 65535 {
				return fmt.Errorf("%s=%q is not a port number (1-65535)", p.env, v)
			}
		}
		if err := controlplane.CheckPort(number, p.use, p.env); err != nil {
			return err
		}
		ports[p.env] = &controlplane.Port{Number: number, Var: p.env}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Every run starts from a fresh cluster: state of an earlier run is stale
	// (its certificates, tokens and data belong to processes that are gone).
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	fmt.Println("Starting etcd and kube-apiserver ...")
	cp, err := controlplane.Start(ctx, controlplane.Config{
		Dir: dir, BinDir: binDir,
		EtcdPort: *ports["KS_ETCD_PORT"], EtcdPeerPort: *ports["KS_ETCD_PEER_PORT"], APIServerPort: *ports["KS_KUBE_APISERVER_PORT"],
		// kube-apiserver asks ks-apiserver about bearer tokens it does not
		// know, so `kubectl --token=<access_token>` works.
		TokenWebhook: &controlplane.TokenWebhook{Port: *ports["KS_APISERVER_PORT"], CacheTTL: 10 * time.Second},
	})
	if err != nil {
		return err
	}
	defer func() {
		fmt.Println("\nStopping ks-apiserver, kube-apiserver and etcd ...")
		cp.Stop()
		fmt.Println("Stopped.")
	}()

	fmt.Println("Starting kube-controller-manager (service accounts, role aggregation, namespace deletion, garbage collection) ...")
	if err := cp.StartControllerManager(ctx, filepath.Join(binDir, "kube-controller-manager")); err != nil {
		return err
	}
	if err := cp.InstallCRDs(ctx, filepath.Join(*root, "artifacts", "deploy")); err != nil {
		return err
	}
	fmt.Println("Starting ks-apiserver and registering its APIService ...")
	ks, err := cp.StartKSAPIServer(ctx, controlplane.KSConfig{
		Binary:       *ksBinary,
		ArtifactsDir: filepath.Join(*root, "artifacts", "deploy"),
		Port:         *ports["KS_APISERVER_PORT"],
		ExtraArgs: []string{"-v=2",
			fmt.Sprintf("--oauth-issuer=https://127.0.0.1:%d/oauth", ports["KS_APISERVER_PORT"].Number)},
	})
	if err != nil {
		return err
	}
	fmt.Println("Creating demo data ...")
	pods, err := controlplane.CreateDemoData(ctx, cp.Admin)
	if err != nil {
		return err
	}
	adminPassword := os.Getenv("KS_ADMIN_PASSWORD")
	if adminPassword == "" {
		adminPassword = controlplane.DefaultAdminPassword
	}
	if err := controlplane.CreateAdmin(ctx, cp.Admin, adminPassword); err != nil {
		return err
	}
	// A kubeconfig without credentials, for kubectl --token.
	tokenKubeconfig, err := cp.ClientKubeconfig("oauth", "")
	if err != nil {
		return err
	}

	envFile := filepath.Join(dir, "env")
	env := fmt.Sprintf("export KUBECONFIG=%s\nexport KS_APISERVER=%s\nexport KS_CA_FILE=%s\n", cp.AdminKubeconfig, ks.URL, ks.CAFile)
	if err := os.WriteFile(envFile, []byte(env), 0o600); err != nil {
		return err
	}
	kubectl := "kubectl"
	if _, err := os.Stat(filepath.Join(binDir, "kubectl")); err == nil {
		kubectl, _ = filepath.Abs(filepath.Join(binDir, "kubectl"))
	}
	printQuickstart(cp, ks, envFile, kubectl, pods)
	printOAuthQuickstart(ks, kubectl, tokenKubeconfig, adminPassword)
	fmt.Println("ks-apiserver is ready")

	// Stay up until asked to stop, or until a process dies.
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			for _, p := range cp.Processes() {
				if exited, err := p.Exited(); exited {
					return fmt.Errorf("%s (pid %d) exited: %v; see %s", p.Name, p.PID(), err, p.LogFile)
				}
			}
		}
	}
}

func printQuickstart(cp *controlplane.ControlPlane, ks *controlplane.KSAPIServer, envFile, kubectl string, pods int) {
	fmt.Printf(`
Local control plane with ks-apiserver (%d demo pods, %d nodes, namespaces %v):
  kube-apiserver  %s   (logs in %s)
  ks-apiserver    %s

In another shell:
  source %s          # sets KUBECONFIG, KS_APISERVER, KS_CA_FILE
  %[8]s get apiservice %[9]s
  %[8]s api-resources --api-group=resources.kubesphere.io
  %[8]s get pods.resources.kubesphere.io -A
  %[8]s get pods.resources.kubesphere.io -n web-shop -l tier=backend
  %[8]s get pods.resources.kubesphere.io -A --field-selector metadata.namespace=data
  %[8]s get nodes.resources.kubesphere.io
  %[8]s get deployments.resources.kubesphere.io -n demo nginx -o yaml
  %[8]s get --raw /apis/resources.kubesphere.io/v1alpha3/namespaces/demo/pods
KubeSphere queries (sorting, filters, pages, exact totals):
  %[8]s get --raw '/apis/resources.kubesphere.io/v1alpha3/pods?sortBy=createTime&limit=5&status=Running'
  %[8]s get pods.resources.kubesphere.io -A -l search.resources.kubesphere.io/sortBy=name,search.resources.kubesphere.io/ascending=true
Like a cluster (kube-controller-manager runs the service account and role aggregation controllers):
  %[8]s create namespace team-a && %[8]s -n team-a run web --image=nginx    # stays Pending: no kubelet
  %[8]s -n team-a create rolebinding alice-view --clusterrole=view --user=alice
  %[8]s --as=alice -n team-a get pods.resources.kubesphere.io
Directly on ks-apiserver (client certificate of the admin kubeconfig):
  %[8]s --server "$KS_APISERVER" --certificate-authority "$KS_CA_FILE" get --raw /apis/resources.kubesphere.io/v1alpha3/nodes
  %[8]s --server "$KS_APISERVER" --certificate-authority "$KS_CA_FILE" get --raw '/kapis/resources.kubesphere.io/v1alpha3/namespaces/web-shop/pods?sortBy=name&limit=3&page=2'
Metrics (%[7]s/metrics: ks_apiserver_* caches, watches, lists, OAuth, beside k8s.io/apiserver's request metrics;
Grafana dashboard and ServiceMonitor in artifacts/monitoring; the auth audit trail is in ks-apiserver's log, "Auth audit"):
  %[8]s --server "$KS_APISERVER" --certificate-authority "$KS_CA_FILE" get --raw /metrics | grep '^ks_apiserver_'

`, pods, len(controlplane.DemoNodes), controlplane.DemoNamespaces,
		cp.URL, cp.Dir, ks.URL, envFile, kubectl, controlplane.APIServiceName)
}

// printOAuthQuickstart prints the seed's OAuth flow adapted to this run.
func printOAuthQuickstart(ks *controlplane.KSAPIServer, kubectl, tokenKubeconfig, password string) {
	form := "grant_type=password&username=admin&password=" + url.QueryEscape(password) + "&client_id=kubesphere&client_secret=kubesphere"
	fmt.Printf(`OAuth (user admin, password %q, client kubesphere/kubesphere):
  WARNING: this password is for local use only (set KS_ADMIN_PASSWORD to choose another).
  curl --cacert %[2]s -X POST %[3]s/oauth/token -H 'Content-Type: application/x-www-form-urlencoded' -d '%[4]s'
  TOKEN=$(curl -s --cacert %[2]s -X POST %[3]s/oauth/token -d '%[4]s' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  curl --cacert %[2]s -H "Authorization: Bearer $TOKEN" %[3]s/kapis/resources.kubesphere.io/v1alpha3/nodes
  %[5]s --kubeconfig %[6]s --token "$TOKEN" get nodes        # through kube-apiserver's token webhook
  curl --cacert %[2]s -H "Authorization: Bearer $TOKEN" %[3]s/oauth/userinfo
  curl --cacert %[2]s -H "Authorization: Bearer $TOKEN" %[3]s/oauth/logout
  curl --cacert %[2]s %[3]s/.well-known/openid-configuration

Ctrl-C stops everything this command started.
`, password, ks.CAFile, ks.URL, form, kubectl, tokenKubeconfig)
}
