// Package upstream watches whether the kube-apiserver that ks-apiserver
// mirrors answers, so that ks-apiserver can keep serving its caches through
// an outage, say that they may be stale, and let its informers resume as soon
// as kube-apiserver is back.
package upstream

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"syscall"
	"time"

	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
	"k8s.io/klog/v2"
)

// Prober asks kube-apiserver whether it is ready; a nil error and a status
// code is an answer, an error is no answer.
type Prober func(ctx context.Context) (status int, err error)

// Monitor probes kube-apiserver periodically and holds the result: reachable
// while it answers, unreachable from the first probe (or informer request)
// that gets no answer until a probe gets one again.
type Monitor struct {
	probe Prober
	// Interval is the time between probes while kube-apiserver answers;
	// DownInterval while it does not (short: the informers wait for it).
	// Timeout bounds one probe.
	Interval, DownInterval, Timeout time.Duration

	mu        sync.Mutex
	reachable bool
	since     time.Time
	// back is closed when kube-apiserver answers again; a new one is made
	// at each outage.
	back chan struct{}
	// waiting counts the informer requests held or released by the gate
	// and not yet answered: while any is, the caches are catching up.
	waiting int
	kick    chan struct{}
}

// NewMonitor returns a monitor that starts reachable (the caches have just
// been filled from kube-apiserver) and probes with probe once Run runs.
func NewMonitor(probe Prober) *Monitor {
	back := make(chan struct{})
	close(back)
	return &Monitor{
		probe: probe, Interval: time.Second, DownInterval: 250 * time.Millisecond, Timeout: time.Second,
		reachable: true, since: time.Now(), back: back, kick: make(chan struct{}, 1),
	}
}

// Run probes until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	for {
		m.probeOnce(ctx)
		interval := m.Interval
		if !m.Reachable() {
			interval = m.DownInterval
		}
		select {
		case <-ctx.Done():
			return
		case <-m.kick:
		case <-time.After(interval):
		}
	}
}

func (m *Monitor) probeOnce(ctx context.Context) {
	pctx, cancel := context.WithTimeout(ctx, m.Timeout)
	defer cancel()
	status, err := m.probe(pctx)
	if ctx.Err() != nil {
		return
	}
	// Any answer but "not ready" or "overloaded" is kube-apiserver serving:
	// a 401/403 on /readyz is a configuration problem, not an outage.
	answered := err == nil && status < 500 && status != http.StatusTooManyRequests
	if answered {
		m.setReachable(true, nil)
		return
	}
	if err == nil {
		err = errors.New(http.StatusText(status))
	}
	m.setReachable(false, err)
}

// Reachable reports whether kube-apiserver answered the last probe.
func (m *Monitor) Reachable() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reachable
}

// Stale reports whether the caches may lag kube-apiserver: it does not
// answer, or it answers again and the informers' requests held during the
// outage have not all been answered yet.
func (m *Monitor) Stale() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return !m.reachable || m.waiting > 0
}

// MarkUnreachable records that a request got no answer from kube-apiserver
// (a refused or reset connection): no need to wait for the next probe.
func (m *Monitor) MarkUnreachable(err error) {
	m.setReachable(false, err)
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

func (m *Monitor) setReachable(reachable bool, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.reachable == reachable {
		return
	}
	now := time.Now()
	if reachable {
		klog.InfoS("kube-apiserver answers again; informers resume", "unreachableFor", now.Sub(m.since).Round(time.Millisecond))
		close(m.back)
		reachableGauge.Set(1)
	} else {
		klog.InfoS("kube-apiserver does not answer; serving the caches, which may be stale", "err", err)
		m.back = make(chan struct{})
		reachableGauge.Set(0)
		outagesTotal.Inc()
	}
	m.reachable, m.since = reachable, now
}

// wait returns once kube-apiserver is reachable, ctx ends, or max passes.
func (m *Monitor) wait(ctx context.Context, max time.Duration) {
	m.mu.Lock()
	back := m.back
	m.mu.Unlock()
	timer := time.NewTimer(max)
	defer timer.Stop()
	select {
	case <-back:
	case <-ctx.Done():
	case <-timer.C:
	}
}

func (m *Monitor) hold(delta int) {
	m.mu.Lock()
	m.waiting += delta
	m.mu.Unlock()
}

// maxGateWait lets a held request try kube-apiserver now and then even if
// the probes never succeed (e.g. /readyz blocked by a proxy): the informer
// then fails and retries as it would without the gate.
const maxGateWait = 30 * time.Second

// Gate wraps the transport of the informers' client. While kube-apiserver
// is unreachable, a request waits until it answers again instead of failing:
// a failed list or watch would put the informer into client-go's reflector
// backoff (0.8 s doubling to 30 s, reset only after 2 minutes), so that a
// change made during an outage would be served seconds after kube-apiserver
// returned. A GET that gets no connection marks kube-apiserver unreachable
// and waits the same way; other requests are sent as they are.
func (m *Monitor) Gate(rt http.RoundTripper) http.RoundTripper {
	return &gate{m: m, rt: rt}
}

type gate struct {
	m  *Monitor
	rt http.RoundTripper
}

func (g *gate) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet || req.Body != nil && req.Body != http.NoBody {
		return g.rt.RoundTrip(req)
	}
	for attempt := 0; ; attempt++ {
		if !g.m.Reachable() {
			g.m.hold(1)
			g.m.wait(req.Context(), maxGateWait)
			resp, err := g.rt.RoundTrip(req)
			g.m.hold(-1)
			return resp, err
		}
		resp, err := g.rt.RoundTrip(req)
		if err == nil || attempt > 0 || req.Context().Err() != nil || !NoAnswer(err) {
			return resp, err
		}
		// No connection: wait for kube-apiserver, then try once more (a GET
		// without a body is safe to send twice).
		g.m.MarkUnreachable(err)
	}
}

