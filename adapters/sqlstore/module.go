package sqlstore

import (
	"context"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/ports"
)

// NewFromConfig opens the configured database and closes it on stop. It
// does not connect: the migrations and other start-up work are bootstrap's
// Startup steps, which tolerate a database that is down at start.
func NewFromConfig(lc fx.Lifecycle, cfg config.Config, log *zap.Logger) (*DB, error) {
	db, err := Open(Options{
		Driver: cfg.Database.Driver, DSN: cfg.Database.DSN,
		MaxOpenConns: cfg.Database.MaxOpenConns, MaxIdleConns: cfg.Database.MaxIdleConns,
		ConnMaxLifetime: cfg.Database.ConnMaxLifetime,
	}, log)
	if err != nil {
		return nil, err
	}
	lc.Append(fx.Hook{OnStop: func(context.Context) error { return db.Close() }})
	return db, nil
}

// Module provides the database and its repositories.
var Module = fx.Module("sqlstore",
	fx.Provide(
		NewFromConfig,
		fx.Annotate(NewProbe, fx.As(new(ports.HealthProbe)), fx.ResultTags(`group:"probes"`)),
		fx.Annotate(NewCatalogRepository, fx.As(new(ports.CatalogRepository))),
		fx.Annotate(NewEventStore, fx.As(new(ports.EventStore))),
		fx.Annotate(NewProgressStore, fx.As(new(ports.ProgressStore))),
		fx.Annotate(NewLearnerSettings, fx.As(new(ports.LearnerSettings))),
	),
)
