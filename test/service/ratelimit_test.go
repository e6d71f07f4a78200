package service_test

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/test/harness"
)

func limited(extra map[string]string) map[string]string {
	env := map[string]string{"LINGO_RATELIMIT_ENABLED": "true"}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

func TestRateLimitBurstAndHeaders(t *testing.T) {
	t.Parallel()
	app := harness.Start(t, harness.Options{Env: limited(map[string]string{"LINGO_RATELIMIT_HEALTH_LIMIT": "10"})})
	var refused []*harness.Response
	prevRemaining := 10
	for i := 0; i < 11; i++ {
		r := app.Do(harness.Request{Method: "GET", Path: "/api/health"})
		for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Window",
			"X-RateLimit-Type", "RateLimit", "RateLimit-Policy"} {
			assert.NotEmpty(t, r.Header.Get(h), "request %d lacks %s", i, h)
		}
		assert.Equal(t, "10", r.Header.Get("X-RateLimit-Limit"))
		assert.Equal(t, "health", r.Header.Get("X-RateLimit-Type"))
		assert.Equal(t, `"health";q=10;w=60`, r.Header.Get("RateLimit-Policy"))
		assert.Equal(t, "60", r.Header.Get("X-RateLimit-Window"))
		remaining, _ := strconv.Atoi(r.Header.Get("X-RateLimit-Remaining"))
		reset, _ := strconv.ParseInt(r.Header.Get("X-RateLimit-Reset"), 10, 64)
		assert.Regexp(t, `^"health";r=`+strconv.Itoa(remaining)+`;t=\d+$`, r.Header.Get("RateLimit"))
		if r.Status == 429 {
			refused = append(refused, r)
			continue
		}
		assert.Equal(t, prevRemaining-1, remaining, "Remaining falls by one per request")
		prevRemaining = remaining
		// The bucket is whole again (10-remaining) emission intervals of 6 s from now.
		wantReset := time.Now().Add(time.Duration(10-remaining) * 6 * time.Second).Unix()
		assert.InDelta(t, wantReset, reset, 2, "Reset is consistent with Remaining")
	}
	require.Len(t, refused, 1, "a burst of quota+1 gets exactly one 429")
	r := refused[0]
	assert.Equal(t, "rate_limit_exceeded", r.Env.Metadata["error_code"])
	assert.Equal(t, "health", r.Env.Metadata["endpoint_type"])
	retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, retry, 1)
	info, _ := r.Env.Metadata["rate_limit"].(map[string]any)
	require.NotNil(t, info)
	assert.EqualValues(t, 10, info["limit"])
	assert.EqualValues(t, 60, info["window_seconds"])
	assert.EqualValues(t, 0, info["remaining"])
	assert.EqualValues(t, retry, info["retry_after_seconds"])
}

func TestRateLimitNotOnDocs(t *testing.T) {
	t.Parallel()
	app := harness.Start(t, harness.Options{Env: limited(map[string]string{"LINGO_RATELIMIT_GENERAL_LIMIT": "1"})})
	for i := 0; i < 5; i++ {
		for _, p := range []string{"/api/openapi.json", "/api/docs"} {
			resp, err := http.Get(app.URL + p)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, 200, resp.StatusCode, p)
			assert.Empty(t, resp.Header.Get("X-RateLimit-Limit"), p)
		}
	}
}

func TestForwardedForOnlyFromTrustedProxies(t *testing.T) {
	t.Parallel()
	burst := func(app *harness.App, xff func(i int) string) int {
		refused := 0
		for i := 0; i < 4; i++ {
			r := app.Do(harness.Request{Method: "GET", Path: "/api/health", Header: map[string]string{"X-Forwarded-For": xff(i)}})
			if r.Status == 429 {
				refused++
			}
		}
		return refused
	}
	spoof := func(i int) string { return "203.0.113." + strconv.Itoa(i+1) }

	untrusted := harness.Start(t, harness.Options{Env: limited(map[string]string{"LINGO_RATELIMIT_HEALTH_LIMIT": "2"})})
	assert.Equal(t, 2, burst(untrusted, spoof), "an untrusted peer's X-Forwarded-For does not change the key")

	trusted := harness.Start(t, harness.Options{Env: limited(map[string]string{"LINGO_RATELIMIT_HEALTH_LIMIT": "2",
		"LINGO_HTTP_TRUSTED_PROXIES": "127.0.0.1/32"})})
	assert.Equal(t, 0, burst(trusted, spoof), "a trusted proxy's X-Forwarded-For is the client")
	assert.Equal(t, 2, burst(trusted, func(int) string { return "198.51.100.7" }), "one forwarded client keeps one quota")
}

// TestRateLimitFailsOpen points the limiter at a closed port: every request
// goes on, none is slowed by more than the limiter's budget.
func TestRateLimitFailsOpen(t *testing.T) {
	t.Parallel()
	app := harness.Start(t, harness.Options{Env: limited(map[string]string{"LINGO_REDIS_ADDR": "127.0.0.1:1",
		"LINGO_RATELIMIT_HEALTH_LIMIT": "1"})})
	for i := 0; i < 5; i++ {
		r := app.Do(harness.Request{Method: "GET", Path: "/api/health"})
		assert.Equal(t, 200, r.Status)
		assert.Empty(t, r.Header.Get("X-RateLimit-Limit"), "no figures when the limiter could not decide")
	}
	assert.NotEmpty(t, app.Logs.FilterMessage("rate limiter unavailable; failing open").All())
	assert.LessOrEqual(t, app.Logs.FilterMessage("rate limiter unavailable; failing open").Len(), 2, "failures are logged at most once a second")
}

