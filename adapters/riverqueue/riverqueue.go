// Package riverqueue is Lingo's job engine: River on the application's own
// database (PostgreSQL or SQLite), so a job is inserted in the transaction of
// the change that causes it. It works webhook deliveries with their retry
// schedule and runs the reminder job every interval on one leader across
// instances (River's leader election).
package riverqueue

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"go.uber.org/zap"
	"go.uber.org/zap/exp/zapslog"
	"go.uber.org/zap/zapcore"

	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/ports"
)

// Options configure the engine.
type Options struct {
	// Work runs workers in this process; off, the engine only inserts.
	Work              bool
	PollInterval      time.Duration
	Workers           int
	RemindersInterval time.Duration
	// RetrySchedule is the wait after each failed delivery attempt.
	RetrySchedule []time.Duration
	// AttemptTimeout bounds one delivery attempt; the job gets a little more.
	AttemptTimeout time.Duration
}

// Engine is the River client of the application's database.
type Engine struct {
	client  *river.Client[*sql.Tx]
	db      *sqlstore.DB
	opts    Options
	log     *zap.Logger
	started bool
}

var _ sqlstore.Queue = (*Engine)(nil)

// New makes the engine; Migrate makes River's tables, Start starts working.
func New(db *sqlstore.DB, opts Options, deliver ports.Deliverer, reminders ports.ReminderRunner, log *zap.Logger, addons ...Addon) (*Engine, error) {
	driver := riverDriver(db)
	cfg := &river.Config{
		// River speaks slog; its warnings and errors go through the app's
		// zap logger, so they share its format and its secret redaction.
		Logger: slog.New(zapslog.NewHandler(log.WithOptions(zap.IncreaseLevel(zapcore.WarnLevel)).Core(),
			zapslog.WithName("river"))),
		FetchPollInterval: opts.PollInterval,
		FetchCooldown:     min(opts.PollInterval, 100*time.Millisecond),
		MaxAttempts:       len(opts.RetrySchedule) + 1,
		// A delivery row outlives its job: the log is the delivery table.
		CompletedJobRetentionPeriod: time.Hour,
		JobTimeout:                  jobTimeout(opts),
		// A job left running by a process that died is worked again after
		// this long (River's default is an hour).
		RescueStuckJobsAfter: 2 * jobTimeout(opts),
	}
	if opts.Work {
		workers := river.NewWorkers()
		river.AddWorker(workers, &deliveryWorker{deliver: deliver, opts: opts})
		river.AddWorker(workers, &remindersWorker{run: reminders})
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: opts.Workers}}
		cfg.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(
			river.PeriodicInterval(opts.RemindersInterval),
			func() (river.JobArgs, *river.InsertOpts) {
				return RemindersArgs{}, &river.InsertOpts{MaxAttempts: 1,
					UniqueOpts: river.UniqueOpts{ByPeriod: opts.RemindersInterval}}
			},
			&river.PeriodicJobOpts{ID: "reminders", RunOnStart: true},
		)}
		for _, add := range addons {
			cfg.PeriodicJobs = append(cfg.PeriodicJobs, add(workers)...)
		}
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		return nil, fmt.Errorf("job engine: %w", err)
	}
	e := &Engine{client: client, db: db, opts: opts, log: log}
	return e, nil
}

// jobTimeout bounds a delivery job: its attempt's own deadline fires first.
func jobTimeout(opts Options) time.Duration { return opts.AttemptTimeout + 5*time.Second }

// Migrate brings River's own tables in db up to date: the job engine's
// start-up step, and `lingo migrate`, which must leave a database that a
// server started with LINGO_DATABASE_MIGRATE=false can run on. On
// PostgreSQL an advisory lock keeps instances that start together from
// racing each other.
func Migrate(ctx context.Context, db *sqlstore.DB, log *zap.Logger) error {
	driver := riverDriver(db)
	if db.Dialect() == sqlstore.Postgres {
		conn, err := db.SQL().Conn(ctx)
		if err != nil {
			return fmt.Errorf("job engine migrations: %w", err)
		}
		defer conn.Close()
		const key = 0x6c696e676f72 // "lingor"
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
			return fmt.Errorf("job engine migrations: %w", err)
		}
		defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, key) //nolint:errcheck
	}
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return fmt.Errorf("job engine migrations: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("job engine migrations: %w", err)
	}
	if len(res.Versions) > 0 {
		log.Info("job engine migrations applied", zap.Int("count", len(res.Versions)))
	}
	return nil
}

// riverDriver is River's driver for db's dialect.
func riverDriver(db *sqlstore.DB) riverdriver.Driver[*sql.Tx] {
	if db.Dialect() == sqlstore.Postgres {
		return riverdatabasesql.New(db.SQL())
	}
	return riversqlite.New(db.SQL())
}

// Start works jobs when configured to; inserting works either way.
func (e *Engine) Start(ctx context.Context) error {
	if !e.opts.Work {
		return nil
	}
	// River keeps working under the context it starts with; fx cancels the
	// start context once every hook has run.
	if err := e.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start job engine: %w", err)
	}
	e.started = true
	return nil
}

// Stop lets running jobs finish within ctx, then cancels them; an unfinished
// job is worked again after a restart.
func (e *Engine) Stop(ctx context.Context) error {
	if !e.started {
		return nil
	}
	soft, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := e.client.Stop(soft); err != nil {
		return e.client.StopAndCancel(ctx)
	}
	return nil
}

// EnqueueDeliveries inserts one delivery job per id in tx.
func (e *Engine) EnqueueDeliveries(ctx context.Context, tx *sql.Tx, ids []string) error {
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: DeliveryArgs{DeliveryID: id}}
	}
	_, err := e.client.InsertManyFastTx(ctx, tx, params)
	return err
}

// Client is the River client, for the engine's metrics and health.
func (e *Engine) Client() *river.Client[*sql.Tx] { return e.client }

// Working reports whether this instance works jobs.
func (e *Engine) Working() bool { return e.started }
