package oauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"sort"
	"time"
)

// SigningKey is one ES256 key of the key set. A key is published in the JWKS
// from the moment it is in the set, used for signing from NotBefore, and kept
// for verification until RetireAt (set once a newer key takes over, to the
// takeover time plus the longest token lifetime).
type SigningKey struct {
	ID         string     `json:"kid"`
	PrivatePEM string     `json:"privateKey"`
	NotBefore  time.Time  `json:"notBefore"`
	RetireAt   *time.Time `json:"retireAt,omitempty"`
}

// KeySet is what the keys Secret holds: the signing keys, and the secret
// from which refresh-token successors are derived (so that every replica
// derives the same successor during the retry grace window).
type KeySet struct {
	Keys          []SigningKey `json:"keys"`
	RefreshSecret []byte       `json:"refreshSecret"`
}

// keyRing is a parsed KeySet, immutable once built.
type keyRing struct {
	set       KeySet
	private   map[string]*ecdsa.PrivateKey
	ordered   []SigningKey // by NotBefore, oldest first
	refreshMK []byte
}

// NewKeySet returns a key set with one key usable from now and a fresh
// refresh secret.
func NewKeySet(now time.Time) (*KeySet, error) {
	key, err := newSigningKey(now)
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	return &KeySet{Keys: []SigningKey{*key}, RefreshSecret: secret}, nil
}

func newSigningKey(notBefore time.Time) (*SigningKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	// kid: a digest of the public key, opaque to clients.
	sum := sha256.Sum256(pubDER)
	return &SigningKey{
		ID:         hex.EncodeToString(sum[:8]),
		PrivatePEM: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		NotBefore:  notBefore.UTC().Truncate(time.Second),
	}, nil
}

// Rotate updates the set in place for time now and reports whether it
// changed: when the signing key is older than period minus lead, a new key
// is added that signs from now+lead (so verifiers have it published before
// its first token); superseded keys get a RetireAt of the takeover plus
// maxTokenLife, and keys past RetireAt are removed.
func (ks *KeySet) Rotate(now time.Time, period, lead, maxTokenLife time.Duration) bool {
	changed := false
	sort.SliceStable(ks.Keys, func(i, j int) bool { return ks.Keys[i].NotBefore.Before(ks.Keys[j].NotBefore) })
	newest := ks.Keys[len(ks.Keys)-1]
	if !newest.NotBefore.After(now) && now.Sub(newest.NotBefore) >= period-lead {
		if key, err := newSigningKey(now.Add(lead)); err == nil {
			ks.Keys = append(ks.Keys, *key)
			changed = true
		}
	}
	kept := ks.Keys[:0]
	for i, k := range ks.Keys {
		if k.RetireAt == nil && i+1 < len(ks.Keys) && !ks.Keys[i+1].NotBefore.After(now) {
			retire := ks.Keys[i+1].NotBefore.Add(maxTokenLife).UTC()
			k.RetireAt = &retire
			changed = true
		}
		if k.RetireAt != nil && now.After(*k.RetireAt) {
			changed = true
			continue
		}
		kept = append(kept, k)
	}
	ks.Keys = kept
	return changed
}

func newKeyRing(set KeySet) (*keyRing, error) {
	if len(set.Keys) == 0 || len(set.RefreshSecret) < 32 {
		return nil, errors.New("key set has no keys or no refresh secret")
	}
	ring := &keyRing{set: set, private: map[string]*ecdsa.PrivateKey{}, refreshMK: set.RefreshSecret}
	for _, k := range set.Keys {
		block, _ := pem.Decode([]byte(k.PrivatePEM))
		if block == nil {
			return nil, fmt.Errorf("key %s: no PEM data", k.ID)
		}
		parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", k.ID, err)
		}
		priv, ok := parsed.(*ecdsa.PrivateKey)
		if !ok || priv.Curve != elliptic.P256() {
			return nil, fmt.Errorf("key %s: not a P-256 ECDSA key", k.ID)
		}
		ring.private[k.ID] = priv
		ring.ordered = append(ring.ordered, k)
	}
	sort.SliceStable(ring.ordered, func(i, j int) bool { return ring.ordered[i].NotBefore.Before(ring.ordered[j].NotBefore) })
	return ring, nil
}

// signer returns the key that signs at time now: the newest whose NotBefore
// has passed (or the oldest when clocks disagree and none has).
func (r *keyRing) signer(now time.Time) (string, *ecdsa.PrivateKey) {
	chosen := r.ordered[0]
	for _, k := range r.ordered {
		if !k.NotBefore.After(now) {
			chosen = k
		}
	}
	return chosen.ID, r.private[chosen.ID]
}

// verifier returns the public key of kid if it is still published.
func (r *keyRing) verifier(kid string, now time.Time) (*ecdsa.PublicKey, bool) {
	priv, ok := r.private[kid]
	if !ok {
		return nil, false
	}
	for _, k := range r.ordered {
		if k.ID == kid && k.RetireAt != nil && now.After(*k.RetireAt) {
			return nil, false
		}
	}
	return &priv.PublicKey, true
}

// jwk is one public key of the JWKS: public parameters only.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
}

// jwks is the public JSON Web Key Set of the ring.
func (r *keyRing) jwks() map[string][]jwk {
	keys := []jwk{}
	for _, k := range r.ordered {
		point, err := r.private[k.ID].PublicKey.Bytes() // 0x04 || X || Y
		if err != nil || len(point) != 65 {
			continue
		}
		keys = append(keys, jwk{Kty: "EC", Crv: "P-256", X: b64.EncodeToString(point[1:33]), Y: b64.EncodeToString(point[33:]), Kid: k.ID, Use: "sig", Alg: algES256})
	}
	return map[string][]jwk{"keys": keys}
}
