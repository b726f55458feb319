package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
)

// The mirror never widens access: every request below goes through
// kube-apiserver as an impersonated user, so kube-apiserver checks the
// resources.kubesphere.io permission and ks-apiserver checks it again together
// with the upstream one.

const mirrorGroup = "resources.kubesphere.io"

// A user bound to the built-in view role in one namespace reads the mirrors
// there and nowhere else.
func TestAuthorizationViewInOneNamespace(t *testing.T) {
	aggregateBuiltinRoles(t)
	user := uniqueName("authz-view")
	bindRole(t, "demo", user, "", "ClusterRole", "view")
	waitCanI(t, true, user, "", "list", "pods."+mirrorGroup, "-n", "demo")
	waitCanI(t, true, user, "", "list", "deployments."+mirrorGroup, "-n", "demo")

	if pods := nonEmptyLines(mustKubectl(t, "get", "pods."+mirrorGroup, "-n", "demo", "-o", "name", "--as", user)); len(pods) == 0 {
		t.Error("view user lists no pods in demo")
	}
	if deps := nonEmptyLines(mustKubectl(t, "get", "deployments."+mirrorGroup, "-n", "demo", "-o", "name", "--as", user)); len(deps) == 0 {
		t.Error("view user lists no deployments in demo")
	}
	// view reads its own namespace object, upstream and through the mirror.
	mustKubectl(t, "get", "namespaces."+mirrorGroup, "demo", "-o", "name", "--as", user)

	expectForbidden(t, []string{"get", "pods." + mirrorGroup, "-A", "--as", user},
		`cannot list resource "pods" in API group "resources.kubesphere.io" at the cluster scope`)
	expectForbidden(t, []string{"get", "pods." + mirrorGroup, "-n", "web-shop", "--as", user},
		`cannot list resource "pods" in API group "resources.kubesphere.io" in the namespace "web-shop"`)
	expectForbidden(t, []string{"get", "deployments." + mirrorGroup, "-n", "data", "--as", user},
		`cannot list resource "deployments" in API group "resources.kubesphere.io" in the namespace "data"`)
	// Cluster-scoped resources are not in view, upstream or mirrored.
	expectForbidden(t, []string{"get", "nodes." + mirrorGroup, "--as", user},
		`cannot list resource "nodes" in API group "resources.kubesphere.io" at the cluster scope`)
	expectForbidden(t, []string{"get", "namespaces." + mirrorGroup, "--as", user},
		`cannot list resource "namespaces" in API group "resources.kubesphere.io" at the cluster scope`)
}

// The same through a group binding, as teams are usually granted access.
func TestAuthorizationViewThroughGroup(t *testing.T) {
	aggregateBuiltinRoles(t)
	group := uniqueName("authz-team")
	user := uniqueName("authz-member")
	bindRole(t, "web-shop", "", group, "ClusterRole", "view")
	waitCanI(t, true, user, group, "list", "pods."+mirrorGroup, "-n", "web-shop")

	out := mustKubectl(t, "get", "pods."+mirrorGroup, "-n", "web-shop", "-o", "name", "--as", user, "--as-group", group)
	if len(nonEmptyLines(out)) == 0 {
		t.Error("group member lists no pods in web-shop")
	}
	expectForbidden(t, []string{"get", "pods." + mirrorGroup, "-n", "demo", "--as", user, "--as-group", group},
		`in the namespace "demo"`)
	// Without the group, the same user has nothing.
	expectForbidden(t, []string{"get", "pods." + mirrorGroup, "-n", "web-shop", "--as", user},
		`in the namespace "web-shop"`)
}

