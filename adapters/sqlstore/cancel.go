package sqlstore

import (
	"database/sql"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/stdlib"
)

// cancelGrace is how long a cancelled query may take to stop in the server
// before its connection is closed instead.
const cancelGrace = 2 * time.Second

// openPostgres opens the PostgreSQL pool with pgx told to cancel a query in
// the server when its context ends (a request's deadline, a client gone).
// pgx's default only closes the connection, and PostgreSQL does not notice
// a closed connection while a query waits on a lock: the query would go on
// waiting, and run, and hold its locks, after its caller gave up. A cancel
// request stops it at once and leaves the connection usable.
func openPostgres(dsn string) (*sql.DB, error) {
	cc, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cc.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: cancelGrace}
	}
	return stdlib.OpenDB(*cc), nil
}
