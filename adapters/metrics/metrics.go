// Package metrics is Lingo's Prometheus instrumentation on a registry of its
// own: HTTP requests by route template, their latency, cache hits and
// misses, the database pool, and the rate limiter's decisions and failures.
// Other adapters call its methods (the limiter middleware calls
// LimiterDecision and LimiterFailure); /metrics serves Handler.
package metrics

import (
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lingo-labs/lingo/ports"
)

// Series names, for tests and dashboards.
const (
	RequestsTotal          = "lingo_http_requests_total"
	RequestDuration        = "lingo_http_request_duration_seconds"
	CacheHitsTotal         = "lingo_cache_hits_total"
	CacheMissesTotal       = "lingo_cache_misses_total"
	DBPoolOpen             = "lingo_db_pool_open_connections"
	DBPoolInUse            = "lingo_db_pool_in_use_connections"
	DBPoolIdle             = "lingo_db_pool_idle_connections"
	DBPoolMaxOpen          = "lingo_db_pool_max_open_connections"
	DBPoolWaitTotal        = "lingo_db_pool_wait_count_total"
	DBPoolWaitSeconds      = "lingo_db_pool_wait_duration_seconds_total"
	LimiterDecisionsTotal  = "lingo_ratelimit_decisions_total"
	LimiterFailuresTotal   = "lingo_ratelimit_failures_total"
	BuildInfo              = "lingo_build_info"
	UnmatchedRoute         = "unmatched"
	otherMethod            = "OTHER"
	latencyBucketsEndpoint = 10.0
)

// latencyBuckets are the histogram's upper bounds in seconds: fine below
// 100 ms where healthy requests are, coarse above.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, latencyBucketsEndpoint}

// LimiterClasses and LimiterOutcomes are the label values the limiter uses
// (adapters/ratelimittest/SEMANTICS.md): "allowed" went on, "refused" answered 429 (a lockout too).
var (
	LimiterClasses  = []string{"auth", "user", "analytics", "health", "general"}
	LimiterOutcomes = []string{"allowed", "refused"}
)

var knownMethods = map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "HEAD": true, "OPTIONS": true}

// Options are where the metrics read their gauges from. Both are optional
// (nil leaves those series out).
type Options struct {
	Version string
	Cache   ports.Cache
	Pool    ports.DatabasePool
}

// Metrics holds the registry and the series. Safe for concurrent use.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	decisions *prometheus.CounterVec
	failures  *prometheus.CounterVec

	// The summary behind Requests, kept beside the Prometheus series so
	// /api/health/metrics need not gather and merge every label set.
	mu       sync.Mutex
	total    uint64
	sum      time.Duration
	byStatus map[int]uint64
	buckets  []uint64 // counts per latencyBuckets bound, plus one for +Inf
}

var _ ports.TrafficStats = (*Metrics)(nil)

