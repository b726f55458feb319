package controlplane

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// NodelessControllers are the kube-controller-manager controllers that make
// a control plane without kubelets behave like a cluster: service accounts
// and their tokens in every namespace (so `kubectl run` works), the
// kube-root-ca.crt ConfigMaps, ClusterRole aggregation (so the view, edit and
// admin roles include ks-apiserver's aggregated rules), namespace deletion and
// garbage collection. Not node lifecycle (it would evict the demo pods of
// nodes that never report) nor the workload controllers (they would replace
// the demo pods).
var NodelessControllers = []string{
	"serviceaccount-controller", "serviceaccount-token-controller", "root-ca-certificate-publisher-controller",
	"clusterrole-aggregation-controller", "namespace-controller", "garbage-collector-controller",
}

// StartControllerManager runs the kube-controller-manager binary bin (built
// by hack/cluster/build.sh) with NodelessControllers, and waits until it has
// given the default namespace its service account.
func (cp *ControlPlane) StartControllerManager(ctx context.Context, bin string) error {
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("kube-controller-manager missing (run hack/cluster/build.sh kube-controller-manager): %w", err)
	}
	dir := filepath.Join(cp.Dir, "pki")
	cert, err := cp.clusterCA.issue("system:kube-controller-manager", nil, nil, nil)
	if err != nil {
		return err
	}
	kubeconfig := clientcmdapi.NewConfig()
	kubeconfig.Clusters["local"] = &clientcmdapi.Cluster{Server: cp.URL, CertificateAuthorityData: cp.clusterCA.CertPEM}
	kubeconfig.AuthInfos["kube-controller-manager"] = &clientcmdapi.AuthInfo{ClientCertificateData: cert.CertPEM, ClientKeyData: cert.KeyPEM}
	kubeconfig.Contexts["local"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "kube-controller-manager"}
	kubeconfig.CurrentContext = "local"
	kubeconfigFile := filepath.Join(dir, "kube-controller-manager.kubeconfig")
	if err := clientcmd.WriteToFile(*kubeconfig, kubeconfigFile); err != nil {
		return err
	}
	p, err := startProcess(cp.Dir, "kube-controller-manager", bin,
		"--kubeconfig="+kubeconfigFile,
		"--controllers="+strings.Join(NodelessControllers, ","),
		// Each controller acts as its own service account, with the
		// bootstrap roles kube-apiserver gives those accounts.
		"--use-service-account-credentials=true",
		"--service-account-private-key-file="+filepath.Join(dir, "sa.key"),
		"--root-ca-file="+filepath.Join(dir, "ca.crt"),
		// No serving port (nothing to collide with) and one instance.
		"--secure-port=0", "--leader-elect=false")
	if err != nil {
		return err
	}
	cp.processes = append(cp.processes, p)
	client, err := kubernetes.NewForConfig(cp.Admin)
	if err != nil {
		return err
	}
	// Ready when the default namespace has its service account.
	return waitFor(ctx, p, 60*time.Second, func(ctx context.Context) bool {
		_, err := client.CoreV1().ServiceAccounts(corev1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
		return err == nil
	})
}
