package e2e

import (
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// outcome is one request of a reading loop: when it was sent and whether
// it got the answer it wanted.
type outcome struct {
	start time.Time
	ok    bool
	what  string
}

// SIGTERM while clients read continuously, over HTTPS (/apis as the admin,
// /oauth/token) and plain HTTP (/kapis with a bearer token, /oauth/token):
// /readyz fails at once, every request sent during --shutdown-delay-duration
// is answered, and only then do the listeners close and the process exit.
// Before the delay existed, the listeners closed ~40 ms after SIGTERM.
func TestGracefulShutdownLosesNoRequest(t *testing.T) {
	ensureAdmin(t)
	const delay = 6 * time.Second
	s, base := startPlainHTTP(t, "ks-shutdown", "--shutdown-delay-duration="+delay.String(), "--shutdown-watch-termination-grace-period=2s")
	tok := requestToken(t, s, seedBody)
	if tok.Status != http.StatusOK {
		t.Fatalf("login: %d %s", tok.Status, tok.Body)
	}
	admin, err := rest.HTTPClientFor(directConfigFor(s))
	if err != nil {
		t.Fatal(err)
	}
	admin.Timeout = 10 * time.Second
	tlsClient, err := s.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	plain := &http.Client{Timeout: 10 * time.Second}
	bearer := []string{"Authorization", "Bearer " + tok.AccessToken}
	loops := []struct {
		name   string
		client *http.Client
		method string
		url    string
		body   string
		header []string
		pause  time.Duration
	}{
		{"https /apis pods (admin)", admin, http.MethodGet, s.URL + "/apis/resources.kubesphere.io/v1alpha3/namespaces/demo/pods?limit=5", "", nil, 0},
		{"https /oauth/token", tlsClient, http.MethodPost, s.URL + "/oauth/token", seedBody, nil, 100 * time.Millisecond},
		{"http /kapis pods (bearer)", plain, http.MethodGet, base + "/kapis/resources.kubesphere.io/v1alpha3/namespaces/demo/pods", "", bearer, 0},
		{"http /oauth/token", plain, http.MethodPost, base + "/oauth/token", seedBody, nil, 100 * time.Millisecond},
	}

	var mu sync.Mutex
	results := map[string][]outcome{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, l := range loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				status, body, err := plainDo(l.client, l.method, l.url, l.body, l.header)
				o := outcome{start: start, ok: err == nil && status == http.StatusOK}
				if !o.ok {
					o.what = strings.TrimSpace(strings.Join([]string{http.StatusText(status), errString(err), trim(body, 120)}, " "))
				}
				mu.Lock()
				results[l.name] = append(results[l.name], o)
				mu.Unlock()
				time.Sleep(l.pause)
			}
		}()
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()
	// Every loop has been answered before the signal.
	eventually(t, "every client is served before SIGTERM", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, l := range loops {
			if n := len(results[l.name]); n == 0 || !results[l.name][n-1].ok {
				return false
			}
		}
		return true
	})

	sigterm := time.Now()
	if err := s.Process.Terminate(); err != nil {
		t.Fatal(err)
	}
	var unready time.Duration
	for unready == 0 && time.Since(sigterm) < delay {
		status, _, err := plainDo(plain, http.MethodGet, base+"/readyz", "", nil)
		if err == nil && status != http.StatusOK {
			unready = time.Since(sigterm)
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-s.Process.Done():
	case <-time.After(delay + 30*time.Second):
		t.Fatal("ks-apiserver did not exit after the shutdown delay")
	}
	exited := time.Since(sigterm)
	if ok, err := s.Process.Exited(); !ok || err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	close(stop)
	wg.Wait()
	stop = make(chan struct{})

	if unready == 0 || unready > 2*time.Second {
		t.Errorf("/readyz did not fail within 2s of SIGTERM (after %s)", unready)
	}
	// Requests sent before the delay ends must all be answered; the margin
	// covers one request's own time.
	deadline := sigterm.Add(delay - 300*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	names := make([]string, 0, len(results))
	for name := range results {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		var during, failed, lastOK int
		var firstFailure time.Duration
		for _, o := range results[name] {
			if o.start.Before(sigterm) {
				continue
			}
			if o.start.Before(deadline) {
				during++
				if !o.ok {
					failed++
					t.Errorf("%s: a request sent %s after SIGTERM failed: %s", name, o.start.Sub(sigterm).Round(time.Millisecond), o.what)
				}
			}
			if o.ok {
				lastOK = int(o.start.Sub(sigterm) / time.Millisecond)
			} else if firstFailure == 0 {
				firstFailure = o.start.Sub(sigterm)
			}
		}
		if during == 0 || time.Duration(lastOK)*time.Millisecond < delay-time.Second {
			t.Errorf("%s: not served through the delay (%d requests, last answered at %dms)", name, during, lastOK)
		}
		t.Logf("%s: %d requests during the %s delay, %d failed; last answered %dms after SIGTERM, first refused %s after",
			name, during, delay, failed, lastOK, firstFailure.Round(time.Millisecond))
	}
	t.Logf("/readyz failed %s after SIGTERM; the process exited after %s", unready.Round(time.Millisecond), exited.Round(time.Millisecond))
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func trim(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
