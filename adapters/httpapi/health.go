package httpapi

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	apphealth "github.com/lingo-labs/lingo/application/health"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/health"
	"github.com/lingo-labs/lingo/ports"
)

// HealthHandler serves /api/health and its sub-routes.
type HealthHandler struct {
	svc  *apphealth.Service
	opts Options

	// readyMu guards the encoded readiness data of the last probe run.
	// A load balancer asks thousands of times a second while the checks
	// change once per TTL, so the data is encoded once per run; only the
	// envelope (request id, timestamp) is made per request.
	readyMu   sync.Mutex
	readyOf   *health.Check // first check of the run the data was made from
	readyData json.RawMessage
}

// NewHealthHandler makes the health routes.
func NewHealthHandler(svc *apphealth.Service, opts Options) *HealthHandler {
	return &HealthHandler{svc: svc, opts: opts}
}

func (h *HealthHandler) Routes() []Route {
	return []Route{
		{http.MethodGet, "/health", ClassHealth, Public, h.live},
		{http.MethodGet, "/health/live", ClassHealth, Public, h.live},
		{http.MethodGet, "/health/ready", ClassHealth, Public, h.ready},
		{http.MethodGet, "/health/detailed", ClassHealth, Public, h.detailed},
		{http.MethodGet, "/health/cache", ClassHealth, Public, h.cache},
		{http.MethodGet, "/health/system", ClassHealth, Public, h.system},
		{http.MethodGet, "/health/metrics", ClassHealth, Public, h.metrics},
	}
}

type livenessDTO struct {
	Status        string  `json:"status"`
	Version       string  `json:"version"`
	UptimeSeconds float64 `json:"uptime_seconds"`
}

func (h *HealthHandler) live(c *gin.Context) {
	OK(c, http.StatusOK, livenessDTO{Status: "healthy", Version: h.svc.Version(), UptimeSeconds: h.svc.Uptime().Seconds()}, "Service is alive")
}

// ComponentDTO is one component's check as every health answer shows it.
type ComponentDTO struct {
	Status         string         `json:"status"`
	ResponseTimeMS float64        `json:"response_time_ms"`
	Critical       bool           `json:"critical"`
	Error          string         `json:"error,omitempty"`
	CheckedAt      string         `json:"checked_at"`
	Details        map[string]any `json:"details,omitempty"`
}

// ComponentOf maps a check to its DTO.
func ComponentOf(ch health.Check) ComponentDTO {
	return ComponentDTO{Status: ch.Status.String(), ResponseTimeMS: Millis(ch.Latency), Critical: ch.Critical,
		Error: ch.Error, CheckedAt: FormatTime(ch.CheckedAt), Details: ch.Details}
}

// Millis is a duration in milliseconds with microsecond precision.
func Millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

type readinessDTO struct {
	Status     string                  `json:"status"`
	Ready      bool                    `json:"ready"`
	Components map[string]ComponentDTO `json:"components"`
}

func (h *HealthHandler) ready(c *gin.Context) {
	r := h.svc.Ready(c.Request.Context())
	if !r.Ready {
		e := errs.E(errs.Unavailable, errs.CodeServiceUnavailable, "A critical component is not answering.")
		for _, ch := range r.Checks {
			if ch.Critical && ch.Status == health.Unavailable {
				e.Fields = append(e.Fields, errs.FieldError{Code: errs.CodeComponentUnavailable, Message: ch.Component + " is not answering",
					Details: map[string]any{"component": ch.Component, "status": ch.Status.String(), "error": ch.Error,
						"response_time_ms": Millis(ch.Latency)}})
			}
		}
		Fail(c, e)
		return
	}
	data, err := h.encodedReadiness(r)
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, data, "Service is ready")
}

// encodedReadiness returns the readiness data as JSON, encoding it only when
// the checks come from a new probe run. The service hands out the same
// slice for as long as a run's results are reused, so the address of its
// first element identifies the run (and, held here, is never reused).
func (h *HealthHandler) encodedReadiness(r apphealth.Readiness) (json.RawMessage, error) {
	var of *health.Check
	if len(r.Checks) > 0 {
		of = &r.Checks[0]
	}
	h.readyMu.Lock()
	defer h.readyMu.Unlock()
	if of != nil && of == h.readyOf {
		return h.readyData, nil
	}
	dto := readinessDTO{Status: r.Status.String(), Ready: r.Ready, Components: components(r.Checks)}
	b, err := json.Marshal(dto)
	if err != nil {
		return nil, err
	}
	h.readyOf, h.readyData = of, b
	return b, nil
}

// components maps checks by component name.
func components(checks []health.Check) map[string]ComponentDTO {
	out := make(map[string]ComponentDTO, len(checks))
	for _, ch := range checks {
		out[ch.Component] = ComponentOf(ch)
	}
	return out
}

type systemInfoDTO struct {
	Version       string  `json:"version"`
	UptimeSeconds float64 `json:"uptime_seconds"`
	GoVersion     string  `json:"go_version"`
	Goroutines    int     `json:"goroutines"`
	NumCPU        int     `json:"num_cpu"`
	HeapBytes     uint64  `json:"heap_alloc_bytes"`
	SysBytes      uint64  `json:"sys_bytes"`
	GCCycles      uint32  `json:"gc_cycles"`
}

