package bootstrap

import (
	"context"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/adapters/metrics"
	"github.com/lingo-labs/lingo/application/reminders"
	"github.com/lingo-labs/lingo/application/webhooks"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/ports"
)

// memoryJobs is the job engine of LINGO_DATABASE_DRIVER=memory: the memory
// store's outbox, webhook and reminder stores, and the in-process runner
// in River's place (nothing survives a restart, as with the rest).
var memoryJobs = fx.Options(
	fx.Provide(
		fx.Annotate(memory.NewWebhooks, fx.As(new(ports.WebhookStore))),
		fx.Annotate(memory.NewOutbox, fx.As(new(ports.Outbox))),
		fx.Annotate(memory.NewReminders, fx.As(new(ports.ReminderStore))),
		newMemoryJobRunner,
		newMemoryJobMetrics,
		probe(memory.NewJobProbe),
	),
	fx.Invoke(runMemoryJobs),
)

// newMemoryJobMetrics registers the job series over the runner's queue and
// has the runner report its jobs to them.
func newMemoryJobMetrics(m *metrics.Metrics, r *memory.Runner) *metrics.JobMetrics {
	jm := m.WatchJobs(r.Depth)
	r.OnJob(jm.Job)
	return jm
}

// newMemoryJobRunner makes the runner and attaches it to the store so that
// published messages get their jobs.
func newMemoryJobRunner(cfg config.Config, store *memory.Store, ids ports.IDGenerator, log *zap.Logger) *memory.Runner {
	r := memory.NewRunner(memory.RunnerOptions{
		Work: cfg.Jobs.Enabled, Workers: cfg.Jobs.Workers, RemindersInterval: cfg.Jobs.RemindersInterval,
		RetrySchedule: retrySchedule(cfg), AttemptTimeout: cfg.Jobs.Webhooks.Timeout,
		LeagueCloseInterval: cfg.League.CloseInterval,
	}, log.Named("jobs"))
	store.UseQueue(r, ids)
	return r
}

// runMemoryJobs runs the runner with the app, working the use cases.
func runMemoryJobs(lc fx.Lifecycle, r *memory.Runner, svc *webhooks.Service, rem *reminders.Service, _ *metrics.JobMetrics,
	lg leagueCloserIn) {
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error { r.Start(svc, rem); r.CloseLeagues(lg.closer()); return nil },
		OnStop:  r.Stop,
	})
}
