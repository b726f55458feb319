package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/ks-apiserver/ks-apiserver/pkg/generated/clientset/versioned"
)

// The KubeSphere query language, on /apis through kube-apiserver and
// directly, and on /kapis directly, over the demo data.

const (
	apisPrefix  = "/apis/resources.kubesphere.io/v1alpha3"
	kapisPrefix = "/kapis/resources.kubesphere.io/v1alpha3"
)

// listBody is what both /apis lists and /kapis lists answer, as far as these
// tests read it.
type listBody struct {
	Items      []json.RawMessage `json:"items"`
	TotalItems *int              `json:"totalItems"`
	Metadata   struct {
		Continue string `json:"continue"`
	} `json:"metadata"`
}

func (l listBody) names(t *testing.T) []string {
	t.Helper()
	out := make([]string, len(l.Items))
	for i, raw := range l.Items {
		var obj struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
		}
		if err := json.Unmarshal(raw, &obj); err != nil {
			t.Fatal(err)
		}
		out[i] = obj.Metadata.Name
		if obj.Metadata.Namespace != "" {
			out[i] = obj.Metadata.Namespace + "/" + out[i]
		}
	}
	return out
}

// getRaw reads path with params and returns the body and status code.
func getRaw(t *testing.T, client rest.Interface, path string, params url.Values) ([]byte, int) {
	t.Helper()
	req := client.Get().AbsPath(path)
	for k, vs := range params {
		for _, v := range vs {
			req = req.Param(k, v)
		}
	}
	res := req.Do(context.Background())
	var code int
	res.StatusCode(&code)
	body, _ := res.Raw()
	return body, code
}

func list(t *testing.T, client rest.Interface, path string, params url.Values) listBody {
	t.Helper()
	body, code := getRaw(t, client, path, params)
	if code != http.StatusOK {
		t.Fatalf("GET %s?%s: %d %s", path, params.Encode(), code, body)
	}
	var l listBody
	if err := json.Unmarshal(body, &l); err != nil {
		t.Fatalf("GET %s?%s: %v\n%s", path, params.Encode(), err, body)
	}
	if l.Items == nil || l.TotalItems == nil {
		t.Fatalf("GET %s?%s: items or totalItems missing:\n%.300s", path, params.Encode(), body)
	}
	return l
}

func throughKube() rest.Interface {
	return kubernetes.NewForConfigOrDie(cp.Admin).Discovery().RESTClient()
}

// upstreamPods lists the pods kube-apiserver has, as namespace/name keys
// with the pods.
func upstreamPods(t *testing.T) []corev1.Pod {
	t.Helper()
	l, err := kubernetes.NewForConfigOrDie(cp.Admin).CoreV1().Pods("").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return l.Items
}

func podKey(p *corev1.Pod) string { return p.Namespace + "/" + p.Name }

// upstreamStatusColumns returns the STATUS column kube-apiserver prints for
// kubectl get pods, by namespace/name.
func upstreamStatusColumns(t *testing.T) map[string]string {
	t.Helper()
	raw, err := kubernetes.NewForConfigOrDie(cp.Admin).CoreV1().RESTClient().Get().Resource("pods").
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").Do(context.Background()).Raw()
	if err != nil {
		t.Fatal(err)
	}
	var table metav1.Table
	if err := json.Unmarshal(raw, &table); err != nil {
		t.Fatal(err)
	}
	column := slices.IndexFunc(table.ColumnDefinitions, func(c metav1.TableColumnDefinition) bool { return c.Name == "Status" })
	if column < 0 {
		t.Fatalf("no Status column in %v", table.ColumnDefinitions)
	}
	out := map[string]string{}
	for _, row := range table.Rows {
		var m metav1.PartialObjectMetadata
		if err := json.Unmarshal(row.Object.Raw, &m); err != nil {
			t.Fatal(err)
		}
		out[m.Namespace+"/"+m.Name] = fmt.Sprint(row.Cells[column])
	}
	return out
}

