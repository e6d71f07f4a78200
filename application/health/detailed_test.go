package health_test

import (
	"context"
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

type fixedPool struct{ s ports.PoolStats }

func (f fixedPool) PoolStats() ports.PoolStats { return f.s }

type fixedTraffic struct{ r ports.RequestStats }

func (f fixedTraffic) Requests() ports.RequestStats { return f.r }

func TestDetailedReportsComponentsProcessAndCache(t *testing.T) {
	clk := clock.NewFake(epoch)
	cache := memory.NewCache(clk, memory.CacheOptions{})
	probes := []ports.HealthProbe{
		&fakeProbe{name: "database", critical: true, status: health.Healthy},
		&fakeProbe{name: "redis", status: health.Degraded}, // its details say mode "redis"
	}
	svc := apphealth.NewService(probes, clk, time.Second, time.Second, "v1.2.3",
		apphealth.WithCache(cache, fixedInspector{}))
	clk.Advance(90 * time.Second)

	d := svc.Detailed(context.Background())
	assert.Equal(t, health.Degraded, d.Status)
	require.Len(t, d.Checks, 2)
	assert.Equal(t, "v1.2.3", d.System.Version)
	assert.Equal(t, 90*time.Second, d.System.Uptime)
	assert.Positive(t, d.System.Goroutines)
	assert.NotEmpty(t, d.System.GoVersion)
	assert.Equal(t, "redis", d.Cache.Mode, "read from the last redis check, with no round trip")
	assert.Equal(t, "v1.2.3", svc.Version())
}

func TestCacheModeWithoutARedisCheckIsEmbedded(t *testing.T) {
	clk := clock.NewFake(epoch)
	cache := memory.NewCache(clk, memory.CacheOptions{})
	withInspector := apphealth.NewService(nil, clk, time.Second, time.Second, "t", apphealth.WithCache(cache, fixedInspector{}))
	assert.Equal(t, "embedded", withInspector.Detailed(context.Background()).Cache.Mode)
	noInspector := apphealth.NewService(nil, clk, time.Second, time.Second, "t", apphealth.WithCache(cache, nil))
	assert.Equal(t, "embedded", noInspector.Detailed(context.Background()).Cache.Mode)
	none := apphealth.NewService(nil, clk, time.Second, time.Second, "t")
	assert.Equal(t, apphealth.CacheUse{}, none.Detailed(context.Background()).Cache)
}

func TestMetricsGatherEverySource(t *testing.T) {
	clk := clock.NewFake(epoch)
	pool := ports.PoolStats{MaxOpen: 20, Open: 3, InUse: 1, Idle: 2}
	traffic := ports.RequestStats{Total: 7, ByStatus: map[int]uint64{200: 7}}
	probes := []ports.HealthProbe{
		&fakeProbe{name: "database", critical: true, status: health.Healthy},
		&fakeProbe{name: "redis", status: health.Healthy},
	}
	svc := apphealth.NewService(probes, clk, time.Second, time.Second, "t",
		apphealth.WithPool(fixedPool{pool}), apphealth.WithTraffic(fixedTraffic{traffic}))
	clk.Advance(time.Minute)

	m := svc.Metrics(context.Background())
	assert.Equal(t, time.Minute, m.Uptime)
	require.NotNil(t, m.Pool)
	assert.Equal(t, pool, *m.Pool)
	require.NotNil(t, m.Requests)
	assert.Equal(t, traffic, *m.Requests)
	require.NotNil(t, m.Redis)
	assert.Equal(t, "redis", m.Redis.Component)

	bare := apphealth.NewService(nil, clk, time.Second, time.Second, "t").Metrics(context.Background())
	assert.Nil(t, bare.Pool)
	assert.Nil(t, bare.Requests)
	assert.Nil(t, bare.Redis)
}

// A caller whose context ends while another caller's run is in flight gets
// every component as unavailable at once rather than waiting.
func TestACallerThatGivesUpWhileARunIsInFlight(t *testing.T) {
	db := &fakeProbe{name: "database", critical: true, status: health.Healthy, gate: make(chan struct{})}
	svc := apphealth.NewService([]ports.HealthProbe{db}, clock.NewFake(epoch), time.Second, time.Second, "t")
	first := make(chan apphealth.Readiness)
	go func() { first <- svc.Ready(context.Background()) }()
	for db.calls.Load() == 0 {
		runtimeYield()
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := svc.Ready(ctx)
	assert.False(t, r.Ready)
	require.Len(t, r.Checks, 1)
	assert.Equal(t, health.Unavailable, r.Checks[0].Status)
	assert.Equal(t, "database", r.Checks[0].Component)
	close(db.gate)
	assert.True(t, (<-first).Ready, "the run in flight is not disturbed")
}
