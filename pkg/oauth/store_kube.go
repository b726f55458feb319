package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// Labels, types and name prefixes of the Secrets the OAuth server keeps in
// its namespace. Session and login-record Secrets hold hashes and times
// only, never a token or password.
const (
	labelKind          = "iam.kubesphere.io/oauth"
	kindSession        = "session"
	kindLoginRecord    = "login-record"
	sessionSecretType  = corev1.SecretType("iam.kubesphere.io/oauth-session")
	loginSecretType    = corev1.SecretType("iam.kubesphere.io/oauth-login-record")
	sessionPrefix      = "oauth-session-"
	loginRecordPrefix  = "oauth-login-"
	sessionDataKey     = "session"
	loginRecordDataKey = "record"
)

// KubeStore is the Store kept in kube-apiserver: one Secret per session and
// per login record in one namespace, and a watch on the session Secrets so
// that access-token checks need no request and a deleted session stops its
// tokens on every replica within a watch round-trip.
type KubeStore struct {
	client    kubernetes.Interface
	namespace string

	mu       sync.RWMutex
	sessions map[string]*Session
	// deleted remembers sessions this replica deleted or saw deleted, and
	// when: a watch event or a LoadSession read that arrives late must not
	// bring one back (session ids are never reused).
	deleted map[string]time.Time
	synced  cache.InformerSynced
	// Watch is the client of the session watch; nil: the store's client.
	Watch kubernetes.Interface
}

// tombstoneTTL is how long a deletion is remembered; late events and reads
// arrive within seconds.
const tombstoneTTL = 10 * time.Minute

// NewKubeStore returns a store in namespace; Start runs its watch.
func NewKubeStore(client kubernetes.Interface, namespace string) *KubeStore {
	return &KubeStore{client: client, namespace: namespace, sessions: map[string]*Session{}, deleted: map[string]time.Time{}}
}

// Start runs the session watch until ctx ends.
func (k *KubeStore) Start(ctx context.Context) error {
	watch := k.Watch
	if watch == nil {
		watch = k.client
	}
	factory := informers.NewSharedInformerFactoryWithOptions(watch, 0,
		informers.WithNamespace(k.namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = labelKind + "=" + kindSession }))
	inf := factory.Core().V1().Secrets().Informer()
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { k.observe(obj) },
		UpdateFunc: func(_, obj any) { k.observe(obj) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if s, ok := obj.(*corev1.Secret); ok {
				k.forget(strings.TrimPrefix(s.Name, sessionPrefix))
			}
		},
	})
	if err != nil {
		return err
	}
	k.synced = inf.HasSynced
	factory.Start(ctx.Done())
	return nil
}

// HasSynced reports whether the session watch has listed everything.
func (k *KubeStore) HasSynced() bool { return k.synced != nil && k.synced() }

// observe caches a session Secret (replacing what is cached) unless the
// session was deleted.
func (k *KubeStore) observe(obj any) {
	secret, ok := obj.(*corev1.Secret)
	if !ok {
		return
	}
	s, err := decodeSession(secret)
	if err != nil {
		return
	}
	k.mu.Lock()
	if _, gone := k.deleted[s.ID]; !gone {
		k.sessions[s.ID] = s
	}
	k.mu.Unlock()
}

// remember caches s unless a version is cached already (the watch may have
// delivered a newer one) or the session was deleted; it reports whether s
// is, or was already, cached.
func (k *KubeStore) remember(s *Session) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, gone := k.deleted[s.ID]; gone {
		return false
	}
	if _, ok := k.sessions[s.ID]; !ok {
		k.sessions[s.ID] = s
	}
	return true
}

// forget drops a session from the cache and remembers its deletion.
func (k *KubeStore) forget(id string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.sessions, id)
	now := time.Now()
	if len(k.deleted) >= 1024 {
		for d, t := range k.deleted {
			if now.Sub(t) > tombstoneTTL {
				delete(k.deleted, d)
			}
		}
	}
	k.deleted[id] = now
}

func decodeSession(secret *corev1.Secret) (*Session, error) {
	var s Session
	if err := json.Unmarshal(secret.Data[sessionDataKey], &s); err != nil {
		return nil, fmt.Errorf("session secret %s: %w", secret.Name, err)
	}
	s.ID = strings.TrimPrefix(secret.Name, sessionPrefix)
	s.Version = secret.ResourceVersion
	return &s, nil
}

func (k *KubeStore) sessionSecret(s *Session) (*corev1.Secret, error) {
	data, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name: sessionPrefix + s.ID, Namespace: k.namespace, ResourceVersion: s.Version,
			Labels: map[string]string{labelKind: kindSession, "iam.kubesphere.io/user": labelValue(s.User)},
		},
		Type: sessionSecretType,
		Data: map[string][]byte{sessionDataKey: data},
	}, nil
}

// labelValue keeps a username usable as a label value (they are DNS names).
func labelValue(v string) string {
	if len(v) > 63 {
		return v[:63]
	}
	return v
}

