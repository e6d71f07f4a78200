package sqlstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/adapters/storetest"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
	"github.com/lingo-labs/lingo/test/harness"
)

// A learner transaction ends on every way out: a function that panics after
// its first read, and writes that fail only at COMMIT (held for the commit's
// round trip on PostgreSQL, pipeline.go), leave the learner's lock free and
// no half of either stored. The learner's next transaction runs (a lock
// left held would make it wait until the bound below) and sees only what
// committed.
func TestLearnerTransactionEndsOnEveryWayOut(t *testing.T) {
	for name := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			var db, watch *sqlstore.DB
			if name == "postgres" {
				dsn := harness.FreshSchema(t, os.Getenv("LINGO_TEST_POSTGRES_DSN"))
				db = open(t, "postgres", dsn)
				// watch asks from outside the store's pool, which would close
				// a connection returned mid-transaction as it handed it out
				// again, and hide it.
				watch = open(t, "postgres", dsn)
			} else {
				db = open(t, "sqlite", config.SQLiteDSN(filepath.Join(t.TempDir(), "lingo.db")))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			prog := sqlstore.NewProgressStore(db)
			id := storetest.StoredUser(t, sqlstore.NewUserRepository(db), storetest.T0).ID()
			day := storetest.T0
			// held is how many other sessions hold a lock on this schema's
			// learner_progress: any is a transaction left open.
			held := func() int {
				if watch == nil {
					return 0
				}
				var n int
				require.NoError(t, watch.Gorm(ctx).Raw(`SELECT count(*) FROM pg_locks
					WHERE relation = 'learner_progress'::regclass AND pid <> pg_backend_pid()`).Scan(&n).Error)
				return n
			}

			func() {
				defer func() { assert.Equal(t, "boom", recover()) }()
				_ = prog.Update(ctx, id, func(tx ports.LearnerTx) error {
					a, err := storetest.Prepare(tx, id, storetest.Practice(day, 100))
					require.NoError(t, err)
					require.NoError(t, tx.Append(a))
					panic("boom")
				})
			}()
			assert.Zero(t, held(), "the panicked transaction is still open")

			err := prog.Update(ctx, id, func(tx ports.LearnerTx) error {
				a, err := storetest.Prepare(tx, id, storetest.Practice(day, 100))
				if err != nil {
					return err
				}
				// The same event twice: the unique index refuses the write.
				return tx.AppendAll([]ports.Append{a, a})
			})
			assert.Equal(t, errs.CodeEventIDTaken, errs.CodeOf(err), "%v", err)
			assert.Zero(t, held(), "the transaction whose writes failed is still open")

			require.NoError(t, prog.Update(ctx, id, func(tx ports.LearnerTx) error {
				a, err := storetest.Prepare(tx, id, storetest.Practice(day, 100))
				if err != nil {
					return err
				}
				return tx.Append(a)
			}), "the learner's lock was left held")
			snap, err := prog.Snapshot(ctx, id, calendar.DateOf(day, time.UTC))
			require.NoError(t, err)
			assert.Equal(t, 15, snap.TotalXP, "only the last transaction's event")
		})
	}
}
