package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// RunReminders holds a ports.ReminderStore to its contract.
func RunReminders(t *testing.T, fresh func(t *testing.T) Jobs) {
	ctx := context.Background()
	daily, risk := webhook.ReminderDaily, webhook.ReminderStreakAtRisk

	t.Run("due reminders come earliest first, up to the limit; a zero instant removes one", func(t *testing.T) {
		s := fresh(t)
		a, b := StoredUser(t, s.Users, T0), StoredUser(t, s.Users, T0)
		require.NoError(t, s.Reminders.Schedule(ctx, a.ID(), daily, T0.Add(2*time.Minute)))
		require.NoError(t, s.Reminders.Schedule(ctx, b.ID(), daily, T0.Add(time.Minute)))
		require.NoError(t, s.Reminders.Schedule(ctx, a.ID(), risk, T0.Add(time.Hour)))
		due, err := s.Reminders.Due(ctx, T0.Add(2*time.Minute), 10)
		require.NoError(t, err)
		assert.Equal(t, []ports.ReminderDue{
			{UserID: b.ID(), Kind: daily, DueAt: T0.Add(time.Minute)},
			{UserID: a.ID(), Kind: daily, DueAt: T0.Add(2 * time.Minute)},
		}, due)
		due, err = s.Reminders.Due(ctx, T0.Add(2*time.Hour), 1)
		require.NoError(t, err)
		assert.Equal(t, []ports.ReminderDue{{UserID: b.ID(), Kind: daily, DueAt: T0.Add(time.Minute)}}, due)

		require.NoError(t, s.Reminders.Schedule(ctx, b.ID(), daily, time.Time{}))
		require.NoError(t, s.Reminders.Schedule(ctx, a.ID(), risk, T0.Add(3*time.Hour)), "a new instant replaces the old")
		due, err = s.Reminders.Due(ctx, T0.Add(2*time.Hour), 10)
		require.NoError(t, err)
		assert.Equal(t, []ports.ReminderDue{{UserID: a.ID(), Kind: daily, DueAt: T0.Add(2 * time.Minute)}}, due)
	})

	t.Run("a move happens only from the instant the row still has", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		require.NoError(t, s.Reminders.Schedule(ctx, u.ID(), daily, T0))
		moved, err := s.Reminders.Move(ctx, u.ID(), daily, T0, T0.Add(24*time.Hour))
		require.NoError(t, err)
		assert.True(t, moved)
		moved, err = s.Reminders.Move(ctx, u.ID(), daily, T0, T0.Add(48*time.Hour))
		require.NoError(t, err)
		assert.False(t, moved, "another instance moved it first")
		moved, err = s.Reminders.Move(ctx, u.ID(), risk, T0, T0.Add(time.Hour))
		require.NoError(t, err)
		assert.False(t, moved, "no such row")
		due, err := s.Reminders.Due(ctx, T0.Add(30*time.Hour), 10)
		require.NoError(t, err)
		assert.Equal(t, []ports.ReminderDue{{UserID: u.ID(), Kind: daily, DueAt: T0.Add(24 * time.Hour)}}, due)
	})

	t.Run("a reminder is marked sent once per learner, kind and local date", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		day := calendar.NewDate(2026, 11, 26)
		for _, c := range []struct {
			kind  webhook.EventType
			date  calendar.Date
			first bool
		}{{daily, day, true}, {daily, day, false}, {risk, day, true}, {daily, day.AddDays(1), true}} {
			first, err := s.Reminders.MarkSent(ctx, u.ID(), c.kind, c.date, T0)
			require.NoError(t, err)
			assert.Equal(t, c.first, first, "%s %s", c.kind, c.date)
		}
	})

	t.Run("writes in a rolled-back outbox transaction are undone", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		day := calendar.NewDate(2026, 11, 26)
		require.NoError(t, s.Reminders.Schedule(ctx, u.ID(), daily, T0))
		boom := errors.New("boom")
		assert.Same(t, boom, s.Outbox.Atomically(ctx, func(ctx context.Context) error {
			moved, err := s.Reminders.Move(ctx, u.ID(), daily, T0, T0.Add(24*time.Hour))
			require.NoError(t, err)
			require.True(t, moved)
			first, err := s.Reminders.MarkSent(ctx, u.ID(), daily, day, T0)
			require.NoError(t, err)
			require.True(t, first)
			require.NoError(t, s.Reminders.Schedule(ctx, u.ID(), risk, T0))
			return boom
		}))
		due, err := s.Reminders.Due(ctx, T0, 10)
		require.NoError(t, err)
		assert.Equal(t, []ports.ReminderDue{{UserID: u.ID(), Kind: daily, DueAt: T0}}, due)
		first, err := s.Reminders.MarkSent(ctx, u.ID(), daily, day, T0)
		require.NoError(t, err)
		assert.True(t, first, "the rolled-back mark is gone")
	})
}
