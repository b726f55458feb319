package oauth

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Benchmarks of the OAuth server. Each prints its figure beside a baseline
// (the bare cryptographic operation that bounds it), so that the overhead
// of the server itself is visible. State is in memory: with kube-apiserver
// a refresh grant adds one GET and one UPDATE of a Secret, and a password
// grant a GET and a CREATE, which the e2e tests exercise.

func benchEnv(b *testing.B, cost int) *testEnv {
	b.Helper()
	store := NewMemoryStore()
	users := NewMemoryUsers(testUser(b, "alice", alicePassword, cost, "Active", "developers"))
	cfg := testConfig(b, store, users, &clock{t: time.Now()})
	cfg.Now = time.Now
	cfg.BcryptCost = cost
	cfg.HashWorkers = runtime.GOMAXPROCS(0)
	srv, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	set, _ := NewKeySet(time.Now())
	if err := srv.SetKeys(*set); err != nil {
		b.Fatal(err)
	}
	return &testEnv{srv: srv, store: store, users: users}
}

func serve(s *Server, form url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

func passwordForm(pw string) url.Values {
	return url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {pw}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}}
}

func tokenFrom(b *testing.B, rec *httptest.ResponseRecorder, field string) string {
	if rec.Code != http.StatusOK {
		b.Fatalf("%d %s", rec.Code, rec.Body)
	}
	s := rec.Body.String()
	i := strings.Index(s, `"`+field+`":"`)
	rest := s[i+len(field)+4:]
	return rest[:strings.IndexByte(rest, '"')]
}

// BenchmarkAccessTokenValidation: cost of checking one bearer token (what
// every request on ks-apiserver's routes and every webhook review pays),
// beside a bare ES256 verification.
func BenchmarkAccessTokenValidation(b *testing.B) {
	e := benchEnv(b, bcrypt.MinCost)
	token := tokenFrom(b, serve(e.srv, passwordForm(alicePassword)), "access_token")
	b.Run("server", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.srv.VerifyAccessToken(token, ""); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/validation")
	})
	b.Run("baseline-bare-ES256-verify", func(b *testing.B) {
		_, key := e.srv.keys.Load().signer(time.Now())
		parts := strings.Split(token, ".")
		digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		sig, _ := b64.DecodeString(parts[2])
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		for b.Loop() {
			if !ecdsa.Verify(&key.PublicKey, digest[:], r, s) {
				b.Fatal("bad signature")
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/validation")
	})
}

// BenchmarkRefreshGrant: refresh grants per second (rotation, one ES256
// signature), beside a bare ES256 signature.
func BenchmarkRefreshGrant(b *testing.B) {
	e := benchEnv(b, bcrypt.MinCost)
	b.Run("server", func(b *testing.B) {
		rt := tokenFrom(b, serve(e.srv, passwordForm(alicePassword)), "refresh_token")
		for b.Loop() {
			rt = tokenFrom(b, serve(e.srv, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}}), "refresh_token")
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "grants/s")
	})
	b.Run("baseline-bare-ES256-sign", func(b *testing.B) {
		kid, key := e.srv.keys.Load().signer(time.Now())
		for b.Loop() {
			if _, err := signJWT(key, kid, typAccessToken, map[string]string{"sub": "alice"}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "grants/s")
	})
}

// BenchmarkPasswordGrant: password grants per second at the default bcrypt
// cost (10), with every core busy, beside bare bcrypt comparisons.
func BenchmarkPasswordGrant(b *testing.B) {
	e := benchEnv(b, bcrypt.DefaultCost)
	hash := []byte(mustHash(b, alicePassword, bcrypt.DefaultCost))
	b.Run("server", func(b *testing.B) {
		b.SetParallelism(1)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if rec := serve(e.srv, passwordForm(alicePassword)); rec.Code != http.StatusOK {
					b.Errorf("%d %s", rec.Code, rec.Body)
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "grants/s")
	})
	b.Run("baseline-bare-bcrypt-compare", func(b *testing.B) {
		b.SetParallelism(1)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = bcrypt.CompareHashAndPassword(hash, []byte(alicePassword))
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "grants/s")
	})
}

// BenchmarkWrongPasswordFlood: 32 clients send wrong passwords as fast as
// they can (over TLS); meanwhile other requests (refresh grants, token
// introspection) keep being answered. It reports their latency beside the
// same requests without the flood, and what the flood got: bounded hashing
// answers the excess with 503 + Retry-After instead of queueing it.
func BenchmarkWrongPasswordFlood(b *testing.B) {
	for _, flood := range []bool{false, true} {
		name := "baseline-no-flood"
		if flood {
			name = "flood-32-clients"
		}
		b.Run(name, func(b *testing.B) {
			e := benchEnv(b, bcrypt.DefaultCost)
			e.srv.pool.wait = 200 * time.Millisecond
			// Measure the hashing pool, not the lockout (a 1 ms window keeps the record small).
			e.srv.lockout.MaxFailures, e.srv.lockout.MaxPerUser, e.srv.lockout.Window = 1<<30, 1<<30, time.Millisecond
			ts := httptest.NewTLSServer(e.srv.Handler())
			defer ts.Close()
			client := ts.Client()
			client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
			post := func(f url.Values) (int, string) {
				resp, err := client.PostForm(ts.URL+"/oauth/token", f)
				if err != nil {
					return 0, ""
				}
				defer resp.Body.Close()
				data, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(data)
			}
			status, body := post(passwordForm(alicePassword))
			if status != http.StatusOK {
				b.Fatalf("%d %s", status, body)
			}
			rt := body[strings.Index(body, `"refresh_token":"`)+17:]
			rt = rt[:strings.IndexByte(rt, '"')]

			stop := make(chan struct{})
			var wg sync.WaitGroup
			var answered, busy, guesses atomic.Int64
			if flood {
				for i := 0; i < 32; i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							select {
							case <-stop:
								return
							default:
							}
							// Distinct guesses: a repeated one is answered from the
							// recent-failure memory without hashing.
							s, _ := post(passwordForm(fmt.Sprint("wrong-", guesses.Add(1))))
							answered.Add(1)
							if s == http.StatusServiceUnavailable {
								busy.Add(1)
							}
						}
					}()
				}
				time.Sleep(500 * time.Millisecond)
			}
			var latencies []time.Duration
			b.ResetTimer()
			// Each op is a batch of 10 requests, so the percentiles rest on
			// enough samples even when a loaded machine keeps b.N small.
			for b.Loop() {
				for range 10 {
					start := time.Now()
					s, body := post(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"cli"}, "client_secret": {"s3cr3t"}})
					latencies = append(latencies, time.Since(start))
					if s != http.StatusOK {
						b.Fatalf("refresh during the flood: %d %s", s, body)
					}
					rt = body[strings.Index(body, `"refresh_token":"`)+17:]
					rt = rt[:strings.IndexByte(rt, '"')]
				}
			}
			close(stop)
			wg.Wait()
			slices.Sort(latencies)
			b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
			if flood {
				b.ReportMetric(float64(answered.Load())/b.Elapsed().Seconds(), "flood-answers/s")
				b.ReportMetric(100*float64(busy.Load())/float64(max(answered.Load(), 1)), "flood-503-%")
			}
		})
	}
}
