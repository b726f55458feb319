package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
	"github.com/ks-apiserver/ks-apiserver/pkg/generated/clientset/versioned"
)

// Names of the shared objects in the OAuth namespace.
const (
	// KeysSecretName holds the KeySet (signing keys and refresh secret).
	KeysSecretName = "ks-apiserver-oauth-keys"
	keysDataKey    = "keys.json"
	// LeaseName is the leader-election Lease of the replicas.
	LeaseName = "ks-apiserver-oauth"
	// AnnotationPasswordChanged is set on a User when its plaintext password
	// is replaced by a hash. (KubeSphere's name has "password" in it; the
	// resources API promises that word never appears in a served User.)
	AnnotationPasswordChanged = "iam.kubesphere.io/last-credential-change-time"
	lastAppliedAnnotation     = "kubectl.kubernetes.io/last-applied-configuration"
)

// Runtime runs the parts of the OAuth server that live in kube-apiserver:
// the watches (users, sessions, keys), the creation of the key Secret, and
// one leader-elected writer that hashes plaintext passwords, rotates keys
// and removes dead sessions and old login records.
type Runtime struct {
	Server *Server
	Core   kubernetes.Interface
	// Watch is the client of the key Secret's watch; nil: Core.
	Watch     kubernetes.Interface
	IAM       versioned.Interface
	Namespace string
	Store     *KubeStore
	Users     *KubeUsers
	// KeyRotationPeriod is how long a signing key signs; KeyPublishLead is
	// how long a new key is published before it signs; MaxTokenLife is how
	// long a retired key stays for verification.
	KeyRotationPeriod, KeyPublishLead, MaxTokenLife time.Duration
	// BcryptCost hashes plaintext passwords.
	BcryptCost int
	// LoginHistory, when set, is pruned by the leader.
	LoginHistory *KubeLoginHistory
	// UsersServed reports whether kube-apiserver serves the User API; while
	// it does not (the CRD not installed) there is nobody to log in and the
	// users watch cannot sync, which must not keep the whole server unready.
	// Nil means always.
	UsersServed func() bool

	leader atomic.Bool
	queue  workqueue.TypedRateLimitingInterface[string]
	// ready latches the first success of Ready: a users CRD installed
	// later must not take the whole server out of service while its watch
	// starts.
	ready atomic.Bool
	// reported are the reserved groups already logged per user (used by
	// the single processUsers worker only).
	reported map[string]string
}

// Ready reports whether the server can answer: keys loaded, watches synced.
func (rt *Runtime) Ready() error {
	switch {
	case !rt.Server.HasKeys():
		return errors.New("OAuth signing keys not loaded")
	case !rt.Store.HasSynced():
		return errors.New("OAuth sessions not synced")
	case !rt.Users.HasSynced() && (rt.UsersServed == nil || rt.UsersServed()) && !rt.ready.Load():
		return errors.New("users not synced")
	}
	rt.ready.Store(true)
	return nil
}

// Run starts everything and returns; the work stops when ctx ends.
func (rt *Runtime) Run(ctx context.Context) {
	current.Store(rt)
	rt.queue = workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())
	go func() {
		<-ctx.Done()
		rt.queue.ShutDown()
	}()
	if err := rt.Store.Start(ctx); err != nil {
		klog.ErrorS(err, "Starting the session watch")
	}
	_, _ = rt.Users.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { rt.enqueueUser(obj) },
		UpdateFunc: func(_, obj any) { rt.enqueueUser(obj) },
	})
	rt.Users.Start(ctx)
	go rt.watchKeys(ctx)
	go rt.elect(ctx)
	go wait.UntilWithContext(ctx, rt.processUsers, time.Second)
}

