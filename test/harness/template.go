package harness

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/bootstrap"
	"github.com/lingo-labs/lingo/config"
)

// An app on SQLite starts from a copy of a database file migrated once per
// test process, instead of migrating its own: under -race the pure-Go
// SQLite spends about a second on the migrations of every app (River's
// table rewrites most of it), which made up half of test/service's time.
// The app still runs its migration step and finds nothing to apply; the
// template is made by bootstrap.Migrate, the code `lingo migrate` runs.
var sqliteTemplate struct {
	once sync.Once
	file []byte
	err  error
}

// seedSQLite copies the migrated template to the app's database file when
// the app is about to make a new one (a restarted app keeps its own).
func seedSQLite(t testing.TB, cfg config.Config) {
	t.Helper()
	if cfg.Database.Driver != "sqlite" || !cfg.Database.Migrate || cfg.DataDir == "" {
		return
	}
	path := filepath.Join(cfg.DataDir, "lingo.db")
	if !strings.HasPrefix(cfg.Database.DSN, "file:"+path+"?") {
		return // a database of the test's own
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		return
	}
	sqliteTemplate.once.Do(func() { sqliteTemplate.file, sqliteTemplate.err = migratedSQLite() })
	if sqliteTemplate.err != nil {
		t.Fatalf("the migrated SQLite template: %v", sqliteTemplate.err)
	}
	if err := os.WriteFile(path, sqliteTemplate.file, 0o600); err != nil {
		t.Fatalf("copy the migrated SQLite template: %v", err)
	}
}

// migratedSQLite migrates a new SQLite database and returns its file.
func migratedSQLite() ([]byte, error) {
	dir, err := os.MkdirTemp("", "lingo-template-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"LINGO_DATABASE_DRIVER": "sqlite", "LINGO_DATA_DIR": dir}[k]
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := bootstrap.Migrate(ctx, cfg, zap.NewNop()); err != nil {
		return nil, err
	}
	// Closed, the database is checkpointed into its one file.
	if _, err := os.Stat(filepath.Join(dir, "lingo.db-wal")); err == nil {
		return nil, errors.New("the migrated database left a write-ahead log behind")
	}
	return os.ReadFile(filepath.Join(dir, "lingo.db"))
}