// kubeSphereStatusOf maps kubectl's STATUS column to KubeSphere 3.3's pod
// status, as the spec words it (kubesphere-resources-api.md, step 6).
func kubeSphereStatusOf(column string, p *corev1.Pod) string {
	switch {
	case column == "Running":
		return "Running"
	case column == "Failed", column == "Error", strings.HasPrefix(column, "OutOf"):
		return "Error"
	case column == "Completed":
		return "Completed"
	case column == "Succeeded":
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Reason != "PodCompleted" {
				return "Waiting"
			}
		}
		return "Completed"
	}
	return "Waiting"
}

// sortPods orders pods by (key, namespace, name), reversed unless
// ascending: the total order of every sorted list.
func sortPods(pods []corev1.Pod, key func(p *corev1.Pod) string, ascending bool) []string {
	slices.SortFunc(pods, func(a, b corev1.Pod) int {
		c := strings.Compare(key(&a), key(&b))
		if c == 0 {
			c = strings.Compare(a.Namespace, b.Namespace)
		}
		if c == 0 {
			c = strings.Compare(a.Name, b.Name)
		}
		if !ascending {
			c = -c
		}
		return c
	})
	out := make([]string, len(pods))
	for i := range pods {
		out[i] = podKey(&pods[i])
	}
	return out
}

func byCreation(p *corev1.Pod) string { return p.CreationTimestamp.UTC().Format(time.RFC3339) }
func byName(p *corev1.Pod) string     { return p.Name }

// The same sorted, filtered page through kube-apiserver, directly on /apis
// and on /kapis, equal to sorting what kube-apiserver lists.
func TestQuerySamePageEverywhere(t *testing.T) {
	cases := []struct {
		params url.Values
		filter func(p *corev1.Pod) bool
		// status: the pods whose STATUS column, as kube-apiserver prints it
		// for kubectl, KubeSphere maps to this status (an oracle apart from
		// the code under test).
		status    string
		key       func(p *corev1.Pod) string
		ascending bool
	}{
		{params: url.Values{"sortBy": {"createTime"}}, key: byCreation},
		{params: url.Values{"sortBy": {"creationTimestamp"}, "ascending": {"true"}}, key: byCreation, ascending: true},
		{params: url.Values{"sortBy": {"name"}}, key: byName},
		{params: url.Values{"sortBy": {"name"}, "ascending": {"true"}}, key: byName, ascending: true},
		{params: url.Values{"sortBy": {"name"}, "name": {"nginx"}}, key: byName,
			filter: func(p *corev1.Pod) bool { return strings.Contains(p.Name, "nginx") }},
		{params: url.Values{"sortBy": {"name"}, "ascending": {"true"}, "namespace": {"web-shop"}}, key: byName, ascending: true,
			filter: func(p *corev1.Pod) bool { return p.Namespace == "web-shop" }},
		{params: url.Values{"status": {"Running"}, "sortBy": {"createTime"}}, key: byCreation, status: "Running"},
		{params: url.Values{"status": {"Waiting"}, "sortBy": {"name"}}, key: byName, status: "Waiting"},
		{params: url.Values{"status": {"Error"}, "sortBy": {"name"}}, key: byName, status: "Error"},
		{params: url.Values{"status": {"Completed"}, "sortBy": {"name"}}, key: byName, status: "Completed"},
		{params: url.Values{"ownerKind": {"ReplicaSet"}, "sortBy": {"name"}}, key: byName,
			filter: func(p *corev1.Pod) bool {
				return slices.ContainsFunc(p.OwnerReferences, func(o metav1.OwnerReference) bool { return o.Kind == "ReplicaSet" })
			}},
		{params: url.Values{"nodeName": {"node-2"}, "sortBy": {"name"}}, key: byName,
			filter: func(p *corev1.Pod) bool { return p.Spec.NodeName == "node-2" }},
		{params: url.Values{"phase": {"Running"}, "sortBy": {"name"}, "ascending": {"true"}}, key: byName, ascending: true,
			filter: func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning }},
	}
	direct := directClientFor(t, ks)
	for _, tc := range cases {
		t.Run(tc.params.Encode(), func(t *testing.T) {
			var want []string
			eventually(t, "the mirror agrees with kube-apiserver", func() bool {
				var pods []corev1.Pod
				var columns map[string]string
				if tc.status != "" {
					columns = upstreamStatusColumns(t)
				}
				for _, p := range upstreamPods(t) {
					if tc.filter != nil && !tc.filter(&p) ||
						tc.status != "" && kubeSphereStatusOf(columns[podKey(&p)], &p) != tc.status {
						continue
					}
					pods = append(pods, p)
				}
				want = sortPods(pods, tc.key, tc.ascending)
				all := list(t, direct, kapisPrefix+"/pods", tc.params)
				return slices.Equal(all.names(t), want) && *all.TotalItems == len(want)
			})
			if len(want) == 0 {
				t.Fatalf("the demo data has no pod for %s: the case tests nothing", tc.params.Encode())
			}
			paged := url.Values{"limit": {"3"}}
			for k, v := range tc.params {
				paged[k] = v
			}
			first := want[:min(3, len(want))]
			for name, l := range map[string]listBody{
				"through kube-apiserver": list(t, throughKube(), apisPrefix+"/pods", paged),
				"/apis directly":         list(t, direct, apisPrefix+"/pods", paged),
				"/kapis directly":        list(t, direct, kapisPrefix+"/pods", paged),
			} {
				if got := l.names(t); !slices.Equal(got, first) || *l.TotalItems != len(want) {
					t.Errorf("%s: %v (totalItems %d), want %v (%d)", name, got, *l.TotalItems, first, len(want))
				}
			}
		})
	}
}

