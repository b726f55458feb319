// Package rbac answers authorization questions from the Roles,
// RoleBindings, ClusterRoles and ClusterRoleBindings ks-apiserver already
// mirrors, without asking kube-apiserver. It only ever allows: RBAC only
// adds permissions, so whatever it allows kube-apiserver's RBAC authorizer
// allows too, and anything it does not allow goes to the delegated
// SubjectAccessReview authorizer, since another authorizer (Node, a webhook,
// system:masters) may still allow it.
package rbac

import (
	"context"
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
)

// decisions counts the fast path's answers on ks-apiserver's /metrics:
// "allowed" locally, "delegated" to kube-apiserver because RBAC does not
// allow, "unsynced" while the RBAC caches are not ready.
var decisions = metrics.NewCounterVec(&metrics.CounterOpts{
	Namespace: "ks_apiserver", Name: "local_rbac_decisions_total",
	Help:           "Authorization decisions of the local RBAC fast path: allowed locally, delegated to kube-apiserver (RBAC does not allow), or unsynced (RBAC caches not ready).",
	StabilityLevel: metrics.ALPHA,
}, []string{"decision"})

func init() { legacyregistry.MustRegister(decisions) }

// Names of the mirrored resources the rules and bindings come from.
const (
	Roles               = "roles"
	RoleBindings        = "rolebindings"
	ClusterRoles        = "clusterroles"
	ClusterRoleBindings = "clusterrolebindings"
)

// SubjectGroup is the name of the cache group (query.Type.Groups) that puts
// each RoleBinding and ClusterRoleBinding under the keys of its subjects, so
// a decision reads only the bindings of the caller, never all of them.
const SubjectGroup = "subject"

// Source is what the evaluator reads: the cached upstream objects (never
// mutated) and the bindings under a subject key.
type Source interface {
	// Get returns a cached Role ("" namespace for a ClusterRole).
	Get(resource, namespace, name string) (runtime.Object, bool)
	// Group returns the bindings of resource under key of SubjectGroup.
	Group(resource, group, key string) []runtime.Object
	// Synced reports whether the caches of the four RBAC resources hold
	// kube-apiserver's full lists; until then every answer is NoOpinion.
	Synced() bool
}

// RoleBindingKeys are the keys of a RoleBinding in SubjectGroup: its
// namespace and each subject, so that a lookup is for one namespace only.
func RoleBindingKeys(rb *rbacv1.RoleBinding) []string {
	return subjectKeys(rb.Namespace, rb.Subjects)
}

// ClusterRoleBindingKeys are the keys of a ClusterRoleBinding in
// SubjectGroup: each of its subjects.
func ClusterRoleBindingKeys(crb *rbacv1.ClusterRoleBinding) []string {
	return subjectKeys("", crb.Subjects)
}

