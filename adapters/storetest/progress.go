package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// RunProgress holds a ports.ProgressStore and its ports.LearnerTx to their
// contracts: what Append writes is what Snapshot, Days and Global read, and
// Update is one transaction under the learner's lock.
func RunProgress(t *testing.T, fresh func(t *testing.T) Learning) {
	ctx := context.Background()
	today := calendar.DateOf(T0, time.UTC)

	t.Run("a learner without events has the empty snapshot", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		snap, err := s.Progress.Snapshot(ctx, u.ID(), today)
		require.NoError(t, err)
		assert.Zero(t, snap.TotalXP)
		assert.Zero(t, snap.Streak.ActiveDays())
		assert.Equal(t, progress.NewDay(today), snap.Today)
		assert.Empty(t, snap.Achievements)
		assert.Zero(t, snap.Counters)
		assert.Empty(t, snap.Courses)
		days, err := s.Progress.Days(ctx, u.ID(), today.AddDays(-7), today)
		require.NoError(t, err)
		assert.Empty(t, days)
	})

	t.Run("what Append writes, Snapshot and Days read back", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		c := NewCourse(t, "spanish", "Spanish")
		require.NoError(t, s.Catalog.CreateCourse(ctx, c))
		l1 := AddLesson(t, s.Catalog, c.ID(), "one", 10)
		AddLesson(t, s.Catalog, c.ID(), "two", 10)
		yesterday := T0.Add(-24 * time.Hour)
		Send(t, s.Progress, u.ID(), Practice(yesterday, 100))
		Send(t, s.Progress, u.ID(), Client("session_started", T0))
		Send(t, s.Progress, u.ID(), Client("exercise_attempted", T0))
		last := Send(t, s.Progress, u.ID(), LessonDone(T0.Add(time.Minute), l1.ID(), c.ID(), 10, 100))

		snap, err := s.Progress.Snapshot(ctx, u.ID(), today)
		require.NoError(t, err)
		assert.Equal(t, 30, snap.TotalXP)
		assert.Equal(t, last.Outcome.TotalXP, snap.TotalXP)
		assert.Equal(t, today.AddDays(-1), snap.Streak.FirstActive())
		assert.Equal(t, 2, snap.Streak.ActiveDays())
		assert.Equal(t, 2, snap.Streak.Current(today))
		assert.Equal(t, last.Outcome.Day.Record(), snap.Today.Record())
		assert.Equal(t, progress.Counters{PracticeSessions: 1, ExercisesAttempted: 1, ExercisesCorrect: 1, Sessions: 1, TimeSpentSeconds: 60},
			snap.Counters, "counted by progress.Counters.Count")
		assert.Equal(t, 1, snap.LessonsCompleted)
		assert.Zero(t, snap.CoursesCompleted)
		assert.Equal(t, []ports.CourseProgress{{CourseID: c.ID(), Title: "Spanish", LessonsCompleted: 1, LessonsTotal: 2}}, snap.Courses)
		var codes []string
		for _, a := range snap.Achievements {
			codes = append(codes, a.Achievement.String())
			assert.True(t, a.UnlockedAt.Equal(T0.Add(time.Minute)), "unlocked at the server time of its event")
		}
		assert.ElementsMatch(t, []string{"first_lesson", "perfect_lesson"}, codes)

		days, err := s.Progress.Days(ctx, u.ID(), today.AddDays(-1), today)
		require.NoError(t, err)
		require.Len(t, days, 2, "oldest first")
		assert.Equal(t, today.AddDays(-1), days[0].Date())
		assert.Equal(t, 15, days[0].XP())
		assert.Equal(t, 15, days[1].XP())
		only, _ := s.Progress.Days(ctx, u.ID(), today, today)
		assert.Len(t, only, 1, "the range is inclusive and nothing more")
	})

	t.Run("reads inside the transaction see its own writes", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		c := NewCourse(t, "c", "C")
		require.NoError(t, s.Catalog.CreateCourse(ctx, c))
		l := AddLesson(t, s.Catalog, c.ID(), "l", 10)
		require.NoError(t, s.Progress.Update(ctx, u.ID(), func(tx ports.LearnerTx) error {
			a, err := Prepare(tx, u.ID(), LessonDone(T0, l.ID(), c.ID(), 10, 50))
			require.NoError(t, err)
			require.NoError(t, tx.Append(a))
			got, ok, err := tx.FindEvent(a.Event.Event.EventID())
			require.NoError(t, err)
			assert.True(t, ok)
			assert.Equal(t, a.Event.Event.ID(), got.Event.ID())
			many, err := tx.FindEvents([]string{a.Event.Event.EventID()})
			require.NoError(t, err)
			assert.Len(t, many, 1)
			st, err := tx.State(today, today)
			require.NoError(t, err)
			assert.Equal(t, 10, st.TotalXP)
			assert.True(t, st.Streak.Has(today))
			done, err := tx.LessonCompleted(l.ID())
			require.NoError(t, err)
			assert.True(t, done)
			ids, err := tx.CompletedLessons(c.ID())
			require.NoError(t, err)
			assert.Equal(t, []string{l.ID()}, ids)
			return nil
		}))
	})

	t.Run("appends one after the other in a transaction, with no read between, are all written", func(t *testing.T) {
		// A store may hold a transaction's writes for its commit (the SQL
		// store on PostgreSQL does): a second Append must not replace them.
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		var ids []string
		require.NoError(t, s.Progress.Update(ctx, u.ID(), func(tx ports.LearnerTx) error {
			first, err := Prepare(tx, u.ID(), Practice(T0, 100))
			require.NoError(t, err)
			second, err := Prepare(tx, u.ID(), Practice(T0.Add(time.Minute), 100))
			require.NoError(t, err)
			ids = []string{first.Event.Event.EventID(), second.Event.Event.EventID()}
			require.NoError(t, tx.Append(first))
			return tx.Append(second)
		}))
		require.NoError(t, s.Progress.Update(ctx, u.ID(), func(tx ports.LearnerTx) error {
			found, err := tx.FindEvents(ids)
			require.NoError(t, err)
			assert.Len(t, found, 2, "both appends stored")
			return nil
		}))
	})

	t.Run("FindEventAndState, where the LearnerTx has it, answers as FindEvent and the reads outside do", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		c := NewCourse(t, "c", "C")
		require.NoError(t, s.Catalog.CreateCourse(ctx, c))
		l := AddLesson(t, s.Catalog, c.ID(), "l", 10)
		Send(t, s.Progress, u.ID(), Practice(T0.Add(-48*time.Hour), 100))
		Send(t, s.Progress, u.ID(), Practice(T0.Add(-24*time.Hour), 100))
		first := Send(t, s.Progress, u.ID(), LessonDone(T0, l.ID(), c.ID(), 10, 100))
		yesterday := today.AddDays(-1)
		// The truth, read by other code: the snapshot and the day records.
		snap, err := s.Progress.Snapshot(ctx, u.ID(), today)
		require.NoError(t, err)
		days, err := s.Progress.Days(ctx, u.ID(), yesterday, yesterday)
		require.NoError(t, err)
		require.Len(t, days, 1)
		var codes []progress.Achievement
		for _, a := range snap.Achievements {
			codes = append(codes, a.Achievement)
		}
		require.NotEmpty(t, codes)
		for _, id := range []string{first.Event.Event.EventID(), "00000000-0000-4000-8000-000000000000"} {
			reader := true
			require.NoError(t, s.Progress.Update(ctx, u.ID(), func(tx ports.LearnerTx) error {
				r, ok := tx.(ports.EventStateReader)
				if !ok {
					reader = false
					return nil
				}
				gotE, gotOK, got, err := r.FindEventAndState(id, yesterday, today)
				require.NoError(t, err)
				wantE, wantOK, err := tx.FindEvent(id)
				require.NoError(t, err)
				assert.Equal(t, wantOK, gotOK)
				if wantOK {
					assert.Equal(t, wantE.Event.Record(), gotE.Event.Record())
					assert.Equal(t, wantE.BodyHash, gotE.BodyHash)
					assert.Equal(t, wantE.Answer, gotE.Answer)
				}
				assert.Equal(t, snap.TotalXP, got.TotalXP)
				assert.ElementsMatch(t, codes, got.Achievements)
				assert.Equal(t, days[0].Record(), got.Day.Record())
				assert.Equal(t, snap.Today.Record(), got.Today.Record())
				assert.Equal(t, snap.Streak.ActiveDays(), got.Streak.ActiveDays())
				assert.Equal(t, snap.Streak.Current(today), got.Streak.Current(today))
				assert.Equal(t, snap.Streak.FirstActive(), got.Streak.FirstActive())
				return nil
			}))
			if !reader {
				t.Skip("this store's LearnerTx reads them one after the other")
			}
		}
	})

	t.Run("FindEventsAndState, where the LearnerTx has it, answers as FindEvents and State do", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		older := Send(t, s.Progress, u.ID(), Practice(T0.Add(-24*time.Hour), 100))
		newer := Send(t, s.Progress, u.ID(), Practice(T0, 100))
		yesterday := today.AddDays(-1)
		ids := []string{older.Event.Event.EventID(), "00000000-0000-4000-8000-000000000000", newer.Event.Event.EventID()}
		for _, lookup := range [][]string{ids, nil} {
			reader := true
			require.NoError(t, s.Progress.Update(ctx, u.ID(), func(tx ports.LearnerTx) error {
				r, ok := tx.(ports.EventsStateReader)
				if !ok {
					reader = false
					return nil
				}
				// First, as a batch reads them: on PostgreSQL with BEGIN.
				gotEvents, got, err := r.FindEventsAndState(lookup, yesterday, today)
				require.NoError(t, err)
				wantEvents, err := tx.FindEvents(lookup)
				require.NoError(t, err)
				want, err := tx.State(yesterday, today)
				require.NoError(t, err)
				require.Len(t, wantEvents, len(lookup)*2/3, "the two stored events of the lookup")
				require.Len(t, gotEvents, len(wantEvents))
				for id, w := range wantEvents {
					assert.Equal(t, w.Event.Record(), gotEvents[id].Event.Record())
					assert.Equal(t, w.BodyHash, gotEvents[id].BodyHash)
					assert.Equal(t, w.Answer, gotEvents[id].Answer)
				}
				assert.Equal(t, want.TotalXP, got.TotalXP)
				assert.ElementsMatch(t, want.Achievements, got.Achievements)
				assert.Equal(t, want.Day.Record(), got.Day.Record())
				assert.Equal(t, want.Today.Record(), got.Today.Record())
				assert.Equal(t, want.Streak.ActiveDays(), got.Streak.ActiveDays())
				assert.Equal(t, want.Streak.Current(today), got.Streak.Current(today))
				return nil
			}))
			if !reader {
				t.Skip("this store's LearnerTx reads them one after the other")
			}
		}
	})

	t.Run("fn's error rolls everything back and is returned as is", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		refused := errors.New("refused")
		var eventID string
		err := s.Progress.Update(ctx, u.ID(), func(tx ports.LearnerTx) error {
			a, err := Prepare(tx, u.ID(), Practice(T0, 100))
			require.NoError(t, err)
			eventID = a.Event.Event.EventID()
			require.NoError(t, tx.Append(a))
			return refused
		})
		assert.Same(t, refused, err)
		_, err = s.Events.Find(ctx, u.ID(), eventID)
		assert.True(t, errs.Is(err, errs.NotFound), "the event of a rolled-back transaction: %v", err)
		snap, err := s.Progress.Snapshot(ctx, u.ID(), today)
		require.NoError(t, err)
		assert.Zero(t, snap.TotalXP)
		assert.Zero(t, snap.Streak.ActiveDays())
		assert.Empty(t, snap.Achievements)
		assert.Zero(t, snap.Counters)
		_, ok, _ := s.Events.LastReceivedAt(ctx)
		assert.False(t, ok)
	})

	t.Run("a second event with the same event_id is Conflict event_id_taken", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		first := Practice(T0, 50)
		Send(t, s.Progress, u.ID(), first)
		again := Practice(T0.Add(time.Minute), 100)
		again.In.EventID = first.In.EventID
		err := s.Progress.Update(ctx, u.ID(), func(tx ports.LearnerTx) error {
			a, err := Prepare(tx, u.ID(), again)
			require.NoError(t, err)
			return tx.Append(a)
		})
		assert.True(t, errs.Is(err, errs.Conflict), "%v", err)
		assert.Equal(t, errs.CodeEventIDTaken, errs.CodeOf(err))
		snap, _ := s.Progress.Snapshot(ctx, u.ID(), today)
		assert.Equal(t, 10, snap.TotalXP, "the refused event changed nothing")

		// Another learner may use the same event_id.
		other := StoredUser(t, s.Users, T0)
		Send(t, s.Progress, other.ID(), again)
	})

	t.Run("AppendAll writes appends in order: the last total and each date's last record are kept", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		var as []ports.Append
		require.NoError(t, s.Progress.Update(ctx, u.ID(), func(tx ports.LearnerTx) error {
			// Each Prepare reads the state before the batch, as a batch's
			// in-memory state would not; chain the outcomes by hand instead.
			for i, e := range []Event{Practice(T0, 50), Client("exercise_attempted", T0.Add(time.Minute))} {
				a, err := Prepare(tx, u.ID(), e)
				require.NoError(t, err)
				if i > 0 {
					a.Outcome.TotalXP = as[i-1].Outcome.TotalXP + a.Outcome.XPAwarded
					a.Outcome.Day = as[i-1].Outcome.Day
					a.Outcome.Unlocked, a.ServerEvents = nil, nil
				}
				as = append(as, a)
			}
			return tx.AppendAll(as)
		}))
		snap, err := s.Progress.Snapshot(ctx, u.ID(), today)
		require.NoError(t, err)
		assert.Equal(t, as[1].Outcome.TotalXP, snap.TotalXP)
		assert.Equal(t, as[1].Outcome.Day.Record(), snap.Today.Record())
		assert.Equal(t, 1, snap.Counters.PracticeSessions)
		assert.Equal(t, 1, snap.Counters.ExercisesAttempted)
		for _, a := range as {
			_, err := s.Events.Find(ctx, u.ID(), a.Event.Event.EventID())
			assert.NoError(t, err)
		}
	})

	t.Run("concurrent updates of one learner apply one after the other", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		const n = 8
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { Send(t, s.Progress, u.ID(), Practice(T0.Add(time.Duration(i)*time.Second), 50)) })
		}
		wg.Wait()
		snap, err := s.Progress.Snapshot(ctx, u.ID(), today)
		require.NoError(t, err)
		assert.Equal(t, 10*n, snap.TotalXP, "an update read a total another was changing")
		assert.Equal(t, n, snap.Counters.PracticeSessions)
	})

	t.Run("CourseCompletion gives the event that first completed the course", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		c := NewCourse(t, "c", "C")
		require.NoError(t, s.Catalog.CreateCourse(ctx, c))
		l := AddLesson(t, s.Catalog, c.ID(), "l", 10)
		Send(t, s.Progress, u.ID(), LessonDone(T0, l.ID(), c.ID(), 10, 50))
		done := Send(t, s.Progress, u.ID(), CourseDone(T0.Add(time.Minute), c.ID(), l.ID()))
		assert.Equal(t, c.ID(), done.Outcome.CourseCompleted)
		require.NoError(t, s.Progress.Update(ctx, u.ID(), func(tx ports.LearnerTx) error {
			got, ok, err := tx.CourseCompletion(c.ID())
			require.NoError(t, err)
			assert.True(t, ok)
			assert.Equal(t, done.Event.Event.Record(), got.Event.Record())
			_, ok, err = tx.CourseCompletion(l.ID())
			require.NoError(t, err)
			assert.False(t, ok, "a course not completed")
			return nil
		}))
		snap, err := s.Progress.Snapshot(ctx, u.ID(), today)
		require.NoError(t, err)
		assert.Equal(t, 1, snap.CoursesCompleted)
	})

	t.Run("Global compares with every active learner account, with or without events", func(t *testing.T) {
		s := fresh(t)
		ana, bob, cleo := StoredUser(t, s.Users, T0), StoredUser(t, s.Users, T0), StoredUser(t, s.Users, T0)
		StoredUser(t, s.Users, T0) // no events: 0 XP, still a learner
		gone := StoredUser(t, s.Users, T0)
		require.NoError(t, s.Users.Update(ctx, gone.ID(), func(u *account.User) error { u.SetActive(false, T0); return nil }))
		Send(t, s.Progress, ana.ID(), Practice(T0, 50))
		Send(t, s.Progress, bob.ID(), Practice(T0, 100))
		Send(t, s.Progress, gone.ID(), Practice(T0, 100))
		g, err := s.Progress.Global(ctx, bob.ID())
		require.NoError(t, err)
		assert.Equal(t, ports.GlobalStats{Learners: 4, SumXP: 25, Below: 3}, g)
		g, err = s.Progress.Global(ctx, cleo.ID())
		require.NoError(t, err)
		assert.Equal(t, 0, g.Below)
	})
}
