package oauth

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
)

// MemoryStore is a Store in process memory, for unit tests and benchmarks
// of the pure logic. It must not be used by a server: its state is not
// shared between replicas.
type MemoryStore struct {
	mu       sync.RWMutex
	version  int
	sessions map[string][]byte
	vers     map[string]string
	records  map[string][]byte
	recVers  map[string]string
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{sessions: map[string][]byte{}, vers: map[string]string{}, records: map[string][]byte{}, recVers: map[string]string{}}
}

func (m *MemoryStore) next() string {
	m.version++
	return strconv.Itoa(m.version)
}

// CreateSession implements Store.
func (m *MemoryStore) CreateSession(_ context.Context, s *Session) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sessions[s.ID]; ok {
		return ErrConflict
	}
	m.sessions[s.ID] = data
	m.vers[s.ID] = m.next()
	s.Version = m.vers[s.ID]
	return nil
}

func (m *MemoryStore) decode(id string) (*Session, bool) {
	data, ok := m.sessions[id]
	if !ok {
		return nil, false
	}
	var s Session
	if json.Unmarshal(data, &s) != nil {
		return nil, false
	}
	s.ID, s.Version = id, m.vers[id]
	return &s, true
}

// GetSession implements Store.
func (m *MemoryStore) GetSession(_ context.Context, id string) (*Session, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s, ok := m.decode(id)
	if !ok {
		return nil, ErrNotFound
	}
	return s, nil
}

// UpdateSession implements Store.
func (m *MemoryStore) UpdateSession(_ context.Context, s *Session) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.vers[s.ID]
	if !ok {
		return ErrNotFound
	}
	if cur != s.Version {
		return ErrConflict
	}
	m.sessions[s.ID] = data
	m.vers[s.ID] = m.next()
	s.Version = m.vers[s.ID]
	return nil
}

// DeleteSession implements Store.
func (m *MemoryStore) DeleteSession(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, id)
	delete(m.vers, id)
	return nil
}

// CachedSession implements Store.
func (m *MemoryStore) CachedSession(id string) (*Session, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.decode(id)
}

// LoadSession implements Store: the cache is the store itself.
func (m *MemoryStore) LoadSession(ctx context.Context, id string) (*Session, error) {
	return m.GetSession(ctx, id)
}

// CachedSessions implements Store.
func (m *MemoryStore) CachedSessions() []*Session {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []*Session
	for id := range m.sessions {
		if s, ok := m.decode(id); ok {
			out = append(out, s)
		}
	}
	return out
}

// RawSessions returns the stored bytes of every session, for tests that
// check what is at rest.
func (m *MemoryStore) RawSessions() [][]byte {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out [][]byte
	for _, d := range m.sessions {
		out = append(out, append([]byte(nil), d...))
	}
	return out
}

// GetLoginRecord implements Store.
func (m *MemoryStore) GetLoginRecord(_ context.Context, key string) (*LoginRecord, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	r := &LoginRecord{Key: key}
	if data, ok := m.records[key]; ok {
		if err := json.Unmarshal(data, r); err != nil {
			return nil, err
		}
		r.Version = m.recVers[key]
	}
	return r, nil
}

// SaveLoginRecord implements Store.
func (m *MemoryStore) SaveLoginRecord(_ context.Context, r *LoginRecord) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.recVers[r.Key] != r.Version {
		return ErrConflict
	}
	m.records[r.Key] = data
	m.recVers[r.Key] = m.next()
	r.Version = m.recVers[r.Key]
	return nil
}
