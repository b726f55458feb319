package oauth

import (
	"context"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/klog/v2"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
)

// AnnotationCredential is set on a User whose password was rehashed at a
// new cost: "<credential fingerprint> <fingerprint of the new hash>". Its
// sessions carry the credential fingerprint of the password they were
// opened with, so a rehash of the same password keeps them; any other new
// hash (a password change) no longer matches the second part, and they end.
const AnnotationCredential = "iam.kubesphere.io/credential-lineage"

// credentialFingerprint is the fingerprint that sessions of the user's
// current password carry: the recorded one when the annotation names the
// current hash as a rehash, else the current hash's own.
func credentialFingerprint(u *iamv1beta1.User) string {
	current := passwordFingerprint(u.Spec.EncryptedPassword)
	if cred, hash, ok := strings.Cut(u.Annotations[AnnotationCredential], " "); ok && cred != "" && hash == current {
		return cred
	}
	return current
}

// newPadHashes makes one dummy hash per cost below cost (see checkPassword).
func newPadHashes(cost int) ([][]byte, error) {
	pads := make([][]byte, cost)
	for c := bcrypt.MinCost; c < cost; c++ {
		h, err := bcrypt.GenerateFromPassword([]byte(randomID(16)), c)
		if err != nil {
			return nil, err
		}
		pads[c] = h
	}
	return pads, nil
}

// checkPassword compares password with hash for the work of one comparison
// at the configured cost whatever the hash's own: a hash made before
// --oauth-bcrypt-cost was raised (cost c below it) is topped up with dummy
// comparisons at costs c, c+1, ..., cost-1, which with its own 2^c rounds
// make 2^cost, the work of an unknown user's check. So an old hash neither
// answers faster nor tells that the account exists.
func (s *Server) checkPassword(hash, password []byte) bool {
	match := s.compare(hash, password) == nil
	if c, err := bcrypt.Cost(hash); err == nil {
		for k := max(c, bcrypt.MinCost); k < s.cfg.BcryptCost; k++ {
			_ = s.compare(s.padHashes[k], password)
		}
	}
	return match
}

// rehash stores the password just verified for user at the configured cost
// when its hash is cheaper, in the background like the leader's hashing of
// a plaintext: an Update with optimistic concurrency, retried on conflicts
// (the login's own status update is one) only while the stored hash is still
// the one verified, so a new password wins. AnnotationCredential carries the
// sessions' fingerprint over to the new hash, so this login's session and
// the user's others survive.
func (s *Server) rehash(user *iamv1beta1.User, password string) {
	cost, err := bcrypt.Cost([]byte(user.Spec.EncryptedPassword))
	if err != nil || cost >= s.cfg.BcryptCost {
		return
	}
	if _, busy := s.rehashing.LoadOrStore(user.Name, true); busy {
		return
	}
	user = user.DeepCopy()
	go func() {
		defer s.rehashing.Delete(user.Name)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var hash []byte
		var hashErr error
		err := s.pool.do(ctx, func() { hash, hashErr = bcrypt.GenerateFromPassword([]byte(password), s.cfg.BcryptCost) })
		if err == nil {
			err = hashErr
		}
		if err != nil {
			// Busy or failed: the next login tries again.
			klog.V(2).InfoS("Not rehashing a password now", "user", user.Name, "err", err)
			return
		}
		verified := user.Spec.EncryptedPassword
		changed := false
		err = s.cfg.Users.Update(ctx, user.Name, func(u *iamv1beta1.User) bool {
			// Only over the password just verified: a new one wins.
			changed = false
			if u.UID != user.UID || u.Spec.EncryptedPassword != verified {
				return false
			}
			cred := credentialFingerprint(u)
			u.Spec.EncryptedPassword = string(hash)
			if u.Annotations == nil {
				u.Annotations = map[string]string{}
			}
			u.Annotations[AnnotationCredential] = cred + " " + passwordFingerprint(string(hash))
			changed = true
			return true
		})
		switch {
		case apierrors.IsNotFound(err) || (err == nil && !changed):
			klog.V(2).InfoS("Not rehashing a password: the user changed", "user", user.Name)
		case err != nil:
			klog.ErrorS(err, "Storing a rehashed password", "user", user.Name)
		default:
			klog.InfoS("Rehashed a password at the configured bcrypt cost", "user", user.Name, "from", cost, "to", s.cfg.BcryptCost)
		}
	}()
}