func subjectKeys(namespace string, subjects []rbacv1.Subject) []string {
	keys := make([]string, 0, len(subjects))
	for _, s := range subjects {
		var k string
		switch s.Kind {
		case rbacv1.UserKind:
			k = userKey(s.Name)
		case rbacv1.GroupKind:
			k = groupKey(s.Name)
		case rbacv1.ServiceAccountKind:
			// A RoleBinding may leave its service accounts' namespace
			// empty for its own; a ClusterRoleBinding cannot.
			ns := s.Namespace
			if ns == "" {
				ns = namespace
			}
			if ns == "" {
				continue
			}
			k = serviceAccountKey(ns, s.Name)
		default:
			continue // kube-apiserver matches no other kind either
		}
		keys = append(keys, scoped(namespace, k))
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// Subject keys: the kinds contain no ':' and a namespace no '/', so no two
// different subjects share a key.
func userKey(name string) string                 { return "User:" + name }
func groupKey(name string) string                { return "Group:" + name }
func serviceAccountKey(ns, name string) string   { return "ServiceAccount:" + ns + ":" + name }
func scoped(namespace, subjectKey string) string { return namespace + "/" + subjectKey }

const serviceAccountPrefix = "system:serviceaccount:"

// callerKeys are the subject keys a user matches: its name, its groups, and
// for a service account's username, the service account.
func callerKeys(u user.Info) []string {
	keys := []string{userKey(u.GetName())}
	for _, g := range u.GetGroups() {
		keys = append(keys, groupKey(g))
	}
	if rest, ok := strings.CutPrefix(u.GetName(), serviceAccountPrefix); ok {
		if ns, name, ok := strings.Cut(rest, ":"); ok && ns != "" && name != "" {
			keys = append(keys, serviceAccountKey(ns, name))
		}
	}
	return keys
}

// Allows reports whether the RBAC objects of src allow the request, and if
// so which binding did, as kube-apiserver's RBAC authorizer would decide
// with the same objects: ClusterRoleBindings everywhere, RoleBindings of
// the request's namespace only in that namespace.
func Allows(src Source, a authorizer.Attributes) (bool, string) {
	u := a.GetUser()
	if u == nil {
		return false, ""
	}
	keys := callerKeys(u)
	for _, k := range keys {
		for _, obj := range src.Group(ClusterRoleBindings, SubjectGroup, scoped("", k)) {
			crb, ok := obj.(*rbacv1.ClusterRoleBinding)
			if !ok || crb.RoleRef.Kind != "ClusterRole" {
				continue
			}
			if rulesAllow(src, "", crb.RoleRef, a) {
				return true, fmt.Sprintf("RBAC (local): allowed by ClusterRoleBinding %q of ClusterRole %q", crb.Name, crb.RoleRef.Name)
			}
		}
	}
	ns := a.GetNamespace()
	if ns == "" {
		return false, ""
	}
	for _, k := range keys {
		for _, obj := range src.Group(RoleBindings, SubjectGroup, scoped(ns, k)) {
			rb, ok := obj.(*rbacv1.RoleBinding)
			if !ok || rb.Namespace != ns {
				continue
			}
			if rulesAllow(src, ns, rb.RoleRef, a) {
				return true, fmt.Sprintf("RBAC (local): allowed by RoleBinding %q of %s %q in namespace %q", rb.Name, rb.RoleRef.Kind, rb.RoleRef.Name, ns)
			}
		}
	}
	return false, ""
}

// rulesAllow evaluates the rules of the role a binding refers to; a missing
// role grants nothing. Aggregated ClusterRoles are evaluated as stored:
// kube-controller-manager fills their rules, and kube-apiserver's RBAC
// authorizer reads the stored rules as well.
func rulesAllow(src Source, namespace string, ref rbacv1.RoleRef, a authorizer.Attributes) bool {
	var rules []rbacv1.PolicyRule
	switch ref.Kind {
	case "Role":
		if namespace == "" {
			return false
		}
		obj, ok := src.Get(Roles, namespace, ref.Name)
		if !ok {
			return false
		}
		role, ok := obj.(*rbacv1.Role)
		if !ok {
			return false
		}
		rules = role.Rules
	case "ClusterRole":
		obj, ok := src.Get(ClusterRoles, "", ref.Name)
		if !ok {
			return false
		}
		role, ok := obj.(*rbacv1.ClusterRole)
		if !ok {
			return false
		}
		rules = role.Rules
	default:
		return false
	}
	for i := range rules {
		if RuleAllows(&rules[i], a) {
			return true
		}
	}
	return false
}

// RuleAllows reports whether one policy rule allows the request.
func RuleAllows(rule *rbacv1.PolicyRule, a authorizer.Attributes) bool {
	if !matchesOrStar(rule.Verbs, a.GetVerb()) {
		return false
	}
	if !a.IsResourceRequest() {
		return nonResourceURLMatches(rule.NonResourceURLs, a.GetPath())
	}
	return matchesOrStar(rule.APIGroups, a.GetAPIGroup()) &&
		resourceMatches(rule.Resources, a.GetResource(), a.GetSubresource()) &&
		resourceNameMatches(rule.ResourceNames, a.GetName())
}

func matchesOrStar(values []string, want string) bool {
	for _, v := range values {
		if v == rbacv1.VerbAll || v == want {
			return true
		}
	}
	return false
}

// resourceMatches: "*" is every resource and subresource; "pods" only the
// pods themselves; "pods/log" that subresource; "*/log" it of every
// resource.
func resourceMatches(rules []string, resource, subresource string) bool {
	combined := resource
	if subresource != "" {
		combined = resource + "/" + subresource
	}
	for _, r := range rules {
		switch {
		case r == rbacv1.ResourceAll, r == combined:
			return true
		case subresource != "" && r == "*/"+subresource:
			return true
		}
	}
	return false
}

// resourceNameMatches: names restrict a rule to requests that carry one of
// them; a request without a name (list, create) never matches such a rule.
func resourceNameMatches(names []string, name string) bool {
	return len(names) == 0 || slices.Contains(names, name)
}

// nonResourceURLMatches: exact paths, "*", and prefixes written "/path*".
func nonResourceURLMatches(urls []string, path string) bool {
	for _, u := range urls {
		switch {
		case u == rbacv1.NonResourceAll, u == path:
			return true
		case strings.HasSuffix(u, "*") && strings.HasPrefix(path, strings.TrimRight(u, "*")):
			return true
		}
	}
	return false
}

// New returns an authorizer that allows what the RBAC objects of src allow
// and asks delegate about everything else (and about everything while the
// RBAC caches are not synced or kube-apiserver does not serve RBAC).
func New(src Source, delegate authorizer.Authorizer) authorizer.Authorizer {
	return &localAuthorizer{src: src, delegate: delegate}
}

type localAuthorizer struct {
	src      Source
	delegate authorizer.Authorizer
}

var _ authorizer.Authorizer = &localAuthorizer{}

func (l *localAuthorizer) allows(a authorizer.Attributes) (bool, string) {
	if !l.src.Synced() {
		decisions.WithLabelValues("unsynced").Inc()
		return false, ""
	}
	ok, reason := Allows(l.src, a)
	if ok {
		decisions.WithLabelValues("allowed").Inc()
	} else {
		decisions.WithLabelValues("delegated").Inc()
	}
	return ok, reason
}

// Authorize implements authorizer.Authorizer.
func (l *localAuthorizer) Authorize(ctx context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	if ok, reason := l.allows(a); ok {
		return authorizer.DecisionAllow, reason, nil
	}
	return l.delegate.Authorize(ctx, a)
}

// ConditionsAwareAuthorize implements authorizer.Authorizer: an RBAC allow
// is unconditional; only the delegate can answer with conditions.
func (l *localAuthorizer) ConditionsAwareAuthorize(ctx context.Context, a authorizer.Attributes) authorizer.ConditionsAwareDecision {
	if ok, reason := l.allows(a); ok {
		return authorizer.ConditionsAwareDecisionFromParts(authorizer.DecisionAllow, reason, nil)
	}
	return l.delegate.ConditionsAwareAuthorize(ctx, a)
}

// EvaluateConditions implements authorizer.Authorizer; conditional
// decisions only ever come from the delegate.
func (l *localAuthorizer) EvaluateConditions(ctx context.Context, d authorizer.ConditionsAwareDecision, data authorizer.ConditionsData) (authorizer.Decision, string, error) {
	return l.delegate.EvaluateConditions(ctx, d, data)
}