// watchKeys creates the key Secret if no replica has yet, then follows it.
func (rt *Runtime) watchKeys(ctx context.Context) {
	_ = wait.PollUntilContextCancel(ctx, 2*time.Second, true, func(ctx context.Context) (bool, error) {
		if err := rt.ensureKeys(ctx); err != nil {
			klog.ErrorS(err, "Creating or reading the OAuth key Secret; will retry", "namespace", rt.Namespace)
			return false, nil
		}
		return true, nil
	})
	watch := rt.Watch
	if watch == nil {
		watch = rt.Core
	}
	factory := informers.NewSharedInformerFactoryWithOptions(watch, 0, informers.WithNamespace(rt.Namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("metadata.name", KeysSecretName).String()
		}))
	inf := factory.Core().V1().Secrets().Informer()
	load := func(obj any) {
		if secret, ok := obj.(*corev1.Secret); ok {
			rt.loadKeys(secret)
		}
	}
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: load, UpdateFunc: func(_, obj any) { load(obj) }})
	factory.Start(ctx.Done())
}

func (rt *Runtime) loadKeys(secret *corev1.Secret) {
	var set KeySet
	if err := json.Unmarshal(secret.Data[keysDataKey], &set); err != nil {
		klog.ErrorS(err, "Decoding the OAuth key Secret")
		return
	}
	if err := rt.Server.SetKeys(set); err != nil {
		klog.ErrorS(err, "Loading the OAuth keys")
	}
}

// ensureKeys creates the key Secret once (the first replica wins; the
// others read what it wrote) and loads it.
func (rt *Runtime) ensureKeys(ctx context.Context) error {
	secrets := rt.Core.CoreV1().Secrets(rt.Namespace)
	secret, err := secrets.Get(ctx, KeysSecretName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		set, gerr := NewKeySet(rt.Server.now())
		if gerr != nil {
			return gerr
		}
		data, _ := json.Marshal(set)
		secret, err = secrets.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: KeysSecretName, Namespace: rt.Namespace, Labels: map[string]string{labelKind: "keys"}},
			Type:       corev1.SecretTypeOpaque,
			Data:       map[string][]byte{keysDataKey: data},
		}, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			secret, err = secrets.Get(ctx, KeysSecretName, metav1.GetOptions{})
		}
		if err == nil {
			klog.InfoS("Created the OAuth signing keys", "secret", klog.KObj(secret))
		}
	}
	if err != nil {
		return err
	}
	rt.loadKeys(secret)
	if !rt.Server.HasKeys() {
		return fmt.Errorf("secret %s/%s holds no usable keys", rt.Namespace, KeysSecretName)
	}
	return nil
}

// elect runs leader election on a Lease until ctx ends; only the leader
// writes users, rotates keys and collects garbage.
func (rt *Runtime) elect(ctx context.Context) {
	host, _ := os.Hostname()
	identity := host + "_" + randomID(4)
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Name: LeaseName, Namespace: rt.Namespace},
		Client:     rt.Core.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: identity},
	}
	for ctx.Err() == nil {
		elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock: lock, ReleaseOnCancel: true,
			LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second,
			Name: LeaseName,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: rt.lead,
				OnStoppedLeading: func() { rt.leader.Store(false) },
			},
		})
		if err != nil {
			klog.ErrorS(err, "Leader election")
			return
		}
		elector.Run(ctx)
	}
}

// lead is the leader's work: every user is checked once, then periodic
// maintenance until leadership is lost.
func (rt *Runtime) lead(ctx context.Context) {
	klog.InfoS("Leading the OAuth replicas", "lease", klog.KRef(rt.Namespace, LeaseName))
	rt.leader.Store(true)
	for _, obj := range rt.Users.informer.GetStore().List() {
		rt.enqueueUser(obj)
	}
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		rt.rotateKeys(ctx)
		rt.collectSessions(ctx)
		rt.unlockUsers(ctx)
		if err := rt.Store.deleteStaleLoginRecords(ctx, func(r *LoginRecord) bool {
			return len(r.Attempts) == 0 || rt.Server.now().Sub(r.Attempts[len(r.Attempts)-1].At) > rt.Server.cfg.LockoutWindow
		}); err != nil {
			klog.ErrorS(err, "Removing old login records")
		}
		if rt.LoginHistory != nil {
			if err := rt.LoginHistory.Prune(ctx, rt.Server.now()); err != nil {
				klog.ErrorS(err, "Pruning the login history")
			}
		}
	}, 30*time.Second)
}

