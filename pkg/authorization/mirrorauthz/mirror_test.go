package mirrorauthz

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
)

const group = "resources.kubesphere.io"

// answer is what the fake delegate says to one request.
type answer struct {
	decision authorizer.Decision
	reason   string
	err      error
}

// fakeDelegate answers by group/resource and records every request it saw.
type fakeDelegate struct {
	answers map[schema.GroupResource]answer
	seen    []authorizer.Attributes
}

func (f *fakeDelegate) authorizer() authorizer.Authorizer {
	return authorizer.AuthorizerFunc(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		f.seen = append(f.seen, a)
		if !a.IsResourceRequest() {
			return authorizer.DecisionAllow, "non-resource", nil
		}
		ans, ok := f.answers[schema.GroupResource{Group: a.GetAPIGroup(), Resource: a.GetResource()}]
		if !ok {
			return authorizer.DecisionNoOpinion, "", nil
		}
		return ans.decision, ans.reason, ans.err
	})
}

var (
	mirrorPods      = schema.GroupResource{Group: group, Resource: "pods"}
	upstreamPods    = schema.GroupResource{Resource: "pods"}
	mirrorDeploys   = schema.GroupResource{Group: group, Resource: "deployments"}
	upstreamDeploys = schema.GroupResource{Group: "apps", Resource: "deployments"}
	mirrorNodes     = schema.GroupResource{Group: group, Resource: "nodes"}
	upstreamNodes   = schema.GroupResource{Resource: "nodes"}

	allow = answer{decision: authorizer.DecisionAllow}
	deny  = answer{decision: authorizer.DecisionDeny}

	errSAR = errors.New("subjectaccessreviews: connection refused")
)

func upstreamOf(resource string) (schema.GroupResource, bool) {
	switch resource {
	case "pods":
		return upstreamPods, true
	case "deployments":
		return upstreamDeploys, true
	case "nodes":
		return upstreamNodes, true
	}
	return schema.GroupResource{}, false
}

func request(verb, namespace, resource, name string) authorizer.AttributesRecord {
	return authorizer.AttributesRecord{
		User: &user.DefaultInfo{Name: "bob", Groups: []string{"devs"}}, Verb: verb,
		Namespace: namespace, APIGroup: group, APIVersion: "v1alpha3", Resource: resource, Name: name,
		ResourceRequest: true, Path: "/apis/" + group + "/v1alpha3/" + resource,
	}
}

