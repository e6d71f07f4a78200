package service_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/metrics"
	"github.com/lingo-labs/lingo/adapters/metrics/metricstest"
	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/ports"
	"github.com/lingo-labs/lingo/test/harness"
)

type componentDTO struct {
	Status         string         `json:"status"`
	ResponseTimeMS float64        `json:"response_time_ms"`
	Critical       bool           `json:"critical"`
	Error          string         `json:"error"`
	Details        map[string]any `json:"details"`
}

type appCache struct {
	Hits     uint64  `json:"hits"`
	Misses   uint64  `json:"misses"`
	HitRatio float64 `json:"hit_ratio"`
}

type cacheReport struct {
	Status         string  `json:"status"`
	Mode           string  `json:"mode"`
	Connected      bool    `json:"connected"`
	ResponseTimeMS float64 `json:"response_time_ms"`
	Server         *struct {
		Version        string  `json:"version"`
		UptimeSeconds  float64 `json:"uptime_seconds"`
		OpsPerSec      float64 `json:"ops_per_sec"`
		KeyspaceHits   uint64  `json:"keyspace_hits"`
		KeyspaceMisses uint64  `json:"keyspace_misses"`
	} `json:"server"`
	Memory *struct {
		UsedBytes      int64    `json:"used_bytes"`
		PeakBytes      int64    `json:"peak_bytes"`
		MaxmemoryBytes int64    `json:"maxmemory_bytes"`
		UsagePercent   *float64 `json:"usage_percent"`
		EvictionPolicy string   `json:"eviction_policy"`
	} `json:"memory"`
	Clients *struct {
		Connected                int64 `json:"connected"`
		TotalConnectionsReceived int64 `json:"total_connections_received"`
	} `json:"clients"`
	Pool struct {
		TotalConns uint64 `json:"total_conns"`
	} `json:"pool"`
	Application appCache `json:"application"`
}

func embedded() map[string]string { return map[string]string{"LINGO_REDIS_ADDR": ""} }

func getCache(t *testing.T, app *harness.App) cacheReport {
	t.Helper()
	r := app.Do(harness.Request{Method: "GET", Path: "/api/health/cache"})
	require.Equal(t, 200, r.Status)
	var c cacheReport
	r.Decode(t, &c)
	return c
}

func TestHealthDetailedEmbedded(t *testing.T) {
	t.Parallel()
	app := harness.Start(t, harness.Options{Env: embedded()})
	r := app.Do(harness.Request{Method: "GET", Path: "/api/health/detailed"})
	require.Equal(t, 200, r.Status)
	var d struct {
		Status     string                  `json:"status"`
		Components map[string]componentDTO `json:"components"`
		System     struct {
			Goroutines int `json:"goroutines"`
		} `json:"system"`
		Services struct {
			Cache struct {
				Mode string `json:"mode"`
			} `json:"cache"`
		} `json:"services"`
	}
	r.Decode(t, &d)
	assert.Equal(t, "healthy", d.Status)
	for _, name := range []string{"database", "redis", "avatar_storage", "job_engine"} {
		assert.Equal(t, "healthy", d.Components[name].Status, name)
	}
	assert.Equal(t, "embedded", d.Components["redis"].Details["mode"])
	assert.True(t, d.Components["database"].Critical)
	assert.Equal(t, "embedded", d.Services.Cache.Mode)
	assert.Positive(t, d.System.Goroutines)

	s := app.Do(harness.Request{Method: "GET", Path: "/api/health/system"})
	require.Equal(t, 200, s.Status)
	var sys struct {
		Status   string                  `json:"status"`
		Services map[string]componentDTO `json:"services"`
	}
	s.Decode(t, &sys)
	assert.Equal(t, "healthy", sys.Status)
	assert.Len(t, sys.Services, 4) // with the job engine (issue 14)
}

