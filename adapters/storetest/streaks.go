package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// RunStreaks holds a ports.StreakStore and the streak side of the learner
// transaction to their contracts: grants, repairs and the settled streak
// (StreakTx.Save or an append's Outcome.StreakSave) are read back by
// StreakTx.Streak, LearnerTx.State, Snapshot and Marks, each write in one
// transaction under the learner's lock.
func RunStreaks(t *testing.T, fresh func(t *testing.T) Learning) {
	ctx := context.Background()
	today := calendar.DateOf(T0, time.UTC)
	d := today.AddDays
	day := 24 * time.Hour
	const freezeMax = 10
	frozen := func(at calendar.Date) progress.SettledDay {
		return progress.SettledDay{Date: at, Status: progress.StatusFrozen}
	}
	repaired := func(at calendar.Date) progress.SettledDay {
		return progress.SettledDay{Date: at, Status: progress.StatusRepaired}
	}
	streakOf := func(t *testing.T, s Learning, userID string) (out progress.Streak) {
		t.Helper()
		require.NoError(t, s.Streaks.Update(ctx, userID, func(tx ports.StreakTx) (err error) {
			out, err = tx.Streak()
			return err
		}))
		return out.WithFreezeMax(freezeMax)
	}
	// protected is a learner active on d(-4) and d(-2), holding a freeze
	// granted on d(-4) (that freezes d(-3)) and three granted today, with
	// d(-1) repaired (recorded twice).
	protected := func(t *testing.T, s Learning) string {
		t.Helper()
		u := StoredUser(t, s.Users, T0.Add(-10*day))
		Send(t, s.Progress, u.ID(), Practice(T0.Add(-4*day), 50))
		Send(t, s.Progress, u.ID(), Practice(T0.Add(-2*day), 50))
		require.NoError(t, s.Streaks.Update(ctx, u.ID(), func(tx ports.StreakTx) error {
			require.NoError(t, tx.AddGrant(progress.Grant{Date: d(-4), Count: 1}, T0.Add(-4*day)))
			require.NoError(t, tx.AddGrant(progress.Grant{Date: today, Count: 3}, T0))
			return tx.AddRepairs([]calendar.Date{d(-1)}, T0)
		}))
		require.NoError(t, s.Streaks.Update(ctx, u.ID(), func(tx ports.StreakTx) error {
			return tx.AddRepairs([]calendar.Date{d(-1)}, T0.Add(time.Minute))
		}), "a date repaired already is kept as it is")
		return u.ID()
	}
	wantDays := []progress.SettledDay{{Date: d(-4), Status: progress.StatusActive}, frozen(d(-3)),
		{Date: d(-2), Status: progress.StatusActive}, repaired(d(-1))}

	t.Run("a learner without streak protection has an empty ledger", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		st := streakOf(t, s, u.ID())
		assert.Zero(t, st.ActiveDays())
		assert.Zero(t, st.Settle(today).Equipped)
		marks, err := s.Streaks.Marks(ctx, u.ID(), d(-30), today)
		require.NoError(t, err)
		assert.Empty(t, marks)
	})

	t.Run("grants and repairs are read back by Streak and by the learner's State", func(t *testing.T) {
		s := fresh(t)
		userID := protected(t, s)
		st := streakOf(t, s, userID)
		assert.Equal(t, []calendar.Date{d(-4), d(-2)}, st.Dates())
		set := st.Settle(today)
		assert.Equal(t, wantDays, set.Days)
		assert.Equal(t, 3, set.Equipped, "today's grant is held; the one of d(-4) was used")
		assert.Equal(t, 2, set.Current)

		// The application saves the settlement with every grant and repair
		// (ports.StreakTx); State then resumes from it and reads the ledger
		// after it.
		require.NoError(t, s.Streaks.Update(ctx, userID, func(tx ports.StreakTx) error {
			sv, _ := st.Save(today)
			return tx.Save(sv, T0)
		}))
		require.NoError(t, s.Progress.Update(ctx, userID, func(tx ports.LearnerTx) error {
			state, err := tx.State(today, today)
			require.NoError(t, err)
			require.True(t, state.Streak.Resumed(), "an event of today resumes from a settlement through yesterday")
			got := state.Streak.WithFreezeMax(freezeMax).Settle(today)
			assert.Empty(t, got.Days, "every date before today is settled")
			assert.Equal(t, []int{set.Current, set.Longest, set.Equipped}, []int{got.Current, got.Longest, got.Equipped})
			return nil
		}))
	})

	t.Run("an event's State resumes from the settlement that ends before its date, else reads whole", func(t *testing.T) {
		s := fresh(t)
		userID := protected(t, s)
		whole := streakOf(t, s, userID)
		require.NoError(t, s.Streaks.Update(ctx, userID, func(tx ports.StreakTx) error {
			sv, _ := whole.Save(today)
			return tx.Save(sv, T0)
		}))
		require.NoError(t, s.Progress.Update(ctx, userID, func(tx ports.LearnerTx) error {
			state, err := tx.State(d(-1), today)
			require.NoError(t, err)
			assert.False(t, state.Streak.Resumed(), "d(-1) is settled: an event on it settles the whole streak")
			assert.Equal(t, []calendar.Date{d(-4), d(-2)}, state.Streak.Dates())
			return nil
		}))
		// An event of today, saved from the resumed streak: the marks up to
		// the settlement stay as stored.
		require.NoError(t, s.Progress.Update(ctx, userID, func(tx ports.LearnerTx) error {
			a, err := Prepare(tx, userID, Practice(T0, 50))
			require.NoError(t, err)
			require.NotNil(t, a.Outcome.StreakSave)
			assert.Equal(t, d(-1), a.Outcome.StreakSave.MarksAfter)
			return tx.Append(a)
		}))
		marks, err := s.Streaks.Marks(ctx, userID, d(-30), today)
		require.NoError(t, err)
		assert.Equal(t, []progress.SettledDay{frozen(d(-3)), repaired(d(-1))}, marks)
		snap, err := s.Progress.Snapshot(ctx, userID, today)
		require.NoError(t, err)
		assert.Equal(t, 3, snap.Streak.ActiveDays())
		assert.Equal(t, d(-4), snap.Streak.FirstActive())
		last, _ := snap.Streak.LastActive()
		assert.Equal(t, today, last)
		assert.Equal(t, 3, snap.Streak.WithFreezeMax(freezeMax).Settle(today).Current)
	})

	t.Run("a Save with MarksAfter replaces only the marks after it", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		base := progress.StreakBase{Checkpoint: progress.Checkpoint{Through: d(-1)}}
		save := func(sv progress.StreakSave) {
			require.NoError(t, s.Streaks.Update(ctx, u.ID(), func(tx ports.StreakTx) error { return tx.Save(sv, T0) }))
		}
		save(progress.StreakSave{Base: base, Marks: []progress.SettledDay{frozen(d(-5)), repaired(d(-3)), frozen(d(-2))}, MarksChanged: true})
		save(progress.StreakSave{Base: base, Marks: []progress.SettledDay{repaired(d(-1))}, MarksAfter: d(-3), MarksChanged: true})
		marks, err := s.Streaks.Marks(ctx, u.ID(), d(-30), today)
		require.NoError(t, err)
		assert.Equal(t, []progress.SettledDay{frozen(d(-5)), repaired(d(-3)), repaired(d(-1))}, marks)
	})

	t.Run("Save keeps the settlement: Streak gives its marks back, Marks and Snapshot read it", func(t *testing.T) {
		s := fresh(t)
		userID := protected(t, s)
		require.NoError(t, s.Streaks.Update(ctx, userID, func(tx ports.StreakTx) error {
			st, err := tx.Streak()
			require.NoError(t, err)
			sv, _ := st.WithFreezeMax(freezeMax).Save(today)
			assert.Equal(t, []calendar.Date{d(-3)}, sv.FreezesUsed)
			assert.True(t, sv.MarksChanged)
			return tx.Save(sv, T0)
		}))
		sv, _ := streakOf(t, s, userID).Save(today)
		assert.Empty(t, sv.FreezesUsed, "the stored frozen date is not reported again")
		assert.False(t, sv.MarksChanged, "Streak gives the stored marks back")

		marks, err := s.Streaks.Marks(ctx, userID, d(-30), today)
		require.NoError(t, err)
		assert.Equal(t, []progress.SettledDay{frozen(d(-3)), repaired(d(-1))}, marks, "oldest first")
		marks, err = s.Streaks.Marks(ctx, userID, d(-2), d(-1))
		require.NoError(t, err)
		assert.Equal(t, []progress.SettledDay{repaired(d(-1))}, marks, "the range is inclusive and nothing more")
		other := StoredUser(t, s.Users, T0)
		marks, err = s.Streaks.Marks(ctx, other.ID(), d(-30), today)
		require.NoError(t, err)
		assert.Empty(t, marks, "marks are the learner's own")

		snap, err := s.Progress.Snapshot(ctx, userID, today)
		require.NoError(t, err)
		require.True(t, snap.Streak.Resumed(), "a settlement through yesterday is resumed")
		assert.Equal(t, d(-4), snap.Streak.FirstActive())
		last, _ := snap.Streak.LastActive()
		assert.Equal(t, d(-2), last)
		assert.Equal(t, 2, snap.Streak.ActiveDays())
		set := snap.Streak.WithFreezeMax(freezeMax).Settle(today)
		assert.Equal(t, 2, set.Current)
		assert.Equal(t, 3, set.Equipped)
	})

	t.Run("Save without changed marks leaves the stored marks alone", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		base := progress.StreakBase{Checkpoint: progress.Checkpoint{Through: d(-1), Run: 1, Longest: 1}, FirstActive: d(-3),
			LastActive: d(-3), ActiveDays: 1}
		save := func(sv progress.StreakSave) {
			require.NoError(t, s.Streaks.Update(ctx, u.ID(), func(tx ports.StreakTx) error { return tx.Save(sv, T0) }))
		}
		save(progress.StreakSave{Base: base, Marks: []progress.SettledDay{frozen(d(-2)), repaired(d(-1))}, MarksChanged: true})
		base.Checkpoint.Longest = 5
		save(progress.StreakSave{Base: base, Marks: []progress.SettledDay{}, MarksChanged: false})
		marks, err := s.Streaks.Marks(ctx, u.ID(), d(-30), today)
		require.NoError(t, err)
		assert.Equal(t, []progress.SettledDay{frozen(d(-2)), repaired(d(-1))}, marks)
		snap, err := s.Progress.Snapshot(ctx, u.ID(), today)
		require.NoError(t, err)
		assert.Equal(t, 5, snap.Streak.Settle(today).Longest, "the base is replaced")

		save(progress.StreakSave{Base: base, Marks: []progress.SettledDay{repaired(d(-1))}, MarksChanged: true})
		marks, err = s.Streaks.Marks(ctx, u.ID(), d(-30), today)
		require.NoError(t, err)
		assert.Equal(t, []progress.SettledDay{repaired(d(-1))}, marks, "changed marks replace every stored one")
	})

	t.Run("a settlement past yesterday is not resumed: the streak is read whole", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		Send(t, s.Progress, u.ID(), Practice(T0.Add(-day), 50))
		require.NoError(t, s.Streaks.Update(ctx, u.ID(), func(tx ports.StreakTx) error {
			return tx.Save(progress.StreakSave{Base: progress.StreakBase{Checkpoint: progress.Checkpoint{Through: today, Run: 9},
				FirstActive: d(-1), LastActive: d(-1), ActiveDays: 1}, Marks: []progress.SettledDay{}}, T0)
		}))
		snap, err := s.Progress.Snapshot(ctx, u.ID(), today)
		require.NoError(t, err)
		assert.False(t, snap.Streak.Resumed())
		assert.Equal(t, []calendar.Date{d(-1)}, snap.Streak.Dates())
		assert.Equal(t, 1, snap.Streak.Current(today))
	})

	t.Run("fn's error rolls back grants, repairs and the save and is returned as is", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		refused := errors.New("refused")
		err := s.Streaks.Update(ctx, u.ID(), func(tx ports.StreakTx) error {
			require.NoError(t, tx.AddGrant(progress.Grant{Date: d(-1), Count: 2}, T0))
			require.NoError(t, tx.AddRepairs([]calendar.Date{d(-2)}, T0))
			require.NoError(t, tx.Save(progress.StreakSave{Base: progress.StreakBase{Checkpoint: progress.Checkpoint{Through: d(-1)}},
				Marks: []progress.SettledDay{repaired(d(-2))}, MarksChanged: true}, T0))
			return refused
		})
		assert.Same(t, refused, err)
		assert.Zero(t, streakOf(t, s, u.ID()).Settle(today).Equipped, "the grant was rolled back")
		marks, err := s.Streaks.Marks(ctx, u.ID(), d(-30), today)
		require.NoError(t, err)
		assert.Empty(t, marks)
		snap, err := s.Progress.Snapshot(ctx, u.ID(), today)
		require.NoError(t, err)
		assert.False(t, snap.Streak.Resumed(), "no settlement was kept")
	})

	t.Run("a grant the store cannot hold is refused", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		for _, n := range []int{0, 11} {
			err := s.Streaks.Update(ctx, u.ID(), func(tx ports.StreakTx) error {
				return tx.AddGrant(progress.Grant{Date: d(-1), Count: n}, T0)
			})
			assert.Error(t, err, "a grant of %d", n)
		}
		assert.Zero(t, streakOf(t, s, u.ID()).Settle(today).Equipped)
	})

	t.Run("an append's StreakSave is kept with the event and rolled back with it", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		sv := progress.StreakSave{Base: progress.StreakBase{Checkpoint: progress.Checkpoint{Through: d(-1)}, FirstActive: today,
			LastActive: today, ActiveDays: 1}, Marks: []progress.SettledDay{repaired(d(-1))}, MarksChanged: true}
		write := func(result error) error {
			return s.Progress.Update(ctx, u.ID(), func(tx ports.LearnerTx) error {
				a, err := Prepare(tx, u.ID(), Practice(T0, 50))
				require.NoError(t, err)
				a.Outcome.StreakSave = &sv
				require.NoError(t, tx.Append(a))
				return result
			})
		}
		refused := errors.New("refused")
		assert.Same(t, refused, write(refused))
		marks, err := s.Streaks.Marks(ctx, u.ID(), d(-30), today)
		require.NoError(t, err)
		assert.Empty(t, marks, "rolled back with the event")
		snap, err := s.Progress.Snapshot(ctx, u.ID(), today)
		require.NoError(t, err)
		assert.False(t, snap.Streak.Resumed())

		require.NoError(t, write(nil))
		marks, err = s.Streaks.Marks(ctx, u.ID(), d(-30), today)
		require.NoError(t, err)
		assert.Equal(t, sv.Marks, marks)
		snap, err = s.Progress.Snapshot(ctx, u.ID(), today)
		require.NoError(t, err)
		assert.True(t, snap.Streak.Resumed())
		assert.Equal(t, []calendar.Date{today}, snap.Streak.Dates(), "only the dates after the settlement are read")
	})

	t.Run("AppendAll keeps the StreakSave of the last append that has one", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		saves := []*progress.StreakSave{
			{Base: progress.StreakBase{Checkpoint: progress.Checkpoint{Through: d(-1)}}, Marks: []progress.SettledDay{frozen(d(-3))}, MarksChanged: true},
			{Base: progress.StreakBase{Checkpoint: progress.Checkpoint{Through: d(-1)}}, Marks: []progress.SettledDay{repaired(d(-2))}, MarksChanged: true},
			nil,
		}
		require.NoError(t, s.Progress.Update(ctx, u.ID(), func(tx ports.LearnerTx) error {
			var as []ports.Append
			for i, sv := range saves {
				a, err := Prepare(tx, u.ID(), Practice(T0.Add(time.Duration(i)*time.Minute), 50))
				require.NoError(t, err)
				if i > 0 {
					a.Outcome.Unlocked, a.ServerEvents = nil, nil
				}
				a.Outcome.StreakSave = sv
				as = append(as, a)
			}
			return tx.AppendAll(as)
		}))
		marks, err := s.Streaks.Marks(ctx, u.ID(), d(-30), today)
		require.NoError(t, err)
		assert.Equal(t, saves[1].Marks, marks)
	})

	t.Run("concurrent updates of one learner's ledger apply one after the other", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		// Each update reads the freezes held and grants one more than it
		// read: one after the other, they hold 1, 3, 7, then 15.
		const n = 4
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				assert.NoError(t, s.Streaks.Update(ctx, u.ID(), func(tx ports.StreakTx) error {
					st, err := tx.Streak()
					if err != nil {
						return err
					}
					held := st.WithFreezeMax(100).Settle(today).Equipped
					return tx.AddGrant(progress.Grant{Date: d(-1), Count: held + 1}, T0)
				}))
			})
		}
		wg.Wait()
		assert.Equal(t, 15, streakOf(t, s, u.ID()).WithFreezeMax(100).Settle(today).Equipped,
			"an update read the grants another was changing")
	})
}
