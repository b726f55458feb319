package oauth

import (
	"context"
	"net/http"

	"k8s.io/klog/v2"
)

// Audit event kinds: the "event" of an "Auth audit" log line.
const (
	auditToken       = "token"
	auditRefresh     = "refresh"
	auditRevoke      = "revoke"
	auditLogout      = "logout"
	auditLockout     = "lockout"
	auditTokenReview = "tokenreview"
)

// authEvent is what one OAuth request did, filled in by its handler as it
// runs and logged once when it is answered (the audit trail). It never
// holds a token, password or secret: user is an existing account's name
// (never what was typed for an unknown one), client a registered client id.
type authEvent struct {
	kind            string
	grant           string
	user, client    string
	session, reason string
	// outcome overrides the one derived from the answer's status code.
	outcome string
}

type authEventKey struct{}

// eventOf returns the request's event; a throwaway one for a request that
// did not come through ServingHandler (unit tests of Handler).
func eventOf(ctx context.Context) *authEvent {
	if ev, ok := ctx.Value(authEventKey{}).(*authEvent); ok {
		return ev
	}
	return &authEvent{}
}

// audit logs an event at the default verbosity, with the request's peer
// address (never X-Forwarded-For) and the answer's status code.
func audit(r *http.Request, ev *authEvent, code int) {
	if ev.kind == "" {
		return
	}
	outcome := ev.outcome
	if outcome == "" {
		outcome = outcomeOfCode(code)
	}
	kv := []any{"event", ev.kind, "user", ev.user, "client", ev.client, "sourceIP", clientIP(r), "outcome", outcome, "code", code}
	if ev.grant != "" {
		kv = append(kv, "grant", ev.grant)
	}
	if ev.session != "" {
		kv = append(kv, "session", ev.session)
	}
	if ev.reason != "" {
		kv = append(kv, "reason", ev.reason)
	}
	klog.InfoS("Auth audit", kv...)
}

// auditLockoutOf logs a lockout that a failed login started.
func auditLockoutOf(r *http.Request, user, scope string, failures int) {
	klog.InfoS("Auth audit", "event", auditLockout, "user", user, "sourceIP", clientIP(r), "outcome", "locked",
		"scope", scope, "failures", failures)
}

func outcomeOfCode(code int) string {
	switch {
	case code < 300:
		return "success"
	case code == http.StatusTooManyRequests:
		return "throttled"
	case code >= 500:
		return "unavailable"
	}
	return "refused"
}

// tokenOutcome is the outcome label of a token request: issued, or the
// RFC 6749 error code, told apart where one code has several causes.
func tokenOutcome(ev *authEvent, oerr *oauthError) string {
	switch {
	case oerr == nil:
		return "issued"
	case ev.outcome != "":
		return ev.outcome
	case oerr.Status == http.StatusTooManyRequests:
		return "throttled"
	case oerr.Status >= 500:
		return "unavailable"
	}
	return oerr.Code
}

// grantLabel is the grant label of a token request; anything but the two
// grants served is "other" (never the client's text).
func grantLabel(grant string) string {
	if grant == GrantPassword || grant == GrantRefreshToken {
		return grant
	}
	return "other"
}

// recordToken counts and describes a token request once it is answered.
func recordToken(ev *authEvent, oerr *oauthError) {
	outcome := tokenOutcome(ev, oerr)
	tokenRequests.WithLabelValues(grantLabel(ev.grant), outcome).Inc()
	ev.kind = auditToken
	if ev.grant == GrantRefreshToken {
		ev.kind = auditRefresh
	}
	ev.outcome = outcome
}
