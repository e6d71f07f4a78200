package memory_test

import (
	"sync"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/adapters/ratelimittest"
	"github.com/lingo-labs/lingo/ports"
)

// fakeClock is a clock the test moves by hand; it is safe for the suite's
// concurrent cases.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestRateLimiterContract(t *testing.T) {
	ratelimittest.Run(t, func(t *testing.T) (ports.RateLimiter, ratelimittest.Controls) {
		clock := &fakeClock{now: time.Date(2026, 11, 26, 9, 30, 0, 123456000, time.UTC)}
		l := memory.NewRateLimiter(clock)
		return l, ratelimittest.Controls{
			Advance: func(t *testing.T, d time.Duration) { clock.Advance(d) },
			Stored:  func(t *testing.T) int { return l.Len() },
		}
	})
}
