package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
	"github.com/ks-apiserver/ks-apiserver/pkg/generated/clientset/versioned"
	generatedinformers "github.com/ks-apiserver/ks-apiserver/pkg/generated/informers/externalversions"
	iamlisters "github.com/ks-apiserver/ks-apiserver/pkg/generated/listers/iam/v1beta1"
)

// Users is how the OAuth server reads and updates accounts (iam.kubesphere.io
// User objects). Reads come from a watch cache; writes go to kube-apiserver.
type Users interface {
	// User returns the account named name.
	User(name string) (*iamv1beta1.User, bool)
	// UpdateStatus applies mutate to the account's status and stores it.
	UpdateStatus(ctx context.Context, name string, mutate func(*iamv1beta1.UserStatus)) error
	// Update applies mutate to the current account and stores it, retrying
	// on conflicts; mutate returns false to leave the account alone.
	Update(ctx context.Context, name string, mutate func(*iamv1beta1.User) bool) error
}

// canonicalUsername folds the ways one name can be typed into one key:
// Unicode compatibility forms (fullwidth letters), case, surrounding space
// and invisible format characters (zero-width space). Lockout is counted
// per canonical name, and the account is looked up by it, so every variant
// that reaches an account shares its counter.
func canonicalUsername(raw string) string {
	s := norm.NFKC.String(raw)
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
	return strings.TrimSpace(s)
}

// passwordFingerprint identifies a password hash without revealing it; a
// session remembers the fingerprint of the password it was opened with.
func passwordFingerprint(hash string) string {
	sum := sha256.Sum256([]byte("ks-password-fingerprint\x00" + hash))
	return hex.EncodeToString(sum[:16])
}

// KubeUsers reads User objects through a watch and writes their status.
type KubeUsers struct {
	client   versioned.Interface
	lister   iamlisters.UserLister
	informer cache.SharedIndexInformer
	factory  generatedinformers.SharedInformerFactory
}

// NewKubeUsers returns the users of kube-apiserver; Start runs the watch.
func NewKubeUsers(client versioned.Interface) *KubeUsers {
	return NewKubeUsersWatching(client, client)
}

// NewKubeUsersWatching is NewKubeUsers with the watch on its own client.
func NewKubeUsersWatching(client, watch versioned.Interface) *KubeUsers {
	factory := generatedinformers.NewSharedInformerFactory(watch, 0)
	inf := factory.Iam().V1beta1().Users()
	return &KubeUsers{client: client, lister: inf.Lister(), informer: inf.Informer(), factory: factory}
}

// Start runs the watch until ctx ends.
func (u *KubeUsers) Start(ctx context.Context) { u.factory.Start(ctx.Done()) }

// HasSynced reports whether the watch has listed every user.
func (u *KubeUsers) HasSynced() bool { return u.informer.HasSynced() }

// User implements Users.
func (u *KubeUsers) User(name string) (*iamv1beta1.User, bool) {
	user, err := u.lister.Get(name)
	if err != nil {
		return nil, false
	}
	return user, true
}

// UpdateStatus implements Users.
func (u *KubeUsers) UpdateStatus(ctx context.Context, name string, mutate func(*iamv1beta1.UserStatus)) error {
	return retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		user, err := u.client.IamV1beta1().Users().Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		user = user.DeepCopy()
		mutate(&user.Status)
		_, err = u.client.IamV1beta1().Users().UpdateStatus(ctx, user, metav1.UpdateOptions{})
		return err
	})
}

// Update implements Users.
func (u *KubeUsers) Update(ctx context.Context, name string, mutate func(*iamv1beta1.User) bool) error {
	return retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		user, err := u.client.IamV1beta1().Users().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		user = user.DeepCopy()
		if !mutate(user) {
			return nil
		}
		_, err = u.client.IamV1beta1().Users().Update(ctx, user, metav1.UpdateOptions{})
		return err
	})
}
