package oauth

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"golang.org/x/crypto/bcrypt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestR01_TokenEndpointRefusesPlainHTTP(t *testing.T) {
	e := newTestEnv(t)
	plain := strings.Replace(e.ts.URL, "https://", "http://", 1)
	resp, err := http.Post(plain+"/oauth/token", "application/x-www-form-urlencoded",
		strings.NewReader("grant_type=password&username=alice&password="+url.QueryEscape(alicePassword)+"&client_id=cli&client_secret=s3cr3t"))
	if err != nil {
		// The listener must answer, not just fail: a refused connection
		// would pass for the wrong reason.
		t.Fatalf("plain HTTP to the TLS listener: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	// Go's TLS listener answers a plain HTTP request with its own 400 and
	// never hands it to the handler.
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "HTTPS server") {
		t.Fatalf("plain HTTP to the TLS listener: %d %s", resp.StatusCode, body)
	}
}

func TestR02_GetIsMethodNotAllowed(t *testing.T) {
	e := newTestEnv(t)
	r := e.do(http.MethodGet, "/oauth/token?grant_type=password&username=alice&password=x&client_id=cli&client_secret=s3cr3t", "")
	expectError(t, r, http.StatusMethodNotAllowed, "invalid_request")
	if r.Header.Get("Allow") != "POST" {
		t.Fatalf("Allow = %q", r.Header.Get("Allow"))
	}
}

func TestR03_BodyMustBeFormEncodedUTF8(t *testing.T) {
	e := newTestEnv(t)
	body := "grant_type=password&username=alice&password=" + url.QueryEscape(alicePassword) + "&client_id=cli&client_secret=s3cr3t"
	for _, ct := range []string{"application/json", "", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded; charset=ISO-8859-1", "text/plain"} {
		r := e.do(http.MethodPost, "/oauth/token", body, "Content-Type", ct)
		expectError(t, r, http.StatusBadRequest, "invalid_request")
	}
	r := e.do(http.MethodPost, "/oauth/token", `{"grant_type":"password"}`, "Content-Type", "application/json")
	expectError(t, r, http.StatusBadRequest, "invalid_request")
	// charset=utf-8 in any case is fine.
	r = e.do(http.MethodPost, "/oauth/token", body, "Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
	if r.Status != http.StatusOK {
		t.Fatalf("charset=UTF-8: %d %s", r.Status, r.Body)
	}
	// Non-UTF-8 bytes.
	r = e.do(http.MethodPost, "/oauth/token", "grant_type=password&username=%ff%fe&password=x&client_id=cli&client_secret=s3cr3t")
	expectError(t, r, http.StatusBadRequest, "invalid_request")
}

func TestR04_EmptyValuesAreOmitted(t *testing.T) {
	e := newTestEnv(t)
	r := e.do(http.MethodPost, "/oauth/token", "grant_type=password&username=&password=x&client_id=cli&client_secret=s3cr3t")
	expectError(t, r, http.StatusBadRequest, "invalid_request")
	// scope= is no scope at all, not an invalid one.
	r = e.login("scope", "")
	if r.Status != http.StatusOK {
		t.Fatalf("empty scope: %d %s", r.Status, r.Body)
	}
}

func TestR05_UnknownParametersIgnored(t *testing.T) {
	e := newTestEnv(t)
	if r := e.login("foo", "bar"); r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}

func TestR06_RepeatedParameters(t *testing.T) {
	e := newTestEnv(t)
	base := "username=alice&password=" + url.QueryEscape(alicePassword) + "&client_secret=s3cr3t"
	for _, body := range []string{
		"grant_type=password&grant_type=refresh_token&client_id=cli&" + base,
		"grant_type=password&client_id=cli&client_id=cli&" + base,
		"grant_type=password&client_id=cli&username=bob&" + base,
	} {
		expectError(t, e.do(http.MethodPost, "/oauth/token", body), http.StatusBadRequest, "invalid_request")
	}
}

func TestR07_CredentialsInURLRejected(t *testing.T) {
	e := newTestEnv(t)
	body := "grant_type=password&username=alice&password=" + url.QueryEscape(alicePassword) + "&client_id=cli"
	r := e.do(http.MethodPost, "/oauth/token?client_secret=s3cr3t", body)
	expectError(t, r, http.StatusBadRequest, "invalid_request")
	r = e.do(http.MethodPost, "/oauth/token?password="+url.QueryEscape(alicePassword), "grant_type=password&username=alice&client_id=cli&client_secret=s3cr3t")
	expectError(t, r, http.StatusBadRequest, "invalid_request")
}

func TestR08_LineBreaksInCredentials(t *testing.T) {
	e := newTestEnv(t)
	for _, f := range []url.Values{
		{"grant_type": {"password"}, "username": {"alice\r\n"}, "password": {alicePassword}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}},
		{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePassword + "\n"}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}},
		{"grant_type": {"password"}, "username": {"al\x00ice"}, "password": {alicePassword}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}},
	} {
		expectError(t, e.post("/oauth/token", f), http.StatusBadRequest, "invalid_request")
	}
	// Malformed percent-encoding and ';' separators.
	for _, body := range []string{"grant_type=password&username=%zz", "grant_type=password;username=alice"} {
		expectError(t, e.do(http.MethodPost, "/oauth/token", body+"&client_id=cli&client_secret=s3cr3t"), http.StatusBadRequest, "invalid_request")
	}
}

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

