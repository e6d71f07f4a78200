package memory_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/ports"
)

// BenchmarkRateLimiterParallel measures in-process decisions from every
// core over many clients, the embedded default's share of a request.
func BenchmarkRateLimiterParallel(b *testing.B) {
	clock := clock.NewFake(time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC))
	l := memory.NewRateLimiter(clock)
	policy, err := ports.NewPolicy("general", 120, time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = "192.0.2." + strconv.Itoa(i)
	}
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := l.Allow(context.Background(), policy, keys[i%len(keys)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}
