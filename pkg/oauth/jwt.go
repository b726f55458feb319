package oauth

// JWTs are built and checked with the standard library only (crypto/ecdsa,
// crypto/sha256, encoding/json): the server signs with exactly one algorithm
// (ES256) and only needs compact serialization, so a JOSE library would add
// code paths (other algorithms, JSON serialization, embedded keys) that the
// verifier would then have to switch off again. Doing it here also lets the
// verifier reject duplicate JSON keys (RFC 8725 §2.7), which the common
// libraries accept.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"unicode/utf8"
)

const (
	// algES256 is the only signing algorithm: ECDSA P-256 with SHA-256.
	algES256 = "ES256"
	// maxJWTLength bounds what the verifier even looks at; ours are < 2 KiB.
	maxJWTLength = 8 << 10
)

// errMalformed is the one error callers see for any token that is not a
// well-formed, correctly signed JWT of ours; details go to no one.
var errMalformed = errors.New("malformed or unverifiable token")

// jwtHeader is the protected header. Only these members are accepted: keys
// or key URLs supplied in the header (jwk, jku, x5u, x5c) and crit are
// rejected, never followed (RFC 8725 §3.10).
type jwtHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

var allowedHeaderMembers = map[string]bool{"alg": true, "kid": true, "typ": true}

var b64 = base64.RawURLEncoding

// signJWT returns the compact serialization of claims signed with key.
func signJWT(key *ecdsa.PrivateKey, kid, typ string, claims any) (string, error) {
	header, err := json.Marshal(jwtHeader{Alg: algES256, Kid: kid, Typ: typ})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signingInput := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	digest := sha256.Sum256([]byte(signingInput))
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return signingInput + "." + b64.EncodeToString(sig), nil
}

// parsedJWT is a JWT whose signature has been checked.
type parsedJWT struct {
	Header  jwtHeader
	Payload []byte
}

// verifyJWT checks the compact serialization's shape, the header (alg pinned
// to ES256, header members allow-listed, no duplicate keys), finds the key by
// kid through lookup, and verifies the signature. The payload is returned
// undecoded (but already checked for duplicate keys and UTF-8).
func verifyJWT(token string, lookup func(kid string) (*ecdsa.PublicKey, bool)) (*parsedJWT, error) {
	if len(token) > maxJWTLength || strings.Count(token, ".") != 2 {
		return nil, errMalformed
	}
	parts := strings.SplitN(token, ".", 3)
	headerJSON, err := b64.DecodeString(parts[0])
	if err != nil {
		return nil, errMalformed
	}
	members, err := strictObject(headerJSON)
	if err != nil {
		return nil, errMalformed
	}
	for name := range members {
		if !allowedHeaderMembers[name] {
			return nil, errMalformed
		}
	}
	var header jwtHeader
	if err := json.Unmarshal(headerJSON, &header); err != nil {
		return nil, errMalformed
	}
	if header.Alg != algES256 || header.Kid == "" {
		return nil, errMalformed
	}
	pub, ok := lookup(header.Kid)
	if !ok {
		return nil, errMalformed
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, errMalformed
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, digest[:], r, s) {
		return nil, errMalformed
	}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, errMalformed
	}
	if _, err := strictObject(payload); err != nil {
		return nil, errMalformed
	}
	return &parsedJWT{Header: header, Payload: payload}, nil
}

// strictObject decodes a JSON object's top level, rejecting invalid UTF-8,
// duplicate member names, trailing data and anything that is not an object.
func strictObject(data []byte) (map[string]json.RawMessage, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("invalid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, ok := tok.(string)
		if !ok {
			return nil, errors.New("invalid member name")
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("duplicate member %q", name)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out[name] = v
	}
	if _, err := dec.Token(); err != nil { // closing brace
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("trailing data after JSON object")
	}
	return out, nil
}

// ecdsaPublicKey names the verification key type in lookups.
type ecdsaPublicKey = ecdsa.PublicKey
