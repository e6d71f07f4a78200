package sqlstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/preferences"
)

// eachPrefs runs a PreferencesRepository contract test against every
// database, with one stored user.
func eachPrefs(t *testing.T, run func(t *testing.T, db *sqlstore.DB, repo *sqlstore.PreferencesRepository, userID string)) {
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			u := newUser(t, uuid.NewString()[:8]+"@lingo.example", "Learner", t0)
			require.NoError(t, sqlstore.NewUserRepository(db).Create(context.Background(), u))
			run(t, db, sqlstore.NewPreferencesRepository(db), u.ID())
		})
	}
}

func patch(t *testing.T, p *preferences.Preferences, pt preferences.Patch, now time.Time) {
	t.Helper()
	next, changed, err := preferences.Apply(*p, pt)
	require.NoError(t, err)
	if len(changed) > 0 {
		next = next.Touched(now)
	}
	*p = next
}

func TestPreferencesGetDefaultsUntilTheFirstChange(t *testing.T) {
	eachPrefs(t, func(t *testing.T, _ *sqlstore.DB, repo *sqlstore.PreferencesRepository, userID string) {
		ctx := context.Background()
		p, err := repo.Get(ctx, userID)
		require.NoError(t, err)
		assert.Equal(t, preferences.Default(t0).Snapshot(), p.Snapshot(), "the defaults, stamped with the user's creation")

		for _, id := range []string{uuid.NewString(), "not-a-uuid"} {
			_, err = repo.Get(ctx, id)
			assert.True(t, errs.Is(err, errs.NotFound), "%s: %v", id, err)
			err = repo.Update(ctx, id, func(*preferences.Preferences) error { return nil })
			assert.True(t, errs.Is(err, errs.NotFound), "%s: %v", id, err)
		}
	})
}

func TestPreferencesUpdateRoundTrip(t *testing.T) {
	eachPrefs(t, func(t *testing.T, _ *sqlstore.DB, repo *sqlstore.PreferencesRepository, userID string) {
		ctx := context.Background()
		t1 := t0.Add(time.Hour)
		full := preferences.Patch{
			Timezone: preferences.Set("America/Argentina/Buenos_Aires"),
			Learning: preferences.LearningPatch{TargetLanguage: preferences.SetValue("ja"), NativeLanguage: preferences.Set("pt"),
				DifficultyLevel: preferences.Set("advanced"), DailyXPGoal: preferences.Set(500)},
			Notifications: preferences.NotificationsPatch{EmailEnabled: preferences.Set(false), PushEnabled: preferences.Set(false),
				DailyReminder: preferences.Set(false), ReminderTime: preferences.Set("00:00"), StreakAlerts: preferences.Set(false),
				WeeklySummary: preferences.Set(false)},
			Interface: preferences.InterfacePatch{Theme: preferences.Set("dark"), UILanguage: preferences.Set("zh"),
				SoundEffects: preferences.Set(false), Animations: preferences.Set(false)},
		}
		var want preferences.Preferences
		require.NoError(t, repo.Update(ctx, userID, func(p *preferences.Preferences) error {
			patch(t, p, full, t1)
			want = *p
			return nil
		}))
		got, err := repo.Get(ctx, userID)
		require.NoError(t, err)
		assert.Equal(t, want.Snapshot(), got.Snapshot())
		assert.Equal(t, t0, got.CreatedAt())
		assert.Equal(t, t1, got.UpdatedAt())

		// A second change updates the row in place; null clears the target.
		t2 := t1.Add(time.Hour)
		require.NoError(t, repo.Update(ctx, userID, func(p *preferences.Preferences) error {
			patch(t, p, preferences.Patch{Learning: preferences.LearningPatch{TargetLanguage: preferences.SetNull[string]()}}, t2)
			return nil
		}))
		got, err = repo.Get(ctx, userID)
		require.NoError(t, err)
		_, chosen := got.TargetLanguage()
		assert.False(t, chosen)
		assert.Equal(t, "America/Argentina/Buenos_Aires", got.Zone().Name())
		assert.Equal(t, t2, got.UpdatedAt())
	})
}

func TestPreferencesUpdateStoresNothingOnError(t *testing.T) {
	eachPrefs(t, func(t *testing.T, db *sqlstore.DB, repo *sqlstore.PreferencesRepository, userID string) {
		ctx := context.Background()
		refused := errors.New("refused")
		err := repo.Update(ctx, userID, func(p *preferences.Preferences) error {
			patch(t, p, preferences.Patch{Timezone: preferences.Set("Asia/Tokyo")}, t0.Add(time.Hour))
			return refused
		})
		assert.Same(t, refused, err, "fn's error comes back unchanged")

		// An unchanged value writes no row at all.
		require.NoError(t, repo.Update(ctx, userID, func(*preferences.Preferences) error { return nil }))
		var rows int64
		require.NoError(t, db.Gorm(ctx).Table("user_preferences").Where("user_id = ?", userID).Count(&rows).Error)
		assert.Zero(t, rows)
		p, err := repo.Get(ctx, userID)
		require.NoError(t, err)
		assert.Equal(t, "UTC", p.Zone().Name())
	})
}

// TestPreferencesConcurrentUpdatesSerialise shows the row lock: parallel
// read-modify-writes of one user never lose one another's change, also when
// the first of them has to insert the row.
func TestPreferencesConcurrentUpdatesSerialise(t *testing.T) {
	eachPrefs(t, func(t *testing.T, _ *sqlstore.DB, repo *sqlstore.PreferencesRepository, userID string) {
		ctx := context.Background()
		const n = 12
		var wg sync.WaitGroup
		errc := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errc <- repo.Update(ctx, userID, func(p *preferences.Preferences) error {
					next, _, err := preferences.Apply(*p, preferences.Patch{
						Learning: preferences.LearningPatch{DailyXPGoal: preferences.Set(p.DailyXPGoal() + 10)}})
					*p = next
					return err
				})
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			require.NoError(t, err)
		}
		p, err := repo.Get(ctx, userID)
		require.NoError(t, err)
		assert.Equal(t, preferences.DefaultDailyXPGoal+10*n, p.DailyXPGoal())
	})
}

func TestPreferencesGoWithTheUser(t *testing.T) {
	eachPrefs(t, func(t *testing.T, db *sqlstore.DB, repo *sqlstore.PreferencesRepository, userID string) {
		ctx := context.Background()
		require.NoError(t, repo.Update(ctx, userID, func(p *preferences.Preferences) error {
			patch(t, p, preferences.Patch{Timezone: preferences.Set("Europe/Berlin")}, t0)
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
			patch(t, p, preferences.Patch{Timezone: preferences.Set("Europe/Berlin")}, t0)
			return nil
		}))
		// A zone name the tz database does not know passes the table's checks.
		require.NoError(t, db.Gorm(ctx).Exec("UPDATE user_preferences SET timezone = 'Atlantis/Capital' WHERE user_id = ?", userID).Error)
		_, err := repo.Get(ctx, userID)
		assert.Equal(t, errs.Internal, errs.KindOf(err), "%v", err)
	})
}
