package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/ks-apiserver/ks-apiserver/pkg/generated/clientset/versioned"
)

// Filters and computed fields that read another resource need the caller's
// permission to list it there (DESIGN.md): a filter without it is a 403
// naming what is missing, computed annotations are left out.

// readRule grants the read verbs on a resource, upstream and mirrored: what
// the built-in roles grant once aggregated.
func readRule(resources ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: []string{"", mirrorGroup, "storage.k8s.io"}, Resources: resources, Verbs: []string{"get", "list", "watch"}}
}

// impersonating returns REST clients for user through kube-apiserver and
// directly on ks-apiserver.
func impersonating(user string) (throughKube, direct rest.Interface, cfg *rest.Config) {
	cfg = rest.CopyConfig(cp.Admin)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	d := directConfig()
	d.Impersonate = rest.ImpersonationConfig{UserName: user}
	return kubernetes.NewForConfigOrDie(cfg).Discovery().RESTClient(),
		kubernetes.NewForConfigOrDie(d).Discovery().RESTClient(), cfg
}

// forbiddenStatus wants a 403 Kubernetes Status with reason Forbidden whose
// message contains msg.
func forbiddenStatus(t *testing.T, what string, body []byte, code int, msg string) {
	t.Helper()
	var status metav1.Status
	if err := json.Unmarshal(body, &status); err != nil || code != http.StatusForbidden ||
		status.Kind != "Status" || status.Reason != metav1.StatusReasonForbidden || !strings.Contains(status.Message, msg) {
		t.Errorf("%s: %d %.300s\nwant a Forbidden Status containing %s", what, code, body, msg)
	}
}

// eventuallyOK polls until check passes: the delegated authorizer caches a
// deny for a few seconds after a grant.
func eventuallyOK(t *testing.T, what string, check func() (bool, string)) {
	t.Helper()
	var last string
	err := wait.PollUntilContextTimeout(context.Background(), 250*time.Millisecond, 45*time.Second, true,
		func(context.Context) (bool, error) {
			ok, msg := check()
			last = msg
			return ok, nil
		})
	if err != nil {
		t.Fatalf("%s: %s", what, last)
	}
}

