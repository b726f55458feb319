package oauth

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// golang.org/x/oauth2 against the server, with each client authentication
// style: password grant, refresh grant, and automatic refresh by a
// TokenSource when the access token expires.
func TestOAuth2ClientPasswordRefreshAndAutomaticRefresh(t *testing.T) {
	for name, style := range map[string]oauth2.AuthStyle{"client_secret_basic": oauth2.AuthStyleInHeader, "client_secret_post": oauth2.AuthStyleInParams} {
		t.Run(name, func(t *testing.T) {
			e := newTestEnv(t)
			ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.client)
			cfg := &oauth2.Config{ClientID: "my:client", ClientSecret: "p@ss w+rd%",
				Endpoint: oauth2.Endpoint{TokenURL: e.ts.URL + "/oauth/token", AuthStyle: style}}
			tok, err := cfg.PasswordCredentialsToken(ctx, "alice", alicePassword)
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken == "" || tok.RefreshToken == "" || tok.Type() != "Bearer" || time.Until(tok.Expiry) < time.Hour {
				t.Fatalf("%+v", tok)
			}
			if _, err := cfg.PasswordCredentialsToken(ctx, "alice", "wrong"); err == nil {
				t.Fatal("wrong password accepted")
			} else {
				var re *oauth2.RetrieveError
				if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" || re.Response.StatusCode != http.StatusBadRequest {
					t.Fatalf("%v", err)
				}
			}
			// Explicit refresh.
			expired := *tok
			expired.Expiry = time.Now().Add(-time.Minute)
			fresh, err := cfg.TokenSource(ctx, &expired).Token()
			if err != nil {
				t.Fatal(err)
			}
			if fresh.RefreshToken == tok.RefreshToken || fresh.AccessToken == tok.AccessToken {
				t.Fatal("not rotated")
			}
			// Automatic refresh: a client built from a token source refreshes
			// the expired access token before calling the resource.
			var seen string
			resource := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tokenStr, _ := bearerToken(r)
				if id, err := e.srv.VerifyAccessToken(tokenStr, ""); err == nil {
					seen = id.User.Name
				}
			})
			expired2 := *fresh
			expired2.Expiry = time.Now().Add(-time.Second)
			client := oauth2.NewClient(ctx, cfg.TokenSource(ctx, &expired2))
			client.Transport.(*oauth2.Transport).Base = roundTripper(resource)
			resp, err := client.Get("https://resource.example/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if seen != "alice" {
				t.Fatal("the automatically refreshed token did not verify")
			}
		})
	}
}

// roundTripper serves requests with a handler in process.
type roundTripper http.HandlerFunc

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := newRecorder()
	http.HandlerFunc(f).ServeHTTP(rec, r)
	return rec.Result(), nil
}

// Attack case 25: with AuthStyleAutoDetect, x/oauth2 sends a failing
// request twice (Basic, then body credentials); the retry of the same
// attempt counts once towards the lockout.
func TestOAuth2AutoDetectRetryCountsOnce(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.client)
	cfg := &oauth2.Config{ClientID: "cli", ClientSecret: "s3cr3t", Endpoint: oauth2.Endpoint{TokenURL: e.ts.URL + "/oauth/token"}}
	if _, err := cfg.PasswordCredentialsToken(ctx, "alice", "wrong-once"); err == nil {
		t.Fatal("wrong password accepted")
	}
	r, _ := e.store.GetLoginRecord(ctx, recordKey("alice"))
	if len(r.Attempts) != 1 {
		t.Fatalf("one attempt counted %d times", len(r.Attempts))
	}
	// A different wrong password is a new attempt.
	_, _ = cfg.PasswordCredentialsToken(ctx, "alice", "wrong-twice")
	if r, _ = e.store.GetLoginRecord(ctx, recordKey("alice")); len(r.Attempts) != 2 {
		t.Fatalf("two attempts counted %d times", len(r.Attempts))
	}
	// The right password still works at once.
	if _, err := cfg.PasswordCredentialsToken(ctx, "alice", alicePassword); err != nil {
		t.Fatal(err)
	}
}