// New makes the metrics on a fresh registry, with the Go runtime and process
// collectors.
func New(o Options) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: RequestsTotal,
			Help: "HTTP requests served, by method, route template and status."}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: RequestDuration,
			Help: "HTTP request latency, by method and route template.", Buckets: latencyBuckets}, []string{"method", "route"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: LimiterDecisionsTotal,
			Help: "Rate limiter decisions, by class and outcome."}, []string{"class", "outcome"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: LimiterFailuresTotal,
			Help: "Rate limiter store failures (the request went on: fail-open), by class."}, []string{"class"}),
		byStatus: map[int]uint64{},
		buckets:  make([]uint64, len(latencyBuckets)+1),
	}
	m.reg.MustRegister(m.requests, m.latency, m.decisions, m.failures,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Known label values start at zero, so that a rate() over them works
	// from the first scrape and the series exist before the first event.
	for _, class := range LimiterClasses {
		for _, outcome := range LimiterOutcomes {
			m.decisions.WithLabelValues(class, outcome)
		}
		m.failures.WithLabelValues(class)
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{Name: BuildInfo, Help: "The running build; always 1.",
		ConstLabels: prometheus.Labels{"version": o.Version}})
	build.Set(1)
	m.reg.MustRegister(build)
	if c := o.Cache; c != nil {
		m.reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: CacheHitsTotal,
				Help: "Read-through cache lookups that found a value."}, func() float64 { return float64(c.Stats().Hits) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: CacheMissesTotal,
				Help: "Read-through cache lookups that found none (or failed)."}, func() float64 { return float64(c.Stats().Misses) }),
		)
	}
	if p := o.Pool; p != nil {
		gauge := func(name, help string, f func(ports.PoolStats) float64) prometheus.Collector {
			return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return f(p.PoolStats()) })
		}
		m.reg.MustRegister(
			gauge(DBPoolOpen, "Open database connections.", func(s ports.PoolStats) float64 { return float64(s.Open) }),
			gauge(DBPoolInUse, "Database connections in use.", func(s ports.PoolStats) float64 { return float64(s.InUse) }),
			gauge(DBPoolIdle, "Idle database connections.", func(s ports.PoolStats) float64 { return float64(s.Idle) }),
			gauge(DBPoolMaxOpen, "The database pool's size limit.", func(s ports.PoolStats) float64 { return float64(s.MaxOpen) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: DBPoolWaitTotal, Help: "Waits for a database connection."},
				func() float64 { return float64(p.PoolStats().WaitCount) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: DBPoolWaitSeconds, Help: "Time spent waiting for a database connection."},
				func() float64 { return p.PoolStats().WaitDuration.Seconds() }),
		)
	}
	return m
}

// Registry is the metrics' own registry (tests gather from it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveRequest records one served request. route is the route template
// ("/api/courses/:id"), never the raw path, so that ids do not become label
// values; "" stands for a request no route matched.
func (m *Metrics) ObserveRequest(method, route string, status int, d time.Duration) {
	if !knownMethods[method] {
		method = otherMethod
	}
	if route == "" {
		route = UnmatchedRoute
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(d.Seconds())

	i := sort.SearchFloat64s(latencyBuckets, d.Seconds())
	m.mu.Lock()
	m.total++
	m.sum += d
	m.byStatus[status]++
	m.buckets[i]++
	m.mu.Unlock()
}

// LimiterDecision counts one rate-limit decision of class (one of
// LimiterClasses) with its outcome (one of LimiterOutcomes).
func (m *Metrics) LimiterDecision(class, outcome string) {
	m.decisions.WithLabelValues(class, outcome).Inc()
}

// LimiterFailure counts one failed or slow limiter store call of class; the
// request it was for went on unlimited (fail-open).
func (m *Metrics) LimiterFailure(class string) {
	m.failures.WithLabelValues(class).Inc()
}

// Requests implements ports.TrafficStats.
func (m *Metrics) Requests() ports.RequestStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := ports.RequestStats{Total: m.total, ByStatus: make(map[int]uint64, len(m.byStatus))}
	for k, v := range m.byStatus {
		s.ByStatus[k] = v
	}
	if m.total == 0 {
		return s
	}
	s.Mean = m.sum / time.Duration(m.total)
	s.P50, s.P95, s.P99 = m.quantile(0.50), m.quantile(0.95), m.quantile(0.99)
	return s
}

// quantile estimates the q-quantile from the bucket counts, interpolating
// linearly inside the bucket that holds it, as Prometheus'
// histogram_quantile does. Callers hold mu.
func (m *Metrics) quantile(q float64) time.Duration {
	rank := q * float64(m.total)
	var seen float64
	lower := 0.0
	for i, n := range m.buckets {
		upper := latencyBucketsEndpoint
		if i < len(latencyBuckets) {
			upper = latencyBuckets[i]
		}
		if n > 0 && seen+float64(n) >= rank {
			frac := (rank - seen) / float64(n)
			return time.Duration((lower + (upper-lower)*frac) * float64(time.Second))
		}
		seen += float64(n)
		lower = upper
	}
	return time.Duration(lower * float64(time.Second))
}