// TestCacheHitRatioMoves drives the app's own Cache the way the catalog and
// progress reads do (ReadThrough) and watches the figures move in
// /api/health/cache, /api/health/metrics and /metrics.
func TestCacheHitRatioMoves(t *testing.T) {
	t.Parallel()
	var cache ports.Cache
	app := harness.Start(t, harness.Options{Env: embedded(), FX: []fx.Option{fx.Populate(&cache)}})
	before := getCache(t, app)
	assert.Equal(t, "embedded", before.Mode)
	assert.Equal(t, "healthy", before.Status)
	assert.True(t, before.Connected)
	require.NotNil(t, before.Server)
	require.NotNil(t, before.Memory)
	assert.Positive(t, before.Memory.MaxmemoryBytes, "the in-process bound")
	assert.Nil(t, before.Clients)

	ctx := context.Background()
	loads := 0
	for range 4 {
		_, err := ports.ReadThrough(ctx, cache, "catalog", "courses", time.Minute, ports.JSONCodec[[]string](),
			func(context.Context) ([]string, error) { loads++; return []string{"spanish-a1"}, nil })
		require.NoError(t, err)
	}
	require.Equal(t, 1, loads)

	after := getCache(t, app)
	assert.Equal(t, before.Application.Hits+3, after.Application.Hits)
	assert.Equal(t, before.Application.Misses+1, after.Application.Misses)
	assert.Greater(t, after.Application.HitRatio, before.Application.HitRatio)
	assert.Equal(t, after.Application.Hits, after.Server.KeyspaceHits, "embedded: the store's lookups are the application's")

	m := app.Do(harness.Request{Method: "GET", Path: "/api/health/metrics"})
	require.Equal(t, 200, m.Status)
	var hm struct {
		Redis struct {
			Mode        string   `json:"mode"`
			Application appCache `json:"application"`
		} `json:"redis"`
		Database struct {
			Pool struct {
				MaxOpen int `json:"max_open_connections"`
			} `json:"pool"`
		} `json:"database"`
		Requests struct {
			Total    uint64            `json:"total"`
			ByStatus map[string]uint64 `json:"by_status"`
		} `json:"requests"`
	}
	m.Decode(t, &hm)
	assert.Equal(t, "embedded", hm.Redis.Mode)
	assert.Equal(t, after.Application.Hits, hm.Redis.Application.Hits)
	wantPool := 12 // the SQLite default; PostgreSQL's is 20 (make test-integration)
	switch app.Config.Database.Driver {
	case "postgres":
		wantPool = 20
	case config.DriverMemory:
		wantPool = 0 // no pool
	}
	assert.Equal(t, wantPool, hm.Database.Pool.MaxOpen)
	assert.Positive(t, hm.Requests.ByStatus["200"])

	fams := scrapeApp(t, app)
	assert.Equal(t, float64(after.Application.Hits), single(t, fams, metrics.CacheHitsTotal).GetCounter().GetValue())
	assert.Equal(t, float64(after.Application.Misses), single(t, fams, metrics.CacheMissesTotal).GetCounter().GetValue())
}

func TestPrometheusSeries(t *testing.T) {
	t.Parallel()
	app := harness.Start(t, harness.Options{Env: embedded()})
	for range 3 {
		app.Do(harness.Request{Method: "GET", Path: "/api/health/ready"})
	}
	app.Do(harness.Request{Method: "GET", Path: "/api/no/such/route"})

	fams := scrapeApp(t, app)
	ready := withLabels(t, fams, metrics.RequestsTotal, map[string]string{"method": "GET", "route": "/api/health/ready", "status": "200"})
	assert.GreaterOrEqual(t, ready.GetCounter().GetValue(), 3.0)
	withLabels(t, fams, metrics.RequestsTotal, map[string]string{"route": "unmatched", "status": "404"})
	h := withLabels(t, fams, metrics.RequestDuration, map[string]string{"route": "/api/health/ready"}).GetHistogram()
	assert.GreaterOrEqual(t, h.GetSampleCount(), uint64(3))
	for _, name := range []string{metrics.CacheHitsTotal, metrics.CacheMissesTotal, metrics.DBPoolOpen, metrics.DBPoolInUse,
		metrics.DBPoolIdle, metrics.DBPoolMaxOpen, metrics.DBPoolWaitTotal, metrics.LimiterDecisionsTotal,
		metrics.LimiterFailuresTotal, metrics.BuildInfo, "go_goroutines"} {
		assert.Contains(t, fams, name)
	}
	for _, f := range fams[metrics.RequestsTotal].GetMetric() {
		assert.NotContains(t, labelMap(f)["route"], "such", "raw paths never become labels")
	}
}

func TestRedisDownKeepsReadyDegraded(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := ln.Addr().String()
	ln.Close()
	app := harness.Start(t, harness.Options{Env: map[string]string{"LINGO_REDIS_ADDR": dead}})

	r := app.Do(harness.Request{Method: "GET", Path: "/api/health/ready"})
	require.Equal(t, 200, r.Status, "Redis is not critical")
	var ready struct {
		Status     string                  `json:"status"`
		Components map[string]componentDTO `json:"components"`
	}
	r.Decode(t, &ready)
	assert.Equal(t, "degraded", ready.Status)
	assert.Equal(t, "unavailable", ready.Components["redis"].Status)
	assert.NotContains(t, string(r.Body), dead, "no address in the answer")

	c := getCache(t, app)
	assert.Equal(t, "unavailable", c.Status)
	assert.Equal(t, "redis", c.Mode)
	assert.False(t, c.Connected)
	assert.Nil(t, c.Server)
	assert.Nil(t, c.Memory)
}