// WrappedRoundTripper lets client-go's transport debugging see through.
func (g *gate) WrappedRoundTripper() http.RoundTripper { return g.rt }

// NoAnswer reports whether err means kube-apiserver gave no answer: the
// connection was refused, reset or timed out, a deadline passed, or the HTTP
// client got no response at all (a *url.Error). An HTTP error answer (a
// Status) is an answer.
func NoAnswer(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		utilnet.IsConnectionRefused(err) || utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err) || utilnet.IsHTTP2ConnectionLost(err) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	var urlErr *url.Error
	return errors.As(err, &urlErr)
}

// NoAnswerIn reports whether NoAnswer holds for err or any error it
// aggregates (the delegating authenticator joins its authenticators' errors).
func NoAnswerIn(err error) bool {
	if NoAnswer(err) {
		return true
	}
	if agg, ok := err.(utilerrors.Aggregate); ok {
		for _, e := range agg.Errors() {
			if NoAnswerIn(e) {
				return true
			}
		}
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			if NoAnswerIn(e) {
				return true
			}
		}
	}
	return false
}

var (
	reachableGauge = metrics.NewGauge(&metrics.GaugeOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "upstream_reachable",
		Help:           "1 while the mirrored kube-apiserver answers ks-apiserver's readiness probe, 0 while it does not (the caches are served and may be stale).",
		StabilityLevel: metrics.ALPHA,
	})
	outagesTotal = metrics.NewCounter(&metrics.CounterOpts{
		Namespace: "ks", Subsystem: "apiserver", Name: "upstream_outages_total",
		Help:           "Times the mirrored kube-apiserver stopped answering.",
		StabilityLevel: metrics.ALPHA,
	})
	registerOnce sync.Once
)

// RegisterMetrics registers the monitor's metrics in the legacy registry
// that the generic server serves on /metrics.
func RegisterMetrics() {
	registerOnce.Do(func() {
		legacyregistry.MustRegister(reachableGauge, outagesTotal)
		reachableGauge.Set(1)
	})
}

// Bound wraps a transport so that every request but a watch gets an answer
// from kube-apiserver within timeout, or fails: the callers (the OAuth
// server's writes of sessions and failed-login counts) answer 503 then
// instead of waiting out the client's request deadline on a hung
// kube-apiserver.
func Bound(timeout time.Duration) func(http.RoundTripper) http.RoundTripper {
	return func(rt http.RoundTripper) http.RoundTripper { return &bound{rt: rt, timeout: timeout} }
}

type bound struct {
	rt      http.RoundTripper
	timeout time.Duration
}

func (b *bound) RoundTrip(req *http.Request) (*http.Response, error) {
	if q := req.URL.Query().Get("watch"); q == "true" || q == "1" {
		return b.rt.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), b.timeout)
	resp, err := b.rt.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	// The body is read after RoundTrip returns: the deadline ends with it.
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// WrappedRoundTripper lets client-go's transport debugging see through.
func (b *bound) WrappedRoundTripper() http.RoundTripper { return b.rt }

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