func TestR10_R11_BasicAuthenticationIsFormDecoded(t *testing.T) {
	e := newTestEnv(t)
	f := url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePassword}}
	r := e.post("/oauth/token", f, "Authorization", basic("my:client", "p@ss w+rd%"))
	if r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	// A raw ':' in the secret: split on the first one only.
	clients, err := NewClients([]ClientConfig{{ID: "c", Secret: "a:b", Grants: []string{GrantPassword}}}, time.Hour, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e2 := newTestEnv(t, func(c *Config) { c.Clients = clients })
	r = e2.post("/oauth/token", f, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("c:a:b")))
	if r.Status != http.StatusOK {
		t.Fatalf("raw colon: %d %s", r.Status, r.Body)
	}
}

func TestR12_BasicSchemeIsCaseInsensitive(t *testing.T) {
	e := newTestEnv(t)
	f := url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePassword}}
	r := e.post("/oauth/token", f, "Authorization", strings.Replace(basic("cli", "s3cr3t"), "Basic", "basic", 1))
	if r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}

func TestR13_BodyCredentials(t *testing.T) {
	e := newTestEnv(t)
	if r := e.login(); r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}

func TestR14_OneAuthenticationMethodOnly(t *testing.T) {
	e := newTestEnv(t)
	f := url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePassword}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}}
	expectError(t, e.post("/oauth/token", f, "Authorization", basic("cli", "s3cr3t")), http.StatusBadRequest, "invalid_request")
	f.Del("client_secret")
	f.Set("client_id", "other")
	expectError(t, e.post("/oauth/token", f, "Authorization", basic("cli", "s3cr3t")), http.StatusBadRequest, "invalid_request")
}

func TestR15_R53_ClientAuthenticationFailures(t *testing.T) {
	e := newTestEnv(t)
	f := url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePassword}}
	// No credentials at all.
	expectError(t, e.post("/oauth/token", f), http.StatusUnauthorized, "invalid_client")
	// Wrong secret and unknown client in the body: the same answer.
	f.Set("client_id", "cli")
	f.Set("client_secret", "wrong")
	wrong := e.post("/oauth/token", f)
	expectError(t, wrong, http.StatusUnauthorized, "invalid_client")
	f.Set("client_id", "nobody")
	unknown := e.post("/oauth/token", f)
	expectError(t, unknown, http.StatusUnauthorized, "invalid_client")
	if string(wrong.Body) != string(unknown.Body) {
		t.Fatalf("unknown and wrong client differ: %s vs %s", wrong.Body, unknown.Body)
	}
	// Basic: 401 with WWW-Authenticate: Basic.
	f.Del("client_id")
	f.Del("client_secret")
	for _, h := range []string{basic("nobody", "x"), basic("cli", "wrong"), "Basic !!!notbase64", "Basic", "Basic " + base64.StdEncoding.EncodeToString([]byte("nocolon"))} {
		r := e.post("/oauth/token", f, "Authorization", h)
		expectError(t, r, http.StatusUnauthorized, "invalid_client")
		if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Basic") {
			t.Fatalf("%q: WWW-Authenticate = %q", h, r.Header.Get("WWW-Authenticate"))
		}
	}
}

func TestR16_ClientSecretGuessingIsThrottled(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.IPRate, c.IPBurst = 0.01, 5 })
	f := url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePassword}, "client_id": {"cli"}}
	var last *response
	for i := 0; i < 8; i++ {
		f.Set("client_secret", fmt.Sprintf("guess-%d", i))
		last = e.post("/oauth/token", f)
	}
	if last.Status != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Fatalf("after 8 bad secrets: %d %s %v", last.Status, last.Body, last.Header)
	}
}

