package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"go.uber.org/zap"
)

//go:embed migrations
var migrations embed.FS

// Migrate applies every pending migration of the dialect and reports how many
// it applied. On PostgreSQL an advisory session lock lets several instances
// start at once without racing each other.
func Migrate(ctx context.Context, db *DB, log *zap.Logger) (int, error) {
	dir, err := fs.Sub(migrations, "migrations/"+string(db.dialect))
	if err != nil {
		return 0, err
	}
	var opts []goose.ProviderOption
	dialect := goose.DialectSQLite3
	if db.dialect == Postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return 0, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db.sql, dir, opts...)
	if err != nil {
		return 0, fmt.Errorf("load migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return len(results), Classify(fmt.Errorf("apply migrations: %w", err))
	}
	for _, r := range results {
		log.Info("migration applied", zap.String("source", r.Source.Path), zap.Duration("took", r.Duration))
	}
	version, _ := p.GetDBVersion(ctx)
	log.Info("database schema current", zap.Int("applied_now", len(results)), zap.Int64("version", version))
	return len(results), nil
}
