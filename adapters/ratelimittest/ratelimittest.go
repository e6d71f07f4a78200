// Package ratelimittest is the contract suite of ports.RateLimiter. Every
// adapter runs the same cases (SEMANTICS.md says what they check), so the
// in-process limiter of the embedded default and the Redis limiter shared by
// every instance cannot drift apart.
package ratelimittest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// Controls lets the suite steer and inspect the store behind a limiter.
type Controls struct {
	// Advance moves the store's clock (and its key expiry) forward by d. It
	// is nil when the clock is real, as with a real Redis; the cases that
	// need minutes or hours to pass are then skipped.
	Advance func(t *testing.T, d time.Duration)
	// Stored counts the entries the limiter holds now (Redis keys under the
	// limiter's prefix, live in-process entries).
	Stored func(t *testing.T) int
	// TTLs returns the time to live of every stored key, negative for a key
	// without one. It is nil for stores without per-key TTLs (the in-process
	// limiter), whose expiry the suite checks with Advance and Stored.
	TTLs func(t *testing.T) map[string]time.Duration
	// ClockSlack is how far two instants of decisions (Reset, LockedUntil)
	// may differ from exact arithmetic on the store's durations. It is zero
	// when the store's clock and the limiter's are controlled together; a
	// real Redis measures in whole milliseconds on its own clock, which the
	// limiter adds to its clock after the reply.
	ClockSlack time.Duration
}

// NewLimiter returns a limiter on a store of its own (a fresh miniredis, a
// unique key prefix on a shared Redis) and the controls of that store.
type NewLimiter func(t *testing.T) (ports.RateLimiter, Controls)

// Run runs every case of the contract against the limiters newLimiter makes;
// each case gets a new limiter.
func Run(t *testing.T, newLimiter NewLimiter) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, l ports.RateLimiter, c Controls)
	}{
		{"burst of quota+1 gets exactly one refusal", testBurst},
		{"concurrent burst of quota+1 from 20 goroutines gets exactly one refusal", testConcurrentBurst},
		{"remaining falls by one and reset moves by one emission interval", testRemainingAndReset},
		{"quota is whole again at reset and not before", testWholeAtReset},
		{"retry after is enough to be allowed again", testRetryAfterHonest},
		{"window elapses and the quota is whole again", testWindowElapses},
		{"over-quota auth request starts a five minute lockout", testLockoutStarts},
		{"lockout holds five minutes then lifts", testLockoutHoldsAndLifts},
		{"lockout escalates 5 10 20 40 60 60 minutes", testLockoutEscalates},
		{"escalation forgets 24 hours after the last lockout", testEscalationForgets},
		{"keys and classes are independent", testIndependent},
		{"every stored key expires", testEveryKeyExpires},
		{"invalid policy and key are refused as Invalid", testInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, c := newLimiter(t)
			tc.run(t, l, c)
		})
	}
}

// Test policies. The burst cases use an hour-long window so that a real
// Redis, whose clock keeps running, refills less than one token while they run.
var (
	auth      = mustLockoutPolicy("auth", 5, time.Minute, ports.DefaultLockout())
	user      = mustPolicy("user", 60, time.Minute)
	analytics = mustPolicy("analytics", 100, time.Minute)
	slowFive  = mustPolicy("general", 5, time.Hour)
)

func mustPolicy(class string, quota int, window time.Duration) ports.Policy {
	p, err := ports.NewPolicy(class, quota, window)
	if err != nil {
		panic(err)
	}
	return p
}

func mustLockoutPolicy(class string, quota int, window time.Duration, l ports.Lockout) ports.Policy {
	p, err := ports.NewLockoutPolicy(class, quota, window, l)
	if err != nil {
		panic(err)
	}
	return p
}

func allow(t *testing.T, l ports.RateLimiter, p ports.Policy, key string) ports.Decision {
	t.Helper()
	d, err := l.Allow(context.Background(), p, key)
	require.NoError(t, err)
	return d
}

// exhaust spends the whole quota of key and fails unless every request of it
// was allowed; it returns the last decision.
func exhaust(t *testing.T, l ports.RateLimiter, p ports.Policy, key string) ports.Decision {
	t.Helper()
	var d ports.Decision
	for i := range p.Quota() {
		d = allow(t, l, p, key)
		require.Truef(t, d.Allowed, "request %d of a quota of %d was refused", i+1, p.Quota())
	}
	return d
}