// Rights on resources.kubesphere.io alone are not enough: ks-apiserver
// denies, and says which upstream permission is missing.
func TestAuthorizationMirrorRightsWithoutUpstream(t *testing.T) {
	user := uniqueName("authz-mirror-only")
	role := createRole(t, "data", user, rbacv1.PolicyRule{
		APIGroups: []string{mirrorGroup}, Resources: []string{"pods", "deployments"}, Verbs: []string{"get", "list"},
	})
	bindRole(t, "data", user, "", "Role", role)
	waitCanI(t, true, user, "", "list", "pods."+mirrorGroup, "-n", "data")
	waitCanI(t, false, user, "", "list", "pods", "-n", "data")

	expectForbidden(t, []string{"get", "pods." + mirrorGroup, "-n", "data", "--as", user},
		`resources.kubesphere.io mirrors pods: user "`+user+`" cannot list pods in namespace "data"`)
	pod := strings.TrimPrefix(nonEmptyLines(mustKubectl(t, "get", "pods", "-n", "data", "-o", "name"))[0], "pod/")
	expectForbidden(t, []string{"get", "pods." + mirrorGroup, pod, "-n", "data", "--as", user},
		`resources.kubesphere.io mirrors pods: user "`+user+`" cannot get pods "`+pod+`" in namespace "data"`)
	expectForbidden(t, []string{"get", "deployments." + mirrorGroup, "-n", "data", "--as", user},
		`resources.kubesphere.io mirrors deployments.apps: user "`+user+`" cannot list deployments.apps in namespace "data"`)
}

// Upstream rights alone do not open the mirror: kube-apiserver already
// denies the resources.kubesphere.io request.
func TestAuthorizationUpstreamRightsWithoutMirror(t *testing.T) {
	user := uniqueName("authz-upstream-only")
	role := createRole(t, "data", user, rbacv1.PolicyRule{
		APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"},
	})
	bindRole(t, "data", user, "", "Role", role)
	waitCanI(t, true, user, "", "list", "pods", "-n", "data")

	if len(nonEmptyLines(mustKubectl(t, "get", "pods", "-n", "data", "-o", "name", "--as", user))) == 0 {
		t.Error("user lists no core pods in data")
	}
	expectForbidden(t, []string{"get", "pods." + mirrorGroup, "-n", "data", "--as", user},
		`User "`+user+`" cannot list resource "pods" in API group "resources.kubesphere.io" in the namespace "data"`)
}

// Cluster-scoped mirrors need the cluster-scoped upstream permission.
func TestAuthorizationClusterScoped(t *testing.T) {
	both := uniqueName("authz-nodes-both")
	mirrorOnly := uniqueName("authz-nodes-mirror")
	mirrorRole := createClusterRole(t, mirrorOnly, rbacv1.PolicyRule{
		APIGroups: []string{mirrorGroup}, Resources: []string{"nodes"}, Verbs: []string{"get", "list"},
	})
	upstreamRole := createClusterRole(t, both, rbacv1.PolicyRule{
		APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list"},
	})
	bindClusterRole(t, both, mirrorRole)
	bindClusterRole(t, both, upstreamRole)
	bindClusterRole(t, mirrorOnly, mirrorRole)
	waitCanI(t, true, both, "", "list", "nodes")
	waitCanI(t, true, both, "", "list", "nodes."+mirrorGroup)
	waitCanI(t, true, mirrorOnly, "", "list", "nodes."+mirrorGroup)

	got := nonEmptyLines(mustKubectl(t, "get", "nodes."+mirrorGroup, "-o", "name", "--as", both))
	for _, node := range controlplane.DemoNodes {
		if !slices.Contains(got, "node."+mirrorGroup+"/"+node) {
			t.Errorf("user with both permissions does not see %s: %v", node, got)
		}
	}
	expectForbidden(t, []string{"get", "nodes." + mirrorGroup, "--as", mirrorOnly},
		`resources.kubesphere.io mirrors nodes: user "`+mirrorOnly+`" cannot list nodes at the cluster scope`)
	expectForbidden(t, []string{"get", "nodes." + mirrorGroup, controlplane.DemoNodes[0], "--as", mirrorOnly},
		`resources.kubesphere.io mirrors nodes: user "`+mirrorOnly+`" cannot get nodes "`+controlplane.DemoNodes[0]+`" at the cluster scope`)
}

