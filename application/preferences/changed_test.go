package preferences_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/clock"
	apppreferences "github.com/lingo-labs/lingo/application/preferences"
	"github.com/lingo-labs/lingo/domain/preferences"
	"github.com/lingo-labs/lingo/ports"
)

// TestChangedHearsOfCommittedChangesOnly checks that the reminder schedule's
// hook is told of a change with the committed preferences, is not told of a
// request that changed nothing, and that its failure is the request's.
func TestChangedHearsOfCommittedChangesOnly(t *testing.T) {
	hookFailure := errors.New("schedule store down")
	cases := []struct {
		name      string
		patch     preferences.Patch
		hookErr   error
		wantCalls int
		wantTime  string // reminder time the hook saw
	}{
		{"a new reminder time", preferences.Patch{Notifications: preferences.NotificationsPatch{ReminderTime: preferences.Set("07:15")}}, nil, 1, "07:15"},
		{"the same values again", preferences.Patch{Notifications: preferences.NotificationsPatch{DailyReminder: preferences.Set(true)}}, nil, 0, ""},
		{"the hook fails", preferences.Patch{Notifications: preferences.NotificationsPatch{ReminderTime: preferences.Set("07:15")}}, hookFailure, 1, "07:15"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var calls int
			var seen preferences.Preferences
			svc := apppreferences.New(apppreferences.Deps{Prefs: &repo{stored: map[string]preferences.Preferences{}}, Clock: clock.NewFake(t0),
				Changed: func(_ context.Context, userID string, p preferences.Preferences) error {
					calls++
					seen = p
					assert.Equal(t, "u1", userID)
					return c.hookErr
				}})
			_, _, err := svc.Update(context.Background(), "u1", c.patch)
			if c.hookErr != nil {
				require.ErrorIs(t, err, c.hookErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, c.wantCalls, calls)
			if c.wantCalls > 0 {
				assert.Equal(t, c.wantTime, seen.ReminderTime().String())
			}
		})
	}
}

// failingRepo is a PreferencesRepository whose every call fails.
type failingRepo struct{ err error }

var _ ports.PreferencesRepository = failingRepo{}

func (f failingRepo) Get(context.Context, string) (preferences.Preferences, error) {
	return preferences.Preferences{}, f.err
}

func (f failingRepo) Update(context.Context, string, func(*preferences.Preferences) error) error {
	return f.err
}

// TestStoreFailuresAreReported checks that a store failure reaches the
// caller, wrapped, and that a failed update tells no hook.
func TestStoreFailuresAreReported(t *testing.T) {
	storeFailure := errors.New("database down")
	svc := apppreferences.New(apppreferences.Deps{Prefs: failingRepo{storeFailure}, Clock: clock.NewFake(t0),
		Changed: func(context.Context, string, preferences.Preferences) error {
			t.Error("a failed update told the hook")
			return nil
		}})
	cases := []struct {
		name string
		call func() error
	}{
		{"get", func() error { _, err := svc.Get(context.Background(), "u1"); return err }},
		{"update", func() error {
			_, changed, err := svc.Update(context.Background(), "u1", preferences.Patch{Timezone: preferences.Set("Europe/Paris")})
			assert.Nil(t, changed)
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			require.ErrorIs(t, err, storeFailure)
			assert.Contains(t, err.Error(), "u1")
		})
	}
}
