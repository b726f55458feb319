package oauth

import (
	"context"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
)

// MemoryUsers is a Users in process memory, for unit tests.
type MemoryUsers struct {
	mu    sync.RWMutex
	users map[string]*iamv1beta1.User
}

// NewMemoryUsers returns a MemoryUsers holding users.
func NewMemoryUsers(users ...*iamv1beta1.User) *MemoryUsers {
	m := &MemoryUsers{users: map[string]*iamv1beta1.User{}}
	for _, u := range users {
		m.Put(u)
	}
	return m
}

// Put stores (or replaces) a user.
func (m *MemoryUsers) Put(u *iamv1beta1.User) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.users[u.Name] = u.DeepCopy()
}

// Delete removes a user.
func (m *MemoryUsers) Delete(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.users, name)
}

// User implements Users.
func (m *MemoryUsers) User(name string) (*iamv1beta1.User, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	u, ok := m.users[name]
	if !ok {
		return nil, false
	}
	return u.DeepCopy(), true
}

// UpdateStatus implements Users.
func (m *MemoryUsers) UpdateStatus(_ context.Context, name string, mutate func(*iamv1beta1.UserStatus)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if u, ok := m.users[name]; ok {
		mutate(&u.Status)
	}
	return nil
}

// Update implements Users.
func (m *MemoryUsers) Update(_ context.Context, name string, mutate func(*iamv1beta1.User) bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.users[name]
	if !ok {
		return apierrors.NewNotFound(iamv1beta1.Resource("users"), name)
	}
	next := cur.DeepCopy()
	if mutate(next) {
		m.users[name] = next
	}
	return nil
}
