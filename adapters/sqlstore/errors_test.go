package sqlstore_test

import (
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/domain/errs"
)

// TestCancelledQueryIsUnavailable: a query PostgreSQL cancelled because its
// caller gave up is a 503, not an internal error logged as a bug.
func TestCancelledQueryIsUnavailable(t *testing.T) {
	err := sqlstore.Classify(&pgconn.PgError{Code: "57014", Message: "canceling statement due to user request"})
	if got := errs.KindOf(err); got != errs.Unavailable {
		t.Fatalf("kind %v, want unavailable", got)
	}
}