func TestAuthorize(t *testing.T) {
	tests := []struct {
		name     string
		attrs    authorizer.AttributesRecord
		answers  map[schema.GroupResource]answer
		want     authorizer.Decision
		reason   string // substring of the reason; "" checks nothing
		exact    string // the whole reason, when set
		wantErr  error
		wantSeen []authorizer.AttributesRecord // what the delegate must be asked, in order; nil checks nothing
	}{
		{
			name:    "both allowed",
			attrs:   request("list", "demo", "pods", ""),
			answers: map[schema.GroupResource]answer{mirrorPods: allow, upstreamPods: allow},
			want:    authorizer.DecisionAllow,
			wantSeen: []authorizer.AttributesRecord{
				request("list", "demo", "pods", ""),
				{User: request("", "", "", "").User, Verb: "list", Namespace: "demo", APIVersion: "*", Resource: "pods", ResourceRequest: true},
			},
		},
		{
			name:    "mirror denied: its decision and reason, upstream not asked",
			attrs:   request("list", "demo", "pods", ""),
			answers: map[schema.GroupResource]answer{mirrorPods: {decision: authorizer.DecisionDeny, reason: "no mirror role"}, upstreamPods: allow},
			want:    authorizer.DecisionDeny,
			exact:   "no mirror role",
			wantSeen: []authorizer.AttributesRecord{
				request("list", "demo", "pods", ""),
			},
		},
		{
			name:    "mirror no opinion passes through",
			attrs:   request("list", "demo", "pods", ""),
			answers: map[schema.GroupResource]answer{upstreamPods: allow},
			want:    authorizer.DecisionNoOpinion,
		},
		{
			name:    "upstream denied names the upstream permission",
			attrs:   request("list", "kube-system", "pods", ""),
			answers: map[schema.GroupResource]answer{mirrorPods: allow, upstreamPods: deny},
			want:    authorizer.DecisionDeny,
			exact:   `resources.kubesphere.io mirrors pods: user "bob" cannot list pods in namespace "kube-system"`,
		},
		{
			name:    "upstream no opinion is a deny",
			attrs:   request("watch", "demo", "pods", ""),
			answers: map[schema.GroupResource]answer{mirrorPods: allow},
			want:    authorizer.DecisionDeny,
			exact:   `resources.kubesphere.io mirrors pods: user "bob" cannot watch pods in namespace "demo"`,
		},
		{
			name:    "upstream deny reason is appended",
			attrs:   request("get", "demo", "deployments", "web"),
			answers: map[schema.GroupResource]answer{mirrorDeploys: allow, upstreamDeploys: {decision: authorizer.DecisionDeny, reason: "policy says no"}},
			want:    authorizer.DecisionDeny,
			exact:   `resources.kubesphere.io mirrors deployments.apps: user "bob" cannot get deployments.apps "web" in namespace "demo": policy says no`,
		},
		{
			name:    "mirror check error is passed up",
			attrs:   request("list", "demo", "pods", ""),
			answers: map[schema.GroupResource]answer{mirrorPods: {decision: authorizer.DecisionNoOpinion, err: errSAR}, upstreamPods: allow},
			want:    authorizer.DecisionNoOpinion,
			wantErr: errSAR,
		},
		{
			name:    "upstream check error is passed up, never an allow",
			attrs:   request("list", "demo", "pods", ""),
			answers: map[schema.GroupResource]answer{mirrorPods: allow, upstreamPods: {decision: authorizer.DecisionNoOpinion, err: errSAR}},
			want:    authorizer.DecisionDeny,
			wantErr: errSAR,
		},
		{
			name:    "upstream deny with error keeps the error",
			attrs:   request("list", "demo", "pods", ""),
			answers: map[schema.GroupResource]answer{mirrorPods: allow, upstreamPods: {decision: authorizer.DecisionDeny, err: errSAR}},
			want:    authorizer.DecisionDeny,
			wantErr: errSAR,
		},
		{
			name: "non-resource request goes to the delegate unchanged",
			attrs: authorizer.AttributesRecord{
				User: &user.DefaultInfo{Name: "bob"}, Verb: "get", Path: "/apis/" + group + "/v1alpha3",
			},
			want:  authorizer.DecisionAllow,
			exact: "non-resource",
			wantSeen: []authorizer.AttributesRecord{
				{User: &user.DefaultInfo{Name: "bob"}, Verb: "get", Path: "/apis/" + group + "/v1alpha3"},
			},
		},
		{
			name: "other API group goes to the delegate unchanged",
			attrs: authorizer.AttributesRecord{
				User: &user.DefaultInfo{Name: "bob"}, Verb: "list", Namespace: "demo",
				APIGroup: "apps", APIVersion: "v1", Resource: "deployments", ResourceRequest: true,
			},
			answers: map[schema.GroupResource]answer{upstreamDeploys: {decision: authorizer.DecisionDeny, reason: "plain deny"}},
			want:    authorizer.DecisionDeny,
			exact:   "plain deny",
			wantSeen: []authorizer.AttributesRecord{{
				User: &user.DefaultInfo{Name: "bob"}, Verb: "list", Namespace: "demo",
				APIGroup: "apps", APIVersion: "v1", Resource: "deployments", ResourceRequest: true,
			}},
		},
		{
			name:    "unknown mirror resource keeps the mirror decision (nothing is served there: 404)",
			attrs:   request("list", "demo", "widgets", ""),
			answers: map[schema.GroupResource]answer{{Group: group, Resource: "widgets"}: allow},
			want:    authorizer.DecisionAllow,
		},
		{
			name:    "unknown mirror resource denied by the mirror check stays denied",
			attrs:   request("list", "demo", "widgets", ""),
			answers: map[schema.GroupResource]answer{},
			want:    authorizer.DecisionNoOpinion,
		},
		{
			name:    "namespace, name and verb are passed through",
			attrs:   request("get", "web-shop", "deployments", "checkout"),
			answers: map[schema.GroupResource]answer{mirrorDeploys: allow, upstreamDeploys: allow},
			want:    authorizer.DecisionAllow,
			wantSeen: []authorizer.AttributesRecord{
				request("get", "web-shop", "deployments", "checkout"),
				{User: request("", "", "", "").User, Verb: "get", Namespace: "web-shop", APIGroup: "apps", APIVersion: "*",
					Resource: "deployments", Name: "checkout", ResourceRequest: true},
			},
		},
		{
			name:    "cluster-wide list of a namespaced mirror needs the cluster-wide upstream list",
			attrs:   request("list", "", "pods", ""),
			answers: map[schema.GroupResource]answer{mirrorPods: allow, upstreamPods: deny},
			want:    authorizer.DecisionDeny,
			exact:   `resources.kubesphere.io mirrors pods: user "bob" cannot list pods at the cluster scope`,
		},
		{
			name:    "cluster-scoped resource",
			attrs:   request("get", "", "nodes", "node-1"),
			answers: map[schema.GroupResource]answer{mirrorNodes: allow, upstreamNodes: allow},
			want:    authorizer.DecisionAllow,
			wantSeen: []authorizer.AttributesRecord{
				request("get", "", "nodes", "node-1"),
				{User: request("", "", "", "").User, Verb: "get", APIVersion: "*", Resource: "nodes", Name: "node-1", ResourceRequest: true},
			},
		},
		{
			name:    "cluster-scoped resource denied upstream",
			attrs:   request("get", "", "nodes", "node-1"),
			answers: map[schema.GroupResource]answer{mirrorNodes: allow, upstreamNodes: deny},
			want:    authorizer.DecisionDeny,
			exact:   `resources.kubesphere.io mirrors nodes: user "bob" cannot get nodes "node-1" at the cluster scope`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeDelegate{answers: tt.answers}
			a := New(fake.authorizer(), upstreamOf)
			got, reason, err := a.Authorize(context.Background(), tt.attrs)
			if got != tt.want {
				t.Errorf("decision %v, want %v (reason %q, err %v)", got, tt.want, reason, err)
			}
			if tt.exact != "" && reason != tt.exact {
				t.Errorf("reason\n  %q\nwant\n  %q", reason, tt.exact)
			}
			if !strings.Contains(reason, tt.reason) {
				t.Errorf("reason %q does not contain %q", reason, tt.reason)
			}
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
			if tt.wantSeen != nil {
				var seen []authorizer.AttributesRecord
				for _, s := range fake.seen {
					seen = append(seen, record(s))
				}
				if !reflect.DeepEqual(seen, tt.wantSeen) {
					t.Errorf("delegate was asked\n  %+v\nwant\n  %+v", seen, tt.wantSeen)
				}
			}

			// The conditions-aware entry point must say the same.
			cad := a.ConditionsAwareAuthorize(context.Background(), tt.attrs)
			if (cad.IsAllow()) != (tt.want == authorizer.DecisionAllow) {
				t.Errorf("ConditionsAwareAuthorize allow=%v, Authorize said %v", cad.IsAllow(), got)
			}
		})
	}
}

