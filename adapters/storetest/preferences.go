package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/preferences"
	"github.com/lingo-labs/lingo/ports"
)

// Settings are the ports the preferences suite needs.
type Settings struct {
	Users       ports.UserRepository
	Preferences ports.PreferencesRepository
	Settings    ports.LearnerSettings
	// Progress is for LearnerTx.Settings, which must agree with Settings.
	Progress ports.ProgressStore
}

// Patch applies pt to p and touches it at now when anything changed.
func Patch(t testing.TB, p *preferences.Preferences, pt preferences.Patch, now time.Time) {
	t.Helper()
	next, changed, err := preferences.Apply(*p, pt)
	require.NoError(t, err)
	if len(changed) > 0 {
		next = next.Touched(now)
	}
	*p = next
}

// RunPreferences holds ports.PreferencesRepository and ports.LearnerSettings
// to their contracts.
func RunPreferences(t *testing.T, fresh func(t *testing.T) Settings) {
	ctx := context.Background()

	t.Run("a learner transaction's Settings are the stored ones, read alone or after the state", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		inTx := func(readState bool) (string, int) {
			var (
				zone string
				goal int
			)
			require.NoError(t, s.Progress.Update(ctx, u.ID(), func(tx ports.LearnerTx) error {
				if readState {
					if _, err := tx.State(calendar.DateOf(T0, time.UTC), calendar.DateOf(T0, time.UTC)); err != nil {
						return err
					}
				}
				z, g, err := tx.Settings()
				zone, goal = z.Name(), g
				return err
			}))
			return zone, goal
		}
		defZone, defGoal := preferences.DefaultSettings()
		for _, readState := range []bool{false, true} {
			zone, goal := inTx(readState)
			assert.Equal(t, defZone.Name(), zone, "defaults without preferences")
			assert.Equal(t, defGoal, goal)
		}
		require.NoError(t, s.Preferences.Update(ctx, u.ID(), func(p *preferences.Preferences) error {
			next, _, err := preferences.Apply(*p, preferences.Patch{Timezone: preferences.Set("Asia/Tokyo"),
				Learning: preferences.LearningPatch{DailyXPGoal: preferences.Set(50)}})
			*p = next.Touched(T0)
			return err
		}))
		wantZone, wantGoal, err := s.Settings.Settings(ctx, u.ID())
		require.NoError(t, err)
		for _, readState := range []bool{false, true} {
			zone, goal := inTx(readState)
			assert.Equal(t, "Asia/Tokyo", zone)
			assert.Equal(t, wantZone.Name(), zone, "as LearnerSettings reads it")
			assert.Equal(t, 50, goal)
			assert.Equal(t, wantGoal, goal)
		}
	})

	t.Run("Get gives the defaults stamped with the user's creation until the first change", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		p, err := s.Preferences.Get(ctx, u.ID())
		require.NoError(t, err)
		assert.Equal(t, preferences.Default(T0).Snapshot(), p.Snapshot())
		for _, id := range []string{uuid.NewString(), "not-a-uuid"} {
			_, err = s.Preferences.Get(ctx, id)
			assert.True(t, errs.Is(err, errs.NotFound), "%s: %v", id, err)
			err = s.Preferences.Update(ctx, id, func(*preferences.Preferences) error { return nil })
			assert.True(t, errs.Is(err, errs.NotFound), "%s: %v", id, err)
		}
	})

	t.Run("Update stores every field, and later changes in place", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		t1 := T0.Add(time.Hour)
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
		require.NoError(t, s.Preferences.Update(ctx, u.ID(), func(p *preferences.Preferences) error {
			Patch(t, p, full, t1)
			want = *p
			return nil
		}))
		got, err := s.Preferences.Get(ctx, u.ID())
		require.NoError(t, err)
		assert.Equal(t, want.Snapshot(), got.Snapshot())
		assert.True(t, got.CreatedAt().Equal(T0))
		assert.True(t, got.UpdatedAt().Equal(t1))

		t2 := t1.Add(time.Hour)
		require.NoError(t, s.Preferences.Update(ctx, u.ID(), func(p *preferences.Preferences) error {
			Patch(t, p, preferences.Patch{Learning: preferences.LearningPatch{TargetLanguage: preferences.SetNull[string]()}}, t2)
			return nil
		}))
		got, err = s.Preferences.Get(ctx, u.ID())
		require.NoError(t, err)
		_, chosen := got.TargetLanguage()
		assert.False(t, chosen, "null clears the target language")
		assert.Equal(t, "America/Argentina/Buenos_Aires", got.Zone().Name())
		assert.True(t, got.UpdatedAt().Equal(t2))
	})

	t.Run("fn's error is returned unchanged and stores nothing", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		refused := errors.New("refused")
		err := s.Preferences.Update(ctx, u.ID(), func(p *preferences.Preferences) error {
			Patch(t, p, preferences.Patch{Timezone: preferences.Set("Asia/Tokyo")}, T0.Add(time.Hour))
			return refused
		})
		assert.Same(t, refused, err)
		p, err := s.Preferences.Get(ctx, u.ID())
		require.NoError(t, err)
		assert.Equal(t, "UTC", p.Zone().Name())
	})

	t.Run("concurrent updates of one user apply one after the other, the first one inserting", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		const n = 12
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				assert.NoError(t, s.Preferences.Update(ctx, u.ID(), func(p *preferences.Preferences) error {
					next, _, err := preferences.Apply(*p, preferences.Patch{
						Learning: preferences.LearningPatch{DailyXPGoal: preferences.Set(p.DailyXPGoal() + 10)}})
					*p = next
					return err
				}))
			})
		}
		wg.Wait()
		p, err := s.Preferences.Get(ctx, u.ID())
		require.NoError(t, err)
		assert.Equal(t, preferences.DefaultDailyXPGoal+10*n, p.DailyXPGoal())
	})

	t.Run("learner settings are the defaults of domain/preferences until set, then the stored ones", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		zone, goal, err := s.Settings.Settings(ctx, u.ID())
		require.NoError(t, err)
		wantZone, wantGoal := preferences.DefaultSettings()
		assert.Equal(t, wantZone.Name(), zone.Name())
		assert.Equal(t, wantGoal, goal)
		require.NoError(t, s.Preferences.Update(ctx, u.ID(), func(p *preferences.Preferences) error {
			Patch(t, p, preferences.Patch{Timezone: preferences.Set("Asia/Tokyo"),
				Learning: preferences.LearningPatch{DailyXPGoal: preferences.Set(50)}}, T0)
			return nil
		}))
		zone, goal, err = s.Settings.Settings(ctx, u.ID())
		require.NoError(t, err)
		assert.Equal(t, "Asia/Tokyo", zone.Name())
		assert.Equal(t, 50, goal)
	})
}
