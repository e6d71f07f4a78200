package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// RunRebuild holds a ports.RebuildStore to its contract: voids mark an
// event once and leave it findable by event_id but out of lists and
// metrics; ClientEvents pages through the client events that count in the
// order they were written; Aggregates reads back what appends (and Replace)
// wrote; Replace writes every part of a Replacement, and nothing when the
// transaction fails.
func RunRebuild(t *testing.T, fresh func(t *testing.T) Learning) {
	ctx := context.Background()
	sent := func(t *testing.T, s Learning) (string, []Sent) {
		u := StoredUser(t, s.Users, T0.Add(-time.Hour))
		var out []Sent
		// One received_at for all, as in a batch: only the write order
		// tells them apart.
		for i := range 5 {
			e := Practice(T0.Add(-time.Duration(5-i)*time.Minute), 50)
			e.Received = T0
			out = append(out, Send(t, s.Progress, u.ID(), e))
		}
		return u.ID(), out
	}

	t.Run("client events come in write order, in pages, without voided or server events", func(t *testing.T) {
		s := fresh(t)
		id, evs := sent(t, s)
		require.NoError(t, s.Rebuilds.Update(ctx, id, func(tx ports.RebuildTx) error {
			_, err := tx.Void(evs[2].Event.Event.ID(), T0.Add(time.Minute))
			return err
		}))
		var got []string
		var pages []int
		require.NoError(t, s.Rebuilds.Update(ctx, id, func(tx ports.RebuildTx) error {
			return tx.ClientEvents(2, func(page []learning.Event) error {
				pages = append(pages, len(page))
				for _, e := range page {
					got = append(got, e.ID())
					d, ok := e.ReceivedOn()
					assert.True(t, ok)
					assert.Equal(t, calendar.DateOf(T0, time.UTC), d, "received_on is kept")
				}
				return nil
			})
		}))
		want := []string{evs[0].Event.Event.ID(), evs[1].Event.Event.ID(), evs[3].Event.Event.ID(), evs[4].Event.Event.ID()}
		assert.Equal(t, want, got)
		assert.Equal(t, []int{2, 2}, pages)

		stop := errors.New("stop")
		err := s.Rebuilds.Update(ctx, id, func(tx ports.RebuildTx) error {
			return tx.ClientEvents(1, func([]learning.Event) error { return stop })
		})
		assert.ErrorIs(t, err, stop, "fn's error stops the walk and is returned")
	})

	t.Run("a void marks the event once; it stays findable but leaves lists and metrics", func(t *testing.T) {
		s := fresh(t)
		id, evs := sent(t, s)
		row := evs[0].Event.Event
		var first, second learning.Event
		require.NoError(t, s.Rebuilds.Update(ctx, id, func(tx ports.RebuildTx) (err error) {
			first, err = tx.Void(row.ID(), T0.Add(time.Minute))
			return err
		}))
		require.NoError(t, s.Rebuilds.Update(ctx, id, func(tx ports.RebuildTx) (err error) {
			second, err = tx.Void(row.ID(), T0.Add(time.Hour))
			return err
		}))
		at, ok := first.VoidedAt()
		require.True(t, ok)
		assert.True(t, at.Equal(T0.Add(time.Minute)))
		at2, _ := second.VoidedAt()
		assert.True(t, at2.Equal(at), "a second void keeps the first voided_at")

		found, err := s.Events.Find(ctx, id, row.EventID())
		require.NoError(t, err)
		_, voided := found.Event.VoidedAt()
		assert.True(t, voided, "the event_id stays taken")

		list, err := s.Events.List(ctx, ports.EventFilter{UserID: id, Limit: 100})
		require.NoError(t, err)
		for _, e := range list {
			assert.NotEqual(t, row.ID(), e.ID())
		}
		all, err := s.Events.List(ctx, ports.EventFilter{UserID: id, Limit: 100, IncludeVoided: true})
		require.NoError(t, err)
		assert.Len(t, all, len(list)+1)
		m, err := s.Events.Metrics(ctx, T0.Add(-time.Hour), T0.Add(time.Hour))
		require.NoError(t, err)
		assert.Equal(t, 4, m.ByType["practice_completed"])

		err = s.Rebuilds.Update(ctx, id, func(tx ports.RebuildTx) error {
			_, err := tx.Void(uuid.NewString(), T0)
			return err
		})
		assert.True(t, errs.Is(err, errs.NotFound), "%v", err)
		other := StoredUser(t, s.Users, T0)
		err = s.Rebuilds.Update(ctx, other.ID(), func(tx ports.RebuildTx) error {
			_, err := tx.Void(row.ID(), T0)
			return err
		})
		assert.True(t, errs.Is(err, errs.NotFound), "another learner's event: %v", err)
	})

	t.Run("aggregates, ledger and replace", func(t *testing.T) {
		s := fresh(t)
		id, evs := sent(t, s)
		require.NoError(t, s.Streaks.Update(ctx, id, func(tx ports.StreakTx) error {
			require.NoError(t, tx.AddGrant(progress.Grant{Date: calendar.DateOf(T0, time.UTC), Count: 2}, T0.Add(time.Second)))
			return tx.AddRepairs([]calendar.Date{calendar.DateOf(T0, time.UTC).AddDays(-3)}, T0.Add(2*time.Second))
		}))
		var before progress.Aggregates
		var server []learning.Event
		require.NoError(t, s.Rebuilds.Update(ctx, id, func(tx ports.RebuildTx) (err error) {
			if before, err = tx.Aggregates(); err != nil {
				return err
			}
			grants, repairs, _, err := tx.Ledger()
			require.NoError(t, err)
			require.Len(t, grants, 1)
			assert.Equal(t, 2, grants[0].Count)
			assert.True(t, grants[0].At.Equal(T0.Add(time.Second)))
			require.Len(t, repairs, 1)
			assert.True(t, repairs[0].At.Equal(T0.Add(2*time.Second)))
			server, err = tx.ServerEvents()
			return err
		}))
		assert.Equal(t, 50, before.TotalXP)
		assert.Equal(t, 5, before.Counters.PracticeSessions)
		require.Len(t, before.Days, 1)
		assert.Equal(t, 50, before.Days[0].XP)
		require.NotEmpty(t, server)

		// Replace with one event's XP moved, one server event dropped and
		// one added.
		want := before
		want.TotalXP, want.Days = 45, []progress.DayRecord{before.Days[0]}
		want.Days[0].XP, want.Days[0].CreditedXP = 45, 45
		added, err := learning.NewServerEvent(uuid.NewString(), id, learning.LevelUp, T0, T0, calendar.DateOf(T0, time.UTC), map[string]any{"level": 2})
		require.NoError(t, err)
		rep := ports.Replacement{Aggregates: want, DropServer: []string{server[0].ID()}, AddServer: []learning.Event{added},
			XPChanges: []progress.XPChange{{RowID: evs[1].Event.Event.ID(), XP: 5}}, At: T0.Add(time.Hour)}

		boom := errors.New("boom")
		err = s.Rebuilds.Update(ctx, id, func(tx ports.RebuildTx) error {
			require.NoError(t, tx.Replace(rep))
			return boom
		})
		require.ErrorIs(t, err, boom)
		require.NoError(t, s.Rebuilds.Update(ctx, id, func(tx ports.RebuildTx) error {
			got, err := tx.Aggregates()
			require.NoError(t, err)
			assert.True(t, got.Equal(before), "a failed transaction leaves nothing written")
			return nil
		}))

		require.NoError(t, s.Rebuilds.Update(ctx, id, func(tx ports.RebuildTx) error { return tx.Replace(rep) }))
		require.NoError(t, s.Rebuilds.Update(ctx, id, func(tx ports.RebuildTx) error {
			got, err := tx.Aggregates()
			require.NoError(t, err)
			assert.True(t, got.Equal(want), "got %+v", got)
			return nil
		}))
		list, err := s.Events.List(ctx, ports.EventFilter{UserID: id, Limit: 100})
		require.NoError(t, err)
		ids := map[string]learning.Event{}
		for _, e := range list {
			ids[e.ID()] = e
		}
		assert.NotContains(t, ids, server[0].ID(), "the dropped server event is gone")
		assert.Contains(t, ids, added.ID(), "the added one is listed")
		assert.Equal(t, 5, ids[evs[1].Event.Event.ID()].XPAwarded(), "xp_awarded moved")
		snap, err := s.Progress.Snapshot(ctx, id, calendar.DateOf(T0, time.UTC))
		require.NoError(t, err)
		assert.Equal(t, 45, snap.TotalXP, "reads see the replaced aggregates")
	})
}
