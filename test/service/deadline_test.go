package service_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/test/harness"
)

// holdUsersLock takes, from a connection of its own, the lock that stalls
// requests: on PostgreSQL an ACCESS EXCLUSIVE lock on users (every
// authenticated request reads its user), on SQLite the write lock (a held
// write transaction; readers go on under WAL). release ends it.
func holdUsersLock(t *testing.T, app *harness.App) (tx *sql.Tx, release func()) {
	t.Helper()
	db, err := sqlstore.Open(sqlstore.Options{Driver: app.Config.Database.Driver, DSN: app.Config.Database.DSN}, zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	tx, err = db.SQL().BeginTx(context.Background(), nil) // BEGIN IMMEDIATE on SQLite (the DSN's _txlock)
	require.NoError(t, err)
	if app.Config.Database.Driver == "postgres" {
		_, err = tx.Exec("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
		require.NoError(t, err)
	}
	var once bool
	release = func() {
		if !once {
			once = true
			require.NoError(t, tx.Rollback())
		}
	}
	t.Cleanup(release)
	return tx, release
}

// TestRequestDeadlineCancelsDatabaseWork: a request stalled by a database
// lock answers 503 at its deadline, its query is cancelled in the database
// (not merely abandoned by the client), nothing it meant to write lands,
// and the server goes on serving.
func TestRequestDeadlineCancelsDatabaseWork(t *testing.T) {
	t.Parallel()
	// It stalls the app on a lock held in the SQL database itself.
	harness.SQLStore(t)
	// Long enough for a registration (password hashing) under -race on a
	// busy machine, short enough to wait for once.
	const deadline = 3 * time.Second
	// Background jobs off: their passes read users too (the lifecycle
	// pass), and a pass waiting on the held lock is not the request's query.
	app := harness.Start(t, harness.Options{Env: map[string]string{
		"LINGO_HTTP_REQUEST_TIMEOUT": deadline.String(), "LINGO_HEALTH_CHECK_TIMEOUT": "300ms",
		"LINGO_JOBS_ENABLED": "false"}})
	a := &accountsApp{App: app}
	s := a.register(t, "stalled@example.com", "a good password", "Before")
	postgres := app.Config.Database.Driver == "postgres"

	tx, release := holdUsersLock(t, app)
	// A write stalls on both databases; on PostgreSQL the user load before
	// it already does.
	start := time.Now()
	r := app.Do(harness.Request{Method: "PATCH", Path: "/api/users/me", Token: s.Tokens.AccessToken,
		Body: map[string]any{"display_name": "After"}})
	elapsed := time.Since(start)
	require.Equal(t, 503, r.Status, "%s", r.Body)
	assert.Equal(t, "service_unavailable", r.Env.Metadata["error_code"])
	assert.Contains(t, r.Env.Errors[0].Message, "deadline")
	// The deadline ended the request, not SQLite's busy timeout (10 s) or
	// the lock's release: a functional bound, far from both.
	assert.Less(t, elapsed, 8*time.Second, "the request waited past its deadline")

	if postgres {
		// The query was cancelled in the server: nothing waits on the lock.
		var waiting int
		require.NoError(t, tx.QueryRow(`SELECT count(*) FROM pg_locks WHERE relation = 'users'::regclass AND NOT granted`).Scan(&waiting))
		assert.Zero(t, waiting, "the request's query still waits on the lock in PostgreSQL")
	}
	assert.Equal(t, 200, app.Do(harness.Request{Method: "GET", Path: "/api/health"}).Status, "the server serves what needs no lock")
	ready := app.Do(harness.Request{Method: "GET", Path: "/api/health/ready"})
	if postgres {
		assert.Equal(t, 503, ready.Status, "readiness claims healthy while every authenticated request stalls: %s", ready.Body)
	} else {
		assert.Equal(t, 200, ready.Status, "on SQLite reads go on under WAL: %s", ready.Body)
	}

	release()
	me := a.me(t, s.Tokens.AccessToken)
	require.Equal(t, 200, me.Status, "%s", me.Body)
	var u userDTO
	me.Decode(t, &u)
	assert.Equal(t, "Before", u.DisplayName, "the write of the request that timed out landed")
}
