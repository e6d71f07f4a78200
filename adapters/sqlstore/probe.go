package sqlstore

import (
	"context"

	"github.com/lingo-labs/lingo/domain/health"
	"github.com/lingo-labs/lingo/ports"
)

// Probe is the database's health check: a round trip within the deadline,
// reported with the pool's figures so an operator sees a starved pool next
// to a slow answer.
//
// The round trip reads a row of users, not just SELECT 1: every
// authenticated request loads its user, so a lock that stalls that read (an
// ACCESS EXCLUSIVE lock held by a migration or a stuck session on
// PostgreSQL) stalls the whole service, and readiness must say so rather
// than report a database that answers "SELECT 1". The read is one row by
// the primary key's order, cheap at any size, and its result is cached for
// the health TTL. A lock that only stalls writes (SQLite's write lock, under
// which reads go on in WAL) leaves the service able to answer, so it is
// reported by the requests' own 503s, not by readiness.
type Probe struct {
	db    *DB
	clock ports.Clock
}

var _ ports.HealthProbe = (*Probe)(nil)

// NewProbe makes the database probe. clock measures the round trip, so tests
// can inject a slow database without waiting for one.
func NewProbe(db *DB, clock ports.Clock) *Probe { return &Probe{db: db, clock: clock} }

func (p *Probe) Component() string { return "database" }
func (p *Probe) Critical() bool    { return true }

func (p *Probe) Check(ctx context.Context) health.Check {
	start := p.clock.Now()
	err := p.db.Ping(ctx)
	if err == nil {
		err = p.db.readUsers(ctx)
	}
	s := p.db.PoolStats()
	c := health.Check{Latency: p.clock.Now().Sub(start), Details: map[string]any{
		"dialect": string(p.db.dialect), "open_connections": s.Open, "in_use": s.InUse, "idle": s.Idle,
		"max_open_connections": s.MaxOpen, "wait_count": s.WaitCount,
	}}
	if err != nil {
		c.Status = health.Unavailable
		c.Error = "the database did not answer"
		if ctx.Err() != nil {
			c.Error = "the database did not answer within the deadline"
		}
		return c
	}
	if p.db.setupPending.Load() {
		c.Status = health.Unavailable
		c.Error = "the database setup (migrations, demo catalog, bootstrap admin) is not done yet"
		return c
	}
	c.Status = health.FromLatency(c.Latency)
	return c
}

var _ ports.DatabasePool = (*DB)(nil)

// PoolStats implements ports.DatabasePool from database/sql's own counters.
func (db *DB) PoolStats() ports.PoolStats {
	s := db.sql.Stats()
	return ports.PoolStats{MaxOpen: s.MaxOpenConnections, Open: s.OpenConnections, InUse: s.InUse, Idle: s.Idle,
		WaitCount: s.WaitCount, WaitDuration: s.WaitDuration, MaxIdleClosed: s.MaxIdleClosed,
		MaxLifetimeClosed: s.MaxLifetimeClosed}
}
