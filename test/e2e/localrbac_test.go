package e2e

import (
	"bufio"
	"context"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"github.com/ks-apiserver/ks-apiserver/pkg/apiserver"
	"github.com/ks-apiserver/ks-apiserver/pkg/authorization/rbac"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
	registryresources "github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
	"github.com/ks-apiserver/ks-apiserver/test/controlplane"
)

// TestLocalRBACAgreesWithSubjectAccessReview creates random Roles,
// ClusterRoles (aggregated ones with their stored rules among them) and
// bindings of users, groups and service accounts, then asks thousands of
// random questions both of the local RBAC evaluator and of kube-apiserver
// (SubjectAccessReview; the suite's kube-apiserver authorizes with RBAC
// only, and no caller is in system:masters). The local answer must be
// kube-apiserver's: never an allow it denies, never a deny it allows.
//
// The evaluator runs in this process over the same mirror caches, indexes
// and subject groups ks-apiserver serves from, fed by informers of the same
// kube-apiserver: through ks-apiserver the fast path's answer could not be
// told from the SubjectAccessReview behind it. TestLocalRBACSkipsSubjectAccessReview
// checks that the server uses it.
//
// KS_RBAC_SEED repeats a run; KS_RBAC_CASES sets the number of questions.
func TestLocalRBACAgreesWithSubjectAccessReview(t *testing.T) {
	seed := time.Now().UnixNano()
	if s := os.Getenv("KS_RBAC_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseInt(s, 10, 64); err != nil {
			t.Fatalf("KS_RBAC_SEED: %v", err)
		}
	}
	cases := 4000
	if s := os.Getenv("KS_RBAC_CASES"); s != "" {
		cases, _ = strconv.Atoi(s)
	}
	t.Logf("seed %d (KS_RBAC_SEED=%d repeats this run), %d cases", seed, seed, cases)
	rng := mrand.New(mrand.NewPCG(uint64(seed), uint64(seed>>32)))

	ctx := context.Background()
	adminCfg := rest.CopyConfig(cp.Admin)
	adminCfg.QPS, adminCfg.Burst = 500, 1000
	client := kubernetes.NewForConfigOrDie(adminCfg)

	w := newRBACWorld(rng, uniqueName("lrbac"))
	w.create(t, ctx, client)

	src := localRBACSource(t, ctx)
	// The sentinels are created last of each kind: once both answers allow
	// them, every object of the world is in both caches.
	for _, a := range w.sentinels() {
		waitAgree(t, ctx, client, src, a)
	}

	type result struct {
		a           authorizer.AttributesRecord
		local, sar  bool
		why, sarWhy string
	}
	questions := make(chan authorizer.AttributesRecord)
	results := make(chan result)
	var workers sync.WaitGroup
	for range 4 {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for a := range questions {
				local, why := rbac.Allows(src, a)
				sar, err := client.AuthorizationV1().SubjectAccessReviews().Create(ctx, toSAR(a), metav1.CreateOptions{})
				if err != nil {
					t.Errorf("SubjectAccessReview: %v", err)
					continue
				}
				results <- result{a: a, local: local, sar: sar.Status.Allowed, why: why, sarWhy: sar.Status.Reason}
			}
		}()
	}
	go func() {
		for range cases {
			questions <- w.question(rng)
		}
		close(questions)
		workers.Wait()
		close(results)
	}()

	var allowed, denied, falseAllow, falseDeny int
	for r := range results {
		switch {
		case r.local && r.sar:
			allowed++
		case !r.local && !r.sar:
			denied++
		case r.local:
			falseAllow++
			if falseAllow <= 10 {
				t.Errorf("local RBAC allows what kube-apiserver denies: %s: %s / %s", describe(r.a), r.why, r.sarWhy)
			}
		default:
			falseDeny++
			if falseDeny <= 10 {
				t.Errorf("kube-apiserver's RBAC allows what local RBAC does not: %s: %s", describe(r.a), r.sarWhy)
			}
		}
	}
	t.Logf("%d questions (seed %d): %d allowed by both, %d denied by both, %d allowed only locally, %d only by kube-apiserver",
		allowed+denied+falseAllow+falseDeny, seed, allowed, denied, falseAllow, falseDeny)
	if total := allowed + denied + falseAllow + falseDeny; total != cases {
		t.Errorf("%d answers for %d questions", total, cases)
	}
	// Random questions that are almost all denied would prove little.
	if allowed < cases/10 || denied < cases/10 {
		t.Errorf("too one-sided to compare: %d allowed, %d denied of %d", allowed, denied, cases)
	}
}