func TestDatabaseDownMakesReady503(t *testing.T) {
	t.Parallel()
	harness.SQLStore(t)
	clk := clock.NewFake(time.Now().UTC())
	var db *sqlstore.DB
	app := harness.Start(t, harness.Options{Env: embedded(), Clock: clk, FX: []fx.Option{fx.Populate(&db)}})
	r := app.Do(harness.Request{Method: "GET", Path: "/api/health/ready"})
	require.Equal(t, 200, r.Status)
	require.NoError(t, db.Close())

	r = app.Do(harness.Request{Method: "GET", Path: "/api/health/ready"})
	assert.Equal(t, 200, r.Status, "the last result is reused within the TTL")

	clk.Advance(2 * time.Second)
	r = app.Do(harness.Request{Method: "GET", Path: "/api/health/ready"})
	require.Equal(t, 503, r.Status)
	assert.Equal(t, "service_unavailable", r.Env.Metadata["error_code"])
	require.NotEmpty(t, r.Env.Errors)
	assert.Equal(t, "database", r.Env.Errors[0].Details["component"])
	assert.Equal(t, "unavailable", r.Env.Errors[0].Details["status"])

	d := app.Do(harness.Request{Method: "GET", Path: "/api/health/detailed"})
	require.Equal(t, 200, d.Status)
	var det struct {
		Status string `json:"status"`
	}
	d.Decode(t, &det)
	assert.Equal(t, "unavailable", det.Status)
}

func TestHealthCacheRealRedis(t *testing.T) {
	t.Parallel()
	addr := harness.Redis(t)
	var cache ports.Cache
	app := harness.Start(t, harness.Options{Env: map[string]string{"LINGO_REDIS_ADDR": addr}, FX: []fx.Option{fx.Populate(&cache)}})
	ctx := context.Background()
	key := "health-test-" + time.Now().Format("150405.000000000")
	_, _, _ = cache.Get(ctx, key)
	require.NoError(t, cache.Set(ctx, key, []byte("v"), 10*time.Second))
	_, _, _ = cache.Get(ctx, key)
	t.Cleanup(func() { _ = cache.Delete(ctx, key) })

	c := getCache(t, app)
	assert.Equal(t, "redis", c.Mode)
	assert.True(t, c.Connected)
	assert.NotEqual(t, "unavailable", c.Status)
	require.NotNil(t, c.Server, "real INFO has a server section")
	require.NotNil(t, c.Memory)
	require.NotNil(t, c.Clients)
	assert.Regexp(t, `^\d+\.\d+`, c.Server.Version)
	assert.Positive(t, c.Server.UptimeSeconds)
	assert.Positive(t, c.Server.KeyspaceHits+c.Server.KeyspaceMisses)
	assert.Positive(t, c.Memory.UsedBytes)
	assert.GreaterOrEqual(t, c.Memory.PeakBytes, c.Memory.UsedBytes/2)
	assert.NotEmpty(t, c.Memory.EvictionPolicy)
	assert.GreaterOrEqual(t, c.Clients.Connected, int64(1))
	assert.Positive(t, c.Clients.TotalConnectionsReceived)
	assert.Positive(t, c.Pool.TotalConns)
	assert.Equal(t, uint64(1), c.Application.Hits)
	assert.Equal(t, uint64(1), c.Application.Misses)
}

func scrapeApp(t *testing.T, app *harness.App) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(app.URL + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/plain")
	return metricstest.Parse(t, resp.Body)
}

var (
	labelMap   = metricstest.Labels
	withLabels = metricstest.Find
	single     = metricstest.Single
)

// TestReadyAnswerFollowsNewProbeRuns checks that the readiness data, encoded
// once per probe run, is made again when the probes run again.
func TestReadyAnswerFollowsNewProbeRuns(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC))
	app := harness.Start(t, harness.Options{Env: embedded(), Clock: clk})
	checkedAt := func() string {
		r := app.Do(harness.Request{Method: "GET", Path: "/api/health/ready"})
		require.Equal(t, 200, r.Status)
		var ready struct {
			Components map[string]struct {
				CheckedAt string `json:"checked_at"`
			} `json:"components"`
		}
		r.Decode(t, &ready)
		return ready.Components["database"].CheckedAt
	}
	first := checkedAt()
	assert.Equal(t, first, checkedAt(), "reused within the TTL")
	clk.Advance(1500 * time.Millisecond)
	assert.Equal(t, "2026-11-26T09:30:01.500Z", checkedAt(), "a new run after the TTL")
}

// TestLimiterDecisionsReachMetrics checks the wiring: the limiter middleware
// counts its decisions through *metrics.Metrics.
func TestLimiterDecisionsReachMetrics(t *testing.T) {
	t.Parallel()
	app := harness.Start(t, harness.Options{Env: map[string]string{"LINGO_RATELIMIT_ENABLED": "true", "LINGO_REDIS_ADDR": ""}})
	for range 2 {
		app.Do(harness.Request{Method: "GET", Path: "/api/health"})
	}
	fams := scrapeApp(t, app)
	got := withLabels(t, fams, metrics.LimiterDecisionsTotal, map[string]string{"class": "health", "outcome": "allowed"})
	assert.Equal(t, 2.0, got.GetCounter().GetValue())
}
