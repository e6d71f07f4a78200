package memory_test

import (
	"testing"
	"time"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/adapters/ratelimittest"
	"github.com/lingo-labs/lingo/ports"
)

func TestRateLimiterContract(t *testing.T) {
	ratelimittest.Run(t, func(t *testing.T) (ports.RateLimiter, ratelimittest.Controls) {
		clock := clock.NewFake(time.Date(2026, 11, 26, 9, 30, 0, 123456000, time.UTC))
		l := memory.NewRateLimiter(clock)
		return l, ratelimittest.Controls{
			Advance: func(t *testing.T, d time.Duration) { clock.Advance(d) },
			Stored:  func(t *testing.T) int { return l.Len() },
		}
	})
}
