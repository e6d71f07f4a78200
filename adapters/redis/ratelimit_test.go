package redis_test

import (
	"context"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/ratelimittest"
	"github.com/lingo-labs/lingo/adapters/redis"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// start is the instant a case's clocks show at its beginning.
var start = time.Date(2026, 11, 26, 9, 30, 0, 123456000, time.UTC)

// newMiniredis starts a miniredis and a fake clock for the limiter, and
// returns them with the function that moves both: miniredis' TTLs (the
// store's clock, which decides) and the limiter's clock (which turns
// durations into instants) go forward together.
func newMiniredis(t *testing.T) (*miniredis.Miniredis, *clock.Fake, func(time.Duration)) {
	t.Helper()
	mr := miniredis.RunT(t)
	clk := clock.NewFake(start)
	mr.SetTime(start)
	var mu sync.Mutex
	return mr, clk, func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		clk.Advance(d)
		mr.SetTime(clk.Now())
		mr.FastForward(d)
	}
}

// realRedisAddr returns LINGO_TEST_REDIS_ADDR or skips the test.
func realRedisAddr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv("LINGO_TEST_REDIS_ADDR")
	if addr == "" {
		t.Skip("set LINGO_TEST_REDIS_ADDR to run against a real Redis")
	}
	return addr
}

// testPrefix is a key prefix of its own for each limiter on a shared Redis,
// so that reruns start clean without flushing anything.
func testPrefix() string { return "lingo:rltest:" + uuid.NewString() + ":" }

// scan returns every key under prefix with its time to live.
func scan(t *testing.T, client goredis.UniversalClient, prefix string) map[string]time.Duration {
	t.Helper()
	ctx := context.Background()
	out := map[string]time.Duration{}
	iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		ttl, err := client.PTTL(ctx, iter.Val()).Result()
		require.NoError(t, err)
		out[iter.Val()] = ttl
	}
	require.NoError(t, iter.Err())
	return out
}

// realRedisSlack is how far the limiter's instants may stray from exact
// arithmetic on a real Redis: an instant is the limiter's clock read after the
// reply plus a duration Redis measured in whole milliseconds, so two of them
// differ from the exact figure by less than one call (at most the client's
// timeout) plus a millisecond.
const realRedisSlack = 41 * time.Millisecond

func controls(client goredis.UniversalClient, prefix string, advance func(time.Duration)) ratelimittest.Controls {
	c := ratelimittest.Controls{
		Stored: func(t *testing.T) int { return len(scan(t, client, prefix)) },
		TTLs:   func(t *testing.T) map[string]time.Duration { return scan(t, client, prefix) },
	}
	if advance != nil {
		c.Advance = func(t *testing.T, d time.Duration) { advance(d) }
	}
	return c
}

func TestRateLimiterContractMiniredis(t *testing.T) {
	ratelimittest.Run(t, func(t *testing.T) (ports.RateLimiter, ratelimittest.Controls) {
		mr, clk, advance := newMiniredis(t)
		client := goredis.NewClient(&goredis.Options{Addr: mr.Addr()})
		t.Cleanup(func() { _ = client.Close() })
		return redis.NewRateLimiter(client, redis.WithClock(clk)), controls(client, redis.DefaultRateLimitPrefix, advance)
	})
}

func TestRateLimiterContractRealRedis(t *testing.T) {
	addr := realRedisAddr(t)
	ratelimittest.Run(t, func(t *testing.T) (ports.RateLimiter, ratelimittest.Controls) {
		client := redis.NewLimiterClient(addr)
		prefix := testPrefix()
		t.Cleanup(func() {
			for k := range scan(t, client, prefix) {
				_ = client.Del(context.Background(), k).Err()
			}
			_ = client.Close()
		})
		c := controls(client, prefix, nil)
		c.ClockSlack = realRedisSlack
		return redis.NewRateLimiter(client, redis.WithKeyPrefix(prefix)), c
	})
}