// localRBACSource is ks-apiserver's RBAC source (mirror caches with their
// subject groups) over informers of the suite's kube-apiserver.
func localRBACSource(t *testing.T, ctx context.Context) rbac.Source {
	t.Helper()
	client := kubernetes.NewForConfigOrDie(cp.Admin)
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTransform(mirror.Compact))
	var resources []mirror.Resource
	for _, res := range registryresources.All() {
		if res.Upstream.Group == rbacv1.GroupName {
			resources = append(resources, res)
		}
	}
	if len(resources) != 4 {
		t.Fatalf("%d mirrored RBAC resources, want 4", len(resources))
	}
	upstream := mirror.NewCaches(client.Discovery(), resources, time.Minute, 0, mirror.InformerSource{
		ForResource: func(gvr schema.GroupVersionResource) (cache.SharedIndexInformer, error) {
			inf, err := factory.ForResource(gvr)
			if err != nil {
				return nil, err
			}
			return inf.Informer(), nil
		},
		Start: factory.Start,
	})
	runCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	go upstream.Run(runCtx)
	src := apiserver.RBACSource(upstream)
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true,
		func(context.Context) (bool, error) { return src.Synced(), nil }); err != nil {
		t.Fatal("the RBAC caches never synced")
	}
	return src
}

// waitAgree waits until both the local evaluator and kube-apiserver allow a.
func waitAgree(t *testing.T, ctx context.Context, client kubernetes.Interface, src rbac.Source, a authorizer.AttributesRecord) {
	t.Helper()
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		if ok, _ := rbac.Allows(src, a); !ok {
			return false, nil
		}
		sar, err := client.AuthorizationV1().SubjectAccessReviews().Create(ctx, toSAR(a), metav1.CreateOptions{})
		return err == nil && sar.Status.Allowed, nil
	})
	if err != nil {
		t.Fatalf("sentinel %s never allowed by both", describe(a))
	}
}

func toSAR(a authorizer.AttributesRecord) *authorizationv1.SubjectAccessReview {
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: a.User.GetName(), Groups: a.User.GetGroups(),
	}}
	if a.ResourceRequest {
		sar.Spec.ResourceAttributes = &authorizationv1.ResourceAttributes{
			Namespace: a.Namespace, Verb: a.Verb, Group: a.APIGroup, Version: "v1",
			Resource: a.Resource, Subresource: a.Subresource, Name: a.Name,
		}
	} else {
		sar.Spec.NonResourceAttributes = &authorizationv1.NonResourceAttributes{Path: a.Path, Verb: a.Verb}
	}
	return sar
}

func describe(a authorizer.AttributesRecord) string {
	who := fmt.Sprintf("%s %v", a.User.GetName(), a.User.GetGroups())
	if !a.ResourceRequest {
		return fmt.Sprintf("%s: %s %s", who, a.Verb, a.Path)
	}
	return fmt.Sprintf("%s: %s group=%q resource=%q subresource=%q namespace=%q name=%q",
		who, a.Verb, a.APIGroup, a.Resource, a.Subresource, a.Namespace, a.Name)
}

// rbacWorld is one run's random RBAC objects and the vocabulary questions
// are drawn from. Every name starts with the run's prefix.
type rbacWorld struct {
	prefix     string
	namespaces []string
	users      []string
	groups     []string
	saNames    []string
	apiGroups  []string
	resources  []string
	subs       []string
	names      []string
	paths      []string // request paths
	rulePaths  []string // nonResourceURLs of rules

	roles        []*rbacv1.Role
	clusterRoles []*rbacv1.ClusterRole
	roleBindings []*rbacv1.RoleBinding
	crbs         []*rbacv1.ClusterRoleBinding
	rulesOf      map[string][]rbacv1.PolicyRule // "ns/name" of roles, "/name" of cluster roles
}

var (
	rbacVerbs            = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}
	rbacNonResourceVerbs = []string{"get", "post", "put", "delete", "head"}
)

