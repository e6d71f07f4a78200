package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/league"
	"github.com/lingo-labs/lingo/domain/preferences"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// Leagues are the ports the league suite needs.
type Leagues struct {
	Users       ports.UserRepository
	Preferences ports.PreferencesRepository
	Progress    ports.ProgressStore
	Leagues     ports.LeagueStore
}

// leagueCal is the suite's calendar: hour-long weeks, so that the suite's
// instants fall in known weeks.
var leagueCal, _ = league.NewCalendar(time.Hour)

// Earn appends a practice event received at `at` that moves its XP into
// the learner's league week, cohorts holding size learners.
func Earn(t testing.TB, p ports.ProgressStore, userID string, at time.Time, size int) {
	t.Helper()
	require.NoError(t, earn(t.Context(), p, userID, at, size, nil))
}

func earn(ctx context.Context, p ports.ProgressStore, userID string, at time.Time, size int, after func() error) error {
	return p.Update(ctx, userID, func(tx ports.LearnerTx) error {
		a, err := Prepare(tx, userID, Practice(at, 100))
		if err != nil {
			return err
		}
		a.League = ports.LeagueCredit{Week: leagueCal.WeekOf(at), XP: a.Outcome.XPAwarded, At: at, CohortSize: size}
		if err := tx.Append(a); err != nil {
			return err
		}
		if after != nil {
			return after()
		}
		return nil
	})
}

