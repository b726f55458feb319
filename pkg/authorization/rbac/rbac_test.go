package rbac

import (
	"context"
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
)

// fakeSource finds bindings by scanning with the same key functions the
// cache groups use.
type fakeSource struct {
	objs   []runtime.Object
	synced bool
}

func (f *fakeSource) Synced() bool { return f.synced }

func (f *fakeSource) Get(resource, namespace, name string) (runtime.Object, bool) {
	for _, o := range f.objs {
		switch r := o.(type) {
		case *rbacv1.Role:
			if resource == Roles && r.Namespace == namespace && r.Name == name {
				return r, true
			}
		case *rbacv1.ClusterRole:
			if resource == ClusterRoles && r.Name == name {
				return r, true
			}
		}
	}
	return nil, false
}

func (f *fakeSource) Group(resource, group, key string) []runtime.Object {
	if group != SubjectGroup {
		return nil
	}
	var out []runtime.Object
	for _, o := range f.objs {
		switch b := o.(type) {
		case *rbacv1.RoleBinding:
			if resource == RoleBindings && slices.Contains(RoleBindingKeys(b), key) {
				out = append(out, b)
			}
		case *rbacv1.ClusterRoleBinding:
			if resource == ClusterRoleBindings && slices.Contains(ClusterRoleBindingKeys(b), key) {
				out = append(out, b)
			}
		}
	}
	return out
}

func role(ns, name string, rules ...rbacv1.PolicyRule) *rbacv1.Role {
	return &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Rules: rules}
}

func clusterRole(name string, rules ...rbacv1.PolicyRule) *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}
}

func roleBinding(ns, name, kind, roleName string, subjects ...rbacv1.Subject) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: kind, Name: roleName}, Subjects: subjects}
}

func clusterRoleBinding(name, roleName string, subjects ...rbacv1.Subject) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: roleName}, Subjects: subjects}
}

func u(name string) rbacv1.Subject { return rbacv1.Subject{Kind: rbacv1.UserKind, Name: name} }
func g(name string) rbacv1.Subject { return rbacv1.Subject{Kind: rbacv1.GroupKind, Name: name} }
func sa(ns, name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: name}
}

func res(user user.Info, verb, group, resource, sub, ns, name string) authorizer.AttributesRecord {
	return authorizer.AttributesRecord{User: user, Verb: verb, APIGroup: group, APIVersion: "v1", Resource: resource,
		Subresource: sub, Namespace: ns, Name: name, ResourceRequest: true}
}

func nonRes(user user.Info, verb, path string) authorizer.AttributesRecord {
	return authorizer.AttributesRecord{User: user, Verb: verb, Path: path}
}