// sameInstant asserts that got is want, within the store's ClockSlack.
func sameInstant(t *testing.T, c Controls, want, got time.Time, msg string) {
	t.Helper()
	if c.ClockSlack == 0 {
		assert.Equal(t, want, got, msg)
		return
	}
	assert.WithinDuration(t, want, got, c.ClockSlack, msg)
}

func needClock(t *testing.T, c Controls) {
	t.Helper()
	if c.Advance == nil {
		t.Skip("the store's clock cannot be moved (real Redis): this case needs minutes to pass")
	}
}

func testBurst(t *testing.T, l ports.RateLimiter, c Controls) {
	for _, p := range []ports.Policy{mustPolicy("one", 1, time.Hour), slowFive, mustPolicy("analytics", 100, time.Hour), auth} {
		t.Run(p.Class(), func(t *testing.T) {
			refused := 0
			for i := range p.Quota() + 1 {
				d := allow(t, l, p, "203.0.113.9")
				if !d.Allowed {
					refused++
					assert.Equal(t, p.Quota(), i, "the refusal is the request after the quota")
					assert.Zero(t, d.Remaining)
					assert.Equal(t, p.Quota(), d.Limit)
					assert.GreaterOrEqual(t, d.RetryAfter, time.Second)
					assert.Zero(t, d.RetryAfter%time.Second, "Retry-After is whole seconds")
				}
			}
			assert.Equal(t, 1, refused)
		})
	}
}

func testConcurrentBurst(t *testing.T, l ports.RateLimiter, c Controls) {
	const goroutines = 20
	for _, p := range []ports.Policy{mustPolicy("general", 99, time.Hour), mustLockoutPolicy("auth", 19, time.Hour, ports.DefaultLockout())} {
		t.Run(p.Class(), func(t *testing.T) {
			total := p.Quota() + 1
			var (
				wg              sync.WaitGroup
				mu              sync.Mutex
				allowed, denied int
				start           = make(chan struct{})
			)
			for g := range goroutines {
				n := total / goroutines
				if g < total%goroutines {
					n++
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					for range n {
						d, err := l.Allow(context.Background(), p, "198.51.100.7")
						mu.Lock()
						switch {
						case err != nil:
							t.Errorf("Allow: %v", err)
						case d.Allowed:
							allowed++
						default:
							denied++
						}
						mu.Unlock()
					}
				}()
			}
			close(start)
			wg.Wait()
			assert.Equal(t, p.Quota(), allowed)
			assert.Equal(t, 1, denied)
		})
	}
}

func testRemainingAndReset(t *testing.T, l ports.RateLimiter, c Controls) {
	for _, p := range []ports.Policy{auth, user, mustPolicy("odd", 7, time.Minute)} {
		t.Run(p.Class(), func(t *testing.T) {
			emission := p.EmissionInterval()
			var prev ports.Decision
			for k := 1; k <= p.Quota(); k++ {
				d := allow(t, l, p, "u-1")
				require.True(t, d.Allowed)
				assert.Equal(t, p.Quota()-k, d.Remaining, "after %d requests", k)
				assert.Equal(t, p.Quota(), d.Limit)
				assert.Zero(t, d.RetryAfter)
				assert.False(t, d.Locked())
				assert.Positive(t, d.ResetAfter)
				assert.LessOrEqual(t, d.ResetAfter, time.Duration(k)*emission, "reset is at most k emission intervals away")
				if k > 1 {
					sameInstant(t, c, prev.Reset.Add(emission), d.Reset, "each request moves reset by one emission interval")
				}
				prev = d
			}
			d := allow(t, l, p, "u-1")
			require.False(t, d.Allowed)
			assert.Zero(t, d.Remaining)
			if _, locks := p.Lockout(); !locks {
				sameInstant(t, c, prev.Reset, d.Reset, "a refusal takes nothing, so reset stays")
				assert.LessOrEqual(t, d.RetryAfter, ports.RoundRetryAfter(emission))
			}
		})
	}
}

