package riverqueue

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/domain/health"
	"github.com/lingo-labs/lingo/ports"
)

// Depth counts the jobs waiting or running, by state.
func (e *Engine) Depth(ctx context.Context) (map[string]int64, error) { return Depth(e.db)(ctx) }

// Depth reads the queue depth of db's job table, for the metrics.
func Depth(db *sqlstore.DB) func(ctx context.Context) (map[string]int64, error) {
	return func(ctx context.Context) (map[string]int64, error) { return depth(ctx, db) }
}

func depth(ctx context.Context, db *sqlstore.DB) (map[string]int64, error) {
	rows, err := db.SQL().QueryContext(ctx, `SELECT state, COUNT(*) FROM river_job
		WHERE state IN ('available', 'scheduled', 'retryable', 'running') GROUP BY state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{"available": 0, "scheduled": 0, "retryable": 0, "running": 0}
	for rows.Next() {
		var (
			state string
			n     int64
		)
		if err := rows.Scan(&state, &n); err != nil {
			return nil, err
		}
		out[state] = n
	}
	return out, rows.Err()
}

// OnJob calls observe with each finished job's kind, queue wait and run
// time until ctx ends; nothing when this instance works no jobs.
func (e *Engine) OnJob(ctx context.Context, observe func(kind string, wait, run time.Duration)) {
	if !e.opts.Work {
		return
	}
	events, cancel := e.client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	go func() {
		defer cancel()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				if ev.Job != nil && ev.JobStats != nil {
					observe(ev.Job.Kind, ev.JobStats.QueueWaitDuration, ev.JobStats.RunDuration)
				}
			}
		}
	}()
}

// Probe is the job engine's health: the queue answers, and how deep it is.
// Not critical: without it changes are still stored, with their jobs.
type Probe struct {
	e     *Engine
	clock ports.Clock
}

var _ ports.HealthProbe = (*Probe)(nil)

// NewProbe makes the probe.
func NewProbe(e *Engine, clock ports.Clock) *Probe { return &Probe{e: e, clock: clock} }

func (p *Probe) Component() string { return "job_engine" }
func (p *Probe) Critical() bool    { return false }

func (p *Probe) Check(ctx context.Context) health.Check {
	start := p.clock.Now()
	depth, err := p.e.Depth(ctx)
	c := health.Check{Latency: p.clock.Now().Sub(start)}
	if err != nil {
		c.Status, c.Error = health.Unavailable, "the job queue does not answer"
		return c
	}
	details := map[string]any{"engine": "river", "working": p.e.started}
	for k, v := range depth {
		details[k] = v
	}
	c.Details, c.Status = details, health.FromLatency(c.Latency)
	return c
}
