package sqlstore

import (
	"context"
	"time"

	"github.com/lingo-labs/lingo/domain/health"
	"github.com/lingo-labs/lingo/ports"
)

// Probe is the database's health check: a round trip within the deadline.
type Probe struct{ db *DB }

var _ ports.HealthProbe = (*Probe)(nil)

// NewProbe makes the database probe.
func NewProbe(db *DB) *Probe { return &Probe{db: db} }

func (p *Probe) Component() string { return "database" }
func (p *Probe) Critical() bool    { return true }

func (p *Probe) Check(ctx context.Context) health.Check {
	start := time.Now()
	err := p.db.Ping(ctx)
	c := health.Check{Latency: time.Since(start), Details: map[string]any{"dialect": string(p.db.dialect)}}
	if err != nil {
		c.Status = health.Unavailable
		c.Error = "the database did not answer"
		if ctx.Err() != nil {
			c.Error = "the database did not answer within the deadline"
		}
		return c
	}
	c.Status = health.FromLatency(c.Latency)
	return c
}
