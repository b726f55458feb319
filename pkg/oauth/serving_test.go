package oauth

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
)

// servingEnv is a testEnv's server behind ServingHandler on a TLS listener
// set up as k8s.io/apiserver sets up its own: HTTP/1.1, and HTTP/2 through
// golang.org/x/net/http2.
type servingEnv struct {
	*testEnv
	h    *servingHandler
	ts   *httptest.Server
	tls  *tls.Config
	addr string
}

// testAuthn authenticates X-Test-User (the value "bad" is an invalid
// credential) and leaves other requests unauthenticated.
var testAuthn = authenticator.RequestFunc(func(r *http.Request) (*authenticator.Response, bool, error) {
	switch name := r.Header.Get("X-Test-User"); name {
	case "":
		return nil, false, nil
	case "bad":
		return nil, false, errors.New("invalid credential")
	default:
		return &authenticator.Response{User: &user.DefaultInfo{Name: name}}, true, nil
	}
})

func newServingEnv(t *testing.T, limits ServingLimits) *servingEnv {
	t.Helper()
	e := newTestEnv(t, func(c *Config) {
		c.AuthorizeReview = func(r *http.Request) bool {
			u, ok := genericapirequest.UserFrom(r.Context())
			return ok && u.GetName() == "kube-apiserver"
		}
	})
	h := e.srv.ServingHandler(limits, testAuthn, nil).(*servingHandler)
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	if err := http2.ConfigureServer(ts.Config, &http2.Server{}); err != nil {
		t.Fatal(err)
	}
	ts.TLS = ts.Config.TLSConfig
	ts.StartTLS()
	t.Cleanup(ts.Close)
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	return &servingEnv{testEnv: e, h: h, ts: ts, tls: &tls.Config{RootCAs: pool, ServerName: "example.com"}, addr: ts.Listener.Addr().String()}
}

// client is an HTTP client of protocol "h1" or "h2" from source address src.
func (e *servingEnv) client(proto, src string) *http.Client {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	cfg := e.tls.Clone()
	if proto == "h2" {
		cfg.NextProtos = []string{"h2"}
		return &http.Client{Timeout: 10 * time.Second, Transport: &http2.Transport{TLSClientConfig: cfg,
			DialTLSContext: func(ctx context.Context, network, addr string, cfg *tls.Config) (net.Conn, error) {
				return (&tls.Dialer{NetDialer: dialer, Config: cfg}).DialContext(ctx, network, addr)
			}}}
	}
	cfg.NextProtos = []string{"http/1.1"}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg, DialContext: dialer.DialContext}}
}

// slowPost sends POST path over HTTP/1.1 from src, as user (testAuthn),
// with Content-Length 10000 and only the first bytes of the body, like a
// client that trickles it.
func (e *servingEnv) slowPost(t *testing.T, src, path, user string) (net.Conn, *bufio.Reader) {
	t.Helper()
	cfg := e.tls.Clone()
	cfg.NextProtos = []string{"http/1.1"}
	conn, err := tls.DialWithDialer(&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}, "tcp", e.addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"X-Test-User: %s\r\nContent-Length: 10000\r\n\r\ngrant_type=", path, user); err != nil {
		t.Fatal(err)
	}
	return conn, bufio.NewReader(conn)
}

// waitInFlight waits until the shared budget holds n requests.
func (e *servingEnv) waitInFlight(t *testing.T, b *budget, n int64) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		return b.inFlight.Load() == n, nil
	}); err != nil {
		t.Fatalf("in flight: %d, want %d", b.inFlight.Load(), n)
	}
}

func (e *servingEnv) login(t *testing.T, c *http.Client) (int, http.Header, map[string]any) {
	t.Helper()
	form := url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePassword}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}}
	resp, err := c.Post(e.ts.URL+"/oauth/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header, out
}

