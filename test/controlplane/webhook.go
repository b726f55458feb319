package controlplane

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// TokenWebhook configures kube-apiserver to authenticate bearer tokens with
// ks-apiserver's TokenReview webhook (/oauth/authenticate). ks-apiserver's
// serving certificate must then exist before kube-apiserver starts: the
// harness makes it, and every ks-apiserver it starts serves with it.
type TokenWebhook struct {
	// Port is where the ks-apiserver that answers the webhook will listen;
	// zero picks a free one (see ControlPlane.TokenWebhookPort).
	Port Port
	// CacheTTL is kube-apiserver's --authentication-token-webhook-cache-ttl.
	CacheTTL time.Duration
}

// WebhookUser is the identity kube-apiserver presents to the webhook (a
// client certificate of the cluster CA); it is bound to
// system:auth-delegator, which allows creating TokenReviews.
const WebhookUser = "kube-apiserver-oauth-webhook"

// ksServing is ks-apiserver's serving certificate made by the harness.
type ksServing struct {
	certFile, keyFile string
	caPEM             []byte
}

// tokenWebhookArgs makes ks-apiserver's serving certificate, kube-apiserver's
// webhook client certificate and kubeconfig, and returns kube-apiserver's
// flags.
func (cp *ControlPlane) tokenWebhookArgs(pkiDir string, wh *TokenWebhook) ([]string, error) {
	var err error
	if wh.Port.Number == 0 {
		if wh.Port.Number, err = FreePort(); err != nil {
			return nil, err
		}
	} else if err := CheckPort(wh.Port.Number, "ks-apiserver", wh.Port.Var); err != nil {
		return nil, err
	}
	cp.TokenWebhookPort = wh.Port.Number
	ksCA, err := newCA("ks-apiserver-local-ca")
	if err != nil {
		return nil, err
	}
	serving, err := ksCA.issue("ks-apiserver", nil,
		[]string{"localhost", "ks-apiserver", "ks-apiserver.kubesphere-system", "ks-apiserver.kubesphere-system.svc"},
		[]net.IP{net.ParseIP("127.0.0.1")})
	if err != nil {
		return nil, err
	}
	certFile, keyFile, err := serving.write(pkiDir, "ks-apiserver")
	if err != nil {
		return nil, err
	}
	cp.ksServing = &ksServing{certFile: certFile, keyFile: keyFile, caPEM: ksCA.CertPEM}
	client, err := cp.clusterCA.issue(WebhookUser, nil, nil, nil)
	if err != nil {
		return nil, err
	}
	kubeconfig := clientcmdapi.NewConfig()
	kubeconfig.Clusters["ks-apiserver"] = &clientcmdapi.Cluster{
		Server:                   "https://127.0.0.1:" + strconv.Itoa(wh.Port.Number) + "/oauth/authenticate",
		CertificateAuthorityData: ksCA.CertPEM,
	}
	kubeconfig.AuthInfos["kube-apiserver"] = &clientcmdapi.AuthInfo{ClientCertificateData: client.CertPEM, ClientKeyData: client.KeyPEM}
	kubeconfig.Contexts["webhook"] = &clientcmdapi.Context{Cluster: "ks-apiserver", AuthInfo: "kube-apiserver"}
	kubeconfig.CurrentContext = "webhook"
	path := filepath.Join(pkiDir, "token-webhook.kubeconfig")
	if err := clientcmd.WriteToFile(*kubeconfig, path); err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return nil, err
	}
	ttl := wh.CacheTTL
	if ttl == 0 {
		ttl = 10 * time.Second
	}
	return []string{
		"--authentication-token-webhook-config-file=" + path,
		"--authentication-token-webhook-version=v1",
		"--authentication-token-webhook-cache-ttl=" + ttl.String(),
	}, nil
}

// bindWebhookUser lets the webhook identity create TokenReviews, which is
// what ks-apiserver checks before answering one.
func (cp *ControlPlane) bindWebhookUser(ctx context.Context) error {
	return Apply(ctx, cp.Admin, []byte(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: `+WebhookUser+`}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:auth-delegator}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: `+WebhookUser+`}]
`))
}