func (rt *Runtime) enqueueUser(obj any) {
	if u, ok := obj.(*iamv1beta1.User); ok && rt.leader.Load() && needsReconcile(u) {
		rt.queue.Add(u.Name)
	}
}

// needsReconcile: a plaintext password to hash, a last-applied annotation
// that holds the password, or reserved groups to report.
func needsReconcile(u *iamv1beta1.User) bool {
	return needsHashing(u.Spec.EncryptedPassword) || appliedPassword(u) || len(ReservedGroups(u.Spec.Groups)) > 0
}

// needsHashing: a non-empty password that is not a bcrypt hash.
func needsHashing(pw string) bool {
	if pw == "" {
		return false
	}
	_, err := bcrypt.Cost([]byte(pw))
	return err != nil
}

// appliedPassword reports whether kubectl's last-applied annotation may
// hold spec.password (plaintext or hash): it names one, or it cannot be
// read. An annotation without one is left for kubectl apply's merges.
func appliedPassword(u *iamv1beta1.User) bool {
	applied, ok := u.Annotations[lastAppliedAnnotation]
	if !ok {
		return false
	}
	var cfg struct {
		Spec map[string]json.RawMessage `json:"spec"`
	}
	if err := json.Unmarshal([]byte(applied), &cfg); err != nil {
		return true
	}
	_, ok = cfg.Spec["password"]
	return ok
}

func (rt *Runtime) processUsers(ctx context.Context) {
	for {
		name, shutdown := rt.queue.Get()
		if shutdown {
			return
		}
		err := rt.reconcileUser(ctx, name)
		if err != nil {
			klog.ErrorS(err, "Reconciling a user's password; will retry", "user", name)
			rt.queue.AddRateLimited(name)
		} else {
			rt.queue.Forget(name)
		}
		rt.queue.Done(name)
	}
}

// reconcileUser replaces a plaintext spec.password by its bcrypt hash, and
// drops kubectl's last-applied annotation whenever it holds the password
// (plaintext or hash). A password bcrypt cannot take (over 72 bytes) is
// removed instead. Reserved groups (which tokens never carry) are reported.
func (rt *Runtime) reconcileUser(ctx context.Context, name string) error {
	if !rt.leader.Load() {
		return nil
	}
	cached, ok := rt.Users.User(name)
	if !ok {
		return nil
	}
	rt.reportReservedGroups(cached)
	plaintext := needsHashing(cached.Spec.EncryptedPassword)
	if !plaintext && !appliedPassword(cached) {
		return nil
	}
	user := cached.DeepCopy()
	delete(user.Annotations, lastAppliedAnnotation)
	if plaintext {
		hash, err := bcrypt.GenerateFromPassword([]byte(user.Spec.EncryptedPassword), rt.BcryptCost)
		if errors.Is(err, bcrypt.ErrPasswordTooLong) {
			klog.InfoS("Removing a password longer than 72 bytes; set a shorter one", "user", name)
			hash, err = nil, nil
		}
		if err != nil {
			return err
		}
		user.Spec.EncryptedPassword = string(hash)
		if user.Annotations == nil {
			user.Annotations = map[string]string{}
		}
		// A new password: sessions of the old one end (no rehash lineage).
		delete(user.Annotations, AnnotationCredential)
		user.Annotations[AnnotationPasswordChanged] = rt.Server.now().UTC().Format(time.RFC3339)
	}
	_, err := rt.IAM.IamV1beta1().Users().Update(ctx, user, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		// Gone, or changed again: the watch brings the new version back.
		return nil
	}
	if err == nil && plaintext {
		klog.InfoS("Replaced a plaintext password by its hash", "user", name)
	} else if err == nil {
		klog.InfoS("Removed kubectl's last-applied configuration, which held the password hash", "user", name)
	}
	return err
}