// Every page of a sorted walk with continue tokens through kube-apiserver,
// while pods come and go: each stable pod once, in order, and totalItems of
// the walk's first state on every page.
func TestQuerySortedWalkUnderChurn(t *testing.T) {
	ns := newNamespace(t, "sorted-walk", 30)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := kubernetes.NewForConfigOrDie(cp.Admin)
	var churned atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ctx.Err() == nil; i++ {
			// Names sort among the stable ones (pod-00 ... pod-29).
			name := fmt.Sprintf("pod-%02d-churn-%03d", i%30, i)
			if _, err := client.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: name},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
			}, metav1.CreateOptions{}); err == nil {
				churned.Add(1)
			}
			if i >= 2 {
				_ = client.CoreV1().Pods(ns).Delete(ctx, fmt.Sprintf("pod-%02d-churn-%03d", (i-2)%30, i-2), *metav1.NewDeleteOptions(0))
			}
		}
	}()

	path := apisPrefix + "/namespaces/" + ns + "/pods"
	params := url.Values{"sortBy": {"name"}, "limit": {"7"}}
	var names []string
	total := -1
	for pages := 0; ; pages++ {
		page := list(t, throughKube(), path, params)
		if total == -1 {
			total = *page.TotalItems
		} else if *page.TotalItems != total {
			t.Errorf("page %d: totalItems %d, first page %d", pages, *page.TotalItems, total)
		}
		names = append(names, page.names(t)...)
		if page.Metadata.Continue == "" {
			break
		}
		params.Set("continue", page.Metadata.Continue)
		awaitChurn(t, ctx, &churned)
	}
	cancel()
	<-done
	if churned.Load() < 3 {
		t.Errorf("only %d concurrent creates: the test did not exercise churn", churned.Load())
	}
	if len(names) != total {
		t.Errorf("the walk returned %d pods, its first page counted %d", len(names), total)
	}
	if !slices.IsSortedFunc(names, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("the walk is not in descending name order: %v", names)
	}
	for i := range 30 {
		if n := slices.Index(names, ns+"/"+fmt.Sprintf("pod-%02d", i)); n < 0 {
			t.Errorf("stable pod-%02d missing", i)
		}
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("%s returned twice", n)
		}
		seen[n] = true
	}

	// The same order with plain kubectl, from the label-selector spelling.
	out := mustKubectl(t, "get", "pods.resources.kubesphere.io", "-n", ns, "-o", "name", "--chunk-size=4",
		"-l", "search.resources.kubesphere.io/sortBy=name,search.resources.kubesphere.io/ascending=true")
	got := nonEmptyLines(out)
	if len(got) < 30 || !slices.IsSorted(got) {
		t.Errorf("kubectl -l search.resources.kubesphere.io/sortBy=name: %v", got)
	}
}

