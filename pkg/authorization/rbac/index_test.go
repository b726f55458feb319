package rbac_test

import (
	"fmt"
	"sync"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/ks-apiserver/ks-apiserver/pkg/authorization/rbac"
	"github.com/ks-apiserver/ks-apiserver/pkg/query"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
)

// indexSource reads the same query indexes (and subject groups) the mirror
// caches keep, built from the registry's declarations of the four RBAC
// resources.
type indexSource map[string]*query.Index

func newIndexSource(t testing.TB) indexSource {
	s := indexSource{}
	for _, res := range registryresources.All() {
		if res.Upstream.Group == rbacv1.GroupName {
			res.CompleteQuery()
			s[res.Name] = query.NewIndex(res.QueryType())
		}
	}
	if len(s) != 4 {
		t.Fatalf("%d RBAC resources declared, want 4", len(s))
	}
	return s
}

func (s indexSource) Synced() bool { return true }
func (s indexSource) Get(resource, ns, name string) (runtime.Object, bool) {
	return s[resource].Get(ns, name)
}
func (s indexSource) Group(resource, group, key string) []runtime.Object {
	return s[resource].Group(group, key)
}

func (s indexSource) set(t testing.TB, resource string, obj runtime.Object) {
	if err := s[resource].Set(obj); err != nil {
		t.Fatal(err)
	}
}

var readPods = []rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}}}

// TestIndexFollowsBindingChanges: the subject groups follow updates (a
// subject replaced) and deletes, so decisions follow the informer events.
func TestIndexFollowsBindingChanges(t *testing.T) {
	s := newIndexSource(t)
	s.set(t, rbac.Roles, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: "web", Name: "reader"}, Rules: readPods})
	binding := func(subject string) *rbacv1.RoleBinding {
		return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "web", Name: "b"},
			RoleRef:  rbacv1.RoleRef{Kind: "Role", Name: "reader"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: subject}}}
	}
	get := func(name string) authorizer.AttributesRecord {
		return authorizer.AttributesRecord{User: &user.DefaultInfo{Name: name}, Verb: "get", Resource: "pods", Namespace: "web", ResourceRequest: true}
	}
	check := func(step string, alice, bob bool) {
		t.Helper()
		if got, _ := rbac.Allows(s, get("alice")); got != alice {
			t.Errorf("%s: alice allowed %v, want %v", step, got, alice)
		}
		if got, _ := rbac.Allows(s, get("bob")); got != bob {
			t.Errorf("%s: bob allowed %v, want %v", step, got, bob)
		}
	}
	check("no binding", false, false)
	s.set(t, rbac.RoleBindings, binding("alice"))
	check("alice bound", true, false)
	s.set(t, rbac.RoleBindings, binding("bob"))
	check("binding now names bob", false, true)
	s[rbac.RoleBindings].Delete(binding("bob"))
	check("binding deleted", false, false)
}

// TestIndexConcurrentEvents runs decisions while bindings change; with
// -race it checks that reads and informer events share nothing unsafely.
func TestIndexConcurrentEvents(t *testing.T) {
	s := newIndexSource(t)
	s.set(t, rbac.ClusterRoles, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "reader"}, Rules: readPods})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 2000 {
			b := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("b%d", i%10)},
				RoleRef:  rbacv1.RoleRef{Kind: "ClusterRole", Name: "reader"},
				Subjects: []rbacv1.Subject{{Kind: rbacv1.GroupKind, Name: fmt.Sprintf("g%d", i%3)}}}
			if i%4 == 3 {
				s[rbac.ClusterRoleBindings].Delete(b)
			} else if err := s[rbac.ClusterRoleBindings].Set(b); err != nil {
				t.Error(err)
			}
		}
	}()
	a := authorizer.AttributesRecord{User: &user.DefaultInfo{Name: "u", Groups: []string{"g1"}}, Verb: "get", Resource: "pods", ResourceRequest: true}
	for range 2000 {
		rbac.Allows(s, a)
	}
	wg.Wait()
}

// BenchmarkAllows: one decision among many bindings of other subjects reads
// only the caller's bindings (compare -bench with 10 and 10000 others).
func BenchmarkAllows(b *testing.B) {
	for _, others := range []int{10, 10000} {
		b.Run(fmt.Sprintf("others=%d", others), func(b *testing.B) {
			s := newIndexSource(b)
			s.set(b, rbac.ClusterRoles, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "reader"}, Rules: readPods})
			for i := range others {
				s.set(b, rbac.RoleBindings, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "web", Name: fmt.Sprintf("other-%d", i)},
					RoleRef:  rbacv1.RoleRef{Kind: "ClusterRole", Name: "reader"},
					Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: fmt.Sprintf("user-%d", i)}}})
			}
			s.set(b, rbac.RoleBindings, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "web", Name: "mine"},
				RoleRef:  rbacv1.RoleRef{Kind: "ClusterRole", Name: "reader"},
				Subjects: []rbacv1.Subject{{Kind: rbacv1.GroupKind, Name: "devs"}}})
			a := authorizer.AttributesRecord{User: &user.DefaultInfo{Name: "alice", Groups: []string{"devs", "system:authenticated"}},
				Verb: "get", Resource: "pods", Namespace: "web", ResourceRequest: true}
			b.ReportAllocs()
			for b.Loop() {
				if ok, _ := rbac.Allows(s, a); !ok {
					b.Fatal("not allowed")
				}
			}
		})
	}
}