type appCacheDTO struct {
	Hits     uint64  `json:"hits"`
	Misses   uint64  `json:"misses"`
	HitRatio float64 `json:"hit_ratio"`
}

func appCacheOf(s ports.CacheStats) appCacheDTO {
	return appCacheDTO{Hits: s.Hits, Misses: s.Misses, HitRatio: round4(s.HitRatio())}
}

type cacheServiceDTO struct {
	Mode        string      `json:"mode"`
	Application appCacheDTO `json:"application"`
}

type limiterServiceDTO struct {
	Enabled bool   `json:"enabled"`
	Backend string `json:"backend"`
}

type servicesDTO struct {
	Cache       cacheServiceDTO   `json:"cache"`
	RateLimiter limiterServiceDTO `json:"rate_limiter"`
}

type detailedDTO struct {
	Status     string                  `json:"status"`
	Components map[string]ComponentDTO `json:"components"`
	System     systemInfoDTO           `json:"system"`
	Services   servicesDTO             `json:"services"`
}

// detailed answers 200 whatever the status: it is a report for people and
// dashboards, and the status field says what is wrong; readiness is the call
// whose status code a load balancer acts on.
func (h *HealthHandler) detailed(c *gin.Context) {
	d := h.svc.Detailed(c.Request.Context())
	OK(c, http.StatusOK, detailedDTO{
		Status: d.Status.String(), Components: components(d.Checks), System: systemOf(d.System),
		Services: servicesDTO{
			Cache:       cacheServiceDTO{Mode: d.Cache.Mode, Application: appCacheOf(d.Cache.Stats)},
			RateLimiter: limiterServiceDTO{Enabled: h.opts.RateLimitEnabled, Backend: h.opts.LimiterBackend},
		},
	}, "Detailed health report")
}

func systemOf(s apphealth.System) systemInfoDTO {
	return systemInfoDTO{Version: s.Version, UptimeSeconds: s.Uptime.Seconds(), GoVersion: s.GoVersion,
		Goroutines: s.Goroutines, NumCPU: s.NumCPU, HeapBytes: s.HeapAlloc, SysBytes: s.Sys, GCCycles: s.GCCycles}
}

type cacheServerDTO struct {
	Version        string  `json:"version"`
	UptimeSeconds  float64 `json:"uptime_seconds"`
	OpsPerSec      float64 `json:"ops_per_sec"`
	KeyspaceHits   uint64  `json:"keyspace_hits"`
	KeyspaceMisses uint64  `json:"keyspace_misses"`
	HitRatio       float64 `json:"hit_ratio"`
}

type cacheMemoryDTO struct {
	UsedBytes          int64    `json:"used_bytes"`
	PeakBytes          int64    `json:"peak_bytes"`
	MaxmemoryBytes     int64    `json:"maxmemory_bytes"`
	UsagePercent       *float64 `json:"usage_percent"`
	FragmentationRatio float64  `json:"fragmentation_ratio"`
	EvictionPolicy     string   `json:"eviction_policy"`
}

type cacheClientsDTO struct {
	Connected                int64 `json:"connected"`
	Blocked                  int64 `json:"blocked"`
	RejectedConnections      int64 `json:"rejected_connections"`
	TotalConnectionsReceived int64 `json:"total_connections_received"`
}

type cachePoolDTO struct {
	Hits       uint64 `json:"hits"`
	Misses     uint64 `json:"misses"`
	Timeouts   uint64 `json:"timeouts"`
	TotalConns uint64 `json:"total_conns"`
	IdleConns  uint64 `json:"idle_conns"`
	StaleConns uint64 `json:"stale_conns"`
}

type cacheDTO struct {
	Status         string           `json:"status"`
	Mode           string           `json:"mode"`
	Connected      bool             `json:"connected"`
	ResponseTimeMS float64          `json:"response_time_ms"`
	Error          string           `json:"error,omitempty"`
	Server         *cacheServerDTO  `json:"server"`
	Memory         *cacheMemoryDTO  `json:"memory"`
	Clients        *cacheClientsDTO `json:"clients"`
	Pool           cachePoolDTO     `json:"pool"`
	Application    appCacheDTO      `json:"application"`
}

