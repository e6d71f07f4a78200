// Package faults holds tests that break a real dependency under a running
// Lingo: they own the dependency (a private PostgreSQL), talk only to
// loopback, and are bounded in time.
package faults_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/test/harness"
)

// dbRoute is a test-only route that needs the database, as every real read does.
type dbRoute struct{ db *sqlstore.DB }

func (r dbRoute) Routes() []httpapi.Route {
	return []httpapi.Route{{Method: http.MethodGet, Path: "/test/db", Class: httpapi.ClassGeneral, Access: httpapi.Public,
		Handler: func(c *gin.Context) {
			var n int
			if err := r.db.Gorm(c.Request.Context()).Raw("SELECT count(*) FROM courses").Scan(&n).Error; err != nil {
				httpapi.Fail(c, sqlstore.Classify(err))
				return
			}
			httpapi.OK(c, http.StatusOK, map[string]int{"courses": n}, "")
		}}}
}

func TestPostgresStoppedAndBack(t *testing.T) {
	pg := harness.StartPostgres(t)
	app := harness.Start(t, harness.Options{
		Env: map[string]string{"LINGO_DATABASE_DRIVER": "postgres", "LINGO_DATABASE_DSN": pg.DSN},
		FX:  []fx.Option{fx.Provide(httpapi.AsRoutes(func(db *sqlstore.DB) dbRoute { return dbRoute{db} }))},
	})
	require.Equal(t, 200, app.Do(harness.Request{Method: "GET", Path: "/api/test/db"}).Status)

	pg.Stop()

	// Readiness turns 503 once the cached result expires, and each answer
	// comes within the probe's deadline (1 s) plus a margin.
	var last *harness.Response
	became := harness.WaitFor(10*time.Second, func() bool {
		start := time.Now()
		last = app.Do(harness.Request{Method: "GET", Path: "/api/health/ready"})
		assert.Less(t, time.Since(start), 2500*time.Millisecond, "ready must answer within its deadline")
		return last.Status == 503
	})
	require.True(t, became, "ready never answered 503; last %d %s", last.Status, last.Body)
	assert.Equal(t, "service_unavailable", last.Env.Metadata["error_code"])
	require.NotEmpty(t, last.Env.Errors)
	assert.Equal(t, "database", last.Env.Errors[0].Details["component"])

	r := app.Do(harness.Request{Method: "GET", Path: "/api/test/db"})
	assert.Equal(t, 503, r.Status, "a request needing the database gets a 503 envelope: %s", r.Body)
	assert.NotContains(t, string(r.Body), "127.0.0.1", "no driver text leaks")
	live := app.Do(harness.Request{Method: "GET", Path: "/api/health/live"})
	assert.Equal(t, 200, live.Status, "the process stays up")

	pg.Start()

	back := harness.WaitFor(15*time.Second, func() bool {
		return app.Do(harness.Request{Method: "GET", Path: "/api/health/ready"}).Status == 200
	})
	require.True(t, back, "ready did not recover without a restart")
	assert.Equal(t, 200, app.Do(harness.Request{Method: "GET", Path: "/api/test/db"}).Status)
}

// TestStartsWhilePostgresDown starts Lingo while its PostgreSQL is stopped:
// the server comes up not ready (503 naming the database), and once
// PostgreSQL starts the migrations and the bootstrap admin are applied and
// requests work, without a restart.
func TestStartsWhilePostgresDown(t *testing.T) {
	pg := harness.StartPostgres(t)
	pg.Stop()
	app := harness.Start(t, harness.Options{
		Env: map[string]string{"LINGO_DATABASE_DRIVER": "postgres", "LINGO_DATABASE_DSN": pg.DSN,
			"LINGO_ADMIN_EMAIL": "root@lingo.example", "LINGO_ADMIN_PASSWORD": "bootstrap admin password"},
		FX: []fx.Option{fx.Provide(httpapi.AsRoutes(func(db *sqlstore.DB) dbRoute { return dbRoute{db} }))},
	})

	ready := app.Do(harness.Request{Method: "GET", Path: "/api/health/ready"})
	require.Equal(t, 503, ready.Status, "%s", ready.Body)
	require.NotEmpty(t, ready.Env.Errors)
	assert.Equal(t, "database", ready.Env.Errors[0].Details["component"])
	assert.Equal(t, 503, app.Do(harness.Request{Method: "GET", Path: "/api/test/db"}).Status)
	assert.Equal(t, 200, app.Do(harness.Request{Method: "GET", Path: "/api/health/live"}).Status)

	pg.Start()

	back := harness.WaitFor(20*time.Second, func() bool {
		return app.Do(harness.Request{Method: "GET", Path: "/api/health/ready"}).Status == 200
	})
	require.True(t, back, "ready did not recover without a restart")
	assert.Equal(t, 200, app.Do(harness.Request{Method: "GET", Path: "/api/test/db"}).Status, "the migrations ran")
	login := app.Do(harness.Request{Method: "POST", Path: "/api/auth/login",
		Body: map[string]any{"email": "root@lingo.example", "password": "bootstrap admin password"}})
	assert.Equal(t, 200, login.Status, "the bootstrap admin was made: %s", login.Body)
}