func newRBACWorld(rng *mrand.Rand, prefix string) *rbacWorld {
	w := &rbacWorld{
		prefix:     prefix,
		namespaces: []string{prefix + "-a", prefix + "-b", prefix + "-c"},
		users:      []string{prefix + "-u0", prefix + "-u1", prefix + "-u2", prefix + "-u3"},
		groups:     []string{prefix + "-g0", prefix + "-g1", prefix + "-g2"},
		saNames:    []string{"sa0", "sa1"},
		apiGroups:  []string{"", "apps", "batch", prefix + ".example.com"},
		resources:  []string{"pods", "configmaps", "secrets", "deployments", "jobs", "nodes", "namespaces", "widgets"},
		subs:       []string{"log", "status", "scale", "exec"},
		names:      []string{"n0", "n1", "n2"},
		paths: []string{"/healthz", "/healthz/etcd", "/metrics", "/apis", "/apis/apps", "/api", "/version", "/livez",
			"/" + prefix, "/" + prefix + "/x", "/" + prefix + "/x/y", "/" + prefix + "-logs", "/" + prefix + "-logsfoo/bar"},
		rulePaths: []string{"/healthz", "/metrics", "/apis/*", "/" + prefix + "/*", "/" + prefix + "-logs*", "/" + prefix},
		rulesOf:   map[string][]rbacv1.PolicyRule{},
	}
	aggLabel := prefix + ".example.com/aggregate"
	for _, ns := range w.namespaces {
		for i := range 6 {
			r := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("%s-r%d", prefix, i)}, Rules: w.rules(rng, false)}
			w.roles = append(w.roles, r)
		}
	}
	for i := range 10 {
		cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-cr%d", prefix, i)}, Rules: w.rules(rng, true)}
		if i%3 == 0 {
			cr.Labels = map[string]string{aggLabel: "yes"}
		}
		w.clusterRoles = append(w.clusterRoles, cr)
	}
	// Aggregated ClusterRoles: one as kube-controller-manager leaves it
	// (the selected roles' rules stored), one before it ran (none stored).
	var aggregated []rbacv1.PolicyRule
	for _, cr := range w.clusterRoles {
		if cr.Labels[aggLabel] == "yes" {
			aggregated = append(aggregated, cr.Rules...)
		}
	}
	sel := &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{aggLabel: "yes"}}}}
	w.clusterRoles = append(w.clusterRoles,
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: prefix + "-agg"}, AggregationRule: sel, Rules: aggregated},
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: prefix + "-agg-unfilled"}, AggregationRule: sel})
	for _, r := range w.roles {
		w.rulesOf[r.Namespace+"/"+r.Name] = r.Rules
	}
	for _, r := range w.clusterRoles {
		w.rulesOf["/"+r.Name] = r.Rules
	}

	for _, ns := range w.namespaces {
		for i := range 8 {
			rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("%s-rb%d", prefix, i)},
				Subjects: w.subjects(rng, true)}
			switch n := rng.IntN(20); {
			case n < 9:
				rb.RoleRef = rbacv1.RoleRef{Kind: "Role", Name: fmt.Sprintf("%s-r%d", prefix, rng.IntN(6))}
			case n < 17:
				rb.RoleRef = rbacv1.RoleRef{Kind: "ClusterRole", Name: w.clusterRoles[rng.IntN(len(w.clusterRoles))].Name}
			case n < 18:
				rb.RoleRef = rbacv1.RoleRef{Kind: "ClusterRole", Name: pick(rng, []string{"view", "edit", "admin"})}
			default:
				rb.RoleRef = rbacv1.RoleRef{Kind: pick(rng, []string{"Role", "ClusterRole"}), Name: prefix + "-missing"}
			}
			rb.RoleRef.APIGroup = rbacv1.GroupName
			w.roleBindings = append(w.roleBindings, rb)
		}
	}
	for i := range 8 {
		crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-crb%d", prefix, i)},
			Subjects: w.subjects(rng, false)}
		name := w.clusterRoles[rng.IntN(len(w.clusterRoles))].Name
		if rng.IntN(10) == 0 {
			name = prefix + "-missing"
		}
		crb.RoleRef = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}
		w.crbs = append(w.crbs, crb)
	}
	return w
}

func pick[T any](rng *mrand.Rand, from []T) T { return from[rng.IntN(len(from))] }