// The spelling (kebab-case) works; a label with the prefix that
// names no parameter is a 400, never silently ignored.
func TestSearchLabelSpellings(t *testing.T) {
	want := list(t, throughKube(), apisPrefix+"/namespaces/demo/pods", url.Values{"sortBy": {"createTime"}}).names(t)
	out := mustKubectl(t, "get", "pods.resources.kubesphere.io", "-n", "demo", "-o", "name",
		"-l", "search.resources.kubesphere.io/sort-by=createTime")
	var got []string
	for _, line := range nonEmptyLines(out) {
		got = append(got, "demo/"+strings.TrimPrefix(line, "pod.resources.kubesphere.io/"))
	}
	if !slices.Equal(got, want) {
		t.Errorf("-l search.resources.kubesphere.io/sort-by=createTime:\n%v\nwant %v", got, want)
	}
	_, errOut, err := kubectl(t, "get", "pods.resources.kubesphere.io", "-n", "demo", "-l", "search.resources.kubesphere.io/sortby=name")
	if err == nil || !strings.Contains(errOut, "is not a query parameter of pods") || !strings.Contains(errOut, "sortBy") {
		t.Errorf("unknown search label: %v %s", err, errOut)
	}
}

// KubeSphere 3.3's /kapis shape and status codes.
func TestKapisShapeAndStatus(t *testing.T) {
	direct := directClientFor(t, ks)
	demo := list(t, direct, kapisPrefix+"/namespaces/demo/pods", nil)
	n := *demo.TotalItems
	if n == 0 || len(demo.Items) != n {
		t.Fatalf("demo pods: %d items, totalItems %d", len(demo.Items), n)
	}

	body, _ := getRaw(t, direct, kapisPrefix+"/namespaces/demo/pods", url.Values{"name": {"no-such-pod"}})
	var shape map[string]json.RawMessage
	if err := json.Unmarshal(body, &shape); err != nil || len(shape) != 2 || string(shape["items"]) != "[]" || string(shape["totalItems"]) != "0" {
		t.Errorf("empty list: %s", body)
	}

	pages := []struct {
		params     url.Values
		items, all int
	}{
		{url.Values{"limit": {"2"}, "page": {"2"}}, 2, n},
		{url.Values{"limit": {"10"}, "page": {"99"}}, 0, n},        // out of range: empty page, right total
		{url.Values{"limit": {"10"}, "page": {"0"}}, 0, n},         // negative offset
		{url.Values{"limit": {"abc"}}, n, n},                       // not a number: everything
		{url.Values{"limit": {"0"}}, 0, n},                         // empty page
		{url.Values{"foo": {"bar"}}, 0, 0},                         // unknown filter: nothing, as KubeSphere
		{url.Values{"status": {"running"}}, 0, 0},                  // statuses are capitalised
		{url.Values{"label": {"app"}, "limit": {"1"}}, 1, n},       // demo pods all have an app label
		{url.Values{"labelSelector": {"app=nope"}}, 0, 0},          // a label selector
		{url.Values{"ownerReference": {"not-a-uid"}}, 0, 0},        // owner UID
		{url.Values{"names": {demoPodName(t, demo)}}, 1, 1},        // exact names
		{url.Values{"page": {"2"}}, n, n},                          // page without limit: ignored
		{url.Values{"limit": {"-5"}}, 0, n},                        // negative limit: empty
		{url.Values{"sortBy": {"nonsense"}, "limit": {"1"}}, 1, n}, // unknown sort key: creation time
	}
	for _, p := range pages {
		l := list(t, direct, kapisPrefix+"/namespaces/demo/pods", p.params)
		if len(l.Items) != p.items || *l.TotalItems != p.all {
			t.Errorf("?%s: %d items, totalItems %d; want %d, %d", p.params.Encode(), len(l.Items), *l.TotalItems, p.items, p.all)
		}
	}

	// A get answers the bare object.
	name := demoPodName(t, demo)
	body, code := getRaw(t, direct, kapisPrefix+"/namespaces/demo/pods/"+name, nil)
	var pod corev1.Pod
	if code != http.StatusOK || json.Unmarshal(body, &pod) != nil || pod.Name != name || pod.Namespace != "demo" {
		t.Errorf("get: %d %.200s", code, body)
	}
	// /namespaces/{name} is a get of the namespace.
	if body, code := getRaw(t, direct, kapisPrefix+"/namespaces/demo", nil); code != http.StatusOK || !strings.Contains(string(body), `"name": "demo"`) {
		t.Errorf("namespace get: %d %.200s", code, body)
	}

	errorsCases := []struct {
		path   string
		params url.Values
		code   int
		reason metav1.StatusReason
		text   string
	}{
		{kapisPrefix + "/namespaces/demo/pods/missing", nil, 404, metav1.StatusReasonNotFound, `pods "missing" not found`},
		{kapisPrefix + "/deployments/missing", nil, 404, metav1.StatusReasonNotFound, `not found`},
		{kapisPrefix + "/foos", nil, 404, metav1.StatusReasonNotFound, `resource "foos" is not supported`},
		{kapisPrefix + "/namespaces/demo/nodes", nil, 404, metav1.StatusReasonNotFound, `cluster-scoped`},
		{kapisPrefix + "/namespaces/demo/pods", url.Values{"labelSelector": {"a=(b"}}, 400, metav1.StatusReasonBadRequest, `"labelSelector"`},
		{apisPrefix + "/namespaces/demo/pods", url.Values{"status": {"running"}}, 400, metav1.StatusReasonBadRequest, `accepted values: Waiting, Running, Error, Completed`},
		{apisPrefix + "/namespaces/demo/pods", url.Values{"sortBy": {"size"}}, 400, metav1.StatusReasonBadRequest, `"sortBy"`},
		{apisPrefix + "/namespaces/demo/pods", url.Values{"ascending": {"maybe"}}, 400, metav1.StatusReasonBadRequest, `accepted values: true, false`},
		{apisPrefix + "/namespaces/demo/pods", url.Values{"page": {"2"}}, 400, metav1.StatusReasonBadRequest, `needs "limit"`},
		{apisPrefix + "/namespaces/demo/pods", url.Values{"label": {"a=(b"}}, 400, metav1.StatusReasonBadRequest, `"label"`},
		{apisPrefix + "/namespaces/demo/pods", url.Values{"watch": {"1"}, "status": {"running"}}, 400, metav1.StatusReasonBadRequest, `accepted values: Waiting, Running, Error, Completed`},
	}
	for _, c := range errorsCases {
		for where, client := range map[string]rest.Interface{"direct": direct, "through kube-apiserver": throughKube()} {
			if strings.HasPrefix(c.path, kapisPrefix) && where != "direct" {
				continue // kube-apiserver proxies /apis only
			}
			body, code := getRaw(t, client, c.path, c.params)
			var status metav1.Status
			if err := json.Unmarshal(body, &status); err != nil || code != c.code || status.Kind != "Status" ||
				status.Reason != c.reason || !strings.Contains(status.Message, c.text) {
				t.Errorf("%s %s?%s: %d %s; want %d %s with %q", where, c.path, c.params.Encode(), code, body, c.code, c.reason, c.text)
			}
		}
	}

	// Read-only: other methods are 405.
	res := direct.Post().AbsPath(kapisPrefix + "/namespaces/demo/pods").Body([]byte("{}")).Do(context.Background())
	var code405 int
	res.StatusCode(&code405)
	if code405 != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", code405)
	}

	// A token nobody issued: 401 Status; no credentials at all: the
	// anonymous user, who may not list nodes: 403.
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ks.CAPEM)
	plain := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for token, want := range map[string]int{"Bearer not-a-token": http.StatusUnauthorized, "": http.StatusForbidden} {
		req, _ := http.NewRequest(http.MethodGet, ks.URL+kapisPrefix+"/nodes", nil)
		if token != "" {
			req.Header.Set("Authorization", token)
		}
		resp, err := plain.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var status metav1.Status
		err = json.NewDecoder(resp.Body).Decode(&status)
		resp.Body.Close()
		if resp.StatusCode != want || err != nil || status.Kind != "Status" || int(status.Code) != want {
			t.Errorf("/kapis with Authorization %q: %d %+v, want %d Status", token, resp.StatusCode, status, want)
		}
	}
}

