package oauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxReviewBody bounds a TokenReview request.
const maxReviewBody = 1 << 20

// SessionExtraKey is the user extra that carries the session id.
const SessionExtraKey = "iam.kubesphere.io/session-id"

// tokenReview is POST /oauth/authenticate, kube-apiserver's TokenReview
// webhook (--authentication-token-webhook-config-file). It answers v1 and
// v1beta1 in the version it was asked, and a token it cannot accept with 200
// authenticated:false and no error, so kube-apiserver caches the answer and
// does not retry. Only callers allowed to create TokenReviews may use it.
// Its errors are Kubernetes Status objects (writeReviewError).
func (s *Server) tokenReview(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeReviewError(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	if !s.reviewAllowed(r) {
		forbidReview(w)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxReviewBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeReviewError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("a TokenReview may not exceed %d bytes", maxReviewBody))
		return
	}
	if err != nil {
		writeReviewError(w, http.StatusBadRequest, "the request body could not be read")
		return
	}
	var review authenticationv1.TokenReview
	if err := json.Unmarshal(body, &review); err != nil {
		writeReviewError(w, http.StatusBadRequest, "the body is not a TokenReview")
		return
	}
	apiVersion := review.APIVersion
	if review.Kind != "TokenReview" || (apiVersion != "authentication.k8s.io/v1" && apiVersion != "authentication.k8s.io/v1beta1") {
		writeReviewError(w, http.StatusBadRequest, "expected kind TokenReview of authentication.k8s.io/v1 or v1beta1")
		return
	}
	out := authenticationv1.TokenReview{
		TypeMeta: metav1.TypeMeta{APIVersion: apiVersion, Kind: "TokenReview"},
	}
	ev := eventOf(r.Context())
	ev.outcome, ev.reason = "unauthenticated", "invalid, expired or revoked token, or another audience"
	if status, ok := s.review(review.Spec); ok {
		out.Status = status
		ev.outcome, ev.reason = "authenticated", ""
		ev.user = status.User.Username
		if sid := status.User.Extra[SessionExtraKey]; len(sid) > 0 {
			ev.session = sid[0]
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// reviewAllowed reports whether the request's caller may create TokenReviews.
func (s *Server) reviewAllowed(r *http.Request) bool {
	return s.cfg.AuthorizeReview != nil && s.cfg.AuthorizeReview(r)
}

func forbidReview(w http.ResponseWriter) {
	writeReviewError(w, http.StatusForbidden, "the caller may not create tokenreviews.authentication.k8s.io")
}

// writeReviewError answers a webhook request that failed as a Kubernetes
// Status, not RFC 6749 JSON: the caller is kube-apiserver's webhook client
// (client-go), which turns a Status into the error it logs and decides
// retries by (reason, details.retryAfterSeconds); any other body is only
// text to it. Messages are fixed strings.
func writeReviewError(w http.ResponseWriter, code int, message string) {
	writeReviewStatus(w, code, message, 0)
}

func writeReviewStatus(w http.ResponseWriter, code int, message string, retryAfter int) {
	noStore(w)
	status := &metav1.Status{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Status:   metav1.StatusFailure, Code: int32(code), Reason: reviewReasons[code], Message: message,
	}
	if retryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(retryAfter))
		status.Details = &metav1.StatusDetails{RetryAfterSeconds: int32(retryAfter)}
	}
	writeJSON(w, code, status)
}

// reviewReasons are the Status reasons of the webhook's error codes.
var reviewReasons = map[int]metav1.StatusReason{
	http.StatusBadRequest:            metav1.StatusReasonBadRequest,
	http.StatusUnauthorized:          metav1.StatusReasonUnauthorized,
	http.StatusForbidden:             metav1.StatusReasonForbidden,
	http.StatusMethodNotAllowed:      metav1.StatusReasonMethodNotAllowed,
	http.StatusRequestTimeout:        metav1.StatusReasonTimeout,
	http.StatusRequestEntityTooLarge: metav1.StatusReasonRequestEntityTooLarge,
	http.StatusTooManyRequests:       metav1.StatusReasonTooManyRequests,
}

// writeReviewOAuthError answers a serving-limit error (429, 408, 400) of
// the webhook as a Status, keeping its Retry-After.
func writeReviewOAuthError(w http.ResponseWriter, e *oauthError) {
	writeReviewStatus(w, e.Status, e.Description, e.RetryAfter)
}

// review authenticates a token for the requested audiences: with none, the
// API server's implicit audience; with some, the token's "aud" must include
// one of them, and the intersection is returned.
func (s *Server) review(spec authenticationv1.TokenReviewSpec) (authenticationv1.TokenReviewStatus, bool) {
	var aud string
	var matched []string
	if len(spec.Audiences) == 0 {
		aud = s.cfg.Audiences[0]
	} else {
		for _, a := range spec.Audiences {
			if slices.Contains(s.cfg.Audiences, a) {
				matched = append(matched, a)
			}
		}
		if len(matched) == 0 {
			return authenticationv1.TokenReviewStatus{}, false
		}
		aud = matched[0]
	}
	id, err := s.VerifyAccessToken(spec.Token, aud)
	if err != nil {
		return authenticationv1.TokenReviewStatus{}, false
	}
	return authenticationv1.TokenReviewStatus{
		Authenticated: true,
		User: authenticationv1.UserInfo{
			Username: id.Username, UID: string(id.User.UID), Groups: id.Groups(),
			Extra: map[string]authenticationv1.ExtraValue{SessionExtraKey: {id.Session.ID}},
		},
		Audiences: matched,
	}, true
}
