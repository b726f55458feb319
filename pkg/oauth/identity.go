package oauth

import (
	"fmt"
	"strings"
	"unicode"
)

// ReservedGroupPrefix starts the groups Kubernetes reserves for itself
// (system:masters, system:nodes, ...). A User's groups with it are never
// issued: a token must not make its holder a cluster administrator or a node
// because someone could write spec.groups.
const ReservedGroupPrefix = "system:"

// IsReservedGroup reports whether g is one of Kubernetes' system: groups.
func IsReservedGroup(g string) bool { return strings.HasPrefix(g, ReservedGroupPrefix) }

// ReservedGroups returns the groups of groups that are never issued.
func ReservedGroups(groups []string) []string {
	var out []string
	for _, g := range groups {
		if IsReservedGroup(g) {
			out = append(out, g)
		}
	}
	return out
}

// issuableGroups are groups without the reserved ones, each with prefix.
// It always returns a new slice (the User comes from a shared cache).
func issuableGroups(groups []string, prefix string) []string {
	out := make([]string, 0, len(groups))
	for _, g := range groups {
		if g != "" && !IsReservedGroup(g) {
			out = append(out, prefix+g)
		}
	}
	return out
}

// validatePrefix checks --oauth-username-prefix or --oauth-groups-prefix.
// Empty means none (KubeSphere's names as they are). A prefix must end in
// ':' so that prefixed names form a namespace of their own: User names are
// DNS subdomains (no ':'), so a prefixed name never equals a name without
// ':' such as an x509 CN "admin"; and it must not start with "system:",
// which would put accounts into Kubernetes' reserved names and groups.
func validatePrefix(flag, p string) error {
	if p == "" {
		return nil
	}
	if !strings.HasSuffix(p, ":") || len(p) < 2 {
		return fmt.Errorf("%s must end in ':' and name something before it (such as \"kubesphere:\"), got %q", flag, p)
	}
	if strings.HasPrefix(strings.ToLower(p), ReservedGroupPrefix) {
		return fmt.Errorf("%s must not start with %q (Kubernetes reserves it), got %q", flag, ReservedGroupPrefix, p)
	}
	if strings.IndexFunc(p, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0 {
		return fmt.Errorf("%s must not contain spaces or control characters, got %q", flag, p)
	}
	return nil
}

// checkAudiences refuses an access-token audience equal to a client id: an
// OIDC relying party checks an ID token's "aud" against its client id and
// most ignore "typ", so such an access token would pass as an ID token.
func checkAudiences(audiences []string, clients *Clients) error {
	for _, a := range audiences {
		if _, ok := clients.Get(a); ok {
			return fmt.Errorf("oauth: the access token audience %q is also the id of OAuth client %q; an access token would pass as that client's ID token: "+
				"set --oauth-audiences to resource identifiers (such as the issuer without /oauth) or rename the client", a, a)
		}
	}
	return nil
}
