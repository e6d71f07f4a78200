package redis

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/lingo-labs/lingo/domain/health"
	"github.com/lingo-labs/lingo/ports"
)

// Probe is Redis' health check and the source of /api/health/cache: a timed
// PING, then one INFO for the server, memory, clients and stats figures.
// Redis is not critical: the limiter fails open and the cache falls back to
// the database, so an outage degrades the service but keeps it ready.
//
// A health call never waits on Redis longer than the answer budget
// (AnswerWithin): the PING and INFO run in the background, one at a time,
// under the probe's own deadline, and a call that finds them still running
// after the budget answers with the last report. A Redis that accepts
// connections and never answers thus costs /api/health/cache and
// /api/health/detailed the budget, not the deadline, and the report says it
// did not answer as soon as the deadline has passed once.
type Probe struct {
	client *goredis.Client
	clock  ports.Clock
	cache  ports.Cache // its hit and miss counts are the report's "application"

	wait     time.Duration // how long a call waits for a report in flight; 0: as long as its context lets it
	deadline time.Duration // each background inspection's deadline

	mu       sync.Mutex
	last     *ports.CacheReport
	inflight chan struct{}
}

var (
	_ ports.HealthProbe    = (*Probe)(nil)
	_ ports.CacheInspector = (*Probe)(nil)
)

// NewProbe makes the probe. clock measures the PING, so tests can inject a
// slow answer without waiting for one.
func NewProbe(client *goredis.Client, clock ports.Clock, cache ports.Cache) *Probe {
	return &Probe{client: client, clock: clock, cache: cache, deadline: time.Second}
}

// AnswerWithin sets the answer budget (wait) and each inspection's deadline,
// and returns p.
func (p *Probe) AnswerWithin(wait, deadline time.Duration) *Probe {
	p.wait = wait
	if deadline > 0 {
		p.deadline = deadline
	}
	return p
}

func (p *Probe) Component() string { return "redis" }
func (p *Probe) Critical() bool    { return false }

// Check implements ports.HealthProbe: unavailable when PING fails, else the
// worse of PING's latency and the memory use against maxmemory.
func (p *Probe) Check(ctx context.Context) health.Check {
	r := p.Inspect(ctx)
	c := health.Check{Latency: r.Latency, Details: map[string]any{"mode": "redis"}}
	var used, limit int64
	if r.Memory != nil {
		used, limit = r.Memory.UsedBytes, r.Memory.MaxBytes
		c.Details["used_memory_bytes"], c.Details["maxmemory_bytes"] = used, limit
	}
	if r.Server != nil {
		c.Details["version"] = r.Server.Version
	}
	c.Status = health.FromStore(r.Connected, r.Latency, used, limit)
	c.Error = r.Error
	if c.Error == "" && c.Status != health.Healthy && health.FromMemory(used, limit) != health.Healthy {
		c.Error = "redis memory is close to maxmemory"
	}
	return c
}

// Inspect implements ports.CacheInspector: it starts an inspection unless
// one is running, waits for it within the answer budget and ctx, and returns
// the newest report there is.
func (p *Probe) Inspect(ctx context.Context) ports.CacheReport {
	p.mu.Lock()
	done := p.inflight
	if done == nil {
		done = make(chan struct{})
		p.inflight = done
		go p.refresh(done)
	}
	p.mu.Unlock()
	var budget <-chan time.Time
	if p.wait > 0 {
		t := time.NewTimer(p.wait)
		defer t.Stop()
		budget = t.C
	}
	select {
	case <-done:
	case <-budget:
	case <-ctx.Done():
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last == nil {
		return ports.CacheReport{Mode: "redis", Latency: p.wait, Error: "redis has not answered yet", Pool: poolOf(p.client.PoolStats())}
	}
	r := *p.last
	if p.cache != nil {
		r.App = p.cache.Stats()
	}
	return r
}

func (p *Probe) refresh(done chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), p.deadline)
	defer cancel()
	r := p.inspect(ctx)
	p.mu.Lock()
	p.last, p.inflight = &r, nil
	p.mu.Unlock()
	close(done)
}

func (p *Probe) inspect(ctx context.Context) ports.CacheReport {
	r := ports.CacheReport{Mode: "redis", Pool: poolOf(p.client.PoolStats())}
	if p.cache != nil {
		r.App = p.cache.Stats()
	}
	start := p.clock.Now()
	err := p.client.Ping(ctx).Err()
	r.Latency = p.clock.Now().Sub(start)
	if err != nil {
		r.Error = "redis did not answer"
		if ctx.Err() != nil {
			r.Error = "redis did not answer within the deadline"
		}
		return r
	}
	r.Connected = true
	info, err := p.client.Info(ctx).Result()
	if err != nil {
		// PING answered, so Redis is there; a refused INFO (a restricted
		// ACL, a Redis look-alike) only leaves the figures out.
		return r
	}
	fillFromInfo(&r, ParseInfo(info))
	r.Pool = poolOf(p.client.PoolStats())
	return r
}

func poolOf(s *goredis.PoolStats) ports.CachePool {
	if s == nil {
		return ports.CachePool{}
	}
	return ports.CachePool{Hits: uint64(s.Hits), Misses: uint64(s.Misses), Timeouts: uint64(s.Timeouts),
		TotalConns: uint64(s.TotalConns), IdleConns: uint64(s.IdleConns), StaleConns: uint64(s.StaleConns)}
}

// ParseInfo reads INFO's "key:value" lines, skipping section headers.
func ParseInfo(s string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			out[k] = v
		}
	}
	return out
}

// fillFromInfo sets each section whose figures INFO gave; a server that
// leaves a section out (miniredis has no memory or server section) leaves it
// nil rather than reporting zeros as if they were measured.
func fillFromInfo(r *ports.CacheReport, info map[string]string) {
	i64 := func(k string) int64 { n, _ := strconv.ParseInt(info[k], 10, 64); return n }
	f64 := func(k string) float64 { n, _ := strconv.ParseFloat(info[k], 64); return n }
	has := func(k string) bool { _, ok := info[k]; return ok }
	if has("redis_version") || has("uptime_in_seconds") {
		r.Server = &ports.CacheServer{
			Version:        info["redis_version"],
			Uptime:         time.Duration(i64("uptime_in_seconds")) * time.Second,
			OpsPerSec:      f64("instantaneous_ops_per_sec"),
			KeyspaceHits:   uint64(i64("keyspace_hits")),
			KeyspaceMisses: uint64(i64("keyspace_misses")),
		}
	}
	if has("used_memory") {
		r.Memory = &ports.CacheMemory{
			UsedBytes:          i64("used_memory"),
			PeakBytes:          i64("used_memory_peak"),
			MaxBytes:           i64("maxmemory"),
			FragmentationRatio: f64("mem_fragmentation_ratio"),
			EvictionPolicy:     info["maxmemory_policy"],
		}
	}
	if has("connected_clients") {
		r.Clients = &ports.CacheClients{
			Connected:                i64("connected_clients"),
			Blocked:                  i64("blocked_clients"),
			RejectedConnections:      i64("rejected_connections"),
			TotalConnectionsReceived: i64("total_connections_received"),
		}
	}
}
