package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// pipeTx is a learner transaction on PostgreSQL that costs two round trips
// when the event needs nothing unusual (docs/benchmarks.md, issue 18): BEGIN,
// the learner's lock and the first read go to the server in one pipeline,
// and the writes with COMMIT in another. database/sql would send BEGIN and
// COMMIT each on a round trip of its own, so the transaction is driven on a
// dedicated connection with pgx batches.
//
// It is the gorm connection of the learner's transaction: any statement the
// learner's code runs in between goes through it, after BEGIN (sent then if
// no read began the transaction) and after any writes held for the commit,
// so every statement sees what came before it.
type pipeTx struct {
	ctx    context.Context
	conn   *sql.Conn
	userID string
	lockAt time.Time

	begun bool
	// held is the write batch AppendAll left for the commit's round trip.
	held *WriteBatch
	// failed is a failure of the pipelined BEGIN or of held writes sent
	// early: the transaction's answer whatever fn says.
	failed error
	// needsSQLTx is set when a write must run in a database/sql
	// transaction (the job engine's inserts take a *sql.Tx): the run is
	// rolled back and fn run again in one.
	needsSQLTx bool
}

var _ gorm.ConnPool = (*pipeTx)(nil)

// lockQuery takes the learner's row lock, making the row on the first
// event; the DO UPDATE arm takes the row lock as SELECT ... FOR UPDATE
// would, and concurrent first events wait for each other instead of failing.
const lockQuery = `INSERT INTO learner_progress (user_id, updated_at) VALUES ($1, $2)
	ON CONFLICT (user_id) DO UPDATE SET user_id = excluded.user_id`

// pipedRead is a read sent in BEGIN's pipeline: scan reads its one row or,
// when each is set instead, each reads every row it returns.
type pipedRead struct {
	sql  string
	args []any
	scan func(row interface{ Scan(...any) error }) error
	each func(row interface{ Scan(...any) error }) error
}

// errNeedsSQLTx says the update must run again as a database/sql
// transaction (pipeTx.needsSQLTx).
var errNeedsSQLTx = errors.New("sqlstore: this write needs a database/sql transaction")

// withPgx runs fn on the connection's pgx connection.
func (p *pipeTx) withPgx(fn func(c *pgx.Conn) error) error {
	return p.conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("sqlstore: pipelined transaction on a %T connection", dc)
		}
		return fn(sc.Conn())
	})
}

// begin sends BEGIN, the lock and the reads (if any), in that order, in
// one round trip.
func (p *pipeTx) begin(reads ...*pipedRead) error {
	if p.failed != nil {
		return p.failed
	}
	p.begun = true
	err := p.withPgx(func(c *pgx.Conn) error {
		b := &pgx.Batch{}
		b.Queue("BEGIN")
		b.Queue(lockQuery, p.userID, p.lockAt)
		for _, r := range reads {
			q := b.Queue(r.sql, r.args...)
			if r.each == nil {
				q.QueryRow(func(row pgx.Row) error { return r.scan(row) })
				continue
			}
			q.Query(func(rows pgx.Rows) error {
				for rows.Next() {
					if err := r.each(rows); err != nil {
						return err
					}
				}
				return rows.Err()
			})
		}
		return c.SendBatch(p.ctx, b).Close()
	})
	if err != nil {
		p.failed = Classify(err)
		return p.failed
	}
	return nil
}

// ready makes the connection fit for one more statement of the learner's:
// the transaction begun, held writes sent.
func (p *pipeTx) ready() error {
	if p.failed != nil {
		return p.failed
	}
	if !p.begun {
		return p.begin()
	}
	if w := p.held; w != nil {
		p.held = nil
		q, args := w.statement()
		if _, err := p.conn.ExecContext(p.ctx, q, args...); err != nil {
			p.failed = appendError(err)
			return p.failed
		}
	}
	return nil
}

// commit sends the held writes and COMMIT in one round trip. When the
// writes fail the server skips COMMIT and the transaction stays open, for
// Update to roll back.
func (p *pipeTx) commit() error {
	if p.failed != nil {
		return p.failed
	}
	if !p.begun {
		return nil // fn read and wrote nothing
	}
	err := p.withPgx(func(c *pgx.Conn) error {
		b := &pgx.Batch{}
		if w := p.held; w != nil {
			q, args := w.statement()
			b.Queue(q, args...)
		}
		b.Queue("COMMIT")
		if err := c.SendBatch(p.ctx, b).Close(); err != nil {
			return err
		}
		if c.PgConn().TxStatus() != 'I' {
			return errors.New("sqlstore: transaction still open after COMMIT")
		}
		p.begun = false
		return nil
	})
	p.held = nil
	if err != nil {
		return appendError(err)
	}
	return nil
}

// rollback ends a begun transaction that fn or a write failed (nothing to
// do after a commit). A connection that cannot say ROLLBACK is closed
// rather than returned to the pool mid-transaction.
func (p *pipeTx) rollback() {
	if !p.begun {
		return
	}
	p.begun = false
	_ = p.withPgx(func(c *pgx.Conn) error {
		if c.PgConn().TxStatus() == 'I' {
			return nil
		}
		// A fresh context: the request's may be what ended the work.
		ctx, cancel := context.WithTimeout(context.Background(), cancelGrace)
		defer cancel()
		if _, err := c.Exec(ctx, "ROLLBACK"); err != nil || c.PgConn().TxStatus() != 'I' {
			return driver.ErrBadConn
		}
		return nil
	})
}

func (p *pipeTx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if err := p.ready(); err != nil {
		return nil, err
	}
	return p.conn.PrepareContext(ctx, query)
}

func (p *pipeTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := p.ready(); err != nil {
		return nil, err
	}
	return p.conn.ExecContext(ctx, query, args...)
}

func (p *pipeTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := p.ready(); err != nil {
		return nil, err
	}
	return p.conn.QueryContext(ctx, query, args...)
}

func (p *pipeTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if err := p.ready(); err != nil {
		// *sql.Row carries no error of ours: a cancelled context makes it
		// fail, and the update answers p.failed, the real cause.
		done, cancel := context.WithCancel(ctx)
		cancel()
		return p.conn.QueryRowContext(done, query, args...)
	}
	return p.conn.QueryRowContext(ctx, query, args...)
}

// classicFor is how long learner transactions keep to database/sql after
// one needed it (webhook endpoints are configured), so that events do not
// each begin pipelined only to start again.
const classicFor = 10 * time.Second

// classicUntil is when learner transactions may pipeline again (unix nanos).
type classicUntil struct{ at atomic.Int64 }

func (c *classicUntil) active(now time.Time) bool { return now.UnixNano() < c.at.Load() }
func (c *classicUntil) extend(now time.Time)      { c.at.Store(now.Add(classicFor).UnixNano()) }
