package oauth

import (
	"encoding/json"
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
func (s *Server) tokenReview(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	if !s.reviewAllowed(r) {
		forbidReview(w)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxReviewBody))
	if err != nil {
		http.Error(w, "request body too large or unreadable", http.StatusBadRequest)
		return
	}
	var review authenticationv1.TokenReview
	if err := json.Unmarshal(body, &review); err != nil {
		http.Error(w, "not a TokenReview", http.StatusBadRequest)
		return
	}
	apiVersion := review.APIVersion
	if review.Kind != "TokenReview" || (apiVersion != "authentication.k8s.io/v1" && apiVersion != "authentication.k8s.io/v1beta1") {
		http.Error(w, "expected kind TokenReview of authentication.k8s.io/v1 or v1beta1", http.StatusBadRequest)
		return
	}
	out := authenticationv1.TokenReview{
		TypeMeta: metav1.TypeMeta{APIVersion: apiVersion, Kind: "TokenReview"},
	}
	if status, ok := s.review(review.Spec); ok {
		out.Status = status
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// reviewAllowed reports whether the request's caller may create TokenReviews.
func (s *Server) reviewAllowed(r *http.Request) bool {
	return s.cfg.AuthorizeReview != nil && s.cfg.AuthorizeReview(r)
}

func forbidReview(w http.ResponseWriter) {
	http.Error(w, "forbidden: the caller may not create tokenreviews", http.StatusForbidden)
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
