package sqlstore_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/sqlstore"
)

// notErased are the tables with a user_id column that an erasure keeps on
// purpose: the audit row of the erased id, the clean-up it leaves for after
// its commit, and webhook deliveries, which it cancels rather than deletes.
var notErased = []string{"erased_users", "erasure_cleanups", "webhook_deliveries"}

// TestErasureCoversEveryUserTable: a table added later with a user_id
// column is either in sqlstore.ErasureTables or named above, so that an
// erasure never leaves a learner's rows behind unnoticed.
func TestErasureCoversEveryUserTable(t *testing.T) {
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			q := `SELECT table_name FROM information_schema.columns
				WHERE column_name = 'user_id' AND table_schema = current_schema()`
			if db.Dialect() != sqlstore.Postgres {
				q = `SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c
					WHERE m.type = 'table' AND c.name = 'user_id'`
			}
			rows, err := db.SQL().QueryContext(context.Background(), q)
			require.NoError(t, err)
			defer rows.Close()
			var tables []string
			for rows.Next() {
				var table string
				require.NoError(t, rows.Scan(&table))
				tables = append(tables, table)
			}
			require.NoError(t, rows.Err())
			require.NotEmpty(t, tables)
			erased := sqlstore.ErasureTableNames()
			for _, table := range tables {
				assert.True(t, slices.Contains(erased, table) || slices.Contains(notErased, table),
					"table %s has a user_id column but the erasure does not cover it", table)
			}
		})
	}
}
