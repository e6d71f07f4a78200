package faults_test

import (
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/test/harness"
)

type phase struct {
	name      string
	latencies []time.Duration
	fiveXX    int
	requests  int
}

func (p *phase) percentile(q float64) time.Duration {
	if len(p.latencies) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), p.latencies...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(q*float64(len(s)-1))]
}

// load sends GET path from workers until stop is closed, recording each
// answer into the phase current() names. Loopback only, bounded by stop.
func load(url, token string, workers int, stop <-chan struct{}, current func() *phase, mu *sync.Mutex) *sync.WaitGroup {
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("GET", url, nil)
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				start := time.Now()
				resp, err := client.Do(req)
				d := time.Since(start)
				status := 599
				if err == nil {
					status = resp.StatusCode
					resp.Body.Close()
				}
				mu.Lock()
				p := current()
				p.requests++
				p.latencies = append(p.latencies, d)
				if status >= 500 {
					p.fiveXX++
				}
				mu.Unlock()
			}
		}()
	}
	return &wg
}

// TestRedisStoppedUnderLoad stops Redis (the limiter's and the cache's)
// during a bounded load on an unlimited-by-quota health route and a cached
// catalog read: no request fails, none is held up beyond the limiter's
// budget, and limiting resumes by itself when Redis is back.
func TestRedisStoppedUnderLoad(t *testing.T) {
	rs := harness.StartRedis(t)
	app := harness.Start(t, harness.Options{Env: map[string]string{
		"LINGO_RATELIMIT_ENABLED": "true", "LINGO_REDIS_ADDR": rs.Addr,
		"LINGO_RATELIMIT_HEALTH_LIMIT": "1000000", "LINGO_RATELIMIT_GENERAL_LIMIT": "1000000",
		"LINGO_RATELIMIT_HEALTH_WINDOW": "24h", "LINGO_RATELIMIT_GENERAL_WINDOW": "24h",
		"LINGO_RATELIMIT_USER_LIMIT": "3", "LINGO_REDIS_CACHE_TIMEOUT": "5ms", // production's bound
	}})

	reg := app.Do(harness.Request{Method: "POST", Path: "/api/auth/register",
		Body: map[string]any{"email": "load@example.com", "password": "long-enough-1", "display_name": "Load"}})
	require.Equal(t, 201, reg.Status, "%s", reg.Body)
	var session struct {
		Tokens struct {
			AccessToken string `json:"access_token"`
		} `json:"tokens"`
	}
	reg.Decode(t, &session)

	var mu sync.Mutex
	names := []string{"before", "redis hung", "redis down", "redis back"}
	live := make([]*phase, len(names))
	courses := make([]*phase, len(names))
	for i, n := range names {
		live[i], courses[i] = &phase{name: n + " (live)"}, &phase{name: n + " (courses)"}
	}
	var cur atomic.Int32
	stop := make(chan struct{})
	wg := load(app.URL+"/api/health/live", "", 2, stop, func() *phase { return live[cur.Load()] }, &mu)
	wg2 := load(app.URL+"/api/courses", session.Tokens.AccessToken, 2, stop, func() *phase { return courses[cur.Load()] }, &mu)

	time.Sleep(1 * time.Second)
	rs.Pause()
	cur.Store(1)
	time.Sleep(2 * time.Second)
	rs.Resume()
	rs.Stop()
	cur.Store(2)
	time.Sleep(2 * time.Second)
	rs.Start()
	cur.Store(3)
	time.Sleep(1 * time.Second)
	close(stop)
	wg.Wait()
	wg2.Wait()

	for _, p := range append(live, courses...) {
		t.Logf("%-10s requests=%d 5xx=%d p50=%v p99=%v max=%v", p.name, p.requests, p.fiveXX,
			p.percentile(0.5), p.percentile(0.99), p.percentile(1))
		assert.Zero(t, p.fiveXX, "no 5xx %s", p.name)
		assert.NotZero(t, p.requests, "the load ran %s", p.name)
	}
	// The limiter's budget is 50 ms; the bound here is loose on purpose (a
	// shared, noisy machine) and catches the multi-second stall of a client
	// that retries or waits on a dead server. docs/benchmarks.md has figures.
	for _, phases := range [][]*phase{live, courses} {
		for _, p := range phases[1:3] {
			assert.Less(t, p.percentile(1), phases[0].percentile(0.99)+300*time.Millisecond,
				"an ill Redis must not stall requests (%s)", p.name)
		}
	}

	// Limiting resumes without a restart: a fresh bucket of 3 on the user class.
	var statuses []int
	require.True(t, harness.WaitFor(5*time.Second, func() bool {
		statuses = statuses[:0]
		for i := 0; i < 4; i++ {
			statuses = append(statuses, app.Do(harness.Request{Method: "GET", Path: "/api/users/me"}).Status)
		}
		return statuses[3] == 429
	}), "limits apply again after Redis returns; last statuses %v", statuses)
}
