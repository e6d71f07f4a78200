package sqlstore_test

import (
	"context"
	"database/sql"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/ids"
	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/adapters/storetest"
)

// tableQueue is a job queue that inserts its jobs into a table of its own,
// in the publishing transaction, as River does: a job exists exactly when
// that transaction commits.
type tableQueue struct {
	db *sqlstore.DB
	n  atomic.Int64
}

func newTableQueue(t *testing.T, db *sqlstore.DB) *tableQueue {
	_, err := db.SQL().Exec(`CREATE TABLE test_queue (n integer NOT NULL, delivery_id text NOT NULL)`)
	require.NoError(t, err)
	return &tableQueue{db: db}
}

func (q *tableQueue) EnqueueDeliveries(ctx context.Context, tx *sql.Tx, deliveryIDs []string) error {
	insert := `INSERT INTO test_queue (n, delivery_id) VALUES (?, ?)`
	if q.db.Dialect() == sqlstore.Postgres {
		insert = `INSERT INTO test_queue (n, delivery_id) VALUES ($1, $2)`
	}
	for _, id := range deliveryIDs {
		if _, err := tx.ExecContext(ctx, insert, q.n.Add(1), id); err != nil {
			return err
		}
	}
	return nil
}

func (q *tableQueue) queued(t *testing.T) func() []string {
	return func() []string {
		rows, err := q.db.SQL().Query(`SELECT delivery_id FROM test_queue ORDER BY n`)
		require.NoError(t, err)
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id string
			require.NoError(t, rows.Scan(&id))
			out = append(out, id)
		}
		require.NoError(t, rows.Err())
		return out
	}
}

// TestJobsContract runs the job engine's storage suites on each dialect.
func TestJobsContract(t *testing.T) {
	for name, fresh := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			storetest.RunJobs(t, func(t *testing.T) storetest.Jobs {
				db := fresh(t)
				q := newTableQueue(t, db)
				db.UseQueue(q, ids.UUIDv7{})
				return storetest.Jobs{Users: sqlstore.NewUserRepository(db), Progress: sqlstore.NewProgressStore(db),
					Outbox:   sqlstore.NewOutbox(db),
					Webhooks: sqlstore.NewWebhookStore(db), Reminders: sqlstore.NewReminderStore(db), Queued: q.queued(t)}
			})
		})
	}
}
