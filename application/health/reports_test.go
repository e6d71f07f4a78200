package health_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/memory"
	apphealth "github.com/lingo-labs/lingo/application/health"
	"github.com/lingo-labs/lingo/domain/health"
	"github.com/lingo-labs/lingo/ports"
)

// fakeProbe answers a fixed status and counts its runs. When gate is set,
// each run waits for it, so concurrent callers pile up on one run.
type fakeProbe struct {
	name     string
	critical bool
	status   health.Status
	calls    atomic.Int64
	gate     chan struct{}
	ignore   bool // ignore the context (a stuck system call)
}

func (p *fakeProbe) Component() string { return p.name }
func (p *fakeProbe) Critical() bool    { return p.critical }
func (p *fakeProbe) Check(ctx context.Context) health.Check {
	p.calls.Add(1)
	if p.gate != nil {
		if p.ignore {
			<-p.gate
		} else {
			select {
			case <-p.gate:
			case <-ctx.Done():
				return health.Check{Status: health.Unavailable, Error: "deadline"}
			}
		}
	}
	return health.Check{Status: p.status, Details: map[string]any{"mode": "redis"}}
}

var epoch = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

func TestReadinessRunsProbesOncePerTTL(t *testing.T) {
	clk := clock.NewFake(epoch)
	db := &fakeProbe{name: "database", critical: true, status: health.Healthy, gate: make(chan struct{})}
	svc := apphealth.NewService([]ports.HealthProbe{db}, clk, time.Second, time.Second, "test")

	const callers = 200
	var wg sync.WaitGroup
	var ready atomic.Int64
	for range callers {
		wg.Go(func() {
			if svc.Ready(context.Background()).Ready {
				ready.Add(1)
			}
		})
	}
	// Let the one run finish only once callers are waiting on it (or have
	// not arrived yet: they then hit the fresh cache).
	for db.calls.Load() == 0 {
		runtimeYield()
	}
	close(db.gate)
	wg.Wait()
	assert.Equal(t, int64(callers), ready.Load())
	assert.Equal(t, int64(1), db.calls.Load(), "200 concurrent calls share one run")

	clk.Advance(999 * time.Millisecond)
	svc.Ready(context.Background())
	assert.Equal(t, int64(1), db.calls.Load(), "still fresh just before the TTL")
	clk.Advance(time.Millisecond)
	svc.Ready(context.Background())
	assert.Equal(t, int64(2), db.calls.Load(), "run again once the TTL is over")
}

func runtimeYield() { time.Sleep(time.Millisecond) }

func TestReadinessSemantics(t *testing.T) {
	cases := []struct {
		name          string
		db, redis     health.Status
		ready         bool
		overall       health.Status
		failingReason string
	}{
		{"all healthy", health.Healthy, health.Healthy, true, health.Healthy, ""},
		{"redis down is still ready, degraded", health.Healthy, health.Unavailable, true, health.Degraded, ""},
		{"slow database is ready, degraded", health.Degraded, health.Healthy, true, health.Degraded, ""},
		{"database down is not ready", health.Unavailable, health.Healthy, false, health.Unavailable, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			probes := []ports.HealthProbe{
				&fakeProbe{name: "database", critical: true, status: c.db},
				&fakeProbe{name: "redis", status: c.redis},
			}
			r := apphealth.NewService(probes, clock.NewFake(epoch), time.Second, time.Second, "test").Ready(context.Background())
			assert.Equal(t, c.ready, r.Ready)
			assert.Equal(t, c.overall, r.Status)
			require.Len(t, r.Checks, 2)
			assert.Equal(t, "database", r.Checks[0].Component)
			assert.True(t, r.Checks[0].Critical)
		})
	}
}

func TestProbesRunConcurrentlyUnderTheirOwnDeadline(t *testing.T) {
	stuck := &fakeProbe{name: "avatar_storage", status: health.Healthy, gate: make(chan struct{})}
	honest := &fakeProbe{name: "redis", status: health.Healthy, gate: make(chan struct{})}
	ignoring := &fakeProbe{name: "nfs", status: health.Healthy, gate: make(chan struct{}), ignore: true}
	db := &fakeProbe{name: "database", critical: true, status: health.Healthy}
	t.Cleanup(func() { close(ignoring.gate) })
	svc := apphealth.NewService([]ports.HealthProbe{db, stuck, honest, ignoring}, clock.NewFake(epoch), 50*time.Millisecond, time.Second, "test")

	r := svc.Ready(context.Background())
	byName := map[string]health.Check{}
	for _, c := range r.Checks {
		byName[c.Component] = c
	}
	assert.Equal(t, health.Healthy, byName["database"].Status, "a stuck probe does not hold the others")
	assert.Equal(t, health.Unavailable, byName["redis"].Status, "a probe past its deadline is unavailable")
	assert.Equal(t, health.Unavailable, byName["nfs"].Status, "a probe that ignores its deadline is abandoned")
	assert.Contains(t, byName["nfs"].Error, "within the deadline")
	assert.True(t, r.Ready, "only the database is critical")
}

func TestCacheReport(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(epoch)
	cache := memory.NewCache(clk, memory.CacheOptions{})
	svc := apphealth.NewService(nil, clk, time.Second, time.Second, "test", apphealth.WithCache(cache, cache))
	_, _, _ = cache.Get(ctx, "absent")

	got := svc.Cache(ctx)
	assert.Equal(t, health.Healthy, got.Status)
	assert.Equal(t, "embedded", got.Report.Mode)
	assert.Equal(t, uint64(1), got.Report.App.Misses)

	none := apphealth.NewService(nil, clk, time.Second, time.Second, "test").Cache(ctx)
	assert.Equal(t, health.Unavailable, none.Status)
}

type fixedInspector struct{ r ports.CacheReport }

func (f fixedInspector) Inspect(context.Context) ports.CacheReport { return f.r }

func TestCacheReportStatusOfRedis(t *testing.T) {
	cases := []struct {
		name string
		r    ports.CacheReport
		want health.Status
	}{
		{"fast with room", ports.CacheReport{Mode: "redis", Connected: true, Latency: time.Millisecond,
			Memory: &ports.CacheMemory{UsedBytes: 10, MaxBytes: 100}}, health.Healthy},
		{"slow", ports.CacheReport{Mode: "redis", Connected: true, Latency: 600 * time.Millisecond}, health.Degraded},
		{"nearly full", ports.CacheReport{Mode: "redis", Connected: true, Latency: time.Millisecond,
			Memory: &ports.CacheMemory{UsedBytes: 97, MaxBytes: 100}}, health.Unhealthy},
		{"unreachable", ports.CacheReport{Mode: "redis"}, health.Unavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			svc := apphealth.NewService(nil, clock.NewFake(epoch), time.Second, time.Second, "test",
				apphealth.WithCache(memory.NewCache(clock.NewFake(epoch), memory.CacheOptions{}), fixedInspector{c.r}))
			assert.Equal(t, c.want, svc.Cache(context.Background()).Status)
		})
	}
}