// some picks 1..max distinct values, with "*" instead at the given odds.
func some(rng *mrand.Rand, from []string, max int, starOneIn int) []string {
	if starOneIn > 0 && rng.IntN(starOneIn) == 0 {
		return []string{"*"}
	}
	n := 1 + rng.IntN(max)
	var out []string
	for _, i := range rng.Perm(len(from))[:min(n, len(from))] {
		out = append(out, from[i])
	}
	return out
}

func (w *rbacWorld) rules(rng *mrand.Rand, cluster bool) []rbacv1.PolicyRule {
	var rules []rbacv1.PolicyRule
	for range 1 + rng.IntN(3) {
		if cluster && rng.IntN(4) == 0 {
			urls := some(rng, w.rulePaths, 2, 0)
			if rng.IntN(30) == 0 {
				urls = []string{"*"}
			}
			rules = append(rules, rbacv1.PolicyRule{Verbs: some(rng, rbacNonResourceVerbs, 2, 10), NonResourceURLs: urls})
			continue
		}
		var resources []string
		for range 1 + rng.IntN(3) {
			switch n := rng.IntN(10); {
			case n < 5:
				resources = append(resources, pick(rng, w.resources))
			case n < 8:
				resources = append(resources, pick(rng, w.resources)+"/"+pick(rng, w.subs))
			case n < 9:
				resources = append(resources, "*/"+pick(rng, w.subs))
			default:
				resources = append(resources, "*")
			}
		}
		rule := rbacv1.PolicyRule{Verbs: some(rng, rbacVerbs, 3, 8), APIGroups: some(rng, w.apiGroups, 2, 8), Resources: resources}
		if rng.IntN(4) == 0 {
			rule.ResourceNames = some(rng, w.names, 2, 0)
		}
		rules = append(rules, rule)
	}
	return rules
}

func (w *rbacWorld) subjects(rng *mrand.Rand, namespaced bool) []rbacv1.Subject {
	var out []rbacv1.Subject
	for range 1 + rng.IntN(3) {
		switch rng.IntN(3) {
		case 0:
			out = append(out, rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: pick(rng, w.users)})
		case 1:
			g := pick(rng, w.groups)
			if rng.IntN(4) == 0 {
				// A service-account group of one of the run's namespaces.
				g = "system:serviceaccounts:" + pick(rng, w.namespaces)
			}
			out = append(out, rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: g})
		default:
			s := rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: pick(rng, w.namespaces), Name: pick(rng, w.saNames)}
			if namespaced && rng.IntN(3) == 0 {
				s.Namespace = "" // the binding's own namespace
			}
			out = append(out, s)
		}
	}
	return out
}

// sentinels are allowed only once the last Role and RoleBinding, and the
// last ClusterRole and ClusterRoleBinding, are seen.
func (w *rbacWorld) sentinels() []authorizer.AttributesRecord {
	u := &user.DefaultInfo{Name: w.prefix + "-sentinel"}
	return []authorizer.AttributesRecord{
		{User: u, Verb: "get", Namespace: w.namespaces[0], APIGroup: w.prefix + ".example.com", Resource: "sentinels", ResourceRequest: true},
		{User: u, Verb: "get", Path: "/" + w.prefix + "-sentinel"},
	}
}

// create makes the world in kube-apiserver, sentinels last, and removes it
// when the test ends.
func (w *rbacWorld) create(t *testing.T, ctx context.Context, client kubernetes.Interface) {
	t.Helper()
	for _, ns := range w.namespaces {
		if err := controlplane.CreateNamespace(ctx, client, ns, nil); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = client.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })
	}
	sentinel := w.prefix + "-sentinel"
	subject := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: sentinel}}
	roles := append(w.roles, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: w.namespaces[0], Name: sentinel},
		Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{w.prefix + ".example.com"}, Resources: []string{"sentinels"}}}})
	clusterRoles := append(w.clusterRoles, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: sentinel},
		Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}, NonResourceURLs: []string{"/" + sentinel}}}})
	roleBindings := append(w.roleBindings, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: w.namespaces[0], Name: sentinel},
		Subjects: subject, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: sentinel}})
	crbs := append(w.crbs, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: sentinel},
		Subjects: subject, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: sentinel}})

	api := client.RbacV1()
	bg := context.Background()
	for _, r := range roles {
		if _, err := api.Roles(r.Namespace).Create(ctx, r, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create Role %s/%s: %v", r.Namespace, r.Name, err)
		}
		t.Cleanup(func() { _ = api.Roles(r.Namespace).Delete(bg, r.Name, metav1.DeleteOptions{}) })
	}
	for _, r := range clusterRoles {
		if _, err := api.ClusterRoles().Create(ctx, r, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create ClusterRole %s: %v", r.Name, err)
		}
		t.Cleanup(func() { _ = api.ClusterRoles().Delete(bg, r.Name, metav1.DeleteOptions{}) })
	}
	for _, b := range roleBindings {
		if _, err := api.RoleBindings(b.Namespace).Create(ctx, b, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create RoleBinding %s/%s: %v", b.Namespace, b.Name, err)
		}
		t.Cleanup(func() { _ = api.RoleBindings(b.Namespace).Delete(bg, b.Name, metav1.DeleteOptions{}) })
	}
	for _, b := range crbs {
		if _, err := api.ClusterRoleBindings().Create(ctx, b, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create ClusterRoleBinding %s: %v", b.Name, err)
		}
		t.Cleanup(func() { _ = api.ClusterRoleBindings().Delete(bg, b.Name, metav1.DeleteOptions{}) })
	}
}

