package oauth

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by a Store for a missing session.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned by a Store when an update was based on a stale
// version (another replica changed the object first).
var ErrConflict = errors.New("conflict")

// Session is one login: what the access tokens of the login point at (by ID)
// and the hashed refresh-token family. Deleting it ends the login on every
// replica.
type Session struct {
	// ID is 32 hex digits, also the "sid" claim of its access tokens and the
	// prefix of its refresh tokens.
	ID string `json:"-"`
	// User, UserUID and PasswordFingerprint bind the session to one account
	// and one password: a deleted and recreated user, or a changed password,
	// ends it.
	User                string `json:"user"`
	UserUID             string `json:"userUID"`
	PasswordFingerprint string `json:"passwordFingerprint"`
	ClientID            string `json:"clientID"`
	// Scope granted at login; refreshes may narrow it, never widen it.
	Scope []string `json:"scope,omitempty"`
	// CreatedAt, ExpiresAt (absolute end) and LastRefresh (for the idle
	// timeout).
	CreatedAt   time.Time `json:"createdAt"`
	ExpiresAt   time.Time `json:"expiresAt"`
	LastRefresh time.Time `json:"lastRefresh"`
	// RefreshHash is the SHA-256 (hex) of the current refresh token;
	// PreviousHash of the one it replaced at RotatedAt (accepted again within
	// the grace window); UsedHashes of older ones (presenting one of them is
	// reuse, and ends the session).
	RefreshHash  string    `json:"refreshHash"`
	PreviousHash string    `json:"previousHash,omitempty"`
	RotatedAt    time.Time `json:"rotatedAt,omitzero"`
	UsedHashes   []string  `json:"usedHashes,omitempty"`
	// Version is the storage version for compare-and-swap updates.
	Version string `json:"-"`
}

// maxUsedHashes bounds the reuse-detection history of a session.
const maxUsedHashes = 32

// LoginRecord holds the recent login attempts of one canonical username,
// from every client address.
type LoginRecord struct {
	// Key is derived from the canonical username (never the raw input).
	Key string `json:"-"`
	// Attempts are the failed (or still running) attempts inside the
	// window, oldest first. ("failures", the pre-reservation field of plain
	// times, is ignored: records live for one window.)
	Attempts []LoginAttempt `json:"attempts"`
	// Version is the storage version for compare-and-swap updates; empty for
	// a record not stored yet.
	Version string `json:"-"`
}

// LoginAttempt is one failure slot of a LoginRecord.
type LoginAttempt struct {
	At time.Time `json:"at"`
	// Source is a digest of the client address and the name, never the
	// address itself.
	Source string `json:"source"`
	// ID tells a slot apart, so that one whose password was never compared
	// can be given back.
	ID string `json:"id"`
}

// Store is the shared state of the OAuth server: kept in kube-apiserver by
// the real implementation (Secrets, see KubeStore) so that every replica
// sees the same sessions and failure counts.
type Store interface {
	// CreateSession stores a new session.
	CreateSession(ctx context.Context, s *Session) error
	// GetSession reads a session from the source of truth (not a cache):
	// refresh grants must see the latest rotation of every replica.
	GetSession(ctx context.Context, id string) (*Session, error)
	// UpdateSession writes s if s.Version is still current, else ErrConflict.
	UpdateSession(ctx context.Context, s *Session) error
	// DeleteSession removes a session; a missing one is not an error.
	DeleteSession(ctx context.Context, id string) error
	// CachedSession returns the session as this replica's watch last saw
	// it; access-token checks use it (no request to kube-apiserver).
	CachedSession(id string) (*Session, bool)
	// CachedSessions lists every session in the watch cache.
	CachedSessions() []*Session
	// LoadSession reads a session from the source of truth and adds it to
	// the cache, unless this replica has seen it deleted (a late read must
	// not bring a deleted session back): for a fresh token whose session the
	// watch has not delivered yet. ErrNotFound when there is none.
	LoadSession(ctx context.Context, id string) (*Session, error)

	// GetLoginRecord reads the failure record of a key from the source of
	// truth; a missing one is returned empty with an empty Version.
	GetLoginRecord(ctx context.Context, key string) (*LoginRecord, error)
	// SaveLoginRecord creates (empty Version) or updates (compare-and-swap) a
	// record, else ErrConflict.
	SaveLoginRecord(ctx context.Context, r *LoginRecord) error
}