// Secrets are in edit (and admin), never in view, as upstream.
func TestAuthorizationSecretsNeedEdit(t *testing.T) {
	aggregateBuiltinRoles(t)
	editor := uniqueName("authz-edit")
	viewer := uniqueName("authz-viewer")
	bindRole(t, "demo", editor, "", "ClusterRole", "edit")
	bindRole(t, "demo", viewer, "", "ClusterRole", "view")
	waitCanI(t, true, editor, "", "list", "secrets."+mirrorGroup, "-n", "demo")
	waitCanI(t, true, viewer, "", "list", "pods."+mirrorGroup, "-n", "demo")

	mustKubectl(t, "get", "secrets."+mirrorGroup, "-n", "demo", "--as", editor)
	expectForbidden(t, []string{"get", "secrets." + mirrorGroup, "-n", "kube-system", "--as", editor},
		`in the namespace "kube-system"`)
	expectForbidden(t, []string{"get", "secrets." + mirrorGroup, "-n", "demo", "--as", viewer},
		`cannot list resource "secrets" in API group "resources.kubesphere.io" in the namespace "demo"`)
}

// uniqueName keeps users and roles of one run apart from every other: the
// delegated authorizer caches answers per user for a few seconds.
func uniqueName(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

func rbacClient(t *testing.T) kubernetes.Interface {
	t.Helper()
	client, err := kubernetes.NewForConfig(cp.Admin)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// bindRole binds a user or a group to a Role or ClusterRole in a namespace,
// removed when the test ends.
func bindRole(t *testing.T, namespace, user, group, kind, role string) {
	t.Helper()
	subject := rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}
	if group != "" {
		subject = rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: group}
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: uniqueName(subject.Name)},
		Subjects:   []rbacv1.Subject{subject},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: kind, Name: role},
	}
	client := rbacClient(t)
	if _, err := client.RbacV1().RoleBindings(namespace).Create(context.Background(), binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.RbacV1().RoleBindings(namespace).Delete(context.Background(), binding.Name, metav1.DeleteOptions{})
	})
}

func createRole(t *testing.T, namespace, prefix string, rules ...rbacv1.PolicyRule) string {
	t.Helper()
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: uniqueName(prefix)}, Rules: rules}
	client := rbacClient(t)
	if _, err := client.RbacV1().Roles(namespace).Create(context.Background(), role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.RbacV1().Roles(namespace).Delete(context.Background(), role.Name, metav1.DeleteOptions{})
	})
	return role.Name
}

func createClusterRole(t *testing.T, prefix string, rules ...rbacv1.PolicyRule) string {
	t.Helper()
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: uniqueName(prefix)}, Rules: rules}
	client := rbacClient(t)
	if _, err := client.RbacV1().ClusterRoles().Create(context.Background(), role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.RbacV1().ClusterRoles().Delete(context.Background(), role.Name, metav1.DeleteOptions{})
	})
	return role.Name
}

func bindClusterRole(t *testing.T, user, role string) {
	t.Helper()
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: uniqueName(user)},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
	}
	client := rbacClient(t)
	if _, err := client.RbacV1().ClusterRoleBindings().Create(context.Background(), binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.RbacV1().ClusterRoleBindings().Delete(context.Background(), binding.Name, metav1.DeleteOptions{})
	})
}

// waitCanI waits until kube-apiserver's RBAC (fed by informers) answers as
// expected. Asking kube-apiserver, not ks-apiserver, keeps a premature deny
// out of ks-apiserver's authorization cache.
func waitCanI(t *testing.T, want bool, user, group string, args ...string) {
	t.Helper()
	args = append([]string{"auth", "can-i"}, args...)
	args = append(args, "--as", user)
	if group != "" {
		args = append(args, "--as-group", group)
	}
	wantOut := map[bool]string{true: "yes", false: "no"}[want]
	var last string
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 20*time.Second, true,
		func(context.Context) (bool, error) {
			out, errOut, _ := kubectl(t, args...)
			last = strings.TrimSpace(out + errOut)
			return strings.TrimSpace(out) == wantOut, nil
		})
	if err != nil {
		t.Fatalf("kubectl %s: %q, want %s", strings.Join(args, " "), last, wantOut)
	}
}

