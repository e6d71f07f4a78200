// Package sqlstore holds the GORM repositories for PostgreSQL and SQLite and
// their goose migrations, one SQL directory per dialect, embedded in the binary.
package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"go.uber.org/zap"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// Dialect names the SQL flavour; queries that differ branch on it.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options says how to open the database.
type Options struct {
	Driver          string
	DSN             string
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	// Migrate applies the migrations at start (NewFromOptions); Open
	// ignores it.
	Migrate bool
}

// DB is the shared handle every repository uses.
type DB struct {
	gorm    *gorm.DB
	sql     *sql.DB
	dialect Dialect
	// setupPending is set while the start-up steps that need the database
	// (migrations, demo catalog, bootstrap admin) are not all done yet (the
	// database was down at start); the probe then reports the database
	// unavailable even when it answers.
	setupPending atomic.Bool
	// queue inserts the jobs of published messages; nil until a job engine
	// is attached (UseQueue), and then publishing makes no deliveries.
	queue Queue
	ids   ports.IDGenerator
	// classic holds learner transactions to database/sql for a while after
	// one needed it (pipeTx).
	classic classicUntil
}

// MarkSetupPending says the start-up steps on the database are not done yet.
func (db *DB) MarkSetupPending() { db.setupPending.Store(true) }

// MarkSetupDone says every start-up step on the database is done.
func (db *DB) MarkSetupDone() { db.setupPending.Store(false) }

// Open connects without touching the schema. It does not fail when
// PostgreSQL is down: the pool connects lazily, readiness reports the outage,
// and requests answer 503 until it is back.
func Open(opts Options, log *zap.Logger) (*DB, error) {
	cfg := &gorm.Config{
		Logger:                 logger.Discard, // errors are classified and logged by the HTTP layer, once
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		TranslateError:         false,
		// No ping at open: PostgreSQL may be down at start, which readiness
		// reports while the start-up steps retry.
		DisableAutomaticPing: true,
	}
	var (
		g   *gorm.DB
		err error
		d   Dialect
	)
	switch opts.Driver {
	case "sqlite":
		d = SQLite
		if path := sqlitePath(opts.DSN); path != "" {
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return nil, fmt.Errorf("create database directory: %w", err)
			}
		}
		g, err = gorm.Open(sqlite.Open(opts.DSN), cfg)
	case "postgres":
		d = Postgres
		var pool *sql.DB
		if pool, err = openPostgres(withConnectTimeout(opts.DSN)); err == nil {
			g, err = gorm.Open(postgres.New(postgres.Config{Conn: pool}), cfg)
		}
	default:
		return nil, fmt.Errorf("unknown database driver %q", opts.Driver)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", d, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	maxOpen, maxIdle := opts.MaxOpenConns, opts.MaxIdleConns
	if maxOpen == 0 {
		maxOpen = 20
		if d == SQLite {
			// One file, one writer at a time, readers beside it under WAL. The
			// job engine's maintenance loops each hold a connection while they
			// wait for the write lock, so the pool leaves room beyond them for
			// the requests' reads (and readiness) while a write is held.
			maxOpen = 12
		}
	}
	if maxIdle == 0 {
		maxIdle = maxOpen
	}
	sqlDB.SetMaxOpenConns(maxOpen)
	sqlDB.SetMaxIdleConns(maxIdle)
	sqlDB.SetConnMaxLifetime(opts.ConnMaxLifetime)
	log.Info("database opened", zap.String("dialect", string(d)), zap.Int("max_open_conns", maxOpen))
	return &DB{gorm: g, sql: sqlDB, dialect: d}, nil
}

// withConnectTimeout bounds how long a new PostgreSQL connection may take, so
// that requests fail fast with 503 while the database is down.
func withConnectTimeout(dsn string) string {
	if strings.Contains(dsn, "connect_timeout") {
		return dsn
	}
	if strings.Contains(dsn, "://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return dsn + sep + "connect_timeout=2"
	}
	return dsn + " connect_timeout=2"
}

func sqlitePath(dsn string) string {
	p := strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if p == "" || p == ":memory:" {
		return ""
	}
	return p
}

// Gorm is the handle for repositories of this package: the transaction
// Outbox.Atomically put in ctx, if any, so that every repository called
// inside it takes part.
func (db *DB) Gorm(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx.WithContext(ctx)
	}
	return db.gorm.WithContext(ctx)
}

// SQL is the underlying pool (migrations, pool statistics).
func (db *DB) SQL() *sql.DB { return db.sql }

// Dialect says which SQL flavour this database speaks.
func (db *DB) Dialect() Dialect { return db.dialect }

// Ping checks the database answers, within ctx's deadline. It returns an
// error of kind Unavailable when it does not.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return errs.Wrap(errs.Unavailable, errs.CodeDatabaseUnavailable, err)
	}
	var one int
	if err := db.gorm.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error; err != nil {
		return errs.Wrap(errs.Unavailable, errs.CodeDatabaseUnavailable, err)
	}
	return nil
}

// readUsers reads one row of users within ctx's deadline, the read every
// authenticated request makes first (see Probe).
func (db *DB) readUsers(ctx context.Context) error {
	var n int
	if err := db.gorm.WithContext(ctx).Raw("SELECT count(*) FROM (SELECT 1 FROM users LIMIT 1) AS one").Scan(&n).Error; err != nil {
		return errs.Wrap(errs.Unavailable, errs.CodeDatabaseUnavailable, err)
	}
	return nil
}

// Transaction runs fn in one transaction; any error rolls it back. fn's own
// error comes back as is (the ports promise callers their function's error
// unchanged, and this package classifies its errors where it makes them);
// only a failure to begin or commit is classified here.
func (db *DB) Transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	var fnErr error
	err := db.Gorm(ctx).Transaction(func(tx *gorm.DB) error {
		fnErr = fn(tx)
		return fnErr
	})
	if fnErr != nil {
		return fnErr
	}
	return Classify(err)
}

// Close closes the pool.
func (db *DB) Close() error { return db.sql.Close() }