// RunLeagues holds ports.LeagueStore, and the league writes of
// ports.LearnerTx, to their contracts.
func RunLeagues(t *testing.T, fresh func(t *testing.T) Leagues) {
	ctx := context.Background()
	week := leagueCal.WeekOf(T0)
	learners := func(t *testing.T, s Leagues, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = StoredUser(t, s.Users, T0.Add(-time.Hour)).ID()
		}
		return out
	}

	t.Run("learners join in order into cohorts of the size, a new one opening when one is full", func(t *testing.T) {
		s := fresh(t)
		ids := learners(t, s, 7)
		for i, id := range ids {
			Earn(t, s.Progress, id, T0.Add(time.Duration(i)*time.Second), 3)
		}
		cohorts := map[string][]string{}
		for _, id := range ids {
			st, err := s.Leagues.Current(ctx, id, week)
			require.NoError(t, err)
			require.True(t, st.Joined)
			assert.Equal(t, league.Bronze, st.Tier)
			cohorts[st.CohortID] = append(cohorts[st.CohortID], id)
		}
		require.Len(t, cohorts, 3)
		var sizes []int
		for _, id := range ids {
			st, _ := s.Leagues.Current(ctx, id, week)
			sizes = append(sizes, len(st.Members))
		}
		assert.Equal(t, []int{3, 3, 3, 3, 3, 3, 1}, sizes, "joined in order: 3, 3, then 1")
		other, err := s.Leagues.Current(ctx, StoredUser(t, s.Users, T0).ID(), week)
		require.NoError(t, err)
		assert.Equal(t, ports.LeagueStanding{Tier: league.Bronze}, other, "a learner without XP has not joined")
	})

	t.Run("standings: more XP first, then who reached it first, then user_id", func(t *testing.T) {
		s := fresh(t)
		ids := learners(t, s, 3)
		Earn(t, s.Progress, ids[0], T0.Add(3*time.Second), 30) // 15 XP, reached last
		Earn(t, s.Progress, ids[1], T0.Add(1*time.Second), 30) // 15 XP, reached first
		Earn(t, s.Progress, ids[2], T0.Add(2*time.Second), 30)
		Earn(t, s.Progress, ids[2], T0.Add(4*time.Second), 30) // 30 XP
		st, err := s.Leagues.Current(ctx, ids[0], week)
		require.NoError(t, err)
		require.Len(t, st.Members, 3)
		assert.Equal(t, []string{ids[2], ids[1], ids[0]}, memberIDs(st.Members))
		assert.Equal(t, 30, st.Members[0].XP)
		assert.True(t, st.Members[0].ReachedAt.Equal(T0.Add(4*time.Second)), "reached at the last XP: %s", st.Members[0].ReachedAt)
		assert.Equal(t, "Learner", st.Members[0].DisplayName)
	})

	t.Run("an event of the next week joins that week afresh", func(t *testing.T) {
		s := fresh(t)
		id := learners(t, s, 1)[0]
		Earn(t, s.Progress, id, T0, 30)
		next := T0.Add(time.Hour)
		Earn(t, s.Progress, id, next, 30)
		for _, w := range []league.Week{week, leagueCal.WeekOf(next)} {
			st, err := s.Leagues.Current(ctx, id, w)
			require.NoError(t, err)
			require.True(t, st.Joined, w.ID())
			assert.Equal(t, 15, st.Members[0].XP)
		}
	})

	t.Run("a rolled back event joins nobody and gives its place back", func(t *testing.T) {
		s := fresh(t)
		ids := learners(t, s, 3)
		Earn(t, s.Progress, ids[0], T0, 2)
		boom := errors.New("boom")
		require.ErrorIs(t, earn(ctx, s.Progress, ids[1], T0.Add(time.Second), 2, func() error { return boom }), boom)
		st, err := s.Leagues.Current(ctx, ids[1], week)
		require.NoError(t, err)
		assert.False(t, st.Joined)
		Earn(t, s.Progress, ids[2], T0.Add(2*time.Second), 2)
		st, err = s.Leagues.Current(ctx, ids[2], week)
		require.NoError(t, err)
		assert.Equal(t, []string{ids[0], ids[2]}, memberIDs(st.Members), "the second place went to the next joiner")
	})

	t.Run("leaderboards off: never joins; turned off: leaves the open cohort at once", func(t *testing.T) {
		s := fresh(t)
		ids := learners(t, s, 3)
		off := func(id string) {
			require.NoError(t, s.Preferences.Update(ctx, id, func(p *preferences.Preferences) error {
				Patch(t, p, preferences.Patch{Social: preferences.SocialPatch{Leaderboards: preferences.Set(false)}}, T0)
				return nil
			}))
		}
		off(ids[0])
		Earn(t, s.Progress, ids[0], T0, 30)
		Earn(t, s.Progress, ids[1], T0.Add(time.Second), 30)
		Earn(t, s.Progress, ids[2], T0.Add(2*time.Second), 30)
		st, err := s.Leagues.Current(ctx, ids[0], week)
		require.NoError(t, err)
		assert.False(t, st.Joined)
		st, err = s.Leagues.Current(ctx, ids[1], week)
		require.NoError(t, err)
		assert.Equal(t, []string{ids[1], ids[2]}, memberIDs(st.Members))
		off(ids[2])
		st, err = s.Leagues.Current(ctx, ids[1], week)
		require.NoError(t, err)
		assert.Equal(t, []string{ids[1]}, memberIDs(st.Members))
		Earn(t, s.Progress, ids[2], T0.Add(3*time.Second), 30)
		st, err = s.Leagues.Current(ctx, ids[2], week)
		require.NoError(t, err)
		assert.False(t, st.Joined, "an opted-out learner's XP joins nothing")
	})

	t.Run("RecountLeague sets the week's XP to the stored events received in it", func(t *testing.T) {
		s := fresh(t)
		id := learners(t, s, 1)[0]
		Earn(t, s.Progress, id, T0.Add(-time.Hour), 30) // last week
		Earn(t, s.Progress, id, T0, 30)
		Earn(t, s.Progress, id, T0.Add(time.Second), 30)
		require.NoError(t, s.Progress.Update(ctx, id, func(tx ports.LearnerTx) error { return tx.RecountLeague(week) }))
		st, err := s.Leagues.Current(ctx, id, week)
		require.NoError(t, err)
		require.Len(t, st.Members, 1)
		assert.Equal(t, 30, st.Members[0].XP)
		assert.True(t, st.Members[0].ReachedAt.Equal(T0.Add(time.Second)), "%s", st.Members[0].ReachedAt)
		other := StoredUser(t, s.Users, T0).ID()
		require.NoError(t, s.Progress.Update(ctx, other, func(tx ports.LearnerTx) error { return tx.RecountLeague(week) }))
		st, err = s.Leagues.Current(ctx, other, week)
		require.NoError(t, err)
		assert.False(t, st.Joined, "a recount joins nobody")
	})

	t.Run("a close ranks once, stores results and tiers, and the next week plays the new tier", func(t *testing.T) {
		s := fresh(t)
		ids := learners(t, s, 3)
		for i, id := range ids {
			for range 3 - i {
				Earn(t, s.Progress, id, T0.Add(time.Duration(i)*time.Second), 30)
			}
		}
		due, err := s.Leagues.EndedCohorts(ctx, week.End().Add(-time.Nanosecond), 10)
		require.NoError(t, err)
		assert.Empty(t, due, "the week has not ended")
		due, err = s.Leagues.EndedCohorts(ctx, week.End(), 10)
		require.NoError(t, err)
		require.Len(t, due, 1)
		var got ports.LeagueCohort
		rank := func(c ports.LeagueCohort) ([]league.Result, []webhook.Message, error) {
			got = c
			rs := league.Close(c.Week, c.Tier, c.Members)
			rs[2].Outcome, rs[2].NewTier = league.Stayed, league.Bronze
			rs[0].NewTier = league.Gold // as the caller says, whatever the table
			return rs, nil, nil
		}
		closed, err := s.Leagues.CloseCohort(ctx, due[0], week.End(), rank)
		require.NoError(t, err)
		require.True(t, closed)
		assert.Equal(t, week, got.Week)
		assert.Equal(t, league.Bronze, got.Tier)
		assert.ElementsMatch(t, ids, memberIDs2(got.Members))
		closed, err = s.Leagues.CloseCohort(ctx, due[0], week.End(), func(ports.LeagueCohort) ([]league.Result, []webhook.Message, error) {
			t.Error("a closed cohort ranked again")
			return nil, nil, nil
		})
		require.NoError(t, err)
		assert.False(t, closed)
		due, err = s.Leagues.EndedCohorts(ctx, week.End().Add(time.Hour), 10)
		require.NoError(t, err)
		assert.Empty(t, due)

		h, err := s.Leagues.History(ctx, ids[0], time.Time{}, 10)
		require.NoError(t, err)
		require.Len(t, h, 1)
		assert.Equal(t, league.Result{Week: week, UserID: ids[0], Tier: league.Bronze, Rank: 1, XP: 45,
			Outcome: league.Promoted, NewTier: league.Gold}, h[0])
		next := T0.Add(time.Hour)
		Earn(t, s.Progress, ids[0], next, 30)
		st, err := s.Leagues.Current(ctx, ids[0], leagueCal.WeekOf(next))
		require.NoError(t, err)
		assert.Equal(t, league.Gold, st.Tier)
		st, err = s.Leagues.Current(ctx, ids[1], leagueCal.WeekOf(next))
		require.NoError(t, err)
		assert.Equal(t, league.Silver, st.Tier, "a learner's tier is the last result's new tier")
		assert.False(t, st.Joined)
	})

	t.Run("a failing close leaves the cohort open; history pages newest first", func(t *testing.T) {
		s := fresh(t)
		id := learners(t, s, 1)[0]
		for i := range 3 {
			Earn(t, s.Progress, id, T0.Add(time.Duration(i)*time.Hour), 30)
		}
		due, err := s.Leagues.EndedCohorts(ctx, T0.Add(5*time.Hour), 10)
		require.NoError(t, err)
		require.Len(t, due, 3)
		boom := errors.New("boom")
		_, err = s.Leagues.CloseCohort(ctx, due[0], T0, func(ports.LeagueCohort) ([]league.Result, []webhook.Message, error) {
			return nil, nil, boom
		})
		require.ErrorIs(t, err, boom)
		again, err := s.Leagues.EndedCohorts(ctx, T0.Add(5*time.Hour), 10)
		require.NoError(t, err)
		assert.Equal(t, due, again, "oldest week first, the failed one still open")
		for _, c := range due {
			_, err := s.Leagues.CloseCohort(ctx, c, T0.Add(5*time.Hour), func(c ports.LeagueCohort) ([]league.Result, []webhook.Message, error) {
				return league.Close(c.Week, c.Tier, c.Members), nil, nil
			})
			require.NoError(t, err)
		}
		h, err := s.Leagues.History(ctx, id, time.Time{}, 2)
		require.NoError(t, err)
		require.Len(t, h, 2)
		assert.True(t, h[0].Week.Start().After(h[1].Week.Start()))
		rest, err := s.Leagues.History(ctx, id, h[1].Week.Start(), 2)
		require.NoError(t, err)
		require.Len(t, rest, 1)
		assert.Equal(t, week, rest[0].Week)
	})

	t.Run("an opt-out racing the learner's events leaves no membership behind", func(t *testing.T) {
		// Half the learners joined already (their events credit an existing
		// membership), half join with these events: either way the opt-out,
		// whichever commits first, must win.
		s := fresh(t)
		ids := learners(t, s, 20)
		for _, id := range ids[:10] {
			Earn(t, s.Progress, id, T0, 30)
		}
		var wg sync.WaitGroup
		errc := make(chan error, 3*len(ids))
		for i, id := range ids {
			at := T0.Add(time.Duration(i+1) * time.Millisecond)
			wg.Go(func() { errc <- earn(ctx, s.Progress, id, at, 30, nil) })
			wg.Go(func() {
				errc <- s.Preferences.Update(ctx, id, func(p *preferences.Preferences) error {
					next, _, err := preferences.Apply(*p, preferences.Patch{Social: preferences.SocialPatch{Leaderboards: preferences.Set(false)}})
					*p = next.Touched(T0)
					return err
				})
			})
			wg.Go(func() { errc <- earn(ctx, s.Progress, id, at.Add(time.Microsecond), 30, nil) })
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			require.NoError(t, err)
		}
		for _, id := range ids {
			st, err := s.Leagues.Current(ctx, id, week)
			require.NoError(t, err)
			assert.False(t, st.Joined, "learner %s opted out but is in a cohort", id)
		}
	})

	t.Run("50 learners joining at once fill the cohorts exactly", func(t *testing.T) {
		s := fresh(t)
		ids := learners(t, s, 50)
		var wg sync.WaitGroup
		errc := make(chan error, len(ids))
		for i, id := range ids {
			wg.Go(func() { errc <- earn(ctx, s.Progress, id, T0.Add(time.Duration(i)*time.Millisecond), 7, nil) })
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			require.NoError(t, err)
		}
		sizes := map[string]int{}
		for _, id := range ids {
			st, err := s.Leagues.Current(ctx, id, week)
			require.NoError(t, err)
			require.True(t, st.Joined)
			sizes[st.CohortID] = len(st.Members)
		}
		full := 0
		for _, n := range sizes {
			require.LessOrEqual(t, n, 7)
			if n == 7 {
				full++
			}
		}
		assert.Len(t, sizes, 8, "%v", sizes)
		assert.Equal(t, 7, full, "%v", sizes)
	})
}

func memberIDs(ms []ports.LeagueMember) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.UserID
	}
	return out
}

func memberIDs2(ms []league.Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.UserID
	}
	return out
}
