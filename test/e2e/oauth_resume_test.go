package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"

	"golang.org/x/crypto/bcrypt"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
	"github.com/ks-apiserver/ks-apiserver/pkg/generated/clientset/versioned"
	"github.com/ks-apiserver/ks-apiserver/pkg/oauth"
	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
)

// oauthResumeBound is how soon after its kube-apiserver is ready again a
// replica must honour what changed meanwhile: generous for a loaded
// machine (the tests log the time measured; the watches' requests go out
// within one 250 ms probe of kube-apiserver's return), yet under the 30 s
// of client-go's reflector backoff that the watches would wait without it.
const oauthResumeBound = 10 * time.Second

// outageWindow is how long the second kube-apiserver stays down: its
// watchers' reflectors fail again and again meanwhile (backoff 0.8 s,
// doubling, up to 30 s).
const outageWindow = 20 * time.Second

// OAuth's own watches (sessions, users, the signing-key Secret) resume after
// kube-apiserver restarts: a second replica follows a second kube-apiserver
// on the same etcd, which is killed; meanwhile a session is revoked through
// the first replica, a user's password and another's email are changed and
// a new signing key is added; once kube-apiserver is back, the second
// replica honours each.
func TestOAuthWatchesResumeAfterKubeAPIServerRestart(t *testing.T) {
	ctx := context.Background()
	ensureAdmin(t)
	api2, err := cp.StartAPIServer(ctx, "kube-apiserver-oauth-resume")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api2.Process.Stop(10 * time.Second) })
	saKubeconfig, err := cp.ServiceAccountKubeconfig(ctx, "kubesphere-system", "ks-apiserver")
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := api2.Kubeconfig(saKubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cp.RunKSAPIServer(ctx, controlplane.KSConfig{
		Binary: ksBin, ArtifactsDir: filepath.Join(repoRoot(), "artifacts", "deploy"),
		Name: "ks-apiserver-oauth-resume", Kubeconfig: kubeconfig, ExtraArgs: oauthArgs,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Process.Stop(5 * time.Second) })
	anonymous, err := b.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	eventuallyOK(t, "the replica of the second kube-apiserver is ready", func() (bool, string) {
		code, body := get(t, anonymous, b.URL+"/readyz")
		return code == http.StatusOK, body
	})

	// Three users, each with a session made on B before the outage.
	loggedOut, changed, moved := uniqueName("resume-logout"), uniqueName("resume-password"), uniqueName("resume-email")
	const password, newPassword = "resume-Pa55word", "resume-New-Pa55word"
	for _, u := range []string{loggedOut, changed, moved} {
		createOAuthUser(t, u, password)
	}
	login := func(server *controlplane.KSAPIServer, user, password string) tokenAnswer {
		t.Helper()
		var tok tokenAnswer
		eventuallyOK(t, "login of "+user, func() (bool, string) {
			tok = requestToken(t, server, passwordBody(user, password))
			return tok.Status == http.StatusOK, tok.Body
		})
		return tok
	}
	logoutTok, passwordTok, emailTok := login(b, loggedOut, password), login(b, changed, password), login(b, moved, password)
	for _, tok := range []tokenAnswer{logoutTok, passwordTok, emailTok} {
		if status, body := bearerGet(t, b, "/oauth/userinfo", tok.AccessToken); status != http.StatusOK {
			t.Fatalf("before the outage: userinfo on B %d %s", status, body)
		}
	}

	api2.Kill()
	killed := time.Now()
	// Made through the first kube-apiserver (and the first replica), which
	// B cannot see now.
	if resp, body := postForm(t, ks, "/oauth/logout", "", "Authorization", "Bearer "+logoutTok.AccessToken); resp.StatusCode != http.StatusOK {
		t.Fatalf("logout on the first replica: %d %s", resp.StatusCode, body)
	}
	changeUser(t, changed, func(u *iamv1beta1.User) {
		hash, err := bcrypt.GenerateFromPassword([]byte(newPassword), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		u.Spec.EncryptedPassword = string(hash)
	})
	// Last: once B shows it, B's users cache holds the password change too.
	changeUser(t, moved, func(u *iamv1beta1.User) { u.Spec.Email = "moved-" + u.Spec.Email })
	newKid := addSigningKey(t)
	var newKeyTok tokenAnswer
	eventuallyOK(t, "the first replica signs with the new key", func() (bool, string) {
		newKeyTok = requestToken(t, ks, seedBody)
		return newKeyTok.Status == http.StatusOK && tokenKid(t, newKeyTok.AccessToken) == newKid, newKeyTok.Body
	})
	// The outage lasts long enough for client-go's reflector backoff to grow
	// past oauthResumeBound, so that only watches that wait for
	// kube-apiserver's return (not for their next retry) pass. Meanwhile B
	// verifies from its caches, with what it had: the test measures
	// something only if B did not know yet.
	for time.Since(killed) < outageWindow {
		if status, _ := bearerGet(t, b, "/oauth/userinfo", logoutTok.AccessToken); status != http.StatusOK {
			t.Fatalf("during the outage B already rejects the revoked session (%d): it is not cut off", status)
		}
		if status, _ := bearerGet(t, b, "/oauth/userinfo", newKeyTok.AccessToken); status != http.StatusUnauthorized {
			t.Fatalf("during the outage B already accepts the new key's token (%d): it is not cut off", status)
		}
		time.Sleep(500 * time.Millisecond) // pacing, not waiting for a condition
	}

	start := time.Now()
	if err := api2.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	ready := time.Now()
	t.Logf("kube-apiserver ready %v after its restart began", ready.Sub(start).Round(time.Millisecond))
	honoured := func(what string, cond func() bool) {
		t.Helper()
		if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, oauthResumeBound, true, func(context.Context) (bool, error) {
			return cond(), nil
		}); err != nil {
			t.Errorf("%s: not honoured by B within %v of kube-apiserver's return", what, oauthResumeBound)
			return
		}
		t.Logf("%s: honoured by B %v after kube-apiserver was ready", what, time.Since(ready).Round(time.Millisecond))
	}
	honoured("session revoked during the outage (sessions watch)", func() bool {
		status, _ := bearerGet(t, b, "/oauth/userinfo", logoutTok.AccessToken)
		return status == http.StatusUnauthorized
	})
	// userinfo answers from B's users cache.
	honoured("email changed during the outage (users watch)", func() bool {
		status, body := bearerGet(t, b, "/oauth/userinfo", emailTok.AccessToken)
		return status == http.StatusOK && strings.Contains(body, `"email":"moved-`)
	})
	honoured("password changed during the outage ends the session", func() bool {
		status, _ := bearerGet(t, b, "/oauth/userinfo", passwordTok.AccessToken)
		return status == http.StatusUnauthorized
	})
	honoured("signing key added during the outage (key Secret watch)", func() bool {
		status, _ := bearerGet(t, b, "/oauth/userinfo", newKeyTok.AccessToken)
		return status == http.StatusOK
	})
	if tok := requestToken(t, b, passwordBody(changed, newPassword)); tok.Status != http.StatusOK {
		t.Errorf("the new password on B: %d %s", tok.Status, tok.Body)
	}
	if tok := requestToken(t, b, passwordBody(changed, password)); tok.Status != http.StatusBadRequest {
		t.Errorf("the old password on B: %d %s", tok.Status, tok.Body)
	}
}