func TestAllows(t *testing.T) {
	src := &fakeSource{synced: true, objs: []runtime.Object{
		role("web", "pod-reader", rbacv1.PolicyRule{Verbs: []string{"get", "list"}, APIGroups: []string{""}, Resources: []string{"pods"}}),
		role("web", "one-cm", rbacv1.PolicyRule{Verbs: []string{"get", "update", "list"}, APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"app"}}),
		role("web", "logs", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods/log"}}),
		role("web", "any-status", rbacv1.PolicyRule{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*/status"}}),
		clusterRole("deploy-all", rbacv1.PolicyRule{Verbs: []string{"*"}, APIGroups: []string{"apps"}, Resources: []string{"*"}}),
		clusterRole("health", rbacv1.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz", "/metrics/*", "/logs*"}}),
		clusterRole("aggregated", rbacv1.PolicyRule{Verbs: []string{"watch"}, APIGroups: []string{""}, Resources: []string{"secrets"}}),
		clusterRole("nodes", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"nodes"}}),

		roleBinding("web", "alice-pods", "Role", "pod-reader", u("alice")),
		roleBinding("web", "alice-cm", "Role", "one-cm", u("alice")),
		roleBinding("web", "devs-logs", "Role", "logs", g("devs")),
		roleBinding("web", "local-sa", "Role", "any-status", rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: "builder"}),
		roleBinding("web", "deployers", "ClusterRole", "deploy-all", u("bob")),
		roleBinding("web", "missing", "Role", "no-such-role", u("carol")),
		roleBinding("web", "health-in-ns", "ClusterRole", "health", u("dave")),
		clusterRoleBinding("health", "health", g("system:authenticated")),
		clusterRoleBinding("agg", "aggregated", sa("ops", "watcher")),
		clusterRoleBinding("nodes", "nodes", u("erin")),
	}}
	alice := &user.DefaultInfo{Name: "alice", Groups: []string{"system:authenticated"}}
	bob := &user.DefaultInfo{Name: "bob", Groups: []string{"devs", "system:authenticated"}}
	carol := &user.DefaultInfo{Name: "carol"}
	dave := &user.DefaultInfo{Name: "dave"}
	erin := &user.DefaultInfo{Name: "erin"}
	builder := &user.DefaultInfo{Name: "system:serviceaccount:web:builder", Groups: []string{"system:serviceaccounts", "system:serviceaccounts:web"}}
	otherBuilder := &user.DefaultInfo{Name: "system:serviceaccount:ci:builder"}
	watcher := &user.DefaultInfo{Name: "system:serviceaccount:ops:watcher"}
	fakeWatcher := &user.DefaultInfo{Name: "ServiceAccount:ops:watcher"}

	for _, c := range []struct {
		name string
		a    authorizer.AttributesRecord
		want bool
	}{
		{"role in its namespace", res(alice, "get", "", "pods", "", "web", "p"), true},
		{"list needs no name", res(alice, "list", "", "pods", "", "web", ""), true},
		{"verb not granted", res(alice, "delete", "", "pods", "", "web", "p"), false},
		{"other namespace", res(alice, "get", "", "pods", "", "db", "p"), false},
		{"all namespaces needs a cluster binding", res(alice, "list", "", "pods", "", "", ""), false},
		{"other group", res(alice, "get", "apps", "pods", "", "web", "p"), false},
		{"subresource not in pods", res(alice, "get", "", "pods", "log", "web", "p"), false},
		{"resourceNames match", res(alice, "get", "", "configmaps", "", "web", "app"), true},
		{"resourceNames other name", res(alice, "get", "", "configmaps", "", "web", "db"), false},
		{"resourceNames never for list", res(alice, "list", "", "configmaps", "", "web", ""), false},
		{"resourceNames with subresource", res(alice, "get", "", "configmaps", "x", "web", "app"), false},
		{"group subject", res(bob, "get", "", "pods", "log", "web", "p"), true},
		{"group subresource only", res(bob, "get", "", "pods", "", "web", "p"), false},
		{"cluster role in a role binding", res(bob, "delete", "apps", "deployments", "scale", "web", "d"), true},
		{"cluster role in a role binding is namespaced", res(bob, "delete", "apps", "deployments", "", "db", "d"), false},
		{"cluster role in a role binding, not cluster-wide", res(bob, "list", "apps", "deployments", "", "", ""), false},
		{"missing role grants nothing", res(carol, "get", "", "pods", "", "web", "p"), false},
		{"service account with the binding's namespace", res(builder, "patch", "batch", "jobs", "status", "web", "j"), true},
		{"*/status is not the resource", res(builder, "patch", "batch", "jobs", "", "web", "j"), false},
		{"same service account name, other namespace", res(otherBuilder, "patch", "batch", "jobs", "status", "web", "j"), false},
		{"service account in a cluster binding", res(watcher, "watch", "", "secrets", "", "", ""), true},
		{"service account in a cluster binding, namespaced", res(watcher, "watch", "", "secrets", "", "kube-system", ""), true},
		{"a user named like a key is not the service account", res(fakeWatcher, "watch", "", "secrets", "", "", ""), false},
		{"cluster-scoped", res(erin, "get", "", "nodes", "", "", "n1"), true},
		{"non-resource exact", nonRes(alice, "get", "/healthz"), true},
		{"non-resource exact only", nonRes(alice, "get", "/healthz/etcd"), false},
		{"non-resource prefix", nonRes(alice, "get", "/metrics/cadvisor"), true},
		{"non-resource prefix needs the slash", nonRes(alice, "get", "/metrics"), false},
		{"non-resource prefix without slash", nonRes(alice, "get", "/logsfoo/x"), true},
		{"non-resource verb", nonRes(alice, "post", "/healthz"), false},
		{"non-resource only through cluster bindings", nonRes(dave, "get", "/healthz"), false},
		{"no groups, no group bindings", nonRes(carol, "get", "/healthz"), false},
	} {
		got, reason := Allows(src, c.a)
		if got != c.want {
			t.Errorf("%s: Allows = %v (%s), want %v", c.name, got, reason, c.want)
		}
	}
}

func TestAuthorizerDelegates(t *testing.T) {
	src := &fakeSource{objs: []runtime.Object{
		clusterRole("reader", rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}}),
		clusterRoleBinding("reader", "reader", u("alice")),
	}}
	var asked []string
	delegate := authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		asked = append(asked, a.GetVerb())
		return authorizer.DecisionDeny, "delegate says no", nil
	})
	authz := New(src, delegate)
	alice := &user.DefaultInfo{Name: "alice"}
	ctx := context.Background()

	// Not synced: everything goes to the delegate, even what RBAC allows.
	if d, _, _ := authz.Authorize(ctx, res(alice, "get", "", "pods", "", "web", "p")); d != authorizer.DecisionDeny {
		t.Errorf("unsynced: decision %v, want the delegate's deny", d)
	}
	src.synced = true
	d, reason, err := authz.Authorize(ctx, res(alice, "get", "", "pods", "", "web", "p"))
	if d != authorizer.DecisionAllow || err != nil {
		t.Errorf("synced: decision %v (%s, %v), want allow", d, reason, err)
	}
	if cd := authz.ConditionsAwareAuthorize(ctx, res(alice, "get", "", "pods", "", "web", "p")); !cd.IsAllow() {
		t.Errorf("conditions-aware: %v, want allow", cd)
	}
	d, reason, _ = authz.Authorize(ctx, res(alice, "delete", "", "pods", "", "web", "p"))
	if d != authorizer.DecisionDeny || reason != "delegate says no" {
		t.Errorf("not allowed by RBAC: %v %q, want the delegate's answer unchanged", d, reason)
	}
	if want := []string{"get", "delete"}; !slices.Equal(asked, want) {
		t.Errorf("delegate asked about %v, want %v", asked, want)
	}
}

func TestSubjectKeys(t *testing.T) {
	rb := roleBinding("web", "b", "Role", "r", u("a"), u("a"), g("g"), rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: "s"}, rbacv1.Subject{Kind: "Other", Name: "x"})
	want := []string{"web/Group:g", "web/ServiceAccount:web:s", "web/User:a"}
	if got := RoleBindingKeys(rb); !slices.Equal(got, want) {
		t.Errorf("RoleBindingKeys = %v, want %v", got, want)
	}
	crb := clusterRoleBinding("b", "r", rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: "no-namespace"}, sa("ns", "s"))
	if got, want := ClusterRoleBindingKeys(crb), []string{"/ServiceAccount:ns:s"}; !slices.Equal(got, want) {
		t.Errorf("ClusterRoleBindingKeys = %v, want %v", got, want)
	}
}