// caller is a random user: one of the run's users (with some of its groups,
// perhaps system:authenticated), or a service account with the groups
// kube-apiserver gives service accounts.
func (w *rbacWorld) caller(rng *mrand.Rand) user.Info {
	if rng.IntN(2) == 0 {
		return w.serviceAccount(pick(rng, w.namespaces), pick(rng, w.saNames))
	}
	return w.userWithGroups(rng, pick(rng, w.users))
}

func (w *rbacWorld) userWithGroups(rng *mrand.Rand, name string, extra ...string) user.Info {
	groups := append([]string(nil), extra...)
	for _, g := range w.groups {
		if rng.IntN(3) == 0 {
			groups = append(groups, g)
		}
	}
	if rng.IntN(2) == 0 {
		groups = append(groups, user.AllAuthenticated)
	}
	return &user.DefaultInfo{Name: name, Groups: groups}
}

func (w *rbacWorld) serviceAccount(ns, name string) user.Info {
	return &user.DefaultInfo{Name: "system:serviceaccount:" + ns + ":" + name,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, user.AllAuthenticated}}
}

// question is a random request: half of them aimed at a rule some binding
// grants (and then perhaps changed in one respect), half anything at all.
func (w *rbacWorld) question(rng *mrand.Rand) authorizer.AttributesRecord {
	var a authorizer.AttributesRecord
	if rng.IntN(2) == 0 {
		a = w.aimed(rng)
		if rng.IntN(2) == 0 {
			w.mutate(rng, &a)
		}
	} else {
		a = w.random(rng)
	}
	return a
}

func (w *rbacWorld) random(rng *mrand.Rand) authorizer.AttributesRecord {
	a := authorizer.AttributesRecord{User: w.caller(rng)}
	if rng.IntN(5) == 0 {
		a.Verb, a.Path = pick(rng, rbacNonResourceVerbs), pick(rng, w.paths)
		return a
	}
	a.ResourceRequest = true
	a.Verb = pick(rng, rbacVerbs)
	a.APIGroup = pick(rng, append(w.apiGroups, "policy"))
	a.Resource = pick(rng, w.resources)
	if rng.IntN(3) == 0 {
		a.Subresource = pick(rng, w.subs)
	}
	a.Namespace = pick(rng, append(w.namespaces, "", "default"))
	if rng.IntN(2) == 0 {
		a.Name = pick(rng, w.names)
	}
	return a
}