// reportReservedGroups logs, once per set of groups, a User whose groups
// include system: ones. Tokens never carry them and the CRD refuses new
// ones; such a User was written before that rule or without the CRD's
// validation. The object is left as written.
func (rt *Runtime) reportReservedGroups(u *iamv1beta1.User) {
	reserved := ReservedGroups(u.Spec.Groups)
	key := strings.Join(reserved, ",")
	if rt.reported == nil {
		rt.reported = map[string]string{}
	}
	if len(reserved) == 0 || rt.reported[u.Name] == key {
		if len(reserved) == 0 {
			delete(rt.reported, u.Name)
		}
		return
	}
	rt.reported[u.Name] = key
	klog.InfoS("A user lists reserved groups; tokens never carry them, remove them from spec.groups",
		"user", u.Name, "groups", reserved)
}

// collectSessions deletes sessions that can no longer be used: expired,
// idle, or whose account was deleted, disabled or got a new password. Their
// tokens are already refused; this removes the objects.
func (rt *Runtime) collectSessions(ctx context.Context) {
	now := rt.Server.now()
	for _, s := range rt.Store.CachedSessions() {
		if _, ok := rt.Server.sessionValid(s, now); !ok {
			if err := rt.Store.DeleteSession(ctx, s.ID); err != nil {
				klog.ErrorS(err, "Removing a dead session", "session", s.ID)
			}
		}
	}
}

// unlockUsers returns users whose lockout window has passed to Active, as
// KubeSphere's user controller does (logins already ignore an expired
// AuthLimitExceeded; this keeps the status truthful).
func (rt *Runtime) unlockUsers(ctx context.Context) {
	now := rt.Server.now()
	for _, obj := range rt.Users.informer.GetStore().List() {
		u, ok := obj.(*iamv1beta1.User)
		if !ok || u.Status.State != iamv1beta1.UserAuthLimitExceeded || !rt.Server.userMayLogin(u, now) {
			continue
		}
		err := rt.Users.UpdateStatus(ctx, u.Name, func(st *iamv1beta1.UserStatus) {
			if st.State == iamv1beta1.UserAuthLimitExceeded {
				st.State, st.Reason, st.LastTransitionTime = iamv1beta1.UserActive, "", metaTime(now)
			}
		})
		if err != nil {
			klog.ErrorS(err, "Unlocking a user", "user", u.Name)
		}
	}
}

// rotateKeys adds and retires signing keys on schedule.
func (rt *Runtime) rotateKeys(ctx context.Context) {
	secrets := rt.Core.CoreV1().Secrets(rt.Namespace)
	secret, err := secrets.Get(ctx, KeysSecretName, metav1.GetOptions{})
	if err != nil {
		klog.ErrorS(err, "Reading the OAuth key Secret for rotation")
		return
	}
	var set KeySet
	if err := json.Unmarshal(secret.Data[keysDataKey], &set); err != nil || len(set.Keys) == 0 {
		klog.ErrorS(err, "The OAuth key Secret is unreadable; not rotating")
		return
	}
	if !set.Rotate(rt.Server.now(), rt.KeyRotationPeriod, rt.KeyPublishLead, rt.MaxTokenLife) {
		return
	}
	data, _ := json.Marshal(set)
	secret = secret.DeepCopy()
	secret.Data[keysDataKey] = data
	if _, err := secrets.Update(ctx, secret, metav1.UpdateOptions{}); err != nil {
		klog.ErrorS(err, "Storing rotated OAuth keys")
		return
	}
	keyRotations.Inc()
	klog.InfoS("Rotated the OAuth signing keys", "keys", len(set.Keys))
}