func testWholeAtReset(t *testing.T, l ports.RateLimiter, c Controls) {
	needClock(t, c)
	p := user
	last := exhaust(t, l, p, "u-early")
	c.Advance(t, last.ResetAfter-time.Millisecond)
	refusedEarly := false
	for range p.Quota() {
		if !allow(t, l, p, "u-early").Allowed {
			refusedEarly = true
		}
	}
	assert.True(t, refusedEarly, "a millisecond before reset the quota is not whole")

	last = exhaust(t, l, p, "u-at")
	c.Advance(t, last.ResetAfter)
	d := exhaust(t, l, p, "u-at")
	assert.Zero(t, d.Remaining)
	assert.False(t, allow(t, l, p, "u-at").Allowed)
}

func testRetryAfterHonest(t *testing.T, l ports.RateLimiter, c Controls) {
	needClock(t, c)
	for _, p := range []ports.Policy{user, mustPolicy("odd", 7, time.Minute)} {
		t.Run(p.Class(), func(t *testing.T) {
			exhaust(t, l, p, "u-2")
			d := allow(t, l, p, "u-2")
			require.False(t, d.Allowed)
			c.Advance(t, d.RetryAfter)
			assert.True(t, allow(t, l, p, "u-2").Allowed)
		})
	}
}

func testWindowElapses(t *testing.T, l ports.RateLimiter, c Controls) {
	needClock(t, c)
	for _, p := range []ports.Policy{analytics, slowFive} {
		t.Run(p.Class(), func(t *testing.T) {
			exhaust(t, l, p, "10.0.0.1")
			require.False(t, allow(t, l, p, "10.0.0.1").Allowed)
			c.Advance(t, p.Window())
			d := exhaust(t, l, p, "10.0.0.1")
			assert.Zero(t, d.Remaining)
			assert.False(t, allow(t, l, p, "10.0.0.1").Allowed)
		})
	}
}

func testIndependent(t *testing.T, l ports.RateLimiter, c Controls) {
	lockOut(t, l, "192.0.2.1")

	other := allow(t, l, auth, "192.0.2.2")
	assert.True(t, other.Allowed, "another key of the same class")
	assert.Equal(t, auth.Quota()-1, other.Remaining)

	sameKey := allow(t, l, user, "192.0.2.1")
	assert.True(t, sameKey.Allowed, "the same key in another class")
	assert.False(t, sameKey.Locked())
	assert.Equal(t, user.Quota()-1, sameKey.Remaining)

	exhaust(t, l, slowFive, "192.0.2.3")
	assert.False(t, allow(t, l, slowFive, "192.0.2.3").Allowed)
	assert.True(t, allow(t, l, slowFive, "192.0.2.4").Allowed)
	assert.True(t, allow(t, l, analytics, "192.0.2.3").Allowed)
}

func testEveryKeyExpires(t *testing.T, l ports.RateLimiter, c Controls) {
	allow(t, l, user, "u-ttl")
	allow(t, l, analytics, "u-ttl")
	allow(t, l, slowFive, "u-ttl")
	lockOut(t, l, "203.0.113.12")
	require.Positive(t, c.Stored(t), "the limiter stores something")

	// The longest any entry may live: an hour-long lockout plus its memory.
	longest := ports.DefaultLockout().Max + ports.DefaultLockout().Memory + slowFive.Window()
	if c.TTLs != nil {
		ttls := c.TTLs(t)
		require.NotEmpty(t, ttls)
		for k, ttl := range ttls {
			assert.Positive(t, ttl, "key %s has no TTL", k)
			assert.LessOrEqual(t, ttl, longest, "key %s", k)
		}
	}
	if c.Advance != nil {
		c.Advance(t, longest+time.Second)
		assert.Zero(t, c.Stored(t), "every entry is gone once its lifetime is over")
	}
}

func testInvalid(t *testing.T, l ports.RateLimiter, c Controls) {
	cases := []struct {
		name   string
		policy ports.Policy
		key    string
	}{
		{"zero policy", ports.Policy{}, "192.0.2.1"},
		{"empty key", user, ""},
		{"key too long", user, string(make([]byte, ports.MaxLimitKeyLen+1))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.Allow(context.Background(), tc.policy, tc.key)
			assert.True(t, errs.Is(err, errs.Invalid), "got %v", err)
		})
	}
}
