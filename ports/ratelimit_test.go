package ports_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

func TestNewPolicyAccepts(t *testing.T) {
	cases := []struct {
		name         string
		class        string
		quota        int
		window       time.Duration
		wantEmission time.Duration
	}{
		{"auth", "auth", 5, time.Minute, 12 * time.Second},
		{"analytics", "analytics", 100, time.Minute, 600 * time.Millisecond},
		{"general", "general", 120, time.Minute, 500 * time.Millisecond},
		{"uneven quota rounds up to a millisecond", "odd", 7, time.Minute, 8572 * time.Millisecond},
		{"one request per millisecond", "fast", 1000, time.Second, time.Millisecond},
		{"smallest window", "a", 1, time.Millisecond, time.Millisecond},
		{"largest quota and window", "x_y-1", ports.MaxPolicyQuota, 24 * time.Hour, 87 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ports.NewPolicy(tc.class, tc.quota, tc.window)
			require.NoError(t, err)
			assert.Equal(t, tc.class, p.Class())
			assert.Equal(t, tc.quota, p.Quota())
			assert.Equal(t, tc.window, p.Window())
			assert.Equal(t, tc.wantEmission, p.EmissionInterval())
			_, locks := p.Lockout()
			assert.False(t, locks)
		})
	}
}

func TestNewPolicyRefuses(t *testing.T) {
	cases := []struct {
		name      string
		class     string
		quota     int
		window    time.Duration
		wantField string
	}{
		{"empty class", "", 5, time.Minute, "class"},
		{"class with a brace", "auth}", 5, time.Minute, "class"},
		{"upper-case class", "Auth", 5, time.Minute, "class"},
		{"class too long", "abcdefghijklmnopqrstuvwxyz0123456", 5, time.Minute, "class"},
		{"zero quota", "auth", 0, time.Minute, "quota"},
		{"quota too large", "auth", ports.MaxPolicyQuota + 1, time.Minute, "quota"},
		{"window too short", "auth", 5, time.Microsecond, "window"},
		{"more than one request per millisecond", "auth", 1001, time.Second, "quota"},
		{"window too long", "auth", 5, 25 * time.Hour, "window"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ports.NewPolicy(tc.class, tc.quota, tc.window)
			require.True(t, errs.Is(err, errs.Invalid), "got %v", err)
			e, _ := errs.As(err)
			require.Len(t, e.Fields, 1)
			assert.Equal(t, tc.wantField, e.Fields[0].Field)
		})
	}
}

func TestNewLockoutPolicy(t *testing.T) {
	t.Run("default lockout", func(t *testing.T) {
		p, err := ports.NewLockoutPolicy("auth", 5, time.Minute, ports.DefaultLockout())
		require.NoError(t, err)
		l, locks := p.Lockout()
		assert.True(t, locks)
		assert.Equal(t, ports.Lockout{Base: 5 * time.Minute, Max: time.Hour, Memory: 24 * time.Hour}, l)
	})
	t.Run("lockout rounds up to whole milliseconds", func(t *testing.T) {
		p, err := ports.NewLockoutPolicy("auth", 5, time.Minute,
			ports.Lockout{Base: time.Second + time.Microsecond, Max: 2 * time.Second, Memory: time.Nanosecond})
		require.NoError(t, err)
		l, _ := p.Lockout()
		assert.Equal(t, ports.Lockout{Base: 1001 * time.Millisecond, Max: 2 * time.Second, Memory: time.Millisecond}, l)
	})
	t.Run("zero max means no escalation", func(t *testing.T) {
		p, err := ports.NewLockoutPolicy("auth", 5, time.Minute, ports.Lockout{Base: time.Minute})
		require.NoError(t, err)
		l, _ := p.Lockout()
		assert.Equal(t, time.Minute, l.Max)
	})

	refused := []struct {
		name      string
		lockout   ports.Lockout
		wantField string
	}{
		{"zero base", ports.Lockout{Max: time.Hour}, "lockout.base"},
		{"negative base", ports.Lockout{Base: -time.Second}, "lockout.base"},
		{"max below base", ports.Lockout{Base: time.Hour, Max: time.Minute}, "lockout.max"},
		{"negative memory", ports.Lockout{Base: time.Minute, Memory: -time.Hour}, "lockout.memory"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ports.NewLockoutPolicy("auth", 5, time.Minute, tc.lockout)
			require.True(t, errs.Is(err, errs.Invalid), "got %v", err)
			e, _ := errs.As(err)
			require.NotEmpty(t, e.Fields)
			assert.Equal(t, tc.wantField, e.Fields[0].Field)
		})
	}
}

func TestZeroPolicyIsInvalid(t *testing.T) {
	assert.True(t, errs.Is(ports.Policy{}.Validate(), errs.Invalid))
}

func TestRoundRetryAfter(t *testing.T) {
	cases := []struct {
		name string
		in   time.Duration
		want time.Duration
	}{
		{"zero is one second", 0, time.Second},
		{"a microsecond is one second", time.Microsecond, time.Second},
		{"one second stays", time.Second, time.Second},
		{"just over rounds up", time.Second + time.Microsecond, 2 * time.Second},
		{"whole minutes stay", 5 * time.Minute, 5 * time.Minute},
		{"fractions round up", 11*time.Second + 400*time.Millisecond, 12 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, ports.RoundRetryAfter(tc.in))
		})
	}
}
