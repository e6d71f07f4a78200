package service_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/fx"

	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/application/users"
	"github.com/lingo-labs/lingo/ports"
	"github.com/lingo-labs/lingo/test/harness"
)

// send is a bare HTTP call: benchmarks skip the harness's OpenAPI check,
// which would cost more than what is measured.
func send(b *testing.B, client *http.Client, req *http.Request) {
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("%s %s: %d", req.Method, req.URL.Path, resp.StatusCode)
	}
}

// BenchmarkLogin is login throughput over HTTP with the production argon2id
// parameters (19 MiB, t=2, p=1): one verification per login sets the floor,
// and the hasher runs at most GOMAXPROCS of them at once.
func BenchmarkLogin(b *testing.B) {
	app := startAccounts(b)
	app.register(b, "bench@example.com", "correct horse", "Bench")
	body, _ := json.Marshal(map[string]string{"email": "bench@example.com", "password": "correct horse"})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var n atomic.Int64
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", app.URL+"/api/auth/login", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			send(b, client, req)
			n.Add(1)
		}
	})
	b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "logins/s")
}

// benchRoutes mounts GET /api/bench/me: the same Me handler as
// /api/users/me, with the user loaded by id from the repository (the one
// read the handler needs either way) instead of by the auth middleware.
type benchRoutes struct {
	me     gin.HandlerFunc
	repo   ports.UserRepository
	userID *string
}

func (r benchRoutes) Routes() []httpapi.Route {
	return []httpapi.Route{{Method: http.MethodGet, Path: "/bench/me", Class: httpapi.ClassUser, Access: httpapi.Public,
		Handler: func(c *gin.Context) {
			u, err := r.repo.ByID(c.Request.Context(), *r.userID)
			if err != nil {
				httpapi.Fail(c, err)
				return
			}
			httpapi.SetCurrentUser(c, u)
			r.me(c)
		}}}
}

// BenchmarkMeAuthOverhead measures, in one run and interleaved so that
// machine noise hits both alike, authenticated GET /api/users/me against the
// same handler without auth, and reports the middleware's cost in percent
// (target: at most 15).
func BenchmarkMeAuthOverhead(b *testing.B) {
	var userID string
	a := &accountsApp{hasher: &countingHasher{}}
	a.App = harness.Start(b, harness.Options{
		Unchecked: true,
		Env:       map[string]string{"LINGO_RATELIMIT_ENABLED": "false", "LINGO_LOG_LEVEL": "warn"},
		FX: []fx.Option{fx.Provide(httpapi.AsRoutes(func(svc *users.Service, opts httpapi.Options, repo ports.UserRepository) benchRoutes {
			return benchRoutes{me: httpapi.NewUsersHandler(svc, opts).Me, repo: repo, userID: &userID}
		}))},
	})
	s := a.register(b, "bench@example.com", "correct horse", "Bench")
	userID = s.User.ID
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	withAuth, _ := http.NewRequest("GET", a.URL+"/api/users/me", nil)
	withAuth.Header.Set("Authorization", "Bearer "+s.Tokens.AccessToken)
	without, _ := http.NewRequest("GET", a.URL+"/api/bench/me", nil)
	for range 200 { // warm connections and caches
		send(b, client, withAuth)
		send(b, client, without)
	}
	var authed, plain time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		send(b, client, withAuth)
		t1 := time.Now()
		send(b, client, without)
		authed += t1.Sub(t0)
		plain += time.Since(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(authed.Nanoseconds())/n, "ns/authed")
	b.ReportMetric(float64(plain.Nanoseconds())/n, "ns/plain")
	overhead := 100 * (float64(authed) - float64(plain)) / float64(plain)
	b.ReportMetric(overhead, "auth_overhead_%")
	if overhead > 15 {
		b.Logf("auth middleware costs %.1f%%, over the 15%% target", overhead)
	}
}