// A body not sent within BodyTimeout is a 408 and frees its slot, over
// HTTP/1.1 (the connection is closed) and HTTP/2 (the stream is reset);
// one sent in time works, and the deadline does not outlive the body.
func TestServingBodyDeadline(t *testing.T) {
	const timeout = 400 * time.Millisecond
	e := newServingEnv(t, ServingLimits{BodyTimeout: timeout, MaxInFlight: 10, MaxInFlightPerIP: 10, MaxReviewsInFlight: 10})

	t.Run("h1", func(t *testing.T) {
		start := time.Now()
		conn, br := e.slowPost(t, "127.0.0.1", "/oauth/token", "")
		_ = conn.SetReadDeadline(time.Now().Add(timeout + 5*time.Second))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), "invalid_request") || time.Since(start) > timeout+2*time.Second {
			t.Fatalf("slow body: %d %s after %v", resp.StatusCode, body, time.Since(start))
		}
		// The server closes the connection rather than wait for the rest.
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := br.ReadByte(); err == nil {
			t.Fatal("connection still open after the 408")
		}
		e.waitInFlight(t, e.h.shared, 0)
	})
	t.Run("h2", func(t *testing.T) {
		c := e.client("h2", "127.0.0.1")
		pr, pw := io.Pipe()
		defer pw.Close()
		go func() { _, _ = pw.Write([]byte("grant_type=")) }()
		req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/oauth/token", pr)
		req.ContentLength = 10000
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		start := time.Now()
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.ProtoMajor != 2 || resp.StatusCode != http.StatusRequestTimeout || time.Since(start) > timeout+2*time.Second {
			t.Fatalf("slow body over %s: %d %s after %v", resp.Proto, resp.StatusCode, body, time.Since(start))
		}
		e.waitInFlight(t, e.h.shared, 0)
		// The same connection serves the next request.
		if status, _, out := e.login(t, c); status != http.StatusOK || out["access_token"] == nil {
			t.Fatalf("login after a slow body: %d %v", status, out)
		}
	})
	// A handler that works longer than BodyTimeout after reading the body
	// keeps its request context: the deadline is the body's only, not the
	// request's (as a context deadline or a lingering connection deadline
	// would make it).
	for _, proto := range []string{"h1", "h2"} {
		t.Run("handler outlives the deadline "+proto, func(t *testing.T) {
			mux := e.srv.mux
			t.Cleanup(func() { e.srv.mux = mux })
			slow := http.NewServeMux()
			slow.HandleFunc("/oauth/slow", func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				select {
				case <-time.After(3 * timeout):
					fmt.Fprintf(w, "%s %v", body, r.Context().Err())
				case <-r.Context().Done():
					fmt.Fprintf(w, "%s %v", body, r.Context().Err())
				}
			})
			e.srv.mux = slow
			resp, err := e.client(proto, "127.0.0.1").Post(e.ts.URL+"/oauth/slow", "text/plain", strings.NewReader("hello"))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if string(body) != "hello <nil>" {
				t.Fatalf("handler saw %q", body)
			}
		})
	}
}

// One address holds at most MaxInFlightPerIP slots, all addresses at most
// MaxInFlight; beyond them, 429 with Retry-After at once. The webhook's
// budget is separate, and an unauthorized webhook caller is refused before
// its body is read.
func TestServingBudgets(t *testing.T) {
	e := newServingEnv(t, ServingLimits{BodyTimeout: 20 * time.Second, MaxInFlight: 3, MaxInFlightPerIP: 2, MaxReviewsInFlight: 1})
	e.slowPost(t, "127.0.0.1", "/oauth/token", "")
	e.slowPost(t, "127.0.0.1", "/oauth/revoke", "")
	e.waitInFlight(t, e.h.shared, 2)

	for _, proto := range []string{"h1", "h2"} {
		status, header, out := e.login(t, e.client(proto, "127.0.0.1"))
		if status != http.StatusTooManyRequests || header.Get("Retry-After") != "1" || out["error"] != "temporarily_unavailable" ||
			!strings.Contains(fmt.Sprint(out["error_description"]), "from this address") {
			t.Fatalf("%s: third request from one address: %d %v %v", proto, status, header, out)
		}
	}
	if status, _, out := e.login(t, e.client("h1", "127.0.0.2")); status != http.StatusOK {
		t.Fatalf("another address: %d %v", status, out)
	}
	e.slowPost(t, "127.0.0.2", "/oauth/token", "")
	e.waitInFlight(t, e.h.shared, 3)
	if status, header, out := e.login(t, e.client("h1", "127.0.0.3")); status != http.StatusTooManyRequests || header.Get("Retry-After") != "1" ||
		strings.Contains(fmt.Sprint(out["error_description"]), "from this address") {
		t.Fatalf("over the total: %d %v %v", status, header, out)
	}

	// The webhook is answered while the shared budget is full.
	tok := e.testEnv.login().str("access_token")
	callWebhook := func(src string, headers ...string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, e.ts.URL+ReviewPath, strings.NewReader(review("authentication.k8s.io/v1", tok)))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := e.client("h2", src).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if status, body := callWebhook("127.0.0.1", "X-Test-User", "kube-apiserver"); status != http.StatusOK || !strings.Contains(body, `"authenticated":true`) {
		t.Fatalf("webhook with the shared budget full: %d %s", status, body)
	}
	// Anonymous callers, other users and bad credentials are refused at
	// once, before their (slow) body, which is never waited for.
	for who, want := range map[string]int{"": http.StatusForbidden, "alice": http.StatusForbidden, "bad": http.StatusUnauthorized} {
		start := time.Now()
		conn, br := e.slowPost(t, "127.0.0.1", ReviewPath, who)
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("webhook for %q: %v", who, err)
		}
		resp.Body.Close()
		if resp.StatusCode != want || time.Since(start) > 2*time.Second {
			t.Fatalf("webhook for %q: %d after %v, want %d at once", who, resp.StatusCode, time.Since(start), want)
		}
		if status, _ := callWebhook("127.0.0.1", "X-Test-User", who); status != want {
			t.Fatalf("webhook for %q with a whole body: %d, want %d", who, status, want)
		}
	}
	// An authorized caller's slow body holds the webhook's only slot; the
	// next is a 429.
	e.slowPost(t, "127.0.0.1", ReviewPath, "kube-apiserver")
	e.waitInFlight(t, e.h.reviews, 1)
	if status, _ := callWebhook("127.0.0.1", "X-Test-User", "kube-apiserver"); status != http.StatusTooManyRequests {
		t.Fatalf("webhook over its budget: %d", status)
	}
}