// aimed picks a binding, a subject of it, and a rule of its role, and asks
// for something the rule names.
func (w *rbacWorld) aimed(rng *mrand.Rand) authorizer.AttributesRecord {
	var subjects []rbacv1.Subject
	var ref rbacv1.RoleRef
	ns := ""
	if rng.IntN(3) == 0 {
		b := pick(rng, w.crbs)
		subjects, ref = b.Subjects, b.RoleRef
	} else {
		b := pick(rng, w.roleBindings)
		subjects, ref, ns = b.Subjects, b.RoleRef, b.Namespace
	}
	a := authorizer.AttributesRecord{}
	s := pick(rng, subjects)
	switch s.Kind {
	case rbacv1.UserKind:
		a.User = w.userWithGroups(rng, s.Name)
	case rbacv1.GroupKind:
		if sans, ok := strings.CutPrefix(s.Name, "system:serviceaccounts:"); ok {
			a.User = w.serviceAccount(sans, pick(rng, w.saNames))
		} else {
			a.User = w.userWithGroups(rng, pick(rng, w.users), s.Name)
		}
	default:
		sans := s.Namespace
		if sans == "" {
			sans = ns
		}
		a.User = w.serviceAccount(sans, s.Name)
	}
	key := "/" + ref.Name
	if ref.Kind == "Role" {
		key = ns + "/" + ref.Name
	}
	rules := w.rulesOf[key]
	if len(rules) == 0 {
		r := w.random(rng)
		r.User = a.User
		return r
	}
	rule := pick(rng, rules)
	verb := pick(rng, rule.Verbs)
	if len(rule.NonResourceURLs) > 0 {
		if verb == "*" {
			verb = pick(rng, rbacNonResourceVerbs)
		}
		path := pick(rng, rule.NonResourceURLs)
		if trimmed, ok := strings.CutSuffix(path, "*"); ok {
			path = trimmed + pick(rng, []string{"", "x", "/deeper/path"})
		}
		a.Verb, a.Path = verb, path
		return a
	}
	if verb == "*" {
		verb = pick(rng, rbacVerbs)
	}
	a.ResourceRequest = true
	a.Verb = verb
	a.APIGroup = pick(rng, rule.APIGroups)
	if a.APIGroup == "*" {
		a.APIGroup = pick(rng, w.apiGroups)
	}
	resource := pick(rng, rule.Resources)
	switch {
	case resource == "*":
		a.Resource = pick(rng, w.resources)
		if rng.IntN(2) == 0 {
			a.Subresource = pick(rng, w.subs)
		}
	case strings.HasPrefix(resource, "*/"):
		a.Resource, a.Subresource = pick(rng, w.resources), strings.TrimPrefix(resource, "*/")
	default:
		a.Resource, a.Subresource, _ = strings.Cut(resource, "/")
	}
	if len(rule.ResourceNames) > 0 {
		a.Name = pick(rng, rule.ResourceNames)
	} else if rng.IntN(2) == 0 {
		a.Name = pick(rng, w.names)
	}
	a.Namespace = ns
	if ns == "" && rng.IntN(2) == 0 {
		a.Namespace = pick(rng, w.namespaces)
	}
	return a
}

// mutate changes one thing about a question.
func (w *rbacWorld) mutate(rng *mrand.Rand, a *authorizer.AttributesRecord) {
	switch rng.IntN(7) {
	case 0:
		a.User = w.caller(rng)
	case 1:
		if a.ResourceRequest {
			a.Verb = pick(rng, rbacVerbs)
		} else {
			a.Verb = pick(rng, rbacNonResourceVerbs)
		}
	case 2:
		if a.ResourceRequest {
			a.Namespace = pick(rng, append(w.namespaces, "", "default"))
		} else {
			a.Path = pick(rng, w.paths)
		}
	case 3:
		a.Name = pick(rng, append(w.names, ""))
	case 4:
		a.Subresource = pick(rng, append(w.subs, ""))
	case 5:
		a.APIGroup = pick(rng, append(w.apiGroups, "policy"))
	default:
		a.Resource = pick(rng, w.resources)
	}
	if !a.ResourceRequest {
		a.Name, a.Subresource, a.APIGroup, a.Resource, a.Namespace = "", "", "", "", ""
	}
}

