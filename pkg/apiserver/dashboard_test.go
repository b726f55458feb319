package apiserver

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	apimetrics "k8s.io/apiserver/pkg/endpoints/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
)

const dashboardFile = "../../artifacts/monitoring/dashboard.json"

// registered reports whether a metric of that name is in the legacy
// registry /metrics serves, series or not: registering another metric
// under the name fails exactly when one is.
func registered(name string) bool {
	probe := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: "probe of " + name})
	if err := legacyregistry.Registerer().Register(probe); err != nil {
		return true
	}
	legacyregistry.Registerer().Unregister(probe)
	return false
}

var metricName = regexp.MustCompile(`\b(?:ks_)?apiserver_[a-z0-9_]+\b`)

// TestDashboardQueriesRegisteredMetrics checks that every metric the
// Grafana dashboard queries is one ks-apiserver registers (its own, and
// k8s.io/apiserver's request metrics), so a renamed metric cannot leave a
// panel empty.
func TestDashboardQueriesRegisteredMetrics(t *testing.T) {
	registerMetrics()
	apimetrics.Register()
	if registered("ks_apiserver_no_such_metric") {
		t.Fatal("the registration probe finds a metric that does not exist")
	}
	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			ID      int    `json:"id"`
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	ids := map[int]bool{}
	queried := map[string]bool{}
	for _, p := range dash.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d is used twice", p.ID)
		}
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q queries nothing", p.Title)
		}
		for _, target := range p.Targets {
			names := metricName.FindAllString(target.Expr, -1)
			if len(names) == 0 {
				t.Errorf("panel %q: no metric in %q", p.Title, target.Expr)
			}
			for _, n := range names {
				queried[n] = true
			}
		}
	}
	for name := range queried {
		base := name
		for _, suffix := range []string{"_bucket", "_count", "_sum"} {
			if !registered(base) {
				base = strings.TrimSuffix(base, suffix)
			}
		}
		if !registered(base) {
			t.Errorf("the dashboard queries %s, which ks-apiserver does not register", name)
		}
	}
	for _, want := range []string{"apiserver_request_total", "ks_apiserver_cache_objects", "ks_apiserver_oauth_token_requests_total", "ks_apiserver_watchers"} {
		if !queried[want] {
			t.Errorf("the dashboard has no panel on %s", want)
		}
	}
}
