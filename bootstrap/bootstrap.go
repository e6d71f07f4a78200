// Package bootstrap wires Lingo with fx: which adapter serves which port,
// the lifecycle, and the app as a whole. Only cmd and tests import it.
package bootstrap

import (
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/adapters/ids"
	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/adapters/sqlstore"
	apphealth "github.com/lingo-labs/lingo/application/health"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/ports"
)

// Options adjusts the app for tests: a logger that captures, a fake clock.
type Options struct {
	Logger *zap.Logger
	Clock  ports.Clock
	// Extra fx options (fx.Populate in tests, fx.Decorate of an adapter).
	FX []fx.Option
}

// New builds the whole app for cfg: the embedded default or PostgreSQL and
// Redis, as cfg says.
func New(cfg config.Config, opts Options) *fx.App {
	return fx.New(Graph(cfg, opts)...)
}

// Graph is the app's fx options, separate from New so tests can validate
// the graph of each configuration without starting it.
func Graph(cfg config.Config, opts Options) []fx.Option {
	log := opts.Logger
	if log == nil {
		log = NewLogger(cfg)
	}
	log = WithRedaction(log, cfg)
	clk := opts.Clock
	if clk == nil {
		clk = clock.System{}
	}
	options := []fx.Option{
		fx.WithLogger(func() fxevent.Logger {
			l := &fxevent.ZapLogger{Logger: log.Named("fx")}
			l.UseLogLevel(zapcore.DebugLevel)
			return l
		}),
		fx.StartTimeout(30 * time.Second),
		fx.StopTimeout(cfg.HTTP.ShutdownTimeout + 5*time.Second),
		fx.Supply(cfg, log, SQLStoreOptions(cfg), HTTPOptions(cfg), ImagingOptions(cfg)),
		fx.Provide(
			func() ports.Clock { return clk },
			func() ports.IDGenerator { return ids.UUIDv7{} },
		),
		fx.Invoke(func(l *zap.Logger) { l.Info("starting lingo", zap.Any("config", cfg.Redacted())) }),
		StorageModule(cfg),
		StartupModule,
		CacheModule(cfg),
		StorageProbeModule,
		ObservabilityModule,
		HealthModule,
		AccountsModule,
		SettingsModule,
		RateLimitModule,
		EngineModule,
		LeaguesModule,
		JobsModule(cfg),
		LifecycleModule(cfg),
		httpapi.Module,
	}
	return append(options, opts.FX...)
}

// StorageModule provides every storage port from one adapter:
// memory.Module for LINGO_DATABASE_DRIVER=memory (nothing survives a
// restart), else sqlstore.Module on SQLite or PostgreSQL.
func StorageModule(cfg config.Config) fx.Option {
	if cfg.Database.Driver == config.DriverMemory {
		return memory.Module
	}
	return sqlstore.Module
}

// HealthModule is the health application service over every probe.
var HealthModule = fx.Module("health",
	fx.Provide(fx.Annotate(
		func(probes []ports.HealthProbe, clk ports.Clock, cfg config.Config, cache ports.Cache, inspector ports.CacheInspector,
			pool ports.DatabasePool, traffic ports.TrafficStats) *apphealth.Service {
			return apphealth.NewService(probes, clk, cfg.Health.CheckTimeout, cfg.Health.CacheTTL, cfg.Version,
				apphealth.WithCache(cache, inspector), apphealth.WithPool(pool), apphealth.WithTraffic(traffic))
		},
		fx.ParamTags(`group:"probes"`),
	)),
)

// NewLogger is the production logger: JSON lines at the configured level.
func NewLogger(cfg config.Config) *zap.Logger {
	level, err := zapcore.ParseLevel(cfg.Log.Level)
	if err != nil {
		level = zapcore.InfoLevel
	}
	zc := zap.NewProductionConfig()
	if cfg.Log.Format == "console" {
		zc = zap.NewDevelopmentConfig()
	}
	zc.Level = zap.NewAtomicLevelAt(level)
	zc.EncoderConfig.TimeKey = "ts"
	zc.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	zc.DisableStacktrace = true
	l, err := zc.Build()
	if err != nil {
		return zap.NewNop()
	}
	return l
}