// expectForbidden runs kubectl and wants a Forbidden error containing msg.
func expectForbidden(t *testing.T, args []string, msg string) {
	t.Helper()
	out, errOut, err := kubectl(t, args...)
	if err == nil {
		t.Errorf("kubectl %s succeeded, want Forbidden:\n%s", strings.Join(args, " "), out)
		return
	}
	if !strings.Contains(errOut, "(Forbidden)") || !strings.Contains(errOut, msg) {
		t.Errorf("kubectl %s:\n  %s\nwant Forbidden containing\n  %s", strings.Join(args, " "), strings.TrimSpace(errOut), msg)
	}
}

func nonEmptyLines(s string) []string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// aggregateBuiltinRoles does the work of kube-controller-manager's
// clusterrole-aggregation controller, which the local control plane does not
// run: it fills view, edit and admin with the rules of the ClusterRoles their
// aggregation rules select, artifacts/deploy/aggregate-roles.yaml included.
// view goes first because edit aggregates it, and edit before admin.
func aggregateBuiltinRoles(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	client := rbacClient(t).RbacV1().ClusterRoles()
	for _, name := range []string{"view", "edit", "admin"} {
		role, err := client.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if role.AggregationRule == nil {
			t.Fatalf("ClusterRole %s has no aggregation rule", name)
		}
		all, err := client.List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var rules []rbacv1.PolicyRule
		for _, sel := range role.AggregationRule.ClusterRoleSelectors {
			selector, err := metav1.LabelSelectorAsSelector(&sel)
			if err != nil {
				t.Fatal(err)
			}
			for _, other := range all.Items {
				if other.Name == name || !selector.Matches(labels.Set(other.Labels)) {
					continue
				}
				for _, rule := range other.Rules {
					if !slices.ContainsFunc(rules, func(r rbacv1.PolicyRule) bool { return equality.Semantic.DeepEqual(r, rule) }) {
						rules = append(rules, rule)
					}
				}
			}
		}
		if equality.Semantic.DeepEqual(rules, role.Rules) {
			continue
		}
		role.Rules = rules
		if _, err := client.Update(ctx, role, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("aggregate ClusterRole %s: %v", name, err)
		}
	}
}

// The built-in view, edit and admin roles read each mirror in a namespace
// exactly when they read its upstream resource there, as kube-apiserver's
// bootstrap policy says (the oracle), with artifacts/deploy/aggregate-roles.yaml
// aggregated into them.
func TestAggregatedRolesMatchUpstream(t *testing.T) {
	aggregateBuiltinRoles(t)
	ctx := context.Background()
	reviews := rbacClient(t).AuthorizationV1().SubjectAccessReviews()
	for _, role := range []string{"view", "edit", "admin"} {
		user := uniqueName("authz-aggregated-" + role)
		bindRole(t, "demo", user, "", "ClusterRole", role)
		waitCanI(t, true, user, "", "list", "pods."+mirrorGroup, "-n", "demo")
		allowed := func(verb, group, resource string) bool {
			t.Helper()
			review, err := reviews.Create(ctx, &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
				User: user,
				ResourceAttributes: &authorizationv1.ResourceAttributes{
					Namespace: "demo", Verb: verb, Group: group, Resource: resource,
				},
			}}, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return review.Status.Allowed
		}
		// list only: get and watch share its rules in every role, which
		// TestDeployAggregateRolesFollowDesign checks.
		readable := 0
		for _, res := range registryresources.All() {
			upstream := allowed("list", res.Upstream.Group, res.Upstream.Resource)
			mirrored := allowed("list", mirrorGroup, res.Name)
			if upstream != mirrored {
				t.Errorf("%s in demo: list %s upstream allowed %v, %s.%s allowed %v", role, res.Upstream.GroupResource(), upstream, res.Name, mirrorGroup, mirrored)
			}
			if mirrored {
				readable++
			}
		}
		t.Logf("%s lists %d mirrors in a namespace", role, readable)
	}
}
