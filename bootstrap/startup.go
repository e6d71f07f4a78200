package bootstrap

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/domain/errs"
)

// Setup backoff while the database is unreachable at start.
const (
	setupRetryFirst = 500 * time.Millisecond
	setupRetryMax   = 5 * time.Second
	setupStepLimit  = 30 * time.Second
)

// Startup runs the steps that need the database before the service is
// whole, in the order they were added: migrations first, then the demo
// catalog and the bootstrap admin. It tries them once while the app starts;
// when the database is unreachable (an error of kind Unavailable) the server
// starts anyway, readiness answers 503 for the database until every step is
// done, and the remaining steps are retried in the background until they
// succeed or the app stops. Any other failure (a broken migration, a bad
// admin password) still fails the start, as it should.
type Startup struct {
	log   *zap.Logger
	mu    sync.Mutex
	steps []startupStep
	next  int    // the first step not done yet
	done  func() // called once every step is done

	stop    context.CancelFunc
	stopped chan struct{}
}

type startupStep struct {
	name string
	run  func(context.Context) error
}

// StartupModule provides the Startup and its migration step. It must come
// before the modules that add steps and before the HTTP server, so that its
// start hook runs first.
var StartupModule = fx.Module("startup",
	fx.Provide(newStartup),
	fx.Invoke(func(*Startup) {}),
)

// startupDeps has no SQL database on the memory store, which has nothing to
// migrate.
type startupDeps struct {
	fx.In
	Lifecycle fx.Lifecycle
	Config    config.Config
	DB        *sqlstore.DB `optional:"true"`
	Log       *zap.Logger
}

func newStartup(d startupDeps) *Startup {
	lc, cfg, db, log := d.Lifecycle, d.Config, d.DB, d.Log
	s := &Startup{log: log}
	if db != nil {
		// Ready only once every step is done: a client (or a test) that saw
		// ready can log in as the bootstrap admin.
		db.MarkSetupPending()
		s.done = db.MarkSetupDone
	}
	if cfg.Database.Migrate && db != nil {
		s.Add("migrate", func(ctx context.Context) error {
			_, err := sqlstore.Migrate(ctx, db, log)
			return err
		})
	}
	lc.Append(fx.Hook{OnStart: s.start, OnStop: s.halt})
	return s
}

// Add appends a step; steps are added while the app is built, before it starts.
func (s *Startup) Add(name string, run func(context.Context) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.steps = append(s.steps, startupStep{name, run})
}

// runSteps runs the steps not done yet and stops at the first failure.
func (s *Startup) runSteps(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.next < len(s.steps) {
		st := s.steps[s.next]
		if err := st.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", st.name, err)
		}
		s.next++
	}
	if s.done != nil {
		s.done()
	}
	return nil
}

func (s *Startup) start(ctx context.Context) error {
	err := s.runSteps(ctx)
	if err == nil || errs.KindOf(err) != errs.Unavailable {
		return err
	}
	s.log.Warn("the database is unavailable at start: serving as not ready and retrying the setup", zap.Error(err))
	bg, cancel := context.WithCancel(context.Background())
	s.stop, s.stopped = cancel, make(chan struct{})
	go s.retry(bg)
	return nil
}

func (s *Startup) retry(ctx context.Context) {
	defer close(s.stopped)
	wait := setupRetryFirst
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		stepCtx, cancel := context.WithTimeout(ctx, setupStepLimit)
		err := s.runSteps(stepCtx)
		cancel()
		if err == nil {
			s.log.Info("database setup completed after a late start")
			return
		}
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("database setup still failing; retrying", zap.Error(err), zap.Duration("in", wait))
		wait = min(2*wait, setupRetryMax)
	}
}

func (s *Startup) halt(context.Context) error {
	if s.stop != nil {
		s.stop()
		<-s.stopped
	}
	return nil
}
