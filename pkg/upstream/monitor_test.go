package upstream

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// An informer's GET that finds kube-apiserver down waits in the gate and is
// sent as soon as a probe sees kube-apiserver again, instead of failing into
// client-go's reflector backoff; the caches count as stale until it is
// answered.
func TestGateHoldsRequestsUntilKubeAPIServerAnswers(t *testing.T) {
	var up atomic.Bool
	monitor := NewMonitor(func(context.Context) (int, error) {
		if up.Load() {
			return http.StatusOK, nil
		}
		return 0, syscall.ECONNREFUSED
	})
	monitor.Interval, monitor.DownInterval = 20*time.Millisecond, 20*time.Millisecond
	var sent atomic.Int32
	gate := monitor.Gate(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent.Add(1)
		if !up.Load() {
			return nil, syscall.ECONNREFUSED
		}
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}, nil
	}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go monitor.Run(ctx)

	type answer struct {
		resp *http.Response
		err  error
		at   time.Time
	}
	done := make(chan answer, 1)
	go func() {
		resp, err := gate.RoundTrip(httptest.NewRequest(http.MethodGet, "https://kube/api/v1/pods?watch=1", nil))
		done <- answer{resp, err, time.Now()}
	}()
	// The refused GET marks kube-apiserver unreachable and waits.
	if err := wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		return !monitor.Reachable() && monitor.Stale(), nil
	}); err != nil {
		t.Fatal("a refused GET did not mark kube-apiserver unreachable")
	}
	select {
	case a := <-done:
		t.Fatalf("the GET returned while kube-apiserver was down: %v", a.err)
	case <-time.After(200 * time.Millisecond):
	}
	// A write is never held or repeated.
	if _, err := gate.RoundTrip(httptest.NewRequest(http.MethodPost, "https://kube/api/v1/pods", nil)); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("POST while down: %v, want the refusal at once", err)
	}
	back := time.Now()
	up.Store(true)
	a := <-done
	if a.err != nil || a.resp.StatusCode != http.StatusOK {
		t.Fatalf("held GET: %v %v", a.resp, a.err)
	}
	if d := a.at.Sub(back); d > time.Second {
		t.Fatalf("held GET sent %s after kube-apiserver answered, want within a probe interval", d)
	}
	if monitor.Stale() || !monitor.Reachable() {
		t.Fatal("still stale once the held request was answered")
	}
}

func TestNoAnswer(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{syscall.ECONNREFUSED, true},
		{context.DeadlineExceeded, true},
		{errors.Join(errors.New("x509: unknown authority"), syscall.ECONNRESET), true},
		{errors.New("token expired"), false},
		{nil, false},
	} {
		if got := NoAnswerIn(c.err); got != c.want {
			t.Errorf("NoAnswerIn(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// A request to a kube-apiserver that does not answer fails within the bound;
// a watch is not bounded, and a bounded answer's body stays readable.
func TestBound(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("hang") != "" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		_, _ = w.Write([]byte("answer"))
	}))
	defer srv.Close()
	defer close(release)
	client := &http.Client{Transport: Bound(200 * time.Millisecond)(http.DefaultTransport)}

	start := time.Now()
	_, err := client.Get(srv.URL + "/api/v1/namespaces/x/secrets/y?hang=1")
	if err == nil || time.Since(start) > 2*time.Second || !NoAnswerIn(err) {
		t.Fatalf("hung request: %v after %s, want a deadline error within the bound", err, time.Since(start))
	}
	resp, err := client.Get(srv.URL + "/api/v1/secrets")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil || string(body) != "answer" {
		t.Fatalf("answered request: %q %v", body, err)
	}
	watch := make(chan error, 1)
	go func() {
		resp, err := client.Get(srv.URL + "/api/v1/secrets?watch=true&hang=1")
		if err == nil {
			_ = resp.Body.Close()
		}
		watch <- err
	}()
	select {
	case err := <-watch:
		t.Fatalf("a watch was cut: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	release <- struct{}{}
	if err := <-watch; err != nil {
		t.Fatalf("watch: %v", err)
	}
}