func TestR20_R25_PasswordGrantSucceeds(t *testing.T) {
	e := newTestEnv(t)
	r := e.login()
	if r.str("access_token") == "" || r.str("refresh_token") == "" || r.str("token_type") != "Bearer" {
		t.Fatalf("%s", r.Body)
	}
	if err := e.verify(r.str("access_token")); err != nil {
		t.Fatal(err)
	}
}

func TestR21_MissingUsernameOrPassword(t *testing.T) {
	e := newTestEnv(t)
	for _, f := range []url.Values{
		{"grant_type": {"password"}, "password": {"x"}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}},
		{"grant_type": {"password"}, "username": {"alice"}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}},
	} {
		expectError(t, e.post("/oauth/token", f), http.StatusBadRequest, "invalid_request")
	}
}

// R22, attack cases 19-20: unknown user, wrong password, disabled account,
// password too long: one status, body and header set.
func TestR22_EveryCredentialFailureLooksTheSame(t *testing.T) {
	e := newTestEnv(t)
	var first *response
	for _, c := range []struct{ user, pw string }{
		{"alice", "wrong"}, {"nobody", "wrong"}, {"bob", "Bob-Pa55word"}, {"alice", alicePassword + strings.Repeat("x", 80)},
	} {
		r := e.post("/oauth/token", url.Values{"grant_type": {"password"}, "username": {c.user}, "password": {c.pw}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}})
		expectError(t, r, http.StatusBadRequest, "invalid_grant")
		if strings.Contains(string(r.Body), c.user) {
			t.Fatalf("description echoes the username: %s", r.Body)
		}
		if first == nil {
			first = r
			continue
		}
		if string(r.Body) != string(first.Body) {
			t.Fatalf("%s: body %s differs from %s", c.user, r.Body, first.Body)
		}
		for _, h := range []string{"Content-Type", "Cache-Control", "Pragma", "WWW-Authenticate", "Retry-After"} {
			if r.Header.Get(h) != first.Header.Get(h) {
				t.Fatalf("%s: header %s differs", c.user, h)
			}
		}
	}
}

// Attack case 19: unknown users cost the same work as known ones: every
// failure runs exactly one bcrypt comparison against a hash of the same
// cost (the dummy hash for unknown users and unusable accounts).
func TestR22_UnknownUserCostsTheSameWork(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.BcryptCost = 6 })
	e.users.Put(testUser(t, "erin", "Erin-Pa55word", 6, iamv1beta1UserActive()))
	e.users.Put(testUser(t, "frank", "Frank-Pa55word", 6, "Disabled"))
	var costs []int
	e.srv.compare = func(hash, pw []byte) error {
		c, err := bcrypt.Cost(hash)
		if err != nil {
			t.Errorf("compared against a non-bcrypt value")
		}
		costs = append(costs, c)
		return bcrypt.CompareHashAndPassword(hash, pw)
	}
	for i, user := range []string{"erin", "nobody-at-all", "frank", "ERIN\u200b"} {
		costs = nil
		e.post("/oauth/token", url.Values{"grant_type": {"password"}, "username": {user}, "password": {fmt.Sprint("wrong-", i)}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}})
		if len(costs) != 1 || costs[0] != 6 {
			t.Fatalf("%s: bcrypt comparisons at costs %v, want exactly one at cost 6", user, costs)
		}
	}
}

// The same, measured: wall time of a wrong password for a known and an
// unknown user, interleaved, best of 7 (skipped under the race detector,
// which distorts timing).
func TestR22_UnknownUserCostsTheSameTime(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("timing test")
	}
	e := newTestEnv(t, func(c *Config) { c.BcryptCost = 10 })
	e.users.Put(testUser(t, "erin", "Erin-Pa55word", 10, iamv1beta1UserActive()))
	best := map[string]time.Duration{"erin": time.Hour, "nobody-at-all": time.Hour}
	for i := 0; i < 7; i++ {
		for user := range best {
			start := time.Now()
			e.post("/oauth/token", url.Values{"grant_type": {"password"}, "username": {user}, "password": {fmt.Sprint("wrong", i)}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}})
			best[user] = min(best[user], time.Since(start))
		}
	}
	known, unknown := best["erin"], best["nobody-at-all"]
	t.Logf("wrong password of a known user: %v, unknown user: %v", known, unknown)
	if unknown < known/2 || known < unknown/2 {
		t.Fatalf("timing differs: known %v, unknown %v", known, unknown)
	}
}