// TestLocalRBACSkipsSubjectAccessReview counts kube-apiserver's
// SubjectAccessReviews while a user whose RoleBinding allows it reads
// distinct objects directly from ks-apiserver: with the fast path (the
// default) none, without it (--authorization-local-rbac=false) two per read
// (the mirror resource and the upstream one). A read RBAC does not allow
// still asks kube-apiserver and is refused.
func TestLocalRBACSkipsSubjectAccessReview(t *testing.T) {
	ctx := context.Background()
	client := kubernetes.NewForConfigOrDie(cp.Admin)
	ns := uniqueName("lrbac-sar")
	if err := controlplane.CreateNamespace(ctx, client, ns, nil); err != nil {
		t.Fatal(err)
	}
	name := uniqueName("lrbac-reader")
	role := createRole(t, ns, name, rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{"", mirrorGroup}, Resources: []string{"configmaps"}})
	bindRole(t, ns, name, "", "Role", role)

	off, err := runReplica(ctx, "ks-apiserver-no-local-rbac", "--authorization-local-rbac=false")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { off.Process.Stop(5 * time.Second) })

	const reads = 20
	const readsOff = "reads without the fast path"
	results := map[string]float64{}
	for _, c := range []struct {
		what   string
		server *controlplane.KSAPIServer
	}{{"reads with the fast path", ks}, {readsOff, off}} {
		httpClient := certHTTPClient(t, c.server, name)
		get := func(path string) int {
			resp, err := httpClient.Get(c.server.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		base := "/apis/" + mirrorGroup + "/v1alpha3/namespaces/" + ns + "/configmaps/"
		// Until the binding is everywhere it must be: a missing configmap
		// is a 404 only once the read is authorized.
		eventuallyOK(t, "the binding takes effect on "+c.server.URL, func() (bool, string) {
			code := get(base + "warm-up")
			return code == http.StatusNotFound, fmt.Sprintf("status %d", code)
		})
		before, localBefore := subjectAccessReviews(t), localRBACAllowed(t, c.server)
		for i := range reads {
			if code := get(base + fmt.Sprintf("cm-%d", i)); code != http.StatusNotFound {
				t.Fatalf("%s: read %d: status %d, want 404", c.what, i, code)
			}
		}
		results[c.what] = subjectAccessReviews(t) - before
		local := localRBACAllowed(t, c.server) - localBefore
		t.Logf("%s: %d distinct authorized reads made %v SubjectAccessReviews; %v local RBAC allows",
			c.what, reads, results[c.what], local)
		if want := float64(2 * reads); c.server == ks && local < want {
			t.Errorf("%s: %v local RBAC allows, want at least %v (the mirror resource and the upstream one per read)", c.what, local, want)
		}
		// Not allowed by RBAC: still asked of kube-apiserver, still refused.
		if code := get("/apis/" + mirrorGroup + "/v1alpha3/namespaces/" + ns + "/secrets"); code != http.StatusForbidden {
			t.Errorf("%s: listing secrets: status %d, want 403", c.what, code)
		}
	}
	if got := results["reads with the fast path"]; got != 0 {
		t.Errorf("with the fast path %d reads made %v SubjectAccessReviews, want none", reads, got)
	}
	if got := results[readsOff]; got < reads {
		t.Errorf("without the fast path %d reads made %v SubjectAccessReviews, want at least %d (is the count right?)", reads, got, reads)
	}
}

// certHTTPClient authenticates to server as user with a client certificate
// of the cluster CA.
func certHTTPClient(t *testing.T, server *controlplane.KSAPIServer, userName string) *http.Client {
	t.Helper()
	certPEM, keyPEM, err := cp.ClientCertificate(userName)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &rest.Config{Host: server.URL, TLSClientConfig: rest.TLSClientConfig{CAData: server.CAPEM, CertData: certPEM, KeyData: keyPEM}}
	c, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Timeout = 10 * time.Second
	return c
}

// subjectAccessReviews is kube-apiserver's count of SubjectAccessReviews
// created so far (apiserver_request_total, every code).
func subjectAccessReviews(t *testing.T) float64 {
	t.Helper()
	client := kubernetes.NewForConfigOrDie(cp.Admin)
	body, err := client.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return metricTotal(t, body, "apiserver_request_total", `resource="subjectaccessreviews"`, `verb="POST"`)
}

// localRBACAllowed is a ks-apiserver's count of fast-path allows.
func localRBACAllowed(t *testing.T, server *controlplane.KSAPIServer) float64 {
	t.Helper()
	client, err := kubernetes.NewForConfig(directConfigFor(server))
	if err != nil {
		t.Fatal(err)
	}
	body, err := client.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return metricTotal(t, body, "ks_apiserver_local_rbac_decisions_total", `decision="allowed"`)
}

// metricTotal sums the samples of a Prometheus text exposition whose labels
// contain every one of labels.
func metricTotal(t *testing.T, body []byte, name string, labels ...string) float64 {
	t.Helper()
	var total float64
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
lines:
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") {
			continue
		}
		for _, l := range labels {
			if !strings.Contains(line, l) {
				continue lines
			}
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		total += v
	}
	return total
}