// A user who may list pods in demo but not services learns nothing about
// services through pods?serviceName=: on /apis through kube-apiserver (as a
// parameter, as a search label, and on a watch) and on /kapis directly.
// Once allowed to list services there, the filter works.
func TestFilterReadsNeedPermission(t *testing.T) {
	user := uniqueName("reads-pods-only")
	bindRole(t, "demo", user, "", "Role", createRole(t, "demo", user, readRule("pods")))
	waitCanI(t, true, user, "", "list", "pods."+mirrorGroup, "-n", "demo")
	waitCanI(t, true, user, "", "list", "pods", "-n", "demo")
	waitCanI(t, false, user, "", "list", "services", "-n", "demo")
	kube, direct, cfg := impersonating(user)

	missing := `filter "serviceName" reads services: user "` + user + `" cannot list services in namespace "demo"`
	byParam := url.Values{"serviceName": {"nginx"}}
	byLabel := url.Values{"labelSelector": {"search.resources.kubesphere.io/service-name=nginx"}}
	body, code := getRaw(t, kube, apisPrefix+"/namespaces/demo/pods", byParam)
	forbiddenStatus(t, "/apis through kube-apiserver", body, code, missing)
	body, code = getRaw(t, kube, apisPrefix+"/namespaces/demo/pods", byLabel)
	forbiddenStatus(t, "/apis search label", body, code, missing)
	// A bounded watch: without the check it would stream for 3 s and end 200.
	body, code = getRaw(t, kube, apisPrefix+"/namespaces/demo/pods", url.Values{"serviceName": {"nginx"}, "watch": {"true"}, "timeoutSeconds": {"3"}})
	forbiddenStatus(t, "/apis watch", body, code, missing)
	body, code = getRaw(t, direct, kapisPrefix+"/namespaces/demo/pods", byParam)
	forbiddenStatus(t, "/kapis directly", body, code, missing)
	// The same user's other lists still work.
	if l := list(t, kube, apisPrefix+"/namespaces/demo/pods", url.Values{"name": {"nginx"}}); *l.TotalItems == 0 {
		t.Error("pods user lists no nginx pods in demo")
	}

	bindRole(t, "demo", user, "", "Role", createRole(t, "demo", user, readRule("services")))
	waitCanI(t, true, user, "", "list", "services."+mirrorGroup, "-n", "demo")
	waitCanI(t, true, user, "", "list", "services", "-n", "demo")
	want := len(list(t, throughKube(), apisPrefix+"/namespaces/demo/pods", url.Values{"labelSelector": {"app=nginx"}}).Items)
	if want == 0 {
		t.Fatal("no nginx pods in demo")
	}
	for name, c := range map[string]struct {
		client rest.Interface
		path   string
		params url.Values
	}{
		"/apis through kube-apiserver": {kube, apisPrefix, byParam},
		"/apis search label":           {kube, apisPrefix, byLabel},
		"/kapis directly":              {direct, kapisPrefix, byParam},
	} {
		eventuallyOK(t, name+" once services are allowed", func() (bool, string) {
			body, code := getRaw(t, c.client, c.path+"/namespaces/demo/pods", c.params)
			var l listBody
			_ = json.Unmarshal(body, &l)
			return code == http.StatusOK && len(l.Items) == want, string(body)
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w, err := versioned.NewForConfigOrDie(cfg).ResourcesV1alpha3().Pods("demo").Watch(ctx, metav1.ListOptions{
		LabelSelector: "search.resources.kubesphere.io/service-name=nginx",
	})
	if err != nil {
		t.Fatalf("watch with services allowed: %v", err)
	}
	defer w.Stop()
	select {
	case e := <-w.ResultChan():
		if e.Type != "ADDED" {
			t.Errorf("first event of the watch: %s %+v", e.Type, e.Object)
		}
	case <-ctx.Done():
		t.Error("the watch sent no initial event")
	}
}

// A user who may read storage classes but not PVCs gets no
// kubesphere.io/pvc-count, and gets it once allowed to list PVCs
// everywhere; a user who may read nodes gets the node totals only with
// pods everywhere (pods in demo are not enough).
func TestComputedAnnotationsNeedPermission(t *testing.T) {
	scUser := uniqueName("reads-sc-only")
	bindClusterRole(t, scUser, createClusterRole(t, scUser, readRule("storageclasses")))
	nodeUser := uniqueName("reads-nodes-only")
	bindClusterRole(t, nodeUser, createClusterRole(t, nodeUser, readRule("nodes")))
	bindRole(t, "demo", nodeUser, "", "Role", createRole(t, "demo", nodeUser, readRule("pods")))
	waitCanI(t, true, scUser, "", "list", "storageclasses."+mirrorGroup)
	waitCanI(t, true, scUser, "", "list", "storageclasses")
	waitCanI(t, true, nodeUser, "", "list", "nodes."+mirrorGroup)
	waitCanI(t, true, nodeUser, "", "list", "pods", "-n", "demo")
	_, scDirect, _ := impersonating(scUser)
	_, nodeDirect, _ := impersonating(nodeUser)

	read := func(client rest.Interface, path string) (int, string) {
		body, code := getRaw(t, client, kapisPrefix+path, nil)
		return code, string(body)
	}
	for _, c := range []struct {
		client           rest.Interface
		path, annotation string
	}{
		{scDirect, "/storageclasses", "kubesphere.io/pvc-count"},
		{scDirect, "/storageclasses/standard", "kubesphere.io/pvc-count"},
		{nodeDirect, "/nodes", "node.kubesphere.io/"},
		{nodeDirect, "/nodes/node-1", "node.kubesphere.io/"},
	} {
		code, body := read(c.client, c.path)
		if code != http.StatusOK || strings.Contains(body, c.annotation) {
			t.Errorf("%s without the permission: %d, want 200 without %s:\n%.600s", c.path, code, c.annotation, body)
		}
	}

	var standard struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	body, _ := getRaw(t, directClientFor(t, ks), kapisPrefix+"/storageclasses/standard", nil)
	if err := json.Unmarshal(body, &standard); err != nil || standard.Metadata.Annotations["kubesphere.io/pvc-count"] == "" {
		t.Fatalf("the admin's standard storage class has no pvc-count: %s", body)
	}
	count := `"kubesphere.io/pvc-count": "` + standard.Metadata.Annotations["kubesphere.io/pvc-count"] + `"`

	bindClusterRole(t, scUser, createClusterRole(t, scUser, readRule("persistentvolumeclaims")))
	bindClusterRole(t, nodeUser, createClusterRole(t, nodeUser, readRule("pods")))
	waitCanI(t, true, scUser, "", "list", "persistentvolumeclaims."+mirrorGroup, "-A")
	waitCanI(t, true, nodeUser, "", "list", "pods", "-A")
	for _, c := range []struct {
		client           rest.Interface
		path, annotation string
	}{
		{scDirect, "/storageclasses", `"kubesphere.io/pvc-count"`},
		{scDirect, "/storageclasses/standard", count},
		{nodeDirect, "/nodes", "node.kubesphere.io/cpu-requests"},
		{nodeDirect, "/nodes/node-1", "node.kubesphere.io/cpu-requests"},
	} {
		eventuallyOK(t, c.path+" once allowed", func() (bool, string) {
			code, body := read(c.client, c.path)
			return code == http.StatusOK && strings.Contains(body, c.annotation), body
		})
	}
	// The PVCs themselves: in-use reads pods, which scUser may not list.
	if code, body := read(scDirect, "/namespaces/data/persistentvolumeclaims"); code != http.StatusOK ||
		!strings.Contains(body, "postgres-data") || strings.Contains(body, "kubesphere.io/in-use") {
		t.Errorf("PVCs without pods: %d, want them without kubesphere.io/in-use:\n%.600s", code, body)
	}
}
