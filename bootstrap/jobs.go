package bootstrap

import (
	"context"
	"time"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/adapters/metrics"
	"github.com/lingo-labs/lingo/adapters/riverqueue"
	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/adapters/webhookhttp"
	"github.com/lingo-labs/lingo/application/reminders"
	"github.com/lingo-labs/lingo/application/webhooks"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// JobsModule is issue 14: the job engine, the outbox that publishes messages
// with their changes, webhook endpoints and deliveries, and reminders. The
// use cases, the sender and the routes are the same on every driver; the
// stores, the outbox and the engine are the driver's: River on the
// application's database for SQL, the in-process runner for memory.
func JobsModule(cfg config.Config) fx.Option {
	switch cfg.Database.Driver {
	case "sqlite", "postgres":
		return fx.Module("jobs", jobsCommon, sqlJobs)
	case config.DriverMemory:
		return fx.Module("jobs", jobsCommon, memoryJobs)
	}
	return fx.Options()
}

// jobsCommon is what does not depend on the storage driver.
var jobsCommon = fx.Provide(
	fx.Annotate(newWebhookSender, fx.As(new(ports.WebhookSender))),
	newWebhooksService,
	newRemindersService,
	httpapi.AsRoutes(httpapi.NewWebhooksHandler),
)

var sqlJobs = fx.Options(
	fx.Provide(
		fx.Annotate(sqlstore.NewWebhookStore, fx.As(new(ports.WebhookStore))),
		fx.Annotate(sqlstore.NewOutbox, fx.As(new(ports.Outbox))),
		fx.Annotate(sqlstore.NewReminderStore, fx.As(new(ports.ReminderStore))),
		newJobEngine,
		newJobMetrics,
		probe(riverqueue.NewProbe),
	),
	fx.Invoke(func(*riverqueue.Engine) {}),
)

func retrySchedule(cfg config.Config) []time.Duration {
	if len(cfg.Jobs.Webhooks.RetrySchedule) > 0 {
		return cfg.Jobs.Webhooks.RetrySchedule
	}
	return webhook.RetrySchedule
}

func newWebhookSender(cfg config.Config) *webhookhttp.Sender {
	return webhookhttp.New(webhookhttp.Options{AllowPrivate: cfg.Jobs.Webhooks.AllowPrivate, Timeout: cfg.Jobs.Webhooks.Timeout,
		PerEndpoint: cfg.Jobs.Webhooks.EndpointConcurrency, UserAgent: "Lingo-Webhooks/" + cfg.Version})
}

func newWebhooksService(cfg config.Config, store ports.WebhookStore, outbox ports.Outbox, sender ports.WebhookSender,
	clk ports.Clock, ids ports.IDGenerator, jm *metrics.JobMetrics) *webhooks.Service {
	return webhooks.New(webhooks.Deps{Store: store, Outbox: outbox, Sender: sender, Clock: clk, IDs: ids,
		AllowPrivate: cfg.Jobs.Webhooks.AllowPrivate, RetrySchedule: retrySchedule(cfg), Observe: jm.Delivery})
}

// newJobMetrics registers the job series: deliveries by outcome, queue
// depth read at each scrape, job wait and run times.
func newJobMetrics(m *metrics.Metrics, db *sqlstore.DB) *metrics.JobMetrics {
	return m.WatchJobs(riverqueue.Depth(db))
}

// newJobEngine makes the engine, attaches it to the database so that
// published messages get their jobs, and runs it with the app: River's
// migrations after goose's (a later start-up step), then the workers.
func newJobEngine(lc fx.Lifecycle, startup *Startup, cfg config.Config, db *sqlstore.DB, svc *webhooks.Service, rem *reminders.Service,
	ids ports.IDGenerator, jm *metrics.JobMetrics, log *zap.Logger, addons jobAddons) (*riverqueue.Engine, error) {
	e, err := riverqueue.New(db, riverqueue.Options{
		Work: cfg.Jobs.Enabled, PollInterval: cfg.Jobs.PollInterval, Workers: cfg.Jobs.Workers,
		RemindersInterval: cfg.Jobs.RemindersInterval, RetrySchedule: retrySchedule(cfg),
		AttemptTimeout: cfg.Jobs.Webhooks.Timeout,
	}, svc, rem, log.Named("jobs"), addons.Addons...)
	if err != nil {
		return nil, err
	}
	db.UseQueue(e, ids)
	observing, stopObserving := context.WithCancel(context.Background())
	// River's migrations and workers are a start-up step after goose's: like
	// them they wait, retried in the background, for a database that is down
	// at start.
	startup.Add("job engine", func(ctx context.Context) error {
		if err := db.Ping(ctx); err != nil {
			return err
		}
		if cfg.Database.Migrate {
			if err := riverqueue.Migrate(ctx, db, log.Named("jobs")); err != nil {
				return err
			}
		}
		if err := e.Start(ctx); err != nil {
			return err
		}
		e.OnJob(observing, jm.Job)
		return nil
	})
	lc.Append(fx.Hook{
		OnStop: func(ctx context.Context) error {
			defer stopObserving()
			// A start-up step still being retried must not start the
			// engine after it stopped.
			if err := startup.halt(ctx); err != nil {
				return err
			}
			return e.Stop(ctx)
		},
	})
	return e, nil
}

// jobAddons are the job kinds other features bring to the SQL engine (the
// "river_addons" group).
type jobAddons struct {
	fx.In
	Addons []riverqueue.Addon `group:"river_addons"`
}

// remindersIn is the reminder service for features that tell it of changes;
// optional so that those features run without the job engine.
type remindersIn struct {
	fx.In
	Reminders *reminders.Service `optional:"true"`
}

func newRemindersService(cfg config.Config, store ports.ReminderStore, prefs ports.PreferencesRepository,
	prog ports.ProgressStore, outbox ports.Outbox, clk ports.Clock, ids ports.IDGenerator) *reminders.Service {
	return reminders.New(reminders.Deps{Store: store, Prefs: prefs, Progress: prog, Outbox: outbox, Clock: clk, IDs: ids,
		FreezeMax: cfg.Streak.FreezeMax})
}

// joined plans a new learner's reminders in the registration's transaction.
func joined(r *reminders.Service) func(ctx context.Context, u account.User) error {
	if r == nil {
		return nil
	}
	return r.Joined
}