// The upstream field and label names are the mirror's, so selectors, and
// their parse errors, are carried to the upstream check unchanged.
func TestSelectorsCarriedUpstream(t *testing.T) {
	field, err := fields.ParseSelector("spec.nodeName=node-1")
	if err != nil {
		t.Fatal(err)
	}
	label, err := labels.NewRequirement("tier", selection.In, []string{"front", "back"})
	if err != nil {
		t.Fatal(err)
	}
	labelErr := errors.New("bad label selector")

	attrs := request("list", "demo", "pods", "")
	attrs.FieldSelectorRequirements = field.Requirements()
	attrs.LabelSelectorRequirements = labels.Requirements{*label}
	attrs.LabelSelectorParsingErr = labelErr

	fake := &fakeDelegate{answers: map[schema.GroupResource]answer{mirrorPods: allow, upstreamPods: allow}}
	if got, _, err := New(fake.authorizer(), upstreamOf).Authorize(context.Background(), attrs); got != authorizer.DecisionAllow || err != nil {
		t.Fatalf("got %v, %v; want Allow", got, err)
	}
	if len(fake.seen) != 2 {
		t.Fatalf("delegate asked %d times, want 2", len(fake.seen))
	}
	up := fake.seen[1]
	gotField, gotFieldErr := up.GetFieldSelector()
	if !reflect.DeepEqual(gotField, field.Requirements()) || gotFieldErr != nil {
		t.Errorf("upstream field selector %v (%v), want %v", gotField, gotFieldErr, field.Requirements())
	}
	gotLabel, gotLabelErr := up.GetLabelSelector()
	if !reflect.DeepEqual(gotLabel, labels.Requirements{*label}) || !errors.Is(gotLabelErr, labelErr) {
		t.Errorf("upstream label selector %v (%v), want %v (%v)", gotLabel, gotLabelErr, *label, labelErr)
	}
}