// TestRateLimiterSharedByInstances spreads one burst over two limiters with
// clients of their own, as two instances of the service on one Redis.
func TestRateLimiterSharedByInstances(t *testing.T) {
	stores := []struct {
		name string
		addr func(t *testing.T) string
	}{
		{"miniredis", func(t *testing.T) string { mr, _, _ := newMiniredis(t); return mr.Addr() }},
		{"real Redis", func(t *testing.T) string { return realRedisAddr(t) }},
	}
	policy, err := ports.NewLockoutPolicy("auth", 5, time.Minute, ports.DefaultLockout())
	require.NoError(t, err)
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			addr := s.addr(t)
			prefix := testPrefix()
			var instances []*redis.RateLimiter
			for range 2 {
				client := redis.NewLimiterClient(addr)
				t.Cleanup(func() { _ = client.Close() })
				instances = append(instances, redis.NewRateLimiter(client, redis.WithKeyPrefix(prefix)))
			}
			cleaner := redis.NewLimiterClient(addr)
			t.Cleanup(func() {
				for k := range scan(t, cleaner, prefix) {
					_ = cleaner.Del(context.Background(), k).Err()
				}
				_ = cleaner.Close()
			})
			var results []bool
			for i := range policy.Quota() + 1 {
				d, err := instances[i%2].Allow(context.Background(), policy, "203.0.113.9")
				require.NoError(t, err)
				results = append(results, d.Allowed)
			}
			assert.Equal(t, []bool{true, true, true, true, true, false}, results)
			d, err := instances[0].Allow(context.Background(), policy, "203.0.113.9")
			require.NoError(t, err)
			assert.True(t, d.Locked(), "the other instance's refusal locked the client out here too")
		})
	}
}

// TestRateLimiterDeadRedis checks fail-fast: a closed port answers an
// Unavailable error well inside the 100 ms a request may lose.
func TestRateLimiterDeadRedis(t *testing.T) {
	client := redis.NewLimiterClient("127.0.0.1:1")
	t.Cleanup(func() { _ = client.Close() })
	l := redis.NewRateLimiter(client)
	policy, err := ports.NewPolicy("general", 120, time.Minute)
	require.NoError(t, err)

	for i := range 3 {
		began := time.Now()
		_, err := l.Allow(context.Background(), policy, "192.0.2.1")
		elapsed := time.Since(began)
		assert.True(t, errs.Is(err, errs.Unavailable), "attempt %d: got %v", i+1, err)
		assert.Less(t, elapsed, 100*time.Millisecond, "attempt %d", i+1)
		t.Logf("attempt %d: %s", i+1, elapsed)
	}
}

// TestRateLimiterStalledRedis checks fail-fast against a Redis that accepts
// connections and never answers (a hung or overloaded server): the 50 ms
// timeouts end the call with an Unavailable error inside 100 ms.
func TestRateLimiterStalledRedis(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})

	client := redis.NewLimiterClient(ln.Addr().String())
	t.Cleanup(func() { _ = client.Close() })
	l := redis.NewRateLimiter(client)
	policy, err := ports.NewPolicy("general", 120, time.Minute)
	require.NoError(t, err)
	for i := range 3 {
		began := time.Now()
		_, err := l.Allow(context.Background(), policy, "192.0.2.1")
		elapsed := time.Since(began)
		assert.True(t, errs.Is(err, errs.Unavailable), "attempt %d: got %v", i+1, err)
		assert.Less(t, elapsed, 100*time.Millisecond, "attempt %d", i+1)
		t.Logf("attempt %d: %s", i+1, elapsed)
	}
}

// TestRateLimiterRecovers checks that limiting resumes by itself when Redis
// comes back: enough failed calls to mark every pool slot as failing, then a
// restart, then decisions again (within go-redis' one-second redial probe)
// that continue the counts Redis kept.
func TestRateLimiterRecovers(t *testing.T) {
	mr, _, _ := newMiniredis(t)
	client := redis.NewLimiterClient(mr.Addr())
	t.Cleanup(func() { _ = client.Close() })
	l := redis.NewRateLimiter(client)
	policy, err := ports.NewPolicy("user", 60, time.Minute)
	require.NoError(t, err)

	before, err := l.Allow(context.Background(), policy, "u-1")
	require.NoError(t, err)
	mr.Close()
	for i := range 3 * client.Options().PoolSize {
		_, err := l.Allow(context.Background(), policy, "u-1")
		require.True(t, errs.Is(err, errs.Unavailable), "call %d while Redis is down: %v", i+1, err)
	}
	require.NoError(t, mr.Restart())

	var after ports.Decision
	require.Eventually(t, func() bool {
		after, err = l.Allow(context.Background(), policy, "u-1")
		return err == nil
	}, 5*time.Second, 20*time.Millisecond, "the limiter works again without a restart")
	assert.Equal(t, before.Remaining-1, after.Remaining)
}

