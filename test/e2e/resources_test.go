package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	versioned "github.com/ks-apiserver/ks-apiserver/pkg/generated/clientset/versioned"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
)

// mirroredResource is a served resource with its upstream kubectl name.
type mirroredResource struct {
	resource, upstream string
	namespaced         bool
}

// mirrored lists every served resource, from the declarations, so a new one
// is covered by every test that ranges over it.
var mirrored = func() []mirroredResource {
	var out []mirroredResource
	for _, res := range registryresources.All() {
		upstream := res.Upstream.Resource
		if res.Upstream.Group != "" {
			upstream += "." + res.Upstream.Group
		}
		out = append(out, mirroredResource{resource: res.Name, upstream: upstream, namespaced: res.Namespaced})
	}
	return out
}()

func TestDiscovery(t *testing.T) {
	out := mustKubectl(t, "api-resources", "--api-group=resources.kubesphere.io", "-o", "name")
	got := strings.Fields(out)
	for _, m := range mirrored {
		if !slices.Contains(got, m.resource+".resources.kubesphere.io") {
			t.Errorf("kubectl api-resources lacks %s: %v", m.resource, got)
		}
	}

	client := kubernetes.NewForConfigOrDie(cp.Admin)
	list, err := client.Discovery().ServerResourcesForGroupVersion(v1alpha3.SchemeGroupVersion.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mirrored {
		var found *metav1.APIResource
		for i := range list.APIResources {
			if list.APIResources[i].Name == m.resource {
				found = &list.APIResources[i]
			}
		}
		if found == nil {
			t.Errorf("discovery lacks %s", m.resource)
			continue
		}
		if found.Namespaced != m.namespaced {
			t.Errorf("%s namespaced = %v, want %v", m.resource, found.Namespaced, m.namespaced)
		}
		if len(found.ShortNames) != 0 || len(found.Categories) != 0 {
			t.Errorf("%s has short names %v or categories %v: they would shadow the built-in resource", m.resource, found.ShortNames, found.Categories)
		}
		if verbs := slices.Sorted(slices.Values(found.Verbs)); !slices.Equal(verbs, []string{"get", "list", "watch"}) {
			t.Errorf("%s verbs = %v, want read-only get, list and watch", m.resource, verbs)
		}
	}
}

func TestAPIServiceAvailableWithCABundle(t *testing.T) {
	client := dynamic.NewForConfigOrDie(cp.Admin)
	svc, err := client.Resource(apiServicesGVR).Get(context.Background(), controlplane.APIServiceName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	caBundle, _, _ := unstructured.NestedString(svc.Object, "spec", "caBundle")
	insecure, _, _ := unstructured.NestedBool(svc.Object, "spec", "insecureSkipTLSVerify")
	if caBundle == "" || insecure {
		t.Errorf("APIService caBundle set: %v, insecureSkipTLSVerify: %v; want a verified CA", caBundle != "", insecure)
	}
	out := mustKubectl(t, "get", "apiservice", controlplane.APIServiceName, "--no-headers")
	if fields := strings.Fields(out); len(fields) < 3 || fields[2] != "True" {
		t.Errorf("kubectl get apiservice = %q, want AVAILABLE True", out)
	}
}

// identities lists namespace/name/uid/resourceVersion of each object, in the
// order kubectl printed them.
func identities(t *testing.T, args ...string) []string {
	t.Helper()
	out := mustKubectl(t, append(args, "--no-headers", "-o",
		"custom-columns=NS:.metadata.namespace,NAME:.metadata.name,UID:.metadata.uid,RV:.metadata.resourceVersion")...)
	return strings.Split(strings.TrimSpace(out), "\n")
}

// eventuallyAgree waits until what the mirror prints equals what is expected
// of it, usually what upstream prints. The suite's cluster is never still
// (the OAuth leader deletes dead sessions and login records every 30 s, tests
// create and delete objects), and the mirror follows upstream by a watch
// event, so one pair of lists can straddle a change. lists reads the
// expected side first; a mirror that never catches up within eventuallyOK's
// time fails, with the lines only one side printed.
func eventuallyAgree(t *testing.T, what string, lists func() (served, expected []string)) {
	t.Helper()
	eventuallyOK(t, what, func() (bool, string) {
		got, want := lists()
		if slices.Equal(got, want) {
			return true, ""
		}
		if slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
			return false, fmt.Sprintf("the mirror prints the expected lines in another order\nprinted:\n%s\nexpected:\n%s",
				strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		return false, fmt.Sprintf("the mirror prints %d lines where %d are expected\nprinted, not expected:\n%s\nexpected, not printed:\n%s",
			len(got), len(want), strings.Join(without(got, want), "\n"), strings.Join(without(want, got), "\n"))
	})
}

// without returns the lines of a that b lacks, in a's order.
func without(a, b []string) []string {
	var out []string
	for _, line := range a {
		if !slices.Contains(b, line) {
			out = append(out, line)
		}
	}
	return out
}

func TestKubectlListsWhatUpstreamLists(t *testing.T) {
	for _, m := range mirrored {
		t.Run(m.resource, func(t *testing.T) {
			scope := []string{}
			if m.namespaced {
				scope = []string{"-A"}
			}
			eventuallyAgree(t, "kubectl get "+m.resource, func() (mirror, upstream []string) {
				upstream = identities(t, append([]string{"get", m.upstream}, scope...)...)
				return identities(t, append([]string{"get", m.resource + ".resources.kubesphere.io"}, scope...)...), upstream
			})
		})
	}
	if got := len(identities(t, "get", "users.resources.kubesphere.io")); got < 3 {
		t.Errorf("%d users listed, the demo data has 3", got)
	}
	if got := len(identities(t, "get", "pods.resources.kubesphere.io", "-A")); got < demoPods {
		t.Errorf("%d pods listed, the demo data alone has %d", got, demoPods)
	}
	// Whole lists in one response, which ks-apiserver streams: typed, and
	// the Table kubectl prints.
	eventuallyAgree(t, "--chunk-size=0", func() (mirror, upstream []string) {
		upstream = identities(t, "get", "pods", "-A", "--chunk-size=0")
		return identities(t, "get", "pods.resources.kubesphere.io", "-A", "--chunk-size=0"), upstream
	})
	tableNames := func(resource string) []string {
		var names []string
		for _, line := range strings.Split(strings.TrimSpace(mustKubectl(t, "get", resource, "-A", "--chunk-size=0", "--no-headers")), "\n") {
			names = append(names, strings.Join(strings.Fields(line)[:2], "/"))
		}
		return names
	}
	var tablePods int
	eventuallyAgree(t, "table of a whole list", func() (mirror, upstream []string) {
		upstream = tableNames("pods")
		mirror = tableNames("pods.resources.kubesphere.io")
		tablePods = len(mirror)
		return mirror, upstream
	})
	if tablePods < demoPods {
		t.Errorf("table of a whole list: %d pods, the demo data alone has %d", tablePods, demoPods)
	}
	// One namespace.
	var webShop []string
	eventuallyAgree(t, "-n web-shop", func() (mirror, upstream []string) {
		upstream = identities(t, "get", "pods", "-n", "web-shop")
		webShop = identities(t, "get", "pods.resources.kubesphere.io", "-n", "web-shop")
		return webShop, upstream
	})
	if webShop[0] == "" {
		t.Errorf("-n web-shop lists nothing: the demo data has pods there")
	}
}

func TestKubectlGetOne(t *testing.T) {
	name := strings.TrimSpace(mustKubectl(t, "get", "pods", "-n", "demo", "-o", "jsonpath={.items[0].metadata.name}"))
	var upstream, served map[string]any
	if err := json.Unmarshal([]byte(mustKubectl(t, "get", "pod", "-n", "demo", name, "-o", "json")), &upstream); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(mustKubectl(t, "get", "pods.resources.kubesphere.io", "-n", "demo", name, "-o", "json")), &served); err != nil {
		t.Fatal(err)
	}
	if served["apiVersion"] != "resources.kubesphere.io/v1alpha3" || served["kind"] != "Pod" {
		t.Errorf("served apiVersion/kind = %v/%v", served["apiVersion"], served["kind"])
	}
	for _, field := range []string{"spec", "status"} {
		if a, b := mustJSON(t, served[field]), mustJSON(t, upstream[field]); a != b {
			t.Errorf("%s differs:\nserved   %s\nupstream %s", field, a, b)
		}
	}
	meta := served["metadata"].(map[string]any)
	if _, ok := meta["managedFields"]; ok {
		t.Error("managedFields are served; the informer transform should strip them")
	}
	upMeta := upstream["metadata"].(map[string]any)
	for _, k := range []string{"name", "namespace", "uid", "resourceVersion", "labels", "ownerReferences", "creationTimestamp"} {
		if a, b := mustJSON(t, meta[k]), mustJSON(t, upMeta[k]); a != b {
			t.Errorf("metadata.%s = %s, upstream %s", k, a, b)
		}
	}

	// Cluster-scoped.
	node := strings.TrimSpace(mustKubectl(t, "get", "nodes.resources.kubesphere.io", "node-2", "-o", "jsonpath={.metadata.name}/{.status.nodeInfo.kubeletVersion}"))
	if node != "node-2/v1.37.2" {
		t.Errorf("node-2 = %q", node)
	}
}

// The password hash of a User is never served, in any form or output.
func TestUserPasswordNeverServed(t *testing.T) {
	upstream := mustKubectl(t, "get", "users.iam.kubesphere.io", "alice", "-o", "jsonpath={.spec.password}")
	if !strings.HasPrefix(upstream, "$2") {
		t.Fatalf("demo user alice has no bcrypt hash upstream (%q): the test would prove nothing", upstream)
	}
	for _, out := range []string{
		mustKubectl(t, "get", "users.resources.kubesphere.io", "-o", "json"),
		mustKubectl(t, "get", "users.resources.kubesphere.io", "alice", "-o", "yaml"),
		mustKubectl(t, "get", "--raw", "/apis/resources.kubesphere.io/v1alpha3/users"),
		mustKubectl(t, "get", "--raw", "/apis/resources.kubesphere.io/v1alpha3/users/alice"),
	} {
		if strings.Contains(out, "password") || strings.Contains(out, upstream) {
			t.Errorf("password served:\n%s", out)
		}
	}
	if email := mustKubectl(t, "get", "users.resources.kubesphere.io", "alice", "-o", "jsonpath={.spec.email}"); email != "alice@example.com" {
		t.Errorf("alice's email = %q", email)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSelectors(t *testing.T) {
	cases := []struct {
		name     string
		upstream []string
		mirror   []string
	}{
		{"label equality", []string{"get", "pods", "-A", "-l", "tier=backend"}, []string{"get", "pods.resources.kubesphere.io", "-A", "-l", "tier=backend"}},
		{"label set", []string{"get", "pods", "-n", "web-shop", "-l", "app in (cart,checkout),version!=v2"}, []string{"get", "pods.resources.kubesphere.io", "-n", "web-shop", "-l", "app in (cart,checkout),version!=v2"}},
		{"label exists", []string{"get", "namespaces", "-l", "kubesphere.io/workspace"}, []string{"get", "namespaces.resources.kubesphere.io", "-l", "kubesphere.io/workspace"}},
		{"field namespace", []string{"get", "pods", "-A", "--field-selector", "metadata.namespace=data"}, []string{"get", "pods.resources.kubesphere.io", "-A", "--field-selector", "metadata.namespace=data"}},
		{"field name", []string{"get", "nodes", "--field-selector", "metadata.name=node-1"}, []string{"get", "nodes.resources.kubesphere.io", "--field-selector", "metadata.name=node-1"}},
		{"field and label", []string{"get", "deployments", "-A", "--field-selector", "metadata.namespace!=demo", "-l", "tier=backend"}, []string{"get", "deployments.resources.kubesphere.io", "-A", "--field-selector", "metadata.namespace!=demo", "-l", "tier=backend"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := identities(t, tc.upstream...)
			got := identities(t, tc.mirror...)
			if !slices.Equal(got, want) || want[0] == "" {
				t.Errorf("mirror %v, upstream %v", got, want)
			}
		})
	}

	_, errOut, err := kubectl(t, "get", "pods.resources.kubesphere.io", "-A", "--field-selector", "spec.bogus=x")
	if err == nil || !strings.Contains(errOut, "BadRequest") || !strings.Contains(errOut, `"spec.bogus"`) || !strings.Contains(errOut, "metadata.name, metadata.namespace") {
		t.Errorf("unsupported field selector: err %v, stderr %q; want a 400 naming the field and the supported ones", err, errOut)
	}
}

func TestBadRequestsAreStatusErrors(t *testing.T) {
	client := kubernetes.NewForConfigOrDie(cp.Admin).Discovery().RESTClient()
	for _, tc := range []struct {
		path, param, value string
		code               int
		reason             metav1.StatusReason
		mention            string
	}{
		{"/apis/resources.kubesphere.io/v1alpha3/pods", "labelSelector", "app in (", 400, metav1.StatusReasonBadRequest, `invalid labelSelector "app in ("`},
		{"/apis/resources.kubesphere.io/v1alpha3/namespaces/demo/pods", "fieldSelector", "metadata.name", 400, metav1.StatusReasonBadRequest, `invalid fieldSelector "metadata.name"`},
		{"/apis/resources.kubesphere.io/v1alpha3/pods", "fieldSelector", "status.bogus=Running", 400, metav1.StatusReasonBadRequest, "status.bogus"},
		{"/apis/resources.kubesphere.io/v1alpha3/namespaces/demo/pods/no-such-pod", "", "", 404, metav1.StatusReasonNotFound, `pods.resources.kubesphere.io "no-such-pod" not found`},
		{"/apis/resources.kubesphere.io/v1alpha3/nodes/no-such-node", "", "", 404, metav1.StatusReasonNotFound, `nodes.resources.kubesphere.io "no-such-node" not found`},
		{"/apis/resources.kubesphere.io/v1alpha3/namespaces/demo/nodes", "", "", 404, metav1.StatusReasonNotFound, ""},
		{"/apis/resources.kubesphere.io/v1alpha3/widgets", "", "", 404, metav1.StatusReasonNotFound, ""},
	} {
		t.Run(tc.path+"?"+tc.param, func(t *testing.T) {
			req := client.Get().AbsPath(tc.path)
			if tc.param != "" {
				req = req.Param(tc.param, tc.value)
			}
			res := req.Do(context.Background())
			var code int
			res.StatusCode(&code)
			err := res.Error()
			status, ok := err.(apierrors.APIStatus)
			if code != tc.code || !ok {
				t.Fatalf("code %d err %v, want %d with a Status", code, err, tc.code)
			}
			if status.Status().Reason != tc.reason || !strings.Contains(status.Status().Message, tc.mention) {
				t.Errorf("status = %+v, want reason %s mentioning %q", status.Status(), tc.reason, tc.mention)
			}
		})
	}
	_, errOut, err := kubectl(t, "get", "pods.resources.kubesphere.io", "-n", "demo", "no-such-pod")
	if err == nil || !strings.Contains(errOut, "NotFound") {
		t.Errorf("kubectl get of a missing pod: %v %q", err, errOut)
	}
}

func TestGeneratedClientset(t *testing.T) {
	ctx := context.Background()
	ks := versioned.NewForConfigOrDie(cp.Admin).ResourcesV1alpha3()
	upstream := kubernetes.NewForConfigOrDie(cp.Admin)

	pods, err := ks.Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := upstream.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != len(want.Items) || pods.TotalItems != int64(len(want.Items)) {
		t.Errorf("clientset lists %d pods (totalItems %d), upstream %d", len(pods.Items), pods.TotalItems, len(want.Items))
	}
	if pods.ResourceVersion == "" {
		t.Error("list has no resourceVersion")
	}

	first := want.Items[0]
	pod, err := ks.Pods(first.Namespace).Get(ctx, first.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pod.UID != first.UID || pod.Spec.Containers[0].Image != first.Spec.Containers[0].Image {
		t.Errorf("clientset got %s/%s uid %s, want uid %s", pod.Namespace, pod.Name, pod.UID, first.UID)
	}

	deployments, err := ks.Deployments("web-shop").List(ctx, metav1.ListOptions{LabelSelector: "tier=backend"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range deployments.Items {
		names = append(names, d.Name)
	}
	if !slices.Equal(names, []string{"cart", "checkout"}) {
		t.Errorf("backend deployments in web-shop = %v", names)
	}

	if _, err := ks.Nodes().Get(ctx, "no-such-node", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Get of a missing node: %v, want NotFound", err)
	}
	ns, err := ks.Namespaces().Get(ctx, "data", metav1.GetOptions{})
	if err != nil || ns.Status.Phase != corev1.NamespaceActive {
		t.Errorf("namespace data: %v, phase %v", err, ns)
	}
}

// The mirror follows the cluster: objects appear and disappear as upstream.
func TestFollowsChanges(t *testing.T) {
	ctx := context.Background()
	upstream := kubernetes.NewForConfigOrDie(cp.Admin)
	ks := versioned.NewForConfigOrDie(cp.Admin).ResourcesV1alpha3()
	ns := fmt.Sprintf("follow-%d", time.Now().UnixNano())
	if err := controlplane.CreateNamespace(ctx, upstream, ns, nil); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Labels: map[string]string{"stage": "one"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}
	created, err := upstream.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "created pod is served", func() bool {
		p, err := ks.Pods(ns).Get(ctx, "p", metav1.GetOptions{})
		return err == nil && p.UID == created.UID
	})

	created.Labels["stage"] = "two"
	if _, err := upstream.CoreV1().Pods(ns).Update(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "updated label is served", func() bool {
		l, err := ks.Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "stage=two"})
		return err == nil && len(l.Items) == 1
	})

	if err := upstream.CoreV1().Pods(ns).Delete(ctx, "p", *metav1.NewDeleteOptions(0)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "deleted pod is gone", func() bool {
		_, err := ks.Pods(ns).Get(ctx, "p", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 10*time.Second, true,
		func(context.Context) (bool, error) { return cond(), nil })
	if err != nil {
		t.Fatalf("%s: not within 10s", what)
	}
}

// ks-apiserver's own endpoints, directly on its port.
func TestDirectEndpoints(t *testing.T) {
	anonymous, err := ks.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/healthz", "/livez", "/readyz", "/readyz/informer-sync"} {
		resp, err := anonymous.Get(ks.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", path, resp.StatusCode)
		}
	}
	resp, err := anonymous.Get(ks.URL + "/apis/resources.kubesphere.io/v1alpha3/pods")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous list of pods directly = %d, want 401 or 403", resp.StatusCode)
	}

	admin := kubernetes.NewForConfigOrDie(directConfig()).Discovery().RESTClient()
	metrics, err := admin.Get().AbsPath("/metrics").DoRaw(context.Background())
	if err != nil || !strings.Contains(string(metrics), "apiserver_request_total") {
		t.Errorf("/metrics: %v", err)
	}
	raw, err := admin.Get().AbsPath("/apis/resources.kubesphere.io/v1alpha3/nodes").DoRaw(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var nodes struct {
		Kind       string `json:"kind"`
		TotalItems *int64 `json:"totalItems"`
		Items      []any  `json:"items"`
	}
	if err := json.Unmarshal(raw, &nodes); err != nil {
		t.Fatal(err)
	}
	if nodes.Kind != "NodeList" || nodes.TotalItems == nil || *nodes.TotalItems != int64(len(nodes.Items)) || len(nodes.Items) != len(controlplane.DemoNodes) {
		t.Errorf("direct node list: kind %s totalItems %v items %d", nodes.Kind, nodes.TotalItems, len(nodes.Items))
	}
}

func TestOpenAPI(t *testing.T) {
	client := kubernetes.NewForConfigOrDie(cp.Admin).Discovery().RESTClient()
	v2, err := client.Get().AbsPath("/openapi/v2").SetHeader("Accept", "application/json").DoRaw(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, model := range []string{`"io.kubesphere.resources.v1alpha3.Pod"`, `"io.kubesphere.resources.v1alpha3.NodeList"`, `"/apis/resources.kubesphere.io/v1alpha3/namespaces/{namespace}/pods"`} {
		if !strings.Contains(string(v2), model) {
			t.Errorf("aggregated OpenAPI v2 lacks %s", model)
		}
	}
	v3, err := client.Get().AbsPath("/openapi/v3/apis/resources.kubesphere.io/v1alpha3").DoRaw(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(v3), `"io.kubesphere.resources.v1alpha3.Deployment"`) || !strings.Contains(string(v3), `"io.k8s.api.apps.v1.DeploymentSpec"`) {
		t.Error("OpenAPI v3 of the group lacks the Deployment model or its upstream spec")
	}
}
