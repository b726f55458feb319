package oauth

import (
	"bytes"
	"flag"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/klog/v2"

	iamv1beta1 "github.com/ks-apiserver/ks-apiserver/pkg/apis/iam/v1beta1"
)

// syncBuffer is a bytes.Buffer safe for klog's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Attack case 61: at the most verbose level, a whole session's life (login,
// refresh, reuse, logout, failures, webhook reviews) logs no password, token
// or client secret.
func TestNoSecretsInLogs(t *testing.T) {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	_ = fs.Set("v", "10")
	_ = fs.Set("logtostderr", "false")
	var out syncBuffer
	klog.SetOutput(&out)
	defer func() {
		_ = fs.Set("v", "0")
		_ = fs.Set("logtostderr", "true")
		klog.SetOutput(nil)
	}()

	e := newTestEnv(t, func(c *Config) { c.MaxFailures = 2 })
	login := e.login("scope", "openid")
	next := e.refresh(login.str("refresh_token"), "cli", "s3cr3t")
	e.clock.Add(time.Minute)
	e.refresh(login.str("refresh_token"), "cli", "s3cr3t") // reuse
	l2 := e.login()
	e.do("POST", "/oauth/authenticate", review("authentication.k8s.io/v1", l2.str("access_token")), "Content-Type", "application/json", "X-Test-Reviewer", "kube-apiserver")
	e.do("GET", "/oauth/logout", "", "Authorization", "Bearer "+l2.str("access_token"))
	for _, pw := range []string{"Wrong-Secret-1", "Wrong-Secret-2", "Wrong-Secret-3"} {
		e.post("/oauth/token", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {pw}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}})
	}
	e.post("/oauth/token", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"x"}, "client_id": {"cli"}, "client_secret": {"Wrong-Client-Secret"}})
	// A login's status update runs in the background and logs only if it
	// fails; wait until one has run before reading the logs.
	waitUser(t, e, "alice", "a recorded login", func(u *iamv1beta1.User) bool { return u.Status.LastLoginTime != nil })
	klog.Flush()

	logs := out.String()
	if !strings.Contains(logs, "Refresh token reuse detected") {
		t.Fatalf("the test captured no logs:\n%s", logs)
	}
	secrets := []string{alicePassword, "s3cr3t", "Wrong-Secret-1", "Wrong-Client-Secret"}
	for _, tok := range []string{login.str("access_token"), login.str("refresh_token"), login.str("id_token"), next.str("refresh_token"), l2.str("access_token")} {
		_, secret, _ := strings.Cut(tok, ".") // refresh secret / JWT payload
		secrets = append(secrets, tok, secret[:20])
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("logs contain %q", s)
		}
	}
}
