package controlplane

import (
	"context"
	"fmt"

	"golang.org/x/crypto/bcrypt"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
	"github.com/ks-apiserver/ks-apiserver/pkg/generated/clientset/versioned"
)

// DefaultAdminPassword is the seed's admin password, for local clusters.
const DefaultAdminPassword = "P#$$w0rd"

// CreateAdmin creates the User "admin" with password (stored as a bcrypt
// hash at the default cost; the plaintext never reaches etcd) and binds it
// to cluster-admin.
func CreateAdmin(ctx context.Context, cfg *rest.Config, password string) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("hash the admin password: %w", err)
	}
	jsonCfg := rest.CopyConfig(cfg)
	jsonCfg.ContentType = "application/json"
	iam, err := versioned.NewForConfig(jsonCfg)
	if err != nil {
		return err
	}
	_, err = iam.IamV1beta1().Users().Create(ctx, &iamv1beta1.User{
		ObjectMeta: metav1.ObjectMeta{Name: "admin"},
		Spec:       iamv1beta1.UserSpec{Email: "admin@kubesphere.io", EncryptedPassword: string(hash), Lang: "en"},
	}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create user admin: %w", err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	_, err = client.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "kubesphere-admin"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "admin"}},
	}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("bind admin to cluster-admin: %w", err)
	}
	return nil
}

// ClientCertificate issues a client certificate of the cluster CA for user
// in groups (PEM certificate and key): an identity kube-apiserver and
// ks-apiserver both accept, with whatever RBAC grants it.
func (cp *ControlPlane) ClientCertificate(user string, groups ...string) (certPEM, keyPEM []byte, err error) {
	pair, err := cp.clusterCA.issue(user, groups, nil, nil)
	if err != nil {
		return nil, nil, err
	}
	return pair.CertPEM, pair.KeyPEM, nil
}
