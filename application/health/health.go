// Package health runs the component probes and answers how the service is.
package health

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/lingo-labs/lingo/domain/health"
	"github.com/lingo-labs/lingo/ports"
)

// Service runs every probe concurrently, each under its own deadline, and
// reuses the results for a short time so that a load balancer asking
// thousands of times a second costs the database one check per TTL.
type Service struct {
	probes  []ports.HealthProbe
	clock   ports.Clock
	timeout time.Duration
	ttl     time.Duration
	started time.Time
	version string

	cache     ports.Cache
	inspector ports.CacheInspector
	pool      ports.DatabasePool
	traffic   ports.TrafficStats

	mu      sync.Mutex
	cached  []health.Check
	expires time.Time
	running chan struct{} // closed when the check in flight finishes
}

// Option adds an optional source of figures to the service.
type Option func(*Service)

// WithCache makes /cache and the services section report the read-through
// cache: its hit counts (cache) and its store's figures (inspector).
func WithCache(cache ports.Cache, inspector ports.CacheInspector) Option {
	return func(s *Service) { s.cache, s.inspector = cache, inspector }
}

// WithPool adds the database pool's figures to the metrics report.
func WithPool(pool ports.DatabasePool) Option { return func(s *Service) { s.pool = pool } }

// WithTraffic adds the served requests' figures to the metrics report.
func WithTraffic(traffic ports.TrafficStats) Option { return func(s *Service) { s.traffic = traffic } }

// NewService makes the health service. timeout bounds each probe; ttl is how
// long results are reused (0: never).
func NewService(probes []ports.HealthProbe, clock ports.Clock, timeout, ttl time.Duration, version string, opts ...Option) *Service {
	s := &Service{probes: probes, clock: clock, timeout: timeout, ttl: ttl, started: clock.Now(), version: version}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Version is the running build's version.
func (s *Service) Version() string { return s.version }

// Uptime is how long the service has run.
func (s *Service) Uptime() time.Duration { return s.clock.Now().Sub(s.started) }

// Checks returns the current component checks, from the cache when fresh.
// Concurrent callers share one run of the probes.
func (s *Service) Checks(ctx context.Context) []health.Check {
	for {
		s.mu.Lock()
		if s.cached != nil && s.clock.Now().Before(s.expires) {
			out := s.cached
			s.mu.Unlock()
			return out
		}
		if s.running != nil {
			wait := s.running
			s.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return unavailableAll(s.probes, ctx.Err())
			}
		}
		done := make(chan struct{})
		s.running = done
		s.mu.Unlock()

		checks := s.run(context.WithoutCancel(ctx))

		s.mu.Lock()
		s.cached, s.expires, s.running = checks, s.clock.Now().Add(s.ttl), nil
		s.mu.Unlock()
		close(done)
		return checks
	}
}

// abandonGrace is how long past its deadline a probe may take before the
// service stops waiting for it. Probes honour their context, but a check
// stuck in a system call that ignores it (a hung network file system) must
// not hold every health answer hostage.
const abandonGrace = 100 * time.Millisecond

func (s *Service) run(ctx context.Context) []health.Check {
	out := make([]health.Check, len(s.probes))
	var wg sync.WaitGroup
	for i, p := range s.probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = s.runOne(ctx, p)
		}()
	}
	wg.Wait()
	return out
}

func (s *Service) runOne(ctx context.Context, p ports.HealthProbe) health.Check {
	pctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	done := make(chan health.Check, 1) // buffered: an abandoned probe can still finish
	go func() { done <- p.Check(pctx) }()
	var c health.Check
	select {
	case c = <-done:
	case <-time.After(s.timeout + abandonGrace):
		c = health.Check{Status: health.Unavailable, Latency: s.timeout, Error: p.Component() + " did not answer within the deadline"}
	}
	c.Component, c.Critical = p.Component(), p.Critical()
	if c.CheckedAt.IsZero() {
		c.CheckedAt = s.clock.Now()
	}
	return c
}

func unavailableAll(probes []ports.HealthProbe, err error) []health.Check {
	out := make([]health.Check, len(probes))
	for i, p := range probes {
		out[i] = health.Check{Component: p.Component(), Critical: p.Critical(), Status: health.Unavailable, Error: err.Error()}
	}
	return out
}