// cache answers 200 with the store's figures, or with status unavailable
// and null sections when it does not answer: Redis is not critical.
func (h *HealthHandler) cache(c *gin.Context) {
	ch := h.svc.Cache(c.Request.Context())
	r := ch.Report
	dto := cacheDTO{Status: ch.Status.String(), Mode: r.Mode, Connected: r.Connected, ResponseTimeMS: Millis(r.Latency),
		Error: r.Error, Application: appCacheOf(r.App),
		Pool: cachePoolDTO{Hits: r.Pool.Hits, Misses: r.Pool.Misses, Timeouts: r.Pool.Timeouts,
			TotalConns: r.Pool.TotalConns, IdleConns: r.Pool.IdleConns, StaleConns: r.Pool.StaleConns}}
	if dto.Mode == "" {
		dto.Mode = "embedded"
	}
	if s := r.Server; s != nil {
		dto.Server = &cacheServerDTO{Version: s.Version, UptimeSeconds: s.Uptime.Seconds(), OpsPerSec: s.OpsPerSec,
			KeyspaceHits: s.KeyspaceHits, KeyspaceMisses: s.KeyspaceMisses, HitRatio: round4(s.HitRatio())}
	}
	if m := r.Memory; m != nil {
		dto.Memory = &cacheMemoryDTO{UsedBytes: m.UsedBytes, PeakBytes: m.PeakBytes, MaxmemoryBytes: m.MaxBytes,
			FragmentationRatio: m.FragmentationRatio, EvictionPolicy: m.EvictionPolicy}
		if m.MaxBytes > 0 { // no maxmemory: a percentage of nothing
			p := math.Round(float64(m.UsedBytes)/float64(m.MaxBytes)*10000) / 100
			dto.Memory.UsagePercent = &p
		}
	}
	if cl := r.Clients; cl != nil {
		dto.Clients = &cacheClientsDTO{Connected: cl.Connected, Blocked: cl.Blocked,
			RejectedConnections: cl.RejectedConnections, TotalConnectionsReceived: cl.TotalConnectionsReceived}
	}
	OK(c, http.StatusOK, dto, "Cache health report")
}

type systemDTO struct {
	Status        string                  `json:"status"`
	Version       string                  `json:"version"`
	UptimeSeconds float64                 `json:"uptime_seconds"`
	Services      map[string]ComponentDTO `json:"services"`
}

// system is the short form of detailed: status, version and each
// dependency's check, from the shared cached checks.
func (h *HealthHandler) system(c *gin.Context) {
	checks := h.svc.Checks(c.Request.Context())
	OK(c, http.StatusOK, systemDTO{Status: health.Overall(checks).String(), Version: h.svc.Version(),
		UptimeSeconds: h.svc.Uptime().Seconds(), Services: components(checks)}, "System health report")
}

type dbPoolDTO struct {
	MaxOpen           int     `json:"max_open_connections"`
	Open              int     `json:"open_connections"`
	InUse             int     `json:"in_use"`
	Idle              int     `json:"idle"`
	WaitCount         int64   `json:"wait_count"`
	WaitDurationMS    float64 `json:"wait_duration_ms"`
	MaxIdleClosed     int64   `json:"max_idle_closed"`
	MaxLifetimeClosed int64   `json:"max_lifetime_closed"`
}

type latencyMSDTO struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
}

type requestCountsDTO struct {
	Total     uint64            `json:"total"`
	ByStatus  map[string]uint64 `json:"by_status"`
	LatencyMS latencyMSDTO      `json:"latency_ms"`
}

type redisMetricsDTO struct {
	Status         string      `json:"status"`
	Mode           string      `json:"mode"`
	ResponseTimeMS float64     `json:"response_time_ms"`
	Application    appCacheDTO `json:"application"`
}

type databaseMetricsDTO struct {
	Pool dbPoolDTO `json:"pool"`
}

type healthMetricsDTO struct {
	UptimeSeconds float64             `json:"uptime_seconds"`
	Goroutines    int                 `json:"goroutines"`
	Database      *databaseMetricsDTO `json:"database"`
	Redis         *redisMetricsDTO    `json:"redis"`
	Requests      *requestCountsDTO   `json:"requests"`
}

func (h *HealthHandler) metrics(c *gin.Context) {
	m := h.svc.Metrics(c.Request.Context())
	dto := healthMetricsDTO{UptimeSeconds: m.Uptime.Seconds(), Goroutines: m.Goroutines}
	if p := m.Pool; p != nil {
		dto.Database = &databaseMetricsDTO{Pool: dbPoolDTO{MaxOpen: p.MaxOpen, Open: p.Open, InUse: p.InUse, Idle: p.Idle,
			WaitCount: p.WaitCount, WaitDurationMS: Millis(p.WaitDuration), MaxIdleClosed: p.MaxIdleClosed,
			MaxLifetimeClosed: p.MaxLifetimeClosed}}
	}
	if r := m.Redis; r != nil {
		dto.Redis = &redisMetricsDTO{Status: r.Status.String(), Mode: m.Cache.Mode, ResponseTimeMS: Millis(r.Latency),
			Application: appCacheOf(m.Cache.Stats)}
	}
	if r := m.Requests; r != nil {
		by := make(map[string]uint64, len(r.ByStatus))
		for code, n := range r.ByStatus {
			by[strconv.Itoa(code)] = n
		}
		dto.Requests = &requestCountsDTO{Total: r.Total, ByStatus: by,
			LatencyMS: latencyMSDTO{Mean: Millis(r.Mean), P50: Millis(r.P50), P95: Millis(r.P95), P99: Millis(r.P99)}}
	}
	OK(c, http.StatusOK, dto, "Service metrics")
}

func round4(f float64) float64 { return math.Round(f*10000) / 10000 }