// changeUser updates a user through kube-apiserver, retrying on conflicts
// (the OAuth leader writes users' status).
func changeUser(t *testing.T, name string, change func(*iamv1beta1.User)) {
	t.Helper()
	cfg := rest.CopyConfig(cp.Admin)
	cfg.ContentType = "application/json"
	users := versioned.NewForConfigOrDie(cfg).IamV1beta1().Users()
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		u, err := users.Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		change(u)
		_, err = users.Update(context.Background(), u, metav1.UpdateOptions{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// addSigningKey rotates the shared key Secret of kubesphere-system as the
// leader would, the new key signing at once; the old key keeps verifying
// for two hours. It returns the new key's id.
func addSigningKey(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	secrets := kubernetes.NewForConfigOrDie(cp.Admin).CoreV1().Secrets("kubesphere-system")
	secret, err := secrets.Get(ctx, oauth.KeysSecretName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var set oauth.KeySet
	if err := json.Unmarshal(secret.Data["keys.json"], &set); err != nil {
		t.Fatal(err)
	}
	if !set.Rotate(time.Now(), 0, 0, 2*time.Hour) {
		t.Fatal("no key added")
	}
	data, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	secret.Data["keys.json"] = data
	if _, err := secrets.Update(ctx, secret, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	return set.Keys[len(set.Keys)-1].ID
}
