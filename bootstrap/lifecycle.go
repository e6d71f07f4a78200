package bootstrap

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/filestore"
	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/adapters/riverqueue"
	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/application/auth"
	"github.com/lingo-labs/lingo/application/lifecycle"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/ports"
)

// LifecycleModule is issue 15's account lifecycle: deletion with a grace
// period, restore, erasure (the periodic pass on the job engine, or at once
// by an admin) and data exports, stored under <data dir>/exports.
func LifecycleModule(cfg config.Config) fx.Option {
	common := fx.Provide(
		fx.Annotate(func(cfg config.Config) (*filestore.ExportStore, error) {
			return filestore.NewExportStore(filepath.Join(cfg.DataDir, "exports"))
		}, fx.As(new(ports.ExportFiles))),
		httpapi.NewExportEncoder,
		newLifecycleService,
		httpapi.AsRoutes(httpapi.NewLifecycleHandler),
	)
	switch cfg.Database.Driver {
	case "sqlite", "postgres":
		return fx.Module("lifecycle", common, fx.Provide(
			fx.Annotate(func(svc *lifecycle.Service) riverqueue.Addon {
				return riverqueue.Lifecycle(svc, cfg.Lifecycle.Interval)
			}, fx.ResultTags(`group:"river_addons"`)),
		))
	case config.DriverMemory:
		return fx.Module("lifecycle", common, fx.Invoke(runMemoryLifecycle))
	}
	return fx.Module("lifecycle", common)
}

type lifecycleIn struct {
	fx.In
	Cfg      config.Config
	Users    ports.UserRepository
	Hasher   ports.PasswordHasher
	Sessions *auth.Service
	Erasure  ports.ErasureStore
	Exports  ports.ExportStore
	Events   ports.EventReader
	Files    ports.ExportFiles
	Avatars  ports.AvatarStore
	Prefs    ports.PreferencesRepository
	Reports  *analytics.Service
	Encoder  httpapi.ExportEncoder
	Outbox   ports.Outbox `optional:"true"`
	Cache    ports.Cache
	Limiter  ports.RateLimiter `optional:"true"`
	Clock    ports.Clock
	IDs      ports.IDGenerator
	Log      *zap.Logger
}

func newLifecycleService(p lifecycleIn) *lifecycle.Service {
	log := p.Log.Named("lifecycle")
	d := lifecycle.Deps{
		Users: p.Users, Hasher: p.Hasher, Sessions: p.Sessions, Erasure: p.Erasure, Exports: p.Exports,
		Events: p.Events, Files: p.Files, Avatars: p.Avatars, Prefs: p.Prefs, Reports: p.Reports, Encoder: p.Encoder,
		Outbox: p.Outbox, Clock: p.Clock, IDs: p.IDs,
		Grace: p.Cfg.Lifecycle.DeletionGrace, ExportTTL: p.Cfg.Lifecycle.ExportTTL, ExportLease: p.Cfg.Lifecycle.ExportLease,
		OnError: func(what string, err error) { log.Warn(what+" failed", zap.Error(err)) },
	}
	if f, ok := p.Cache.(ports.CacheForgetter); ok {
		d.CacheForget = f
	}
	if f, ok := p.Limiter.(ports.LimitForgetter); ok {
		d.LimitForget = f
	}
	if point := p.Cfg.Lifecycle.FaultPoint; point != "" {
		// The fault tests' stand-in for a kill at an exact point: exit at
		// once, without any clean-up, as SIGKILL would.
		d.Fault = func(at string) {
			if at == point {
				log.Warn("fault point reached; exiting", zap.String("point", at))
				os.Exit(3)
			}
		}
	}
	return lifecycle.New(d)
}

// runMemoryLifecycle runs the pass on the memory driver's runner.
func runMemoryLifecycle(lc fx.Lifecycle, cfg config.Config, r *memory.Runner, svc *lifecycle.Service) {
	lc.Append(fx.Hook{OnStart: func(context.Context) error {
		r.Every(memory.LifecycleJob, cfg.Lifecycle.Interval, time.Hour, svc.RunDue)
		return nil
	}})
}
