package oauth

import (
	"context"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	"k8s.io/klog/v2"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
)

// passwordGrant is RFC 6749 §4.3 with brute-force protection: a per-IP
// limit, then a failure slot reserved in the shared lockout before any
// hashing (a burst cannot have more guesses checked than the limits), a
// bounded hashing pool, a dummy hash for unknown users, and one answer for
// every failure.
func (s *Server) passwordGrant(r *http.Request, client *Client, f form, scope []string) (*tokenResponse, *oauthError) {
	username, password := f["username"], f["password"]
	if username == "" || password == "" {
		return nil, errInvalidRequest("username and password are required")
	}
	if strings.ContainsAny(username, "\r\n") || strings.ContainsAny(password, "\r\n") {
		return nil, errInvalidRequest("username and password must not contain line breaks")
	}
	ev := eventOf(r.Context())
	canonical := canonicalUsername(username)
	if u, ok := s.cfg.Users.User(canonical); ok {
		ev.user = u.Name // only an account's name: a typed unknown name may be a password
	}
	if allowed, wait := s.ips.allow(r); !allowed {
		ev.reason = "too many attempts from the address"
		return nil, tooMany(wait)
	}
	ctx := r.Context()
	if s.retries.seen(canonical, password, s.now()) {
		ev.reason = "a failed attempt repeated"
		return nil, errBadCredentials()
	}
	slot, err := s.lockout.Reserve(ctx, canonical, clientIP(r))
	if err != nil {
		// Fail closed: no password is compared without a slot.
		klog.ErrorS(err, "Reserving a failed-login slot")
		return nil, errUnavailable(1)
	}
	if !slot.Granted {
		ev.reason = "locked out: too many failed logins"
		return nil, errBadCredentials()
	}
	// Giving the slot back must happen even if the client has gone.
	bookkeeping, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()

	user, exists := s.cfg.Users.User(canonical)
	hash, usable := s.dummyHash, false
	if exists && user.Spec.EncryptedPassword != "" {
		if _, err := bcrypt.Cost([]byte(user.Spec.EncryptedPassword)); err == nil {
			hash, usable = []byte(user.Spec.EncryptedPassword), true
		}
	}
	tooLong := len(password) > maxPasswordBytes || len(username) > maxUsernameBytes
	var match bool
	if err := s.pool.do(ctx, func() {
		// Always one comparison, against the dummy hash when there is no
		// usable account, so unknown users cost the same time.
		match = s.checkPassword(hash, []byte(password))
	}); err != nil {
		// Not a guess: the password was never compared.
		if err := slot.Cancel(bookkeeping); err != nil {
			klog.ErrorS(err, "Giving back a failed-login slot")
		}
		ev.outcome, ev.reason = "hash_pool_full", "no password worker free"
		return nil, errUnavailable(1)
	}
	now := s.now()
	ok := match && usable && !tooLong && s.userMayLogin(user, now)
	if !ok {
		// The slot stays as the counted failure.
		s.retries.add(canonical, password, now)
		ev.reason = failureReason(exists, usable, tooLong, match)
		if exists {
			if ev.reason == "" {
				ev.reason = "the account is " + string(user.Status.State)
			}
			s.recordLogin(r, user.Name, false, ev.reason)
			if slot.SourceFailures == s.cfg.MaxFailures {
				auditLockoutOf(r, user.Name, "address", slot.SourceFailures)
			}
		}
		if exists && slot.UserFailures >= s.cfg.MaxFailuresPerUser {
			if slot.UserFailures == s.cfg.MaxFailuresPerUser {
				auditLockoutOf(r, user.Name, "user", slot.UserFailures)
			}
			s.markLocked(user.Name, now)
		}
		return nil, errBadCredentials()
	}
	if err := slot.Succeeded(bookkeeping); err != nil {
		klog.ErrorS(err, "Clearing the failed logins of an address after a login")
	}

	session := &Session{
		ID: randomID(16), User: user.Name, UserUID: string(user.UID),
		PasswordFingerprint: credentialFingerprint(user),
		ClientID:            client.ID, Scope: scope,
		CreatedAt: now.UTC(), LastRefresh: now.UTC(), ExpiresAt: now.Add(client.RefreshTokenTTL).UTC(),
	}
	refresh := newRefreshToken(session.ID)
	session.RefreshHash = hashToken(refresh)
	if err := s.cfg.Store.CreateSession(ctx, session); err != nil {
		klog.ErrorS(err, "Storing a session", "user", user.Name)
		return nil, errUnavailable(1)
	}
	s.markLogin(user.Name, now)
	s.recordLogin(r, user.Name, true, "")
	s.rehash(user, password)
	ev.session = session.ID
	return s.issue(client, user, session, scope, refresh, now)
}

// failureReason says why a compared password did not log in; "" when the
// account's state refused it.
func failureReason(exists, usable, tooLong, match bool) string {
	switch {
	case !exists:
		return "unknown user"
	case !usable:
		return "the account has no usable password"
	case tooLong:
		return "password too long"
	case !match:
		return "wrong password"
	}
	return ""
}

// userMayLogin: not disabled, and not locked by a recent AuthLimitExceeded.
func (s *Server) userMayLogin(user *iamv1beta1.User, now time.Time) bool {
	switch user.Status.State {
	case iamv1beta1.UserDisabled:
		return false
	case iamv1beta1.UserAuthLimitExceeded:
		t := user.Status.LastTransitionTime
		return t != nil && now.After(t.Add(s.cfg.LockoutWindow))
	}
	return true
}

// markLocked and markLogin record the outcome on the User (visible with
// kubectl); they run in the background and failures only get logged.
func (s *Server) markLocked(name string, now time.Time) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := s.cfg.Users.UpdateStatus(ctx, name, func(st *iamv1beta1.UserStatus) {
			if st.State != iamv1beta1.UserDisabled {
				st.State = iamv1beta1.UserAuthLimitExceeded
				st.Reason = "too many failed login attempts"
				st.LastTransitionTime = metaTime(now)
			}
		})
		if err != nil {
			klog.ErrorS(err, "Marking a user locked", "user", name)
		}
	}()
}

func (s *Server) markLogin(name string, now time.Time) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := s.cfg.Users.UpdateStatus(ctx, name, func(st *iamv1beta1.UserStatus) {
			st.LastLoginTime = metaTime(now)
			if st.State == "" || st.State == iamv1beta1.UserAuthLimitExceeded {
				st.State = iamv1beta1.UserActive
				st.Reason = ""
				st.LastTransitionTime = metaTime(now)
			}
		})
		if err != nil {
			klog.ErrorS(err, "Recording a login", "user", name)
		}
	}()
}
