package bootstrap

import (
	"context"

	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/riverqueue"
	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/config"
)

// Migrate applies every pending migration of the configured SQL database,
// the same ones a server applies at start (LINGO_DATABASE_MIGRATE): Lingo's
// schema, then the job engine's tables. It returns how many of Lingo's own
// were applied; the memory store has none.
func Migrate(ctx context.Context, cfg config.Config, log *zap.Logger) (int, error) {
	if cfg.Database.Driver == config.DriverMemory {
		return 0, nil
	}
	db, err := sqlstore.Open(sqlstore.Options{Driver: cfg.Database.Driver, DSN: cfg.Database.DSN}, log)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	n, err := sqlstore.Migrate(ctx, db, log)
	if err != nil {
		return n, err
	}
	return n, riverqueue.Migrate(ctx, db, log)
}
