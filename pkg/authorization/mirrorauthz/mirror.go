// Package mirror authorizes requests to resources.kubesphere.io so that the
// mirror never widens access: a request is allowed only if the caller may do
// the same thing both on the mirror resource and on the upstream resource it
// mirrors.
package mirrorauthz

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authorization/authorizer"

	"github.com/ks-apiserver/ks-apiserver/pkg/apis/resources/v1alpha3"
)

// New wraps the delegated authorizer; upstream maps a resources.kubesphere.io
// resource name (e.g. "pods") to the upstream GroupResource it mirrors (e.g.
// {Group:"", Resource:"pods"}), false when unknown.
//
// Requests to resources.kubesphere.io are allowed only if the delegate allows
// both the request itself and the same verb on the upstream resource, in the
// same namespace, with the same name, subresource and selectors. Any other
// request (non-resource paths, other groups) goes to the delegate unchanged.
//
// No cache is added here: the delegated (SubjectAccessReview) authorizer of
// k8s.io/apiserver already caches allow and deny answers for their TTLs, and
// the upstream check is just another cached review.
func New(delegate authorizer.Authorizer, upstream func(resource string) (schema.GroupResource, bool)) authorizer.Authorizer {
	return &mirrorAuthorizer{delegate: delegate, upstream: upstream}
}

type mirrorAuthorizer struct {
	delegate authorizer.Authorizer
	upstream func(resource string) (schema.GroupResource, bool)
}

var _ authorizer.Authorizer = &mirrorAuthorizer{}

// Authorize implements authorizer.Authorizer.
func (m *mirrorAuthorizer) Authorize(ctx context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	if !a.IsResourceRequest() || a.GetAPIGroup() != v1alpha3.GroupName {
		return m.delegate.Authorize(ctx, a)
	}

	// The mirror permission first: without it the upstream one does not
	// matter, and its answer and reason are the ones users know from RBAC.
	decision, reason, err := m.delegate.Authorize(ctx, a)
	if decision != authorizer.DecisionAllow {
		return decision, reason, err
	}

	gr, ok := m.upstream(a.GetResource())
	if !ok {
		// Nothing is served under a name that mirrors nothing, so the
		// mirror decision cannot widen access; keeping it lets the router
		// answer 404 for an unknown resource, as kube-apiserver does. The
		// upstream map comes from the same declarations as the storage,
		// which a test in pkg/apiserver checks.
		return decision, reason, err
	}

	up := upstreamAttributes(a, gr)
	upDecision, upReason, upErr := m.delegate.Authorize(ctx, up)
	// Every error goes up; with a Deny the apiserver answers 500 rather than
	// 403, which still fails closed.
	errs := errors.Join(err, upErr)
	if upDecision == authorizer.DecisionAllow {
		return authorizer.DecisionAllow, joinReasons(reason, upReason), errs
	}
	return authorizer.DecisionDeny, denyReason(up, gr, upReason), errs
}

// ConditionsAwareAuthorize implements authorizer.Authorizer. The mirror rule
// needs both unconditional answers, so it is not conditions-aware.
func (m *mirrorAuthorizer) ConditionsAwareAuthorize(ctx context.Context, a authorizer.Attributes) authorizer.ConditionsAwareDecision {
	return authorizer.ConditionsAwareDecisionFromParts(m.Authorize(ctx, a))
}

// EvaluateConditions implements authorizer.Authorizer; it fails closed since
// ConditionsAwareAuthorize never returns a conditional decision.
func (m *mirrorAuthorizer) EvaluateConditions(context.Context, authorizer.ConditionsAwareDecision, authorizer.ConditionsData) (authorizer.Decision, string, error) {
	return authorizer.DecisionDeny, "", authorizer.ErrorConditionEvaluationNotSupported
}

// upstreamAttributes is the request with the mirror's group and resource
// replaced by the upstream ones. Everything the caller chose (verb,
// namespace, name, subresource, selectors) is kept: the mirror serves the
// same objects under the same field and label names, so the upstream check
// must see the same request. Subresources are carried rather than dropped
// so that a future mirror subresource can never be read with only the
// parent's upstream permission.
func upstreamAttributes(a authorizer.Attributes, gr schema.GroupResource) authorizer.AttributesRecord {
	fieldReqs, fieldErr := a.GetFieldSelector()
	labelReqs, labelErr := a.GetLabelSelector()
	return authorizer.AttributesRecord{
		User:      a.GetUser(),
		Verb:      a.GetVerb(),
		Namespace: a.GetNamespace(),
		APIGroup:  gr.Group,
		// RBAC ignores the version and the mirror follows whatever version
		// the upstream informer uses, so any version is the honest answer.
		APIVersion:      "*",
		Resource:        gr.Resource,
		Subresource:     a.GetSubresource(),
		Name:            a.GetName(),
		ResourceRequest: true,

		FieldSelectorRequirements: fieldReqs,
		FieldSelectorParsingErr:   fieldErr,
		LabelSelectorRequirements: labelReqs,
		LabelSelectorParsingErr:   labelErr,
	}
}

// denyReason names the missing upstream permission; the apiserver appends it
// to its generic forbidden message about the mirror resource.
func denyReason(up authorizer.AttributesRecord, gr schema.GroupResource, delegateReason string) string {
	username := ""
	if up.User != nil {
		username = up.User.GetName()
	}
	resource := gr.String()
	if up.Subresource != "" {
		resource += "/" + up.Subresource
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s mirrors %s: user %q cannot %s %s", v1alpha3.GroupName, gr.String(), username, up.Verb, resource)
	if up.Name != "" {
		fmt.Fprintf(&b, " %q", up.Name)
	}
	if up.Namespace != "" {
		fmt.Fprintf(&b, " in namespace %q", up.Namespace)
	} else {
		b.WriteString(" at the cluster scope")
	}
	if delegateReason != "" {
		b.WriteString(": ")
		b.WriteString(delegateReason)
	}
	return b.String()
}

func joinReasons(reasons ...string) string {
	var nonEmpty []string
	for _, r := range reasons {
		if r != "" {
			nonEmpty = append(nonEmpty, r)
		}
	}
	return strings.Join(nonEmpty, "; ")
}
