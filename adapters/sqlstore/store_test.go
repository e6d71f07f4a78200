package sqlstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/adapters/storetest"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/test/harness"
)

// open opens and migrates a database.
func open(t *testing.T, driver, dsn string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(sqlstore.Options{Driver: driver, DSN: dsn}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := sqlstore.Migrate(context.Background(), db, zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	return db
}

// dialects names how to open a fresh, migrated database per dialect: SQLite
// always (a new file), PostgreSQL (a new schema) when
// LINGO_TEST_POSTGRES_DSN is set, and required under
// LINGO_TEST_REQUIRE_SERVICES=1 (make test-integration).
func dialects(t *testing.T) map[string]func(t *testing.T) *sqlstore.DB {
	out := map[string]func(t *testing.T) *sqlstore.DB{
		"sqlite": func(t *testing.T) *sqlstore.DB {
			return open(t, "sqlite", config.SQLiteDSN(filepath.Join(t.TempDir(), "lingo.db")))
		},
	}
	if dsn := os.Getenv("LINGO_TEST_POSTGRES_DSN"); dsn != "" {
		out["postgres"] = func(t *testing.T) *sqlstore.DB { return open(t, "postgres", harness.FreshSchema(t, dsn)) }
	} else if os.Getenv("LINGO_TEST_REQUIRE_SERVICES") == "1" {
		t.Fatal("PostgreSQL is required here: set LINGO_TEST_POSTGRES_DSN")
	}
	return out
}

// databases opens one migrated database per dialect, for the tests of what
// only this adapter does (its tables, its pool).
func databases(t *testing.T) map[string]*sqlstore.DB {
	out := map[string]*sqlstore.DB{}
	for name, fresh := range dialects(t) {
		out[name] = fresh(t)
	}
	return out
}

func subject(db *sqlstore.DB) storetest.Subject {
	return storetest.Subject{
		Users: sqlstore.NewUserRepository(db), Tokens: sqlstore.NewRefreshTokenStore(db),
		Preferences: sqlstore.NewPreferencesRepository(db), Settings: sqlstore.NewLearnerSettings(db),
		Catalog: sqlstore.NewCatalogRepository(db), Events: sqlstore.NewEventStore(db), Progress: sqlstore.NewProgressStore(db),
		Streaks: sqlstore.NewStreakStore(db), Rebuilds: sqlstore.NewRebuildStore(db), Leagues: sqlstore.NewLeagueStore(db),
	}
}

// TestStoreContract runs the storage ports' contract suite on each dialect,
// a fresh database (file or schema) per case.
func TestStoreContract(t *testing.T) {
	for name, fresh := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) storetest.Subject { return subject(fresh(t)) })
		})
	}
}

// TestLifecycleContract runs the erasure, export and event reader suite on
// each dialect.
func TestLifecycleContract(t *testing.T) {
	for name, fresh := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			storetest.RunLifecycle(t, func(t *testing.T) storetest.Lifecycle {
				db := fresh(t)
				l := sqlstore.NewLifecycle(db)
				return storetest.Lifecycle{Users: sqlstore.NewUserRepository(db), Tokens: sqlstore.NewRefreshTokenStore(db),
					Preferences: sqlstore.NewPreferencesRepository(db), Events: sqlstore.NewEventStore(db),
					Progress: sqlstore.NewProgressStore(db), Erasure: l, Exports: l, Reader: l}
			})
		})
	}
}
