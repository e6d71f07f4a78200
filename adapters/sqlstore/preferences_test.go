package sqlstore_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/adapters/storetest"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/preferences"
)

// eachPrefs runs a test of this adapter's own behaviour (its table) against
// every database, with one stored user; the port's contract is
// adapters/storetest's, run in TestStoreContract.
func eachPrefs(t *testing.T, run func(t *testing.T, db *sqlstore.DB, repo *sqlstore.PreferencesRepository, userID string)) {
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			u := storetest.NewUser(t, uuid.NewString()[:8]+"@lingo.example", "Learner", storetest.T0)
			require.NoError(t, sqlstore.NewUserRepository(db).Create(context.Background(), u))
			run(t, db, sqlstore.NewPreferencesRepository(db), u.ID())
		})
	}
}

// TestPreferencesUnchangedWritesNoRow: the contract (adapters/storetest)
// checks what Get answers; that nothing is written is this adapter's own.
func TestPreferencesUnchangedWritesNoRow(t *testing.T) {
	eachPrefs(t, func(t *testing.T, db *sqlstore.DB, repo *sqlstore.PreferencesRepository, userID string) {
		ctx := context.Background()
		require.NoError(t, repo.Update(ctx, userID, func(*preferences.Preferences) error { return nil }))
		var rows int64
		require.NoError(t, db.Gorm(ctx).Table("user_preferences").Where("user_id = ?", userID).Count(&rows).Error)
		assert.Zero(t, rows)
		p, err := repo.Get(ctx, userID)
		require.NoError(t, err)
		assert.Equal(t, "UTC", p.Zone().Name())
	})
}

func TestPreferencesGoWithTheUser(t *testing.T) {
	eachPrefs(t, func(t *testing.T, db *sqlstore.DB, repo *sqlstore.PreferencesRepository, userID string) {
		ctx := context.Background()
		require.NoError(t, repo.Update(ctx, userID, func(p *preferences.Preferences) error {
			storetest.Patch(t, p, preferences.Patch{Timezone: preferences.Set("Europe/Berlin")}, storetest.T0)
			return nil
		}))
		require.NoError(t, db.Gorm(ctx).Exec("DELETE FROM users WHERE id = ?", userID).Error)
		var rows int64
		require.NoError(t, db.Gorm(ctx).Table("user_preferences").Where("user_id = ?", userID).Count(&rows).Error)
		assert.Zero(t, rows, "ON DELETE CASCADE")
	})
}

func TestPreferencesCorruptRowIsInternal(t *testing.T) {
	eachPrefs(t, func(t *testing.T, db *sqlstore.DB, repo *sqlstore.PreferencesRepository, userID string) {
		ctx := context.Background()
		require.NoError(t, repo.Update(ctx, userID, func(p *preferences.Preferences) error {
			storetest.Patch(t, p, preferences.Patch{Timezone: preferences.Set("Europe/Berlin")}, storetest.T0)
			return nil
		}))
		// A zone name the tz database does not know passes the table's checks.
		require.NoError(t, db.Gorm(ctx).Exec("UPDATE user_preferences SET timezone = 'Atlantis/Capital' WHERE user_id = ?", userID).Error)
		_, err := repo.Get(ctx, userID)
		assert.Equal(t, errs.Internal, errs.KindOf(err), "%v", err)
	})
}
