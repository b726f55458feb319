package oauth

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"k8s.io/klog/v2"
)

// refreshGrant is RFC 6749 §6 with rotation: the presented token must be
// the session's current one (or the previous one inside the grace window,
// which yields the same successor); an older one is reuse and ends the
// session.
func (s *Server) refreshGrant(ctx context.Context, client *Client, f form, scope []string) (*tokenResponse, *oauthError) {
	ev := eventOf(ctx)
	token := f["refresh_token"]
	if token == "" {
		return nil, errInvalidRequest("refresh_token is required")
	}
	sessionID, ok := parseRefreshToken(token)
	if !ok {
		ev.reason = "not a refresh token"
		return nil, errInvalidGrant()
	}
	ev.session = sessionID
	ring := s.keys.Load()
	presented := hashToken(token)
	successor := successorRefreshToken(ring.refreshMK, token)
	for attempt := 0; attempt < 5; attempt++ {
		session, err := s.cfg.Store.GetSession(ctx, sessionID)
		if errors.Is(err, ErrNotFound) {
			ev.reason = "no such session (ended or expired)"
			return nil, errInvalidGrant()
		}
		if err != nil {
			klog.ErrorS(err, "Reading a session")
			return nil, errUnavailable(1)
		}
		now := s.now()
		ev.user = session.User
		if session.ClientID != client.ID {
			ev.reason = "the session belongs to another client"
			return nil, errInvalidGrant()
		}
		user, valid := s.sessionValid(session, now)
		if !valid {
			ev.reason = "session expired, idle, or its account changed"
			_ = s.endSession(ctx, session.ID)
			return nil, errInvalidGrant()
		}
		for _, sc := range scope {
			if !slices.Contains(session.Scope, sc) {
				return nil, &oauthError{Status: http.StatusBadRequest, Code: "invalid_scope", Description: "the scope exceeds what was granted"}
			}
		}
		if scope == nil {
			scope = session.Scope
		}
		switch {
		case presented == session.RefreshHash:
			if session.PreviousHash != "" {
				session.UsedHashes = append(session.UsedHashes, session.PreviousHash)
			}
			if len(session.UsedHashes) > maxUsedHashes {
				session.UsedHashes = session.UsedHashes[len(session.UsedHashes)-maxUsedHashes:]
			}
			session.PreviousHash = presented
			session.RefreshHash = hashToken(successor)
			session.RotatedAt = now.UTC()
			session.LastRefresh = now.UTC()
			err := s.cfg.Store.UpdateSession(ctx, session)
			if errors.Is(err, ErrConflict) {
				continue // another request rotated it: decide again on fresh state
			}
			if errors.Is(err, ErrNotFound) {
				return nil, errInvalidGrant()
			}
			if err != nil {
				klog.ErrorS(err, "Rotating a refresh token")
				return nil, errUnavailable(1)
			}
			return s.issue(client, user, session, scope, successor, now)
		case presented == session.PreviousHash && session.RefreshHash == hashToken(successor) &&
			now.Sub(session.RotatedAt) <= s.cfg.RefreshGrace:
			// A retry within the grace window: the same successor again.
			return s.issue(client, user, session, scope, successor, now)
		case presented == session.PreviousHash || slices.Contains(session.UsedHashes, presented):
			klog.InfoS("Refresh token reuse detected, ending the session", "user", session.User, "session", session.ID)
			refreshReuse.Inc()
			ev.reason = "refresh token reuse: the session was ended"
			_ = s.endSession(ctx, session.ID)
			return nil, errInvalidGrant()
		default:
			ev.reason = "not the session's current refresh token"
			return nil, errInvalidGrant()
		}
	}
	return nil, errUnavailable(1)
}
