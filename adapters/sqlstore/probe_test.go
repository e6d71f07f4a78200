package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/domain/health"
)

func openSQLite(t *testing.T) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(sqlstore.Options{Driver: "sqlite", DSN: config.SQLiteDSN(filepath.Join(t.TempDir(), "probe.db"))}, zap.NewNop())
	require.NoError(t, err)
	_, err = sqlstore.Migrate(context.Background(), db, zap.NewNop())
	require.NoError(t, err)
	return db
}

func TestProbeStatuses(t *testing.T) {
	cases := []struct {
		name    string
		latency time.Duration
		closed  bool
		want    health.Status
	}{
		{"fast", 2 * time.Millisecond, false, health.Healthy},
		{"slow", 700 * time.Millisecond, false, health.Degraded},
		{"very slow", 1500 * time.Millisecond, false, health.Unhealthy},
		{"not answering", time.Millisecond, true, health.Unavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := openSQLite(t)
			if c.closed {
				require.NoError(t, db.Close())
			} else {
				t.Cleanup(func() { db.Close() })
			}
			p := sqlstore.NewProbe(db, clock.NewStepping(time.Unix(0, 0), c.latency))
			got := p.Check(context.Background())
			assert.Equal(t, c.want, got.Status, got.Error)
			assert.Equal(t, "sqlite", got.Details["dialect"])
			assert.Contains(t, got.Details, "open_connections")
			assert.True(t, p.Critical())
		})
	}
}

func TestPoolStats(t *testing.T) {
	db := openSQLite(t)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, db.Ping(context.Background()))
	s := db.PoolStats()
	assert.Equal(t, 12, s.MaxOpen, "the SQLite default")
	assert.GreaterOrEqual(t, s.Open, 1)
	assert.Equal(t, s.Open, s.InUse+s.Idle)
}