// A subresource is checked upstream too, so it never needs less than the
// upstream subresource permission.
func TestSubresourceCarriedUpstream(t *testing.T) {
	attrs := request("get", "demo", "pods", "web-0")
	attrs.Subresource = "log"
	fake := &fakeDelegate{answers: map[schema.GroupResource]answer{mirrorPods: allow, upstreamPods: deny}}
	_, reason, _ := New(fake.authorizer(), upstreamOf).Authorize(context.Background(), attrs)
	if got := fake.seen[len(fake.seen)-1].GetSubresource(); got != "log" {
		t.Errorf("upstream subresource %q, want log", got)
	}
	want := `resources.kubesphere.io mirrors pods: user "bob" cannot get pods/log "web-0" in namespace "demo"`
	if reason != want {
		t.Errorf("reason %q, want %q", reason, want)
	}
}

func TestEvaluateConditionsFailsClosed(t *testing.T) {
	a := New(authorizer.AuthorizerFunc(nil), upstreamOf)
	d, _, err := a.EvaluateConditions(context.Background(), authorizer.ConditionsAwareDecision{}, nil)
	if d != authorizer.DecisionDeny || !errors.Is(err, authorizer.ErrorConditionEvaluationNotSupported) {
		t.Errorf("got %v, %v; want Deny, ErrorConditionEvaluationNotSupported", d, err)
	}
}

// record flattens attributes for comparison.
func record(a authorizer.Attributes) authorizer.AttributesRecord {
	fr, fe := a.GetFieldSelector()
	lr, le := a.GetLabelSelector()
	return authorizer.AttributesRecord{
		User: a.GetUser(), Verb: a.GetVerb(), Namespace: a.GetNamespace(), APIGroup: a.GetAPIGroup(),
		APIVersion: a.GetAPIVersion(), Resource: a.GetResource(), Subresource: a.GetSubresource(),
		Name: a.GetName(), ResourceRequest: a.IsResourceRequest(), Path: a.GetPath(),
		FieldSelectorRequirements: fr, FieldSelectorParsingErr: fe,
		LabelSelectorRequirements: lr, LabelSelectorParsingErr: le,
	}
}
