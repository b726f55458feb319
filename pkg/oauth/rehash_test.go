package oauth

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"k8s.io/apimachinery/pkg/util/wait"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
)

// Issue 9 item 11: a hash older than --oauth-bcrypt-cost is rehashed at the
// configured cost on a successful login, and the sessions of that password
// (the one just opened and older ones) survive; a real password change
// still ends them.
func TestLoginRehashesAtTheConfiguredCostKeepingSessions(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.BcryptCost = 6 })
	older := e.login() // alice's hash is at cost 4
	fresh := e.login()
	var stored *iamv1beta1.User
	err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		stored, _ = e.users.User("alice")
		c, _ := bcrypt.Cost([]byte(stored.Spec.EncryptedPassword))
		return c == 6, nil
	})
	if err != nil {
		t.Fatalf("hash not rehashed at cost 6: %s", stored.Spec.EncryptedPassword)
	}
	if bcrypt.CompareHashAndPassword([]byte(stored.Spec.EncryptedPassword), []byte(alicePassword)) != nil {
		t.Fatal("the new hash is not of the same password")
	}
	for name, r := range map[string]*response{"older": older, "fresh": fresh} {
		if err := e.verify(r.str("access_token")); err != nil {
			t.Errorf("%s session's access token refused after the rehash: %v", name, err)
		}
	}
	if r := e.refresh(fresh.str("refresh_token"), "cli", "s3cr3t"); r.Status != http.StatusOK {
		t.Fatalf("refresh after the rehash: %d %s", r.Status, r.Body)
	}
	// A login now needs no rehash, and its session matches too.
	if err := e.verify(e.login().str("access_token")); err != nil {
		t.Fatal(err)
	}
	// A real password change (a new hash, the lineage annotation left as it
	// was) ends every session.
	changed := stored.DeepCopy()
	changed.Spec.EncryptedPassword = mustHash(t, "Another-Pa55word", 6)
	e.users.Put(changed)
	if err := e.verify(older.str("access_token")); err == nil {
		t.Fatal("a session survived a password change")
	}
}

// The rehash writes only over the password it verified: a User whose
// password changed in the meantime is not given the old one back.
func TestRehashDoesNotOverwriteAChangedUser(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.BcryptCost = 6 })
	u, _ := e.users.User("alice")
	changed := u.DeepCopy()
	changed.Spec.EncryptedPassword = mustHash(t, "Another-Pa55word", 6)
	e.users.Put(changed)
	// The login verified the cost-4 hash; the rehash comes after the change.
	e.srv.rehash(u, alicePassword)
	_ = wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, 2*time.Second, true, func(context.Context) (bool, error) {
		_, busy := e.srv.rehashing.Load("alice")
		return !busy, nil
	})
	got, _ := e.users.User("alice")
	if got.Spec.EncryptedPassword != changed.Spec.EncryptedPassword {
		t.Fatal("the rehash overwrote a newer password")
	}
}

// A stored hash cheaper than the configured cost is checked for the same
// work as an unknown user's (2^cost rounds in all), right or wrong.
func TestOldHashCostsTheConfiguredWork(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.BcryptCost = 7 })
	e.users.Put(testUser(t, "olga", "Olga-Pa55word", 4, iamv1beta1.UserActive))
	var work int
	e.srv.compare = func(hash, pw []byte) error {
		c, _ := bcrypt.Cost(hash)
		work += 1 << c
		return bcrypt.CompareHashAndPassword(hash, pw)
	}
	for _, c := range []struct{ user, pw string }{{"olga", "wrong"}, {"nobody-at-all", "wrong"}, {"olga", "Olga-Pa55word"}} {
		work = 0
		e.post("/oauth/token", url.Values{"grant_type": {"password"}, "username": {c.user}, "password": {c.pw}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}})
		if work != 1<<7 {
			t.Errorf("%s/%s: %d rounds of bcrypt work, want %d", c.user, strings.Repeat("*", len(c.pw)), work, 1<<7)
		}
	}
}

// The leader removes kubectl's last-applied annotation whenever it may hold
// spec.password, a hash as much as a plaintext, and leaves one without it.
func TestAppliedPassword(t *testing.T) {
	for applied, want := range map[string]bool{
		`{"kind":"User","spec":{"email":"a@example.com","password":"$2a$10$abc"}}`: true,
		`{"kind":"User","spec":{"email":"a@example.com","password":"plain"}}`:      true,
		`{"kind":"User","spec":{"email":"a@example.com"}}`:                         false,
		`not json`: true,
	} {
		u := &iamv1beta1.User{}
		u.Annotations = map[string]string{lastAppliedAnnotation: applied}
		if got := appliedPassword(u); got != want || needsReconcile(u) != want {
			t.Errorf("%s: %v, want %v", applied, got, want)
		}
	}
	if appliedPassword(&iamv1beta1.User{}) {
		t.Error("no annotation")
	}
}
