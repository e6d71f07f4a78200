package health_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"

	"github.com/lingo-labs/lingo/adapters/clock"
	apphealth "github.com/lingo-labs/lingo/application/health"
	"github.com/lingo-labs/lingo/domain/health"
	"github.com/lingo-labs/lingo/ports"
	"github.com/lingo-labs/lingo/test/mocks"
)

func probe(t *testing.T, name string, critical bool, check func(ctx context.Context) health.Check) *mocks.HealthProbe {
	p := mocks.NewHealthProbe(t)
	p.EXPECT().Component().Return(name).Maybe()
	p.EXPECT().Critical().Return(critical).Maybe()
	p.EXPECT().Check(mock.Anything).RunAndReturn(check).Maybe()
	return p
}

func TestChecksRunConcurrentlyEachUnderItsDeadline(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	slow := probe(t, "redis", false, func(ctx context.Context) health.Check {
		<-ctx.Done() // a component that never answers
		return health.Check{Status: health.Unavailable, Error: "timed out"}
	})
	fast := probe(t, "database", true, func(context.Context) health.Check { return health.Check{Status: health.Healthy} })
	svc := apphealth.NewService([]ports.HealthProbe{slow, fast}, clk, 100*time.Millisecond, time.Second, "v")

	start := time.Now()
	r := svc.Ready(context.Background())
	assert.Less(t, time.Since(start), 2*time.Second, "the slow probe is cut at its deadline")
	assert.True(t, r.Ready, "redis is not critical")
	assert.Equal(t, health.Degraded, r.Status)
	assert.Equal(t, "redis", r.Checks[0].Component)
	assert.Equal(t, health.Unavailable, r.Checks[0].Status)
}

func TestResultsAreReusedForTheTTL(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	var mu sync.Mutex
	calls := 0
	db := probe(t, "database", true, func(context.Context) health.Check {
		mu.Lock()
		calls++
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		return health.Check{Status: health.Healthy}
	})
	svc := apphealth.NewService([]ports.HealthProbe{db}, clk, time.Second, time.Second, "v")

	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); svc.Ready(context.Background()) }()
	}
	wg.Wait()
	assert.Equal(t, 1, calls, "50 concurrent callers share one run")

	clk.Advance(999 * time.Millisecond)
	svc.Ready(context.Background())
	assert.Equal(t, 1, calls, "still fresh")
	clk.Advance(2 * time.Millisecond)
	svc.Ready(context.Background())
	assert.Equal(t, 2, calls, "expired results are checked again")
}

func TestCriticalDownIsNotReady(t *testing.T) {
	clk := clock.NewFake(time.Now())
	db := probe(t, "database", true, func(context.Context) health.Check {
		return health.Check{Status: health.Unavailable, Error: "refused"}
	})
	r := apphealth.NewService([]ports.HealthProbe{db}, clk, time.Second, 0, "v").Ready(context.Background())
	assert.False(t, r.Ready)
	assert.Equal(t, health.Unavailable, r.Status)
}