// TestRateLimiterOneRoundTrip counts the commands a decision sends once the
// script is cached: exactly one EVALSHA for every class.
func TestRateLimiterOneRoundTrip(t *testing.T) {
	mr, _, _ := newMiniredis(t)
	client := goredis.NewClient(&goredis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	counter := &commandCounter{}
	client.AddHook(counter)
	l := redis.NewRateLimiter(client)

	user, err := ports.NewPolicy("user", 60, time.Minute)
	require.NoError(t, err)
	auth, err := ports.NewLockoutPolicy("auth", 5, time.Minute, ports.DefaultLockout())
	require.NoError(t, err)
	_, err = l.Allow(context.Background(), user, "warm-up")
	require.NoError(t, err)

	cases := []struct {
		name   string
		policy ports.Policy
	}{
		{"user", user},
		{"auth", auth},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for range tc.policy.Quota() + 2 {
				counter.reset()
				_, err := l.Allow(context.Background(), tc.policy, "192.0.2.9")
				require.NoError(t, err)
				assert.Equal(t, []string{"evalsha"}, counter.names())
			}
		})
	}
}

// TestRateLimiterScriptCacheLost checks that a Redis that forgot the script
// (restart, SCRIPT FLUSH) is served by EVAL without an error.
func TestRateLimiterScriptCacheLost(t *testing.T) {
	mr, _, _ := newMiniredis(t)
	client := goredis.NewClient(&goredis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	l := redis.NewRateLimiter(client)
	policy, err := ports.NewPolicy("user", 60, time.Minute)
	require.NoError(t, err)

	first, err := l.Allow(context.Background(), policy, "u-1")
	require.NoError(t, err)
	require.NoError(t, client.ScriptFlush(context.Background()).Err())
	second, err := l.Allow(context.Background(), policy, "u-1")
	require.NoError(t, err)
	assert.Equal(t, first.Remaining-1, second.Remaining)
}

// TestRateLimiterKeysShareHashTag checks that one client's keys sit in one
// Redis Cluster slot: the text between the first { and the next } is the same.
func TestRateLimiterKeysShareHashTag(t *testing.T) {
	policy, err := ports.NewLockoutPolicy("auth", 5, time.Minute, ports.DefaultLockout())
	require.NoError(t, err)
	cases := []struct {
		name, key, wantTag string
	}{
		{"ipv4", "203.0.113.9", "auth:203.0.113.9"},
		{"ipv6", "2001:db8::1", "auth:2001:db8::1"},
		{"user id", "0b8f6c9e-1c1e-4c8a-9a43-4c1f2f5d8e11", "auth:0b8f6c9e-1c1e-4c8a-9a43-4c1f2f5d8e11"},
		{"key with a closing brace", "a}b", "auth:a"},
	}
	l := redis.NewRateLimiter(goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"}))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range l.Keys(policy, tc.key) {
				assert.True(t, strings.HasPrefix(k, redis.DefaultRateLimitPrefix+"{"), k)
				assert.Equal(t, tc.wantTag, hashTag(k), k)
			}
		})
	}
}

// hashTag is Redis Cluster's rule for the part of a key that is hashed.
func hashTag(key string) string {
	open := strings.IndexByte(key, '{')
	if open < 0 {
		return key
	}
	end := strings.IndexByte(key[open+1:], '}')
	if end <= 0 {
		return key
	}
	return key[open+1 : open+1+end]
}

// commandCounter is a go-redis hook that records the commands sent.
type commandCounter struct {
	mu   sync.Mutex
	sent []string
}

func (c *commandCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent = nil
}

func (c *commandCounter) names() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.sent...)
}

func (c *commandCounter) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (c *commandCounter) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		c.mu.Lock()
		c.sent = append(c.sent, cmd.Name())
		c.mu.Unlock()
		return next(ctx, cmd)
	}
}

func (c *commandCounter) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		c.mu.Lock()
		for _, cmd := range cmds {
			c.sent = append(c.sent, "pipeline:"+cmd.Name())
		}
		c.mu.Unlock()
		return next(ctx, cmds)
	}
}