// TestTwoInstancesShareOneRedis spreads a burst over two apps on one Redis.
func TestTwoInstancesShareOneRedis(t *testing.T) {
	t.Parallel()
	addr := harness.Redis(t)
	env := limited(map[string]string{"LINGO_REDIS_ADDR": addr, "LINGO_REDIS_KEY_PREFIX": "lingo-shared-" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":",
		"LINGO_RATELIMIT_HEALTH_LIMIT": "5"})
	a := harness.Start(t, harness.Options{Env: env})
	b := harness.Start(t, harness.Options{Env: env})
	statuses := []int{}
	for i := 0; i < 5; i++ {
		app := a
		if i%2 == 1 {
			app = b
		}
		statuses = append(statuses, app.Do(harness.Request{Method: "GET", Path: "/api/health"}).Status)
	}
	assert.Equal(t, []int{200, 200, 200, 200, 200}, statuses)
	assert.Equal(t, 429, a.Do(harness.Request{Method: "GET", Path: "/api/health"}).Status, "the sixth, on either instance, is refused")
	assert.Equal(t, 429, b.Do(harness.Request{Method: "GET", Path: "/api/health"}).Status)
}

// TestConcurrentBurstOverTwoInstances: quota+1 parallel requests spread over
// two instances get exactly one 429.
func TestConcurrentBurstOverTwoInstances(t *testing.T) {
	t.Parallel()
	addr := harness.Redis(t)
	env := limited(map[string]string{"LINGO_REDIS_ADDR": addr, "LINGO_REDIS_KEY_PREFIX": "lingo-burst-" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":",
		"LINGO_RATELIMIT_HEALTH_LIMIT": "20"})
	apps := []*harness.App{harness.Start(t, harness.Options{Env: env}), harness.Start(t, harness.Options{Env: env})}
	var refused atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 21; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(apps[i%2].URL + "/api/health")
			if err == nil {
				if resp.StatusCode == 429 {
					refused.Add(1)
				}
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 1, refused.Load())
}

// TestAuthLockout: the request over the auth quota starts a 5-minute lockout
// that covers every auth-class path; a second lockout within 24 h lasts 10.
func TestAuthLockout(t *testing.T) {
	t.Parallel()
	fake := clock.NewFake(time.Now().UTC().Truncate(time.Second))
	app := harness.Start(t, harness.Options{Clock: fake, Env: limited(nil)})
	login := func() *harness.Response {
		return app.Do(harness.Request{Method: "POST", Path: "/api/auth/login",
			Body: map[string]any{"email": "nobody@example.com", "password": "wrong-password"}})
	}
	for i := 0; i < 5; i++ {
		require.Equal(t, 401, login().Status, "attempt %d is within the quota", i+1)
	}
	over := login()
	require.Equal(t, 429, over.Status)
	assert.Equal(t, "auth", over.Env.Metadata["endpoint_type"])
	assert.Equal(t, "300", over.Header.Get("Retry-After"), "the lockout is 5 minutes")
	info := over.Env.Metadata["rate_limit"].(map[string]any)
	assert.NotEmpty(t, info["locked_until"])

	reg := app.Do(harness.Request{Method: "POST", Path: "/api/auth/register",
		Body: map[string]any{"email": "new@example.com", "password": "long-enough-1", "display_name": "New"}})
	require.Equal(t, 429, reg.Status, "the lockout covers every auth-class path")
	retry, _ := strconv.Atoi(reg.Header.Get("Retry-After"))
	assert.InDelta(t, 300, retry, 2)

	if app.Config.Redis.Addr != "" {
		return // Redis' clock decides there; the fake clock cannot move it (the adapter suite covers it with miniredis)
	}
	fake.Advance(4*time.Minute + 59*time.Second)
	assert.Equal(t, 429, login().Status, "still locked a second before the end")
	fake.Advance(2 * time.Second)
	for i := 0; i < 5; i++ {
		require.Equal(t, 401, login().Status, "after the lockout the quota is whole")
	}
	again := login()
	require.Equal(t, 429, again.Status)
	assert.Equal(t, "600", again.Header.Get("Retry-After"), "a second lockout within 24 h is twice as long")
}

// TestKeyedByUserWhenAuthenticated: with a valid token the user's own quota
// applies, so two learners behind one IP do not share one.
func TestKeyedByUserWhenAuthenticated(t *testing.T) {
	t.Parallel()
	app := harness.Start(t, harness.Options{Env: limited(map[string]string{"LINGO_RATELIMIT_USER_LIMIT": "3"})})
	token := func(email string) string {
		r := app.Do(harness.Request{Method: "POST", Path: "/api/auth/register",
			Body: map[string]any{"email": email, "password": "long-enough-1", "display_name": "L"}})
		require.Equal(t, 201, r.Status, "%s", r.Body)
		var s struct {
			Tokens struct {
				AccessToken string `json:"access_token"`
			} `json:"tokens"`
		}
		r.Decode(t, &s)
		return s.Tokens.AccessToken
	}
	a, b := token("a@example.com"), token("b@example.com")
	me := func(tok string) int {
		return app.Do(harness.Request{Method: "GET", Path: "/api/users/me", Token: tok}).Status
	}
	for i := 0; i < 3; i++ {
		require.Equal(t, 200, me(a))
	}
	assert.Equal(t, 429, me(a), "a's quota is spent")
	assert.Equal(t, 200, me(b), "b has a quota of its own")
	assert.Equal(t, 401, me(""), "no token: keyed by IP, which has its own quota")
	assert.Equal(t, 401, me("not-a-token"), "an invalid token keys by IP, not by what it claims")
}