func demoPodName(t *testing.T, l listBody) string {
	t.Helper()
	names := l.names(t)
	if len(names) == 0 {
		t.Fatal("no demo pods")
	}
	return strings.TrimPrefix(names[0], "demo/")
}

// The seed's nodes list: KubeSphere's computed annotations, on copies
// (the same nodes on /apis have none), filters and totals on other types.
func TestKapisComputedAnnotationsAndTypes(t *testing.T) {
	direct := directClientFor(t, ks)
	nodes := list(t, direct, kapisPrefix+"/nodes", nil)
	if *nodes.TotalItems != 3 {
		t.Fatalf("nodes: totalItems %d", *nodes.TotalItems)
	}
	for _, raw := range nodes.Items {
		var node corev1.Node
		if err := json.Unmarshal(raw, &node); err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{"cpu-requests", "cpu-limits", "memory-requests", "memory-limits",
			"cpu-requests-fraction", "cpu-limits-fraction", "memory-requests-fraction", "memory-limits-fraction"} {
			if _, ok := node.Annotations["node.kubesphere.io/"+a]; !ok {
				t.Errorf("node %s lacks node.kubesphere.io/%s: %v", node.Name, a, node.Annotations)
			}
		}
	}
	// KubeSphere's component routes: the demo has no system services with
	// selectors, so no components; it has 3 nodes.
	if body, code := getRaw(t, direct, kapisPrefix+"/components", nil); code != http.StatusOK || strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("/components: %d %s", code, body)
	}
	body, code := getRaw(t, direct, kapisPrefix+"/componenthealth", nil)
	var health struct {
		KubeSphereStatus []json.RawMessage `json:"kubesphereStatus"`
		NodeStatus       struct {
			TotalNodes int `json:"totalNodes"`
		} `json:"nodeStatus"`
	}
	if err := json.Unmarshal(body, &health); code != http.StatusOK || err != nil || health.KubeSphereStatus == nil || health.NodeStatus.TotalNodes != 3 {
		t.Errorf("/componenthealth: %d %s", code, body)
	}

	native := list(t, direct, apisPrefix+"/nodes", nil)
	if strings.Contains(string(native.Items[0]), "node.kubesphere.io/cpu-requests") {
		t.Error("/apis nodes carry computed annotations: the cache was mutated or /apis decorates")
	}

	for _, c := range []struct {
		path   string
		params url.Values
		check  func(l listBody) bool
	}{
		{"/nodes", url.Values{"status": {"running"}}, func(l listBody) bool { return *l.TotalItems >= 1 }},
		{"/namespaces", url.Values{"status": {"Active"}, "name": {"demo"}}, func(l listBody) bool { return *l.TotalItems == 1 }},
		{"/deployments", url.Values{"sortBy": {"updateTime"}}, func(l listBody) bool { return *l.TotalItems == 8 }},
		{"/deployments", url.Values{"status": {"nonsense"}}, func(l listBody) bool { return *l.TotalItems == 0 }},
		{"/jobs", url.Values{"sortBy": {"status"}, "ascending": {"true"}}, func(l listBody) bool { return *l.TotalItems >= 1 }},
		{"/persistentvolumeclaims", url.Values{"status": {"pending"}}, func(l listBody) bool { return len(l.Items) == *l.TotalItems }},
		{"/storageclasses", nil, func(l listBody) bool {
			return *l.TotalItems >= 1 && strings.Contains(string(l.Items[0]), "kubesphere.io/pvc-count")
		}},
		{"/users", url.Values{"email": {"alice@example.com"}}, func(l listBody) bool {
			return *l.TotalItems == 1 && !strings.Contains(string(l.Items[0]), "password")
		}},
	} {
		l := list(t, direct, kapisPrefix+c.path, c.params)
		if !c.check(l) {
			t.Errorf("%s?%s: totalItems %d, %d items: %.300s", c.path, c.params.Encode(), *l.TotalItems, len(l.Items), l.Items)
		}
	}
}

