package ports

import (
	"context"
	"time"

	"github.com/lingo-labs/lingo/domain/health"
)

// HealthProbe checks one component. Check honours ctx's deadline and never
// returns an error: a failure is a Check with status Unavailable.
type HealthProbe interface {
	Component() string
	Critical() bool
	Check(ctx context.Context) health.Check
}

// DatabasePool reports the database connection pool's figures for
// /api/health/metrics and /metrics. It never blocks on the database.
type DatabasePool interface {
	PoolStats() PoolStats
}

// PoolStats is a snapshot of a connection pool (database/sql's DBStats).
type PoolStats struct {
	MaxOpen           int
	Open              int
	InUse             int
	Idle              int
	WaitCount         int64
	WaitDuration      time.Duration
	MaxIdleClosed     int64
	MaxLifetimeClosed int64
}

// TrafficStats reports the HTTP traffic this process has served, for
// /api/health/metrics. It never blocks.
type TrafficStats interface {
	Requests() RequestStats
}

// RequestStats counts requests by status and summarises their latency.
// Quantiles are estimated from histogram buckets, so they are approximate.
type RequestStats struct {
	Total    uint64
	ByStatus map[int]uint64
	Mean     time.Duration
	P50      time.Duration
	P95      time.Duration
	P99      time.Duration
}