// CreateSession implements Store.
func (k *KubeStore) CreateSession(ctx context.Context, s *Session) error {
	secret, err := k.sessionSecret(s)
	if err != nil {
		return err
	}
	created, err := k.client.CoreV1().Secrets(k.namespace).Create(ctx, secret, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	s.Version = created.ResourceVersion
	// Its tokens work here the moment they are returned, not only once the
	// watch delivers the session.
	if c, err := decodeSession(created); err == nil {
		k.remember(c)
	}
	return nil
}

// GetSession implements Store.
func (k *KubeStore) GetSession(ctx context.Context, id string) (*Session, error) {
	secret, err := k.client.CoreV1().Secrets(k.namespace).Get(ctx, sessionPrefix+id, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get session: %w", err)
	}
	if secret.Type != sessionSecretType {
		return nil, ErrNotFound
	}
	return decodeSession(secret)
}

// UpdateSession implements Store.
func (k *KubeStore) UpdateSession(ctx context.Context, s *Session) error {
	secret, err := k.sessionSecret(s)
	if err != nil {
		return err
	}
	updated, err := k.client.CoreV1().Secrets(k.namespace).Update(ctx, secret, metav1.UpdateOptions{})
	switch {
	case apierrors.IsConflict(err):
		return ErrConflict
	case apierrors.IsNotFound(err):
		return ErrNotFound
	case err != nil:
		return fmt.Errorf("update session: %w", err)
	}
	s.Version = updated.ResourceVersion
	k.observe(updated)
	return nil
}

// DeleteSession implements Store.
func (k *KubeStore) DeleteSession(ctx context.Context, id string) error {
	err := k.client.CoreV1().Secrets(k.namespace).Delete(ctx, sessionPrefix+id, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete session: %w", err)
	}
	k.forget(id)
	return nil
}

// LoadSession implements Store.
func (k *KubeStore) LoadSession(ctx context.Context, id string) (*Session, error) {
	s, err := k.GetSession(ctx, id)
	if err != nil {
		return nil, err
	}
	if !k.remember(s) {
		return nil, ErrNotFound
	}
	return s, nil
}

// CachedSession implements Store.
func (k *KubeStore) CachedSession(id string) (*Session, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	s, ok := k.sessions[id]
	return s, ok
}

// CachedSessions implements Store.
func (k *KubeStore) CachedSessions() []*Session {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make([]*Session, 0, len(k.sessions))
	for _, s := range k.sessions {
		out = append(out, s)
	}
	return out
}

// GetLoginRecord implements Store.
func (k *KubeStore) GetLoginRecord(ctx context.Context, key string) (*LoginRecord, error) {
	secret, err := k.client.CoreV1().Secrets(k.namespace).Get(ctx, loginRecordPrefix+key, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return &LoginRecord{Key: key}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get login record: %w", err)
	}
	r := &LoginRecord{Key: key, Version: secret.ResourceVersion}
	if err := json.Unmarshal(secret.Data[loginRecordDataKey], r); err != nil {
		return nil, fmt.Errorf("login record %s: %w", secret.Name, err)
	}
	return r, nil
}

// SaveLoginRecord implements Store.
func (k *KubeStore) SaveLoginRecord(ctx context.Context, r *LoginRecord) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name: loginRecordPrefix + r.Key, Namespace: k.namespace, ResourceVersion: r.Version,
			Labels: map[string]string{labelKind: kindLoginRecord},
		},
		Type: loginSecretType,
		Data: map[string][]byte{loginRecordDataKey: data},
	}
	var saved *corev1.Secret
	if r.Version == "" {
		saved, err = k.client.CoreV1().Secrets(k.namespace).Create(ctx, secret, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return ErrConflict
		}
	} else {
		saved, err = k.client.CoreV1().Secrets(k.namespace).Update(ctx, secret, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
			return ErrConflict
		}
	}
	if err != nil {
		return fmt.Errorf("save login record: %w", err)
	}
	r.Version = saved.ResourceVersion
	return nil
}

// deleteStaleLoginRecords removes the records stale reports (run by the
// leader: a record whose failures left the window can no longer lock anyone).
func (k *KubeStore) deleteStaleLoginRecords(ctx context.Context, stale func(*LoginRecord) bool) error {
	list, err := k.client.CoreV1().Secrets(k.namespace).List(ctx, metav1.ListOptions{LabelSelector: labelKind + "=" + kindLoginRecord})
	if err != nil {
		return err
	}
	for i := range list.Items {
		r := &LoginRecord{}
		if json.Unmarshal(list.Items[i].Data[loginRecordDataKey], r) != nil || stale(r) {
			_ = k.client.CoreV1().Secrets(k.namespace).Delete(ctx, list.Items[i].Name, metav1.DeleteOptions{
				Preconditions: &metav1.Preconditions{ResourceVersion: &list.Items[i].ResourceVersion},
			})
		}
	}
	return nil
}