// /kapis requests are authorized like the same /apis request: the mirror
// and the upstream permission, in the request's namespace.
func TestKapisAuthorization(t *testing.T) {
	aggregateBuiltinRoles(t)
	user := uniqueName("kapis-view")
	bindRole(t, "demo", user, "", "ClusterRole", "view")
	waitCanI(t, true, user, "", "list", "pods."+mirrorGroup, "-n", "demo")
	cfg := directConfig()
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	client := kubernetes.NewForConfigOrDie(cfg).Discovery().RESTClient()

	if l := list(t, client, kapisPrefix+"/namespaces/demo/pods", nil); *l.TotalItems == 0 {
		t.Error("view user lists no pods in demo on /kapis")
	}
	for _, path := range []string{"/pods", "/namespaces/web-shop/pods", "/namespaces/demo/secrets", "/nodes"} {
		body, code := getRaw(t, client, kapisPrefix+path, nil)
		if code != http.StatusForbidden || !strings.Contains(string(body), `"reason": "Forbidden"`) && !strings.Contains(string(body), `"reason":"Forbidden"`) {
			t.Errorf("view user on %s: %d %.200s", path, code, body)
		}
	}
}

// A watch is filtered by the KubeSphere filters as a list is, given as URL
// parameters or as search labels: a pod that starts to match arrives as
// ADDED, one that stops matching as DELETED, others never.
func TestWatchWithKubeSphereFilters(t *testing.T) {
	ns := newNamespace(t, "watch-filters", 2)
	client := kubernetes.NewForConfigOrDie(cp.Admin)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// URL parameters, through kube-apiserver, read as a raw event stream.
	httpClient, err := rest.HTTPClientFor(cp.Admin)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet,
		cp.Admin.Host+apisPrefix+"/namespaces/"+ns+"/pods?watch=1&status=Running&name=pod-01", nil)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("watch with parameters: %d", resp.StatusCode)
	}
	params := make(chan string, 10)
	go func() {
		dec := json.NewDecoder(resp.Body)
		for {
			var e struct {
				Type   string
				Object struct{ Metadata metav1.ObjectMeta }
			}
			if dec.Decode(&e) != nil {
				close(params)
				return
			}
			params <- e.Type + " " + e.Object.Metadata.Name
		}
	}()
	// Search labels, with the generated clientset.
	w, err := versioned.NewForConfigOrDie(cp.Admin).ResourcesV1alpha3().Pods(ns).Watch(ctx, metav1.ListOptions{
		LabelSelector: "search.resources.kubesphere.io/status=Running,search.resources.kubesphere.io/name=pod-01",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	labelled := make(chan string, 10)
	go func() {
		defer close(labelled)
		for e := range w.ResultChan() {
			m, err := meta.Accessor(e.Object)
			if err != nil {
				labelled <- fmt.Sprintf("%s %+v", e.Type, e.Object)
				continue
			}
			labelled <- string(e.Type) + " " + m.GetName()
		}
	}()

	setPhase := func(name string, phase corev1.PodPhase) {
		t.Helper()
		p, err := client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.Status.Phase = phase
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", Image: "busybox", Ready: phase == corev1.PodRunning,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
		if _, err := client.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// No wait: both watches are registered in the cache before their
	// response headers are written, so every later change reaches them.
	setPhase("pod-00", corev1.PodRunning) // running, but not named pod-01: never seen
	setPhase("pod-01", corev1.PodRunning) // enters the selection
	setPhase("pod-01", corev1.PodPending) // leaves it
	want := []string{"ADDED pod-01", "DELETED pod-01"}
	for name, events := range map[string]chan string{"parameters": params, "search labels": labelled} {
		var got []string
		for len(got) < 2 {
			select {
			case e, ok := <-events:
				if !ok {
					t.Fatalf("%s: watch ended after %v", name, got)
				}
				got = append(got, e)
			case <-ctx.Done():
				t.Fatalf("%s: events so far %v", name, got)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: events %v, want %v", name, got, want)
		}
	}
}
