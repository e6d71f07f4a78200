package progress_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
)

// datesAfter keeps the dates of ds after the date from.
func datesAfter(ds []calendar.Date, from calendar.Date) []calendar.Date {
	return slices.DeleteFunc(slices.Clone(ds), func(d calendar.Date) bool { return !d.After(from) })
}

// A write resumed from a stored settlement saves what a write over the
// whole history saves: the same base, the same marks after the base (the
// ones before it stay as stored), the same freezes reported used. Each
// case saves a settlement on one day, then adds active dates after it,
// saving after each as a batch's items do, and compares the two ways.
func TestStreakSaveResumedEqualsWhole(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for n := range 1000 {
		days := 3 + r.IntN(50)
		maxFreezes := r.IntN(4)
		var active, repairs []calendar.Date
		var grants []progress.Grant
		for i := range days {
			d := day0.AddDays(i)
			if r.IntN(10) < 6 {
				active = append(active, d)
			}
			if r.IntN(12) == 0 {
				grants = append(grants, progress.Grant{Date: d, Count: 1 + r.IntN(2)})
			}
			if r.IntN(12) == 0 {
				repairs = append(repairs, d)
			}
		}
		// The settlement saved on day cut, over what was known then.
		cut := day0.AddDays(r.IntN(days))
		upTo := func(ds []calendar.Date, last calendar.Date) []calendar.Date {
			return slices.DeleteFunc(slices.Clone(ds), func(d calendar.Date) bool { return d.After(last) })
		}
		grantsUpTo := slices.DeleteFunc(slices.Clone(grants), func(g progress.Grant) bool { return g.Date.After(cut) })
		known := upTo(active, cut)
		sv0, _ := progress.NewStreak(known).WithLedger(grantsUpTo, upTo(repairs, cut.AddDays(-1)), nil).
			WithFreezeMax(maxFreezes).Save(cut)
		through := sv0.Base.Checkpoint.Through

		// Later, the grants and repairs after the base are known too, and
		// new active dates arrive one by one.
		today := cut.AddDays(r.IntN(10))
		settled := func(d calendar.Date) bool { return !through.IsZero() && !d.After(through) }
		var before, laterGrants []progress.Grant
		for _, g := range grants {
			if settled(g.Date) {
				before = append(before, g)
			} else {
				laterGrants = append(laterGrants, g)
			}
		}
		laterGrants = append(laterGrants, progress.Grant{Date: today, Count: r.IntN(2)})
		allGrants := append(before, laterGrants...)
		allRepairs := upTo(repairs, today.AddDays(-1))
		whole := progress.NewStreak(known).WithLedger(allGrants, allRepairs, sv0.Marks).WithFreezeMax(maxFreezes)
		resumed := progress.ResumeStreak(sv0.Base, datesAfter(known, through), laterGrants, datesAfter(allRepairs, through),
			marksAfter(sv0.Marks, through)).WithFreezeMax(maxFreezes)
		require.True(t, resumed.SettledBefore(today), "case %d", n)
		for k := range 1 + r.IntN(3) {
			d := today.AddDays(-r.IntN(4))
			if !resumed.SettledBefore(d) {
				continue
			}
			assert.Equal(t, whole.RecordActiveDay(d), resumed.RecordActiveDay(d), "case %d.%d", n, k)
			w, wset := whole.Save(today)
			s, sset := resumed.Save(today)
			require.Equal(t, w.Base, s.Base, "case %d.%d", n, k)
			require.Equal(t, w.Marks, append(marksUpTo(sv0.Marks, s.MarksAfter), s.Marks...), "case %d.%d", n, k)
			require.Equal(t, w.FreezesUsed, s.FreezesUsed, "case %d.%d", n, k)
			require.Equal(t, w.MarksChanged, s.MarksChanged, "case %d.%d", n, k)
			require.Equal(t, []int{wset.Current, wset.Longest, wset.Equipped}, []int{sset.Current, sset.Longest, sset.Equipped}, "case %d.%d", n, k)
			require.Equal(t, whole.ActiveDays(), resumed.ActiveDays(), "case %d.%d", n, k)
		}
	}
}

func marksAfter(ms []progress.SettledDay, from calendar.Date) []progress.SettledDay {
	return slices.DeleteFunc(slices.Clone(ms), func(m progress.SettledDay) bool { return !from.IsZero() && !m.Date.After(from) })
}

func marksUpTo(ms []progress.SettledDay, last calendar.Date) []progress.SettledDay {
	out := []progress.SettledDay{}
	for _, m := range ms {
		if !last.IsZero() && !m.Date.After(last) {
			out = append(out, m)
		}
	}
	return out
}

// A resumed streak cannot take an event on a date its base settled for
// good, nor settle for a today the base reaches: Apply refuses rather than
// save a settlement that misses the dates before the base.
func TestApplyRefusesAResumedStreakThatDoesNotEndBefore(t *testing.T) {
	today := calendar.DateOf(t0, time.UTC)
	base := progress.StreakBase{Checkpoint: progress.Checkpoint{Through: today.AddDays(-1), Run: 3, Longest: 3},
		FirstActive: today.AddDays(-3), LastActive: today.AddDays(-1), ActiveDays: 3}
	resumed := progress.ResumeStreak(base, nil, nil, nil, nil)
	late, err := learning.NewEvent("id", "u", practice(50, t0.Add(-24*time.Hour)), t0, calendar.UTC)
	require.NoError(t, err)
	st := progress.State{Streak: resumed, Day: progress.NewDay(late.LocalDate()), Today: progress.NewDay(today)}
	_, err = progress.Apply(st, late, progress.Facts{Now: t0, Today: today, DailyXPGoal: 20})
	assert.True(t, errs.Is(err, errs.Internal), "an event on the base's last date: %v", err)

	e, err := learning.NewEvent("id", "u", practice(50, t0), t0, calendar.UTC)
	require.NoError(t, err)
	st = progress.State{Streak: resumed, Day: progress.NewDay(today), Today: progress.NewDay(today)}
	o, err := progress.Apply(st, e, progress.Facts{Now: t0, Today: today, DailyXPGoal: 20})
	require.NoError(t, err)
	assert.Equal(t, 4, o.Streak.Current)
	require.NotNil(t, o.StreakSave)
	assert.Equal(t, 4, o.StreakSave.Base.ActiveDays, "the base's days and the one the event added")
	assert.Equal(t, today, o.StreakSave.Base.LastActive)
	assert.Equal(t, today.AddDays(-1), o.StreakSave.MarksAfter)

	st.Streak = progress.ResumeStreak(progress.StreakBase{Checkpoint: progress.Checkpoint{Through: today}}, nil, nil, nil, nil)
	_, err = progress.Apply(st, e, progress.Facts{Now: t0, Today: today, DailyXPGoal: 20})
	assert.True(t, errs.Is(err, errs.Internal), "a base that reaches today: %v", err)
}
