package resources_test

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"sigs.k8s.io/yaml"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
	"github.com/ks-apiserver/ks-apiserver/pkg/authorization/rbac"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/mirror"
	"github.com/ks-apiserver/ks-apiserver/pkg/registry/resources"
)

const repoRoot = "../../../"

var readVerbs = []string{"get", "list", "watch"}

// clusterRoles reads the ClusterRoles of a multi-document YAML file in
// artifacts/deploy, by name.
func clusterRoles(t *testing.T, file string) map[string]rbacv1.ClusterRole {
	t.Helper()
	raw, err := os.ReadFile(repoRoot + "artifacts/deploy/" + file)
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]rbacv1.ClusterRole{}
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(raw), -1) {
		var role rbacv1.ClusterRole
		if err := yaml.Unmarshal([]byte(doc), &role); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if role.Kind == "ClusterRole" {
			roles[role.Name] = role
		}
	}
	return roles
}

// reads reports whether the rules allow every read verb on a resource.
func reads(rules []rbacv1.PolicyRule, group, resource string) bool {
	for _, verb := range readVerbs {
		a := authorizer.AttributesRecord{Verb: verb, APIGroup: group, Resource: resource, ResourceRequest: true}
		if !slices.ContainsFunc(rules, func(r rbacv1.PolicyRule) bool { return rbac.RuleAllows(&r, a) }) {
			return false
		}
	}
	return true
}

// A resource whose upstream ks-apiserver may not read leaves its informer
// unsynced and the whole server unready: rbac.yaml must grant every one,
// the followed ones included.
func TestDeployRBACReadsEveryUpstream(t *testing.T) {
	role, ok := clusterRoles(t, "rbac.yaml")["ks-apiserver"]
	if !ok {
		t.Fatal("rbac.yaml has no ClusterRole ks-apiserver")
	}
	for _, res := range append(resources.All(), resources.Followed()...) {
		if !reads(role.Rules, res.Upstream.Group, res.Upstream.Resource) {
			t.Errorf("ClusterRole ks-apiserver in artifacts/deploy/rbac.yaml does not grant %v on %s", readVerbs, res.Upstream.GroupResource())
		}
	}
}

// aggregatedTo is where DESIGN.md puts each mirror's read access: the
// built-in role that reads the upstream resource in a namespace
// (kube-apiserver's bootstrap policy), and none for cluster-scoped ones.
func aggregatedTo(res mirror.Resource) string {
	switch {
	case res.Name == "namespaces":
		return "view" // at the namespace scope: a user gets its own namespace
	case !res.Namespaced:
		return ""
	case res.Name == "secrets":
		return "edit"
	case res.Name == "roles", res.Name == "rolebindings":
		return "admin"
	}
	return "view"
}

// Every mirror is aggregated into exactly the built-in role DESIGN.md names,
// and nothing else is: a forgotten resource would be unreadable for every
// namespace user, an extra one a confusing 403.
func TestDeployAggregateRolesFollowDesign(t *testing.T) {
	roles := clusterRoles(t, "aggregate-roles.yaml")
	grantedBy := func(name string) []string {
		var in []string
		for _, role := range roles {
			for key, v := range role.Labels {
				target, ok := strings.CutPrefix(key, "rbac.authorization.k8s.io/aggregate-to-")
				if ok && v == "true" && reads(role.Rules, v1alpha3.GroupName, name) {
					in = append(in, target)
				}
			}
		}
		slices.Sort(in)
		return in
	}
	declared := map[string]bool{}
	for _, res := range resources.All() {
		declared[res.Name] = true
		var want []string
		if to := aggregatedTo(res); to != "" {
			want = []string{to}
		}
		if got := grantedBy(res.Name); !slices.Equal(got, want) {
			t.Errorf("%s is aggregated to %v in artifacts/deploy/aggregate-roles.yaml, DESIGN.md says %v", res.Name, got, want)
		}
	}
	for name, role := range roles {
		for _, rule := range role.Rules {
			for _, r := range rule.Resources {
				if !declared[r] {
					t.Errorf("ClusterRole %s grants %s, which is not served", name, r)
				}
			}
		}
	}
}

// The README's table of served resources lists exactly All(), each with its
// upstream group version and scope, and says how many there are.
func TestREADMEListsEveryResource(t *testing.T) {
	raw, err := os.ReadFile(repoRoot + "README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	_, section, ok := strings.Cut(readme, "\n## What is served\n")
	if !ok {
		t.Fatal(`README.md has no "## What is served" section`)
	}
	type row struct{ groupVersion, scope string }
	listed := map[string]row{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if !strings.HasPrefix(line, "| ") || len(cells) != 3 || strings.HasPrefix(cells[1], "upstream") || strings.HasPrefix(cells[0], "---") {
			if strings.HasPrefix(line, "## ") {
				break
			}
			continue
		}
		groupVersion := strings.Fields(cells[1])[0]
		nameGroups := strings.Split(cells[0], " / ")
		scopes := strings.Split(cells[2], " / ")
		if len(scopes) != len(nameGroups) {
			t.Errorf("README row %q: %d name groups, %d scopes", line, len(nameGroups), len(scopes))
			continue
		}
		for i, names := range nameGroups {
			for _, name := range strings.Split(names, ",") {
				listed[strings.TrimSpace(name)] = row{groupVersion, scopes[i]}
			}
		}
	}
	all := resources.All()
	for _, res := range all {
		gv := res.Upstream.GroupVersion().String()
		if res.Upstream.Group == "" {
			gv = "core/" + gv
		}
		scope := "cluster"
		if res.Namespaced {
			scope = "namespaced"
		}
		got, ok := listed[res.Name]
		switch {
		case !ok:
			t.Errorf("README's resource table lacks %s", res.Name)
		case got != row{gv, scope}:
			t.Errorf("README lists %s as %s %s, it is %s %s", res.Name, got.groupVersion, got.scope, gv, scope)
		}
		delete(listed, res.Name)
	}
	for name := range listed {
		t.Errorf("README's resource table lists %s, which is not served", name)
	}
	m := regexp.MustCompile(`All (\d+) resources`).FindStringSubmatch(section)
	if m == nil || m[1] != strconv.Itoa(len(all)) {
		t.Errorf("README says %q, %d resources are served", m, len(all))
	}
}

// The Deployment runs ks-apiserver as the image's user 65532:65532. With
// runAsUser alone containerd looks the group up in the image's /etc/passwd,
// which it has none of, and runs the process with gid 0.
func TestDeployRunsAsImageUserAndGroup(t *testing.T) {
	raw, err := os.ReadFile(repoRoot + "artifacts/deploy/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var d appsv1.Deployment
	if err := yaml.UnmarshalStrict(raw, &d); err != nil {
		t.Fatal(err)
	}
	for _, c := range d.Spec.Template.Spec.Containers {
		sc := c.SecurityContext
		if sc == nil || sc.RunAsUser == nil || sc.RunAsGroup == nil || *sc.RunAsUser != 65532 || *sc.RunAsGroup != 65532 {
			t.Errorf("container %s: securityContext %+v, want runAsUser and runAsGroup 65532", c.Name, sc)
		}
	}
}
