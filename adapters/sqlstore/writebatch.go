package sqlstore

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// WriteBatch gathers the writes of one learner transaction and sends them
// together. On PostgreSQL they go as one statement, each write a
// data-modifying WITH query, so a transaction's writes cost one round trip
// however many tables they touch (docs/benchmarks.md, issue 18); on SQLite,
// which has no round trips, each runs as its own statement.
//
// Adding a write to the event path is one Add call in AppendAll (or in a
// function it calls with the batch): a plain INSERT, UPDATE or DELETE with
// ? placeholders, of a table no other write of the batch touches. The sub-
// statements of one WITH run against the same snapshot in no set order and
// do not see each other's rows: two writes that depend on each other (a
// DELETE and the INSERT that replaces its rows) must not share a batch.
type WriteBatch struct {
	dialect Dialect
	stmts   []string
	args    [][]any
}

func newWriteBatch(d Dialect) *WriteBatch { return &WriteBatch{dialect: d} }

// Add queues one write. stmt's parameters are ? (never inside a literal);
// on PostgreSQL an argument that is a slice is bound as one array
// parameter, not expanded.
func (w *WriteBatch) Add(stmt string, args ...any) {
	w.stmts = append(w.stmts, stmt)
	w.args = append(w.args, args)
}

// Len is the number of queued writes.
func (w *WriteBatch) Len() int { return len(w.stmts) }

// flush sends the queued writes in tx and empties the batch. Errors are
// the driver's, unclassified (the caller knows what a unique violation on
// which table means).
func (w *WriteBatch) flush(tx *gorm.DB) error {
	defer func() { w.stmts, w.args = nil, nil }()
	if len(w.stmts) == 0 {
		return nil
	}
	if w.dialect != Postgres {
		for i, s := range w.stmts {
			if err := tx.Exec(s, w.args[i]...).Error; err != nil {
				return err
			}
		}
		return nil
	}
	q, args := w.statement()
	// Straight to the driver: gorm would expand slice arguments.
	_, err := tx.Statement.ConnPool.ExecContext(tx.Statement.Context, q, args...)
	return err
}

// statement is the batch as one PostgreSQL statement with $n parameters.
func (w *WriteBatch) statement() (string, []any) {
	var (
		b    strings.Builder
		args []any
	)
	single := len(w.stmts) == 1
	for i, s := range w.stmts {
		if !single {
			if i == 0 {
				b.WriteString("WITH ")
			} else {
				b.WriteString(", ")
			}
			b.WriteString("w" + strconv.Itoa(i) + " AS (")
		}
		// ? becomes $n, numbered across the whole statement.
		rest := w.args[i]
		for {
			j := strings.IndexByte(s, '?')
			if j < 0 {
				break
			}
			args = append(args, rest[0])
			rest = rest[1:]
			b.WriteString(s[:j] + "$" + strconv.Itoa(len(args)))
			s = s[j+1:]
		}
		b.WriteString(s)
		if !single {
			b.WriteString(")")
		}
	}
	if !single {
		b.WriteString(" SELECT 1")
	}
	return b.String(), args
}

// uniqueViolationOn reports a unique violation in table.
func uniqueViolationOn(err error, table string) bool {
	if !IsUniqueViolation(err) {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.TableName == table
	}
	return strings.Contains(err.Error(), table+".")
}