func TestR23_ClientNotAllowedTheGrant(t *testing.T) {
	e := newTestEnv(t)
	r := e.post("/oauth/token", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePassword}, "client_id": {"refresh-only"}, "client_secret": {"r"}})
	expectError(t, r, http.StatusBadRequest, "unauthorized_client")
}

// R24, attack cases 21 and 24: lockout after N failures, shared by every
// spelling of the name, holding even for the right password; it applies to
// unknown names too. (Here both limits are 3, so the per-user one, which
// the User's status shows, is reached too.)
func TestR24_LockoutAfterMaxFailures(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.MaxFailures, c.MaxFailuresPerUser = 3, 3 })
	variants := []string{"alice", "ALICE", " alice", "alice\u200b", "ａｌｉｃｅ"}
	for i := 0; i < 3; i++ {
		r := e.post("/oauth/token", url.Values{"grant_type": {"password"}, "username": {variants[i+1]}, "password": {fmt.Sprint("wrong-", i)}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}})
		expectError(t, r, http.StatusBadRequest, "invalid_grant")
	}
	locked := e.login("username", variants[4])
	expectError(t, locked, http.StatusBadRequest, "invalid_grant")
	expectError(t, e.login("username", "alice"), http.StatusBadRequest, "invalid_grant")
	// markLocked runs in the background.
	waitUserState(t, e, "alice", "AuthLimitExceeded")
	// The window passes: the right password works again.
	e.clock.Add(11 * time.Minute)
	if r := e.login(); r.Status != http.StatusOK {
		t.Fatalf("after the window: %d %s", r.Status, r.Body)
	}
	// Unknown names lock the same way.
	for i := 0; i < 4; i++ {
		e.post("/oauth/token", url.Values{"grant_type": {"password"}, "username": {"ghost"}, "password": {fmt.Sprint("x", i)}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}})
	}
	if slot, err := e.srv.lockout.Reserve(t.Context(), "ghost", "127.0.0.1"); err != nil || slot.Granted {
		t.Fatal("unknown name not counted")
	}
}

// Attack case 24: a burst of parallel wrong attempts is counted exactly.
func TestR24_ParallelFailuresAreAllCounted(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.MaxFailures = 100 })
	done := make(chan struct{})
	for i := 0; i < 20; i++ {
		go func() {
			defer func() { done <- struct{}{} }()
			e.post("/oauth/token", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {fmt.Sprint("wrong-", i)}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}})
		}()
	}
	for i := 0; i < 20; i++ {
		<-done
	}
	r, _ := e.store.GetLoginRecord(t.Context(), recordKey("alice"))
	if len(r.Attempts) != 20 {
		t.Fatalf("counted %d of 20 failures", len(r.Attempts))
	}
}

// Attack case 22: many usernames from one address are throttled before
// any hashing.
func TestR24_PerIPLimitBeforeHashing(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.IPRate, c.IPBurst = 0.01, 3 })
	var statuses []int
	for i := 0; i < 5; i++ {
		r := e.post("/oauth/token", url.Values{"grant_type": {"password"}, "username": {fmt.Sprint("user", i)}, "password": {"x"}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}},
			"X-Forwarded-For", fmt.Sprintf("10.0.0.%d", i))
		statuses = append(statuses, r.Status)
	}
	if statuses[3] != http.StatusTooManyRequests || statuses[4] != http.StatusTooManyRequests {
		t.Fatalf("statuses %v: the limit did not apply (or X-Forwarded-For was trusted)", statuses)
	}
}

// Attack case 26: bcrypt ignores bytes after 72; such passwords are refused.
func TestR24_PasswordsOver72BytesRefused(t *testing.T) {
	e := newTestEnv(t)
	long := strings.Repeat("a", 72)
	e.users.Put(testUser(t, "long", long, 4, ""))
	if r := e.login("username", "long", "password", long); r.Status != http.StatusOK {
		t.Fatalf("72 bytes: %d %s", r.Status, r.Body)
	}
	expectError(t, e.login("username", "long", "password", long+"extra"), http.StatusBadRequest, "invalid_grant")
}

func TestR24_HashingPoolFullAnswers503(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.HashWorkers, c.HashWait = 1, 10*time.Millisecond })
	// Occupy the only worker and the whole queue.
	release, occupied := make(chan struct{}), make(chan struct{})
	go func() { _ = e.srv.pool.do(t.Context(), func() { close(occupied); <-release }) }()
	<-occupied
	r := e.login("unused", "parameter") // a failing login must not stop the test here
	close(release)
	expectError(t, r, http.StatusServiceUnavailable, "temporarily_unavailable")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}