// Readiness is the answer to "can this instance take traffic?".
type Readiness struct {
	Ready  bool
	Status health.Status
	Checks []health.Check
}

// Ready reports readiness: the database is critical, the rest only degrade.
func (s *Service) Ready(ctx context.Context) Readiness {
	checks := s.Checks(ctx)
	return Readiness{Ready: health.Ready(checks), Status: health.Overall(checks), Checks: checks}
}

// Detailed is the whole picture for an operator: every component, the
// process, and the services built on the components.
type Detailed struct {
	Status health.Status
	Checks []health.Check
	System System
	Cache  CacheUse
}

// System describes the running process.
type System struct {
	Version    string
	Uptime     time.Duration
	GoVersion  string
	Goroutines int
	NumCPU     int
	HeapAlloc  uint64
	Sys        uint64
	GCCycles   uint32
}

// CacheUse is the read-through cache as the application sees it.
type CacheUse struct {
	Mode  string // "redis" or "embedded"; "" without a cache
	Stats ports.CacheStats
}

// Detailed reports every component (from the shared, cached checks), the
// process and the cache's use.
func (s *Service) Detailed(ctx context.Context) Detailed {
	checks := s.Checks(ctx)
	return Detailed{Status: health.Overall(checks), Checks: checks, System: s.System(), Cache: s.cacheUse(ctx)}
}

// System reports the process's own figures. It reads the Go runtime's
// memory statistics, which pauses the process briefly: it is for operators'
// calls, not for the load balancer's.
func (s *Service) System() System {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return System{Version: s.version, Uptime: s.Uptime(), GoVersion: runtime.Version(), Goroutines: runtime.NumGoroutine(),
		NumCPU: runtime.NumCPU(), HeapAlloc: ms.HeapAlloc, Sys: ms.Sys, GCCycles: ms.NumGC}
}

func (s *Service) cacheUse(context.Context) CacheUse {
	if s.cache == nil {
		return CacheUse{}
	}
	mode := "embedded"
	if s.inspector != nil {
		mode = s.modeFromChecks()
	}
	return CacheUse{Mode: mode, Stats: s.cache.Stats()}
}

// modeFromChecks reads the cache store's mode from the last "redis" check,
// so the services section costs no extra round trip.
func (s *Service) modeFromChecks() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.cached {
		if m, ok := c.Details["mode"].(string); ok && c.Component == "redis" {
			return m
		}
	}
	return "embedded"
}

// CacheHealth is the answer of /api/health/cache.
type CacheHealth struct {
	Status health.Status
	Report ports.CacheReport
}

// Cache asks the cache's store for its figures now, under the probe
// deadline. The in-process store is always healthy; Redis is rated like its
// probe (answer time and memory against maxmemory).
func (s *Service) Cache(ctx context.Context) CacheHealth {
	if s.inspector == nil {
		return CacheHealth{Status: health.Unavailable, Report: ports.CacheReport{Error: "no cache is configured"}}
	}
	pctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	r := s.inspector.Inspect(pctx)
	if r.Mode == "embedded" {
		return CacheHealth{Status: health.Healthy, Report: r}
	}
	var used, limit int64
	if r.Memory != nil {
		used, limit = r.Memory.UsedBytes, r.Memory.MaxBytes
	}
	return CacheHealth{Status: health.FromStore(r.Connected, r.Latency, used, limit), Report: r}
}

// Metrics is the answer of /api/health/metrics: the figures an operator
// graphs, in one JSON call.
type Metrics struct {
	Uptime     time.Duration
	Goroutines int
	Pool       *ports.PoolStats
	Requests   *ports.RequestStats
	Redis      *health.Check // the last cached check of the cache's store
	Cache      CacheUse
}

// Metrics reports the figures; the Redis part is the shared cached check,
// so this call adds no load on Redis.
func (s *Service) Metrics(ctx context.Context) Metrics {
	checks := s.Checks(ctx) // first: the cache's mode is read from them
	m := Metrics{Uptime: s.Uptime(), Goroutines: runtime.NumGoroutine(), Cache: s.cacheUse(ctx)}
	if s.pool != nil {
		p := s.pool.PoolStats()
		m.Pool = &p
	}
	if s.traffic != nil {
		r := s.traffic.Requests()
		m.Requests = &r
	}
	for _, c := range checks {
		if c.Component == "redis" {
			m.Redis = &c
		}
	}
	return m
}
