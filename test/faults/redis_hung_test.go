package faults_test

import (
	"net"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/test/harness"
)

// hungRedis is a TCP listener on loopback that accepts every connection and
// never answers: what a Redis stuck in a long command or a dead VM behind a
// live load balancer looks like to a client. It stops with the test.
func hungRedis(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never read from or written to
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

type requestKind struct {
	name string
	req  func(token string) harness.Request
}

var redisRequestKinds = []requestKind{
	{"cached catalog read", func(tok string) harness.Request {
		return harness.Request{Method: "GET", Path: "/api/courses", Token: tok}
	}},
	{"cached progress read", func(tok string) harness.Request {
		return harness.Request{Method: "GET", Path: "/api/analytics/progress", Token: tok}
	}},
	{"write that invalidates", func(tok string) harness.Request {
		return harness.Request{Method: "POST", Path: "/api/analytics/events", Token: tok, Body: map[string]any{"event_type": "app_opened"}}
	}},
	{"limiter only", func(tok string) harness.Request {
		return harness.Request{Method: "GET", Path: "/api/users/me", Token: tok}
	}},
	{"health cache", func(string) harness.Request { return harness.Request{Method: "GET", Path: "/api/health/cache"} }},
	{"health detailed", func(string) harness.Request { return harness.Request{Method: "GET", Path: "/api/health/detailed"} }},
}

// medians sends each kind of request rounds times against an app on the
// given Redis and returns each kind's median answer time.
func medians(t *testing.T, redisAddr string, rounds int) map[string]time.Duration {
	app := harness.Start(t, harness.Options{Env: map[string]string{
		"LINGO_REDIS_ADDR": redisAddr, "LINGO_RATELIMIT_ENABLED": "true",
		"LINGO_RATELIMIT_USER_LIMIT": "1000", "LINGO_RATELIMIT_ANALYTICS_LIMIT": "1000",
		"LINGO_RATELIMIT_HEALTH_LIMIT": "1000", "LINGO_RATELIMIT_GENERAL_LIMIT": "1000",
		"LINGO_REDIS_CACHE_TIMEOUT": "5ms", // production's budget
		"LINGO_DATABASE_SEED_DEMO":  "true",
	}})
	reg := app.Do(harness.Request{Method: "POST", Path: "/api/auth/register",
		Body: map[string]any{"email": "hung@example.com", "password": "long-enough-1", "display_name": "Hung"}})
	require.Equal(t, 201, reg.Status, "%s", reg.Body)
	var s struct {
		Tokens struct {
			AccessToken string `json:"access_token"`
		} `json:"tokens"`
	}
	reg.Decode(t, &s)
	out := map[string]time.Duration{}
	for _, k := range redisRequestKinds {
		var ds []time.Duration
		for range rounds {
			start := time.Now()
			r := app.Do(k.req(s.Tokens.AccessToken))
			ds = append(ds, time.Since(start))
			if k.name != "health cache" && k.name != "health detailed" {
				require.Less(t, r.Status, 300, "%s: %s", k.name, r.Body)
			}
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		out[k.name] = ds[len(ds)/2]
	}
	return out
}

// TestHungRedisCostsARequestLittle: against a Redis that accepts and never
// answers, every kind of request (cached reads, a write that invalidates, a
// request that only passes the limiter, the Redis health reports) answers
// within the Redis budgets of the OpenAPI document: the limiter's 40 ms, one
// cache call's 5 ms (after which the cache leaves Redis alone), and the
// health reports' wait of one cache call. The medians are compared with the
// same requests on a healthy Redis; the bound is the 50 ms budget with room
// for a shared, noisy machine, and it catches what the budgets replaced: a
// write waiting 250 ms for its invalidation, /api/health/cache waiting 1 s.
func TestHungRedisCostsARequestLittle(t *testing.T) {
	const rounds = 9
	healthy := medians(t, miniredis.RunT(t).Addr(), rounds)
	hung := medians(t, hungRedis(t), rounds)
	for _, k := range redisRequestKinds {
		added := hung[k.name] - healthy[k.name]
		t.Logf("%-24s healthy %8v  hung %8v  added %8v", k.name, healthy[k.name], hung[k.name], added)
		assert.Less(t, added, 150*time.Millisecond, "a hung Redis held up %q", k.name)
	}
}
