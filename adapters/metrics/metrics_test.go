package metrics_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/adapters/metrics"
	"github.com/lingo-labs/lingo/adapters/metrics/metricstest"
	"github.com/lingo-labs/lingo/ports"
)

type fixedPool struct{ s ports.PoolStats }

func (p fixedPool) PoolStats() ports.PoolStats { return p.s }

func scrape(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	require.Equal(t, 200, rec.Code)
	return metricstest.Parse(t, rec.Body)
}

var find = metricstest.Find

func TestSeries(t *testing.T) {
	ctx := context.Background()
	cache := memory.NewCache(clock.NewFake(time.Unix(0, 0)), memory.CacheOptions{})
	m := metrics.New(metrics.Options{Version: "test-1", Cache: cache,
		Pool: fixedPool{ports.PoolStats{MaxOpen: 4, Open: 3, InUse: 1, Idle: 2, WaitCount: 5, WaitDuration: 1500 * time.Millisecond}}})

	m.ObserveRequest("GET", "/api/courses/:id", 200, 3*time.Millisecond)
	m.ObserveRequest("GET", "/api/courses/:id", 200, 4*time.Millisecond)
	m.ObserveRequest("GET", "", 404, time.Millisecond)
	m.ObserveRequest("BREW", "/api/health", 405, time.Millisecond)
	m.LimiterDecision("auth", "allowed")
	m.LimiterDecision("auth", "refused")
	m.LimiterFailure("user")
	_, _, _ = cache.Get(ctx, "absent")
	require.NoError(t, cache.Set(ctx, "k", []byte("v"), time.Minute))
	_, _, _ = cache.Get(ctx, "k")
	_, _, _ = cache.Get(ctx, "k")

	fams := scrape(t, m)
	cases := []struct {
		name   string
		series string
		labels map[string]string
		value  float64
	}{
		{"requests by route template", metrics.RequestsTotal, map[string]string{"method": "GET", "route": "/api/courses/:id", "status": "200"}, 2},
		{"unmatched routes share one label", metrics.RequestsTotal, map[string]string{"route": "unmatched", "status": "404"}, 1},
		{"unknown methods share one label", metrics.RequestsTotal, map[string]string{"method": "OTHER"}, 1},
		{"limiter allowed", metrics.LimiterDecisionsTotal, map[string]string{"class": "auth", "outcome": "allowed"}, 1},
		{"limiter refused", metrics.LimiterDecisionsTotal, map[string]string{"class": "auth", "outcome": "refused"}, 1},
		{"limiter failures", metrics.LimiterFailuresTotal, map[string]string{"class": "user"}, 1},
		{"cache hits", metrics.CacheHitsTotal, nil, 2},
		{"cache misses", metrics.CacheMissesTotal, nil, 1},
		{"pool open", metrics.DBPoolOpen, nil, 3},
		{"pool in use", metrics.DBPoolInUse, nil, 1},
		{"pool idle", metrics.DBPoolIdle, nil, 2},
		{"pool max", metrics.DBPoolMaxOpen, nil, 4},
		{"pool waits", metrics.DBPoolWaitTotal, nil, 5},
		{"pool wait seconds", metrics.DBPoolWaitSeconds, nil, 1.5},
		{"build info", metrics.BuildInfo, map[string]string{"version": "test-1"}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := find(t, fams, c.series, c.labels)
			var got float64
			switch {
			case s.Counter != nil:
				got = s.GetCounter().GetValue()
			case s.Gauge != nil:
				got = s.GetGauge().GetValue()
			}
			assert.Equal(t, c.value, got)
		})
	}
	t.Run("latency histogram by route template", func(t *testing.T) {
		h := find(t, fams, metrics.RequestDuration, map[string]string{"method": "GET", "route": "/api/courses/:id"}).GetHistogram()
		assert.Equal(t, uint64(2), h.GetSampleCount())
		assert.InDelta(t, 0.007, h.GetSampleSum(), 1e-9)
	})
	t.Run("go runtime", func(t *testing.T) {
		assert.Contains(t, fams, "go_goroutines")
	})
}

func TestRequestsSummary(t *testing.T) {
	m := metrics.New(metrics.Options{})
	assert.Equal(t, uint64(0), m.Requests().Total)
	// 90 fast requests and 10 slow ones: p50 falls in the fast bucket
	// (1 ms to 2.5 ms), p99 in the slow one (250 ms to 500 ms).
	for range 90 {
		m.ObserveRequest("GET", "/api/health", 200, 2*time.Millisecond)
	}
	for range 10 {
		m.ObserveRequest("GET", "/api/health/ready", 503, 300*time.Millisecond)
	}
	s := m.Requests()
	assert.Equal(t, uint64(100), s.Total)
	assert.Equal(t, map[int]uint64{200: 90, 503: 10}, s.ByStatus)
	assert.Equal(t, (90*2*time.Millisecond+10*300*time.Millisecond)/100, s.Mean)
	assert.True(t, s.P50 > time.Millisecond && s.P50 <= 2500*time.Microsecond, "p50 %v", s.P50)
	assert.True(t, s.P99 > 250*time.Millisecond && s.P99 <= 500*time.Millisecond, "p99 %v", s.P99)
}

func TestLimiterSeriesExistBeforeTheFirstDecision(t *testing.T) {
	fams := scrape(t, metrics.New(metrics.Options{}))
	for _, class := range metrics.LimiterClasses {
		for _, outcome := range metrics.LimiterOutcomes {
			s := find(t, fams, metrics.LimiterDecisionsTotal, map[string]string{"class": class, "outcome": outcome})
			assert.Zero(t, s.GetCounter().GetValue())
		}
		find(t, fams, metrics.LimiterFailuresTotal, map[string]string{"class": class})
	}
}