func TestR26_PasswordGrantIsPerClientOptIn(t *testing.T) {
	// Clients list their grants; one without "password" cannot use it (R23).
	if _, err := NewClients([]ClientConfig{{ID: "x", Secret: "y", Grants: []string{"client_credentials"}}}, time.Hour, time.Hour); err == nil {
		t.Fatal("an unsupported grant was accepted in the configuration")
	}
	c, err := NewClients([]ClientConfig{{ID: "x", Secret: "y"}}, time.Hour, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if cl, _ := c.Get("x"); cl.Grants[GrantPassword] {
		t.Fatal("password grant on by default")
	}
}

var vschar = regexp.MustCompile(`^[\x20-\x7e]+$`)

func TestR40_R48_SuccessfulResponse(t *testing.T) {
	e := newTestEnv(t)
	r := e.login()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	if r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("Pragma") != "no-cache" {
		t.Fatalf("R41: %v", r.Header)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &raw); err != nil {
		t.Fatal(err)
	}
	if string(raw["expires_in"]) != "7200" {
		t.Fatalf("R45: expires_in %s", raw["expires_in"])
	}
	claims := decodeClaims(t, r.str("access_token"))
	if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != 7200 {
		t.Fatalf("R45: exp-iat = %v", exp-iat)
	}
	if !vschar.MatchString(r.str("access_token")) || !vschar.MatchString(r.str("refresh_token")) {
		t.Fatal("R43/R46: token characters")
	}
	if !strings.EqualFold(r.str("token_type"), "bearer") {
		t.Fatal("R44")
	}
	// R48: 256 random bits in the refresh token.
	_, secret, _ := strings.Cut(r.str("refresh_token"), ".")
	if b, err := b64.DecodeString(secret); err != nil || len(b) != 32 {
		t.Fatalf("R48: refresh secret %d bytes", len(b))
	}
	for _, claim := range []string{"iss", "sub", "aud", "exp", "iat", "jti", "client_id", "sid"} {
		if _, ok := claims[claim]; !ok {
			t.Fatalf("R106: claim %s missing", claim)
		}
	}
}

func TestR47_ScopeInResponse(t *testing.T) {
	e := newTestEnv(t)
	r := e.login("scope", "openid email")
	if r.str("scope") != "openid email" {
		t.Fatalf("scope %q", r.str("scope"))
	}
	expectError(t, e.login("scope", "openid admin"), http.StatusBadRequest, "invalid_scope")
}

func TestR50_R52_ErrorDescriptionsAreSafe(t *testing.T) {
	e := newTestEnv(t)
	allowed := regexp.MustCompile(`^[\x20\x21\x23-\x5b\x5d-\x7e]*$`)
	for _, f := range []url.Values{
		{"grant_type": {"password"}, "username": {`"\é`}, "password": {"x"}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}},
		{"grant_type": {`"\é`}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}},
		{"grant_type": {"password"}, "client_id": {`"\é`}, "client_secret": {"x"}},
	} {
		r := e.post("/oauth/token", f)
		if r.Status < 400 || !allowed.MatchString(r.str("error_description")) || r.str("error") == "" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	}
}

func TestR54_GrantType(t *testing.T) {
	e := newTestEnv(t)
	expectError(t, e.post("/oauth/token", url.Values{"client_id": {"cli"}, "client_secret": {"s3cr3t"}}), http.StatusBadRequest, "invalid_request")
	for _, g := range []string{"client_credentials", "authorization_code", "code", "implicit"} {
		expectError(t, e.post("/oauth/token", url.Values{"grant_type": {g}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}}), http.StatusBadRequest, "unsupported_grant_type")
	}
}

// Attack case 4: oversized bodies are refused quickly and parameter floods
// do not crash anything.
func TestR55_OversizedBodies(t *testing.T) {
	e := newTestEnv(t)
	r := e.do(http.MethodPost, "/oauth/token", "grant_type=password&password="+strings.Repeat("a", 10<<20))
	expectError(t, r, http.StatusRequestEntityTooLarge, "invalid_request")
	var b strings.Builder
	for i := 0; i < 1200; i++ {
		fmt.Fprintf(&b, "p%d=&", i)
	}
	r = e.do(http.MethodPost, "/oauth/token", b.String()+"grant_type=x")
	if r.Status >= 500 {
		t.Fatalf("%d", r.Status)
	}
}

func decodeClaims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	data, err := b64.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
