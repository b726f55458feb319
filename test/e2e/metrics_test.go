package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/component-base/metrics/testutil"

	"github.com/ks-apiserver/ks-apiserver/pkg/generated/clientset/versioned"
)

// scrape reads ks-apiserver's /metrics as the e2e's admin, on its own port.
func scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	data, err := directClientFor(t, ks).Get().AbsPath("/metrics").DoRaw(context.Background())
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	families, err := testutil.TextToMetricFamilies(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return families
}

// value is the value of the series name{labels} (a histogram's count), 0
// when the series does not exist; exists reports whether it does.
func value(families map[string]*dto.MetricFamily, name string, labels ...string) (v float64, exists bool) {
	f, ok := families[name]
	if !ok {
		return 0, false
	}
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			match = match && have[labels[i]] == labels[i+1]
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// series is one series a scenario moves, and by how much.
type series struct {
	name   string
	labels []string
	// delta is the exact move expected, or the least when atLeast.
	delta   float64
	atLeast bool
}

func (s series) String() string { return fmt.Sprintf("%s%v", s.name, s.labels) }

// TestMetricsMoveWithScenarios runs user-visible scenarios and checks, on
// the real /metrics endpoint, that each series exists and moves the way the
// scenario says; the auth audit trail and the login records say the same.
func TestMetricsMoveWithScenarios(t *testing.T) {
	ctx := context.Background()
	const user, password = "metrics-user", "Metrics-Pa55word"
	mustKubectl(t, "apply", "-f", writeTemp(t, `apiVersion: iam.kubesphere.io/v1beta1
kind: User
metadata: {name: `+user+`}
spec: {email: metrics@example.com, password: "`+password+`"}
`))
	iam := versioned.NewForConfigOrDie(cp.Admin).IamV1beta1()
	eventuallyOK(t, "the user's password is hashed", func() (bool, string) {
		u, err := iam.Users().Get(ctx, user, metav1.GetOptions{})
		return err == nil && strings.HasPrefix(u.Spec.EncryptedPassword, "$2"), fmt.Sprint(err)
	})
	ns := newNamespace(t, "metrics", 1)
	client := kubernetes.NewForConfigOrDie(cp.Admin)
	before := scrape(t)

	// OAuth: one login, one wrong password, kubectl with the token through
	// kube-apiserver's webhook.
	tok := requestToken(t, ks, passwordBody(user, password))
	if tok.Status != 200 {
		t.Fatalf("login: %d %s", tok.Status, tok.Body)
	}
	if bad := requestToken(t, ks, passwordBody(user, "Wrong-Pa55word")); bad.Error != "invalid_grant" {
		t.Fatalf("wrong password: %d %s", bad.Status, bad.Body)
	}
	if out, err := runKubectlWithToken(tok.AccessToken, "get", "--raw", "/version"); err != nil {
		// Authenticated but perhaps not authorized: the review is what counts.
		t.Logf("kubectl --token: %v %s", err, out)
	}
	// Resources: a pod created upstream, a sorted list, a watch opened.
	createPod(t, client, ns, "counted")
	eventuallyOK(t, "the mirror lists the new pod", func() (bool, string) {
		l, err := versioned.NewForConfigOrDie(cp.Admin).ResourcesV1alpha3().Pods(ns).List(ctx, metav1.ListOptions{})
		return err == nil && len(l.Items) == 2, fmt.Sprint(err)
	})
	mustKubectl(t, "get", "--raw", "/apis/resources.kubesphere.io/v1alpha3/namespaces/"+ns+"/pods?sortBy=name&limit=1")
	watchCtx, stopWatch := context.WithCancel(ctx)
	w, err := versioned.NewForConfigOrDie(cp.Admin).ResourcesV1alpha3().Pods(ns).Watch(watchCtx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer stopWatch()
	<-w.ResultChan() // the watch is registered once it sends its first event

	moves := []series{
		{name: "ks_apiserver_oauth_token_requests_total", labels: []string{"grant", "password", "outcome", "issued"}, delta: 1},
		{name: "ks_apiserver_oauth_token_requests_total", labels: []string{"grant", "password", "outcome", "invalid_grant"}, delta: 1},
		{name: "ks_apiserver_oauth_requests_total", labels: []string{"path", "/oauth/token", "code", "200"}, delta: 1},
		{name: "ks_apiserver_oauth_requests_total", labels: []string{"path", "/oauth/token", "code", "400"}, delta: 1},
		{name: "ks_apiserver_oauth_tokenreviews_total", labels: []string{"outcome", "authenticated"}, delta: 1, atLeast: true},
		{name: "ks_apiserver_oauth_tokenreview_duration_seconds", delta: 1, atLeast: true},
		{name: "ks_apiserver_oauth_password_hash_wait_seconds", delta: 2},
		{name: "ks_apiserver_cache_events_total", labels: []string{"resource", "pods", "type", "ADDED"}, delta: 1},
		{name: "ks_apiserver_cache_event_lag_seconds", labels: []string{"resource", "pods"}, delta: 1, atLeast: true},
		{name: "ks_apiserver_cache_objects", labels: []string{"resource", "pods"}, delta: 1},
		{name: "ks_apiserver_list_duration_seconds", labels: []string{"resource", "pods", "shape", "sorted"}, delta: 1},
		{name: "ks_apiserver_list_items_visited", labels: []string{"resource", "pods", "shape", "sorted"}, delta: 1},
		{name: "ks_apiserver_watchers", labels: []string{"resource", "pods"}, delta: 1},
	}
	after := scrape(t)
	for _, s := range moves {
		was, _ := value(before, s.name, s.labels...)
		now, exists := value(after, s.name, s.labels...)
		switch d := now - was; {
		case !exists:
			t.Errorf("%s: no such series on /metrics", s)
		case s.atLeast && d < s.delta, !s.atLeast && d != s.delta:
			t.Errorf("%s moved by %v (from %v to %v), want %v", s, d, was, now, s.delta)
		}
	}
	// Series that exist whatever happened.
	for _, s := range []series{
		{name: "ks_apiserver_upstream_resource_present", labels: []string{"resource", "pods"}},
		{name: "ks_apiserver_oauth_sessions"},
		{name: "ks_apiserver_oauth_locked_users"},
		{name: "ks_apiserver_upstream_reachable"},
	} {
		if _, exists := value(after, s.name, s.labels...); !exists {
			t.Errorf("%s: no such series on /metrics", s)
		}
	}
	if v, _ := value(after, "ks_apiserver_upstream_resource_present", "resource", "pods"); v != 1 {
		t.Errorf("upstream pods present = %v, want 1", v)
	}
	stopWatch()
	eventuallyOK(t, "the watcher gauge goes back when the watch ends", func() (bool, string) {
		was, _ := value(before, "ks_apiserver_watchers", "resource", "pods")
		now, _ := value(scrape(t), "ks_apiserver_watchers", "resource", "pods")
		return now == was, fmt.Sprintf("watchers %v, was %v", now, was)
	})
	for _, f := range after {
		for _, m := range f.Metric {
			for _, l := range m.Label {
				if strings.HasPrefix(f.GetName(), "ks_apiserver_") && (l.GetValue() == user || l.GetValue() == ns || l.GetValue() == "127.0.0.1") {
					t.Errorf("%s has a label %s=%q: a user, namespace or address", f.GetName(), l.GetName(), l.GetValue())
				}
			}
		}
	}

	// The audit trail: the login and the failure, with no password.
	eventuallyOK(t, "the audit trail has the login and the failure", func() (bool, string) {
		log, err := os.ReadFile(ks.Process.LogFile)
		if err != nil {
			return false, err.Error()
		}
		var lines []string
		for _, l := range strings.Split(string(log), "\n") {
			if strings.Contains(l, `"Auth audit"`) && strings.Contains(l, `user="`+user+`"`) {
				lines = append(lines, l)
			}
		}
		all := strings.Join(lines, "\n")
		if strings.Contains(string(log), password) || strings.Contains(string(log), "Wrong-Pa55word") {
			t.Fatal("ks-apiserver's log contains a password")
		}
		ok := strings.Contains(all, `outcome="issued"`) && strings.Contains(all, `reason="wrong password"`) &&
			strings.Contains(all, `event="token"`) && strings.Contains(all, `sourceIP="127.0.0.1"`)
		return ok, all
	})

	// KubeSphere-style login records: kubectl get answers who logged in
	// from where.
	eventuallyOK(t, "kubectl get loginrecords shows the login and the failure", func() (bool, string) {
		out, _, err := kubectl(t, "get", "loginrecords", "-l", "iam.kubesphere.io/user-ref="+user, "--no-headers")
		if err != nil {
			return false, err.Error()
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		return len(lines) == 2 && strings.Contains(out, "true") && strings.Contains(out, "wrong password") &&
			strings.Contains(out, "127.0.0.1"), out
	})
}

// runKubectlWithToken runs kubectl through kube-apiserver with a bearer
// token and no other credential.
func runKubectlWithToken(token string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	kubeconfig, err := cp.ClientKubeconfig("metrics-token", "")
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, kubectlBin, append([]string{"--kubeconfig", kubeconfig, "--token", token}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
