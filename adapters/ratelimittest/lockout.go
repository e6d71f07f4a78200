package ratelimittest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/ports"
)

func testLockoutStarts(t *testing.T, l ports.RateLimiter, c Controls) {
	exhaust(t, l, auth, "203.0.113.9")
	d := allow(t, l, auth, "203.0.113.9")
	require.False(t, d.Allowed)
	assert.True(t, d.Locked())
	assert.Equal(t, 5*time.Minute, d.RetryAfter)
	assert.Equal(t, 5*time.Minute, d.ResetAfter, "during a lockout the quota is whole when it ends")
	assert.Equal(t, d.LockedUntil, d.Reset)
	assert.Zero(t, d.Remaining)

	again := allow(t, l, auth, "203.0.113.9")
	require.False(t, again.Allowed)
	sameInstant(t, c, d.LockedUntil, again.LockedUntil, "a request during the lockout does not extend it")
	assert.LessOrEqual(t, again.RetryAfter, 5*time.Minute)
	assert.GreaterOrEqual(t, again.RetryAfter, 5*time.Minute-time.Second)
}

func testLockoutHoldsAndLifts(t *testing.T, l ports.RateLimiter, c Controls) {
	needClock(t, c)
	const ip = "203.0.113.10"
	exhaust(t, l, auth, ip)
	first := allow(t, l, auth, ip)
	require.True(t, first.Locked())

	steps := []struct {
		name      string
		advance   time.Duration
		wantRetry time.Duration
	}{
		{"after 1 minute", time.Minute, 4 * time.Minute},
		{"after 4 minutes", 3 * time.Minute, time.Minute},
		{"after 4 minutes 59.5 seconds", time.Minute - 500*time.Millisecond, time.Second},
		{"after 4 minutes 59.999 seconds", 499 * time.Millisecond, time.Second},
	}
	for _, s := range steps {
		c.Advance(t, s.advance)
		d := allow(t, l, auth, ip)
		assert.False(t, d.Allowed, s.name)
		assert.Equal(t, s.wantRetry, d.RetryAfter, s.name)
		assert.Equal(t, first.LockedUntil, d.LockedUntil, s.name)
	}

	c.Advance(t, time.Millisecond)
	d := allow(t, l, auth, ip)
	assert.True(t, d.Allowed, "the lockout lifts after 5 minutes")
	assert.False(t, d.Locked())
	assert.Equal(t, auth.Quota()-1, d.Remaining, "the quota is whole after the lockout")
}

// lockOut spends key's quota and returns the lockout the next request starts.
func lockOut(t *testing.T, l ports.RateLimiter, key string) ports.Decision {
	t.Helper()
	exhaust(t, l, auth, key)
	d := allow(t, l, auth, key)
	require.False(t, d.Allowed)
	require.True(t, d.Locked())
	return d
}

func testLockoutEscalates(t *testing.T, l ports.RateLimiter, c Controls) {
	needClock(t, c)
	for i, want := range []time.Duration{5, 10, 20, 40, 60, 60} {
		d := lockOut(t, l, "203.0.113.11")
		assert.Equal(t, want*time.Minute, d.RetryAfter, "lockout %d", i+1)
		assert.Equal(t, want*time.Minute, d.ResetAfter, "lockout %d", i+1)
		c.Advance(t, d.RetryAfter)
	}
}

func testEscalationForgets(t *testing.T, l ports.RateLimiter, c Controls) {
	needClock(t, c)
	cases := []struct {
		name  string
		pause time.Duration
		want  time.Duration
	}{
		{"a second short of 24 hours after the lockout ended", 24*time.Hour - time.Second, 20 * time.Minute},
		{"24 hours after the lockout ended", 24 * time.Hour, 5 * time.Minute},
		{"a week later", 7 * 24 * time.Hour, 5 * time.Minute},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key := "203.0.113." + string(rune('a'+i))
			d := lockOut(t, l, key)
			require.Equal(t, 5*time.Minute, d.RetryAfter)
			c.Advance(t, d.RetryAfter)
			d = lockOut(t, l, key)
			require.Equal(t, 10*time.Minute, d.RetryAfter)
			c.Advance(t, d.RetryAfter+tc.pause)
			d = lockOut(t, l, key)
			assert.Equal(t, tc.want, d.RetryAfter)
		})
	}
}
