package sqlstore

import (
	"context"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/ports"
)

// NewFromOptions opens the database and closes it on stop. It does not
// connect: the migrations and other start-up work are bootstrap's Startup
// steps, which tolerate a database that is down at start.
func NewFromOptions(lc fx.Lifecycle, opts Options, log *zap.Logger) (*DB, error) {
	db, err := Open(opts, log)
	if err != nil {
		return nil, err
	}
	lc.Append(fx.Hook{OnStop: func(context.Context) error { return db.Close() }})
	return db, nil
}

// Module provides the database and every storage port on it, as
// memory.Module does in memory; bootstrap picks one of the two by
// LINGO_DATABASE_DRIVER.
var Module = fx.Module("sqlstore",
	fx.Provide(
		NewFromOptions,
		fx.Annotate(NewProbe, fx.As(new(ports.HealthProbe)), fx.ResultTags(`group:"probes"`)),
		fx.Annotate(func(db *DB) *DB { return db }, fx.As(new(ports.DatabasePool))),
		fx.Annotate(NewUserRepository, fx.As(new(ports.UserRepository))),
		fx.Annotate(NewRefreshTokenStore, fx.As(new(ports.RefreshTokenStore))),
		fx.Annotate(NewPreferencesRepository, fx.As(new(ports.PreferencesRepository))),
		fx.Annotate(NewCatalogRepository, fx.As(new(ports.CatalogRepository))),
		fx.Annotate(NewEventStore, fx.As(new(ports.EventStore))),
		fx.Annotate(NewProgressStore, fx.As(new(ports.ProgressStore))),
		fx.Annotate(NewStreakStore, fx.As(new(ports.StreakStore))),
		fx.Annotate(NewRebuildStore, fx.As(new(ports.RebuildStore))),
		fx.Annotate(NewLearnerSettings, fx.As(new(ports.LearnerSettings))),
		fx.Annotate(NewLifecycle, fx.As(new(ports.ErasureStore)), fx.As(new(ports.ExportStore)), fx.As(new(ports.EventReader))),
		fx.Annotate(NewLeagueStore, fx.As(new(ports.LeagueStore))),
	),
)
