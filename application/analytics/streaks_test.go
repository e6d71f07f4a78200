package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// today is the learner's date at now (UTC, the default zone).
var today = calendar.DateOf(now, time.UTC)

// streakWorld is a world with streak protection (at most freezeMax freezes)
// whose learner practised on each of the given days before today.
func streakWorld(t *testing.T, freezeMax int, daysAgo ...int) *world {
	t.Helper()
	w := newWorld(t)
	w.build(analytics.WithStreaks(memory.NewStreaks(w.store), memory.NewUsers(w.store), freezeMax))
	for _, ago := range daysAgo {
		w.clock.Set(now.AddDate(0, 0, -ago))
		w.mustRecord(submission(practice(80), "s"))
	}
	w.clock.Set(now)
	return w
}

// statuses is the calendar as "date status" strings, for readable diffs.
func statuses(days []analytics.CalendarDay) []string {
	out := make([]string, len(days))
	for i, d := range days {
		out[i] = d.Date.String() + " " + d.Status.String()
	}
	return out
}

func ago(n int) calendar.Date { return today.AddDays(-n) }

func TestCalendarShowsEachDatesStatus(t *testing.T) {
	w := streakWorld(t, 2, 5, 4, 1)
	days, err := w.svc.Calendar(context.Background(), w.user, ago(6), calendar.Date{})
	require.NoError(t, err)
	assert.Equal(t, []string{
		ago(6).String() + " none", ago(5).String() + " active", ago(4).String() + " active",
		ago(3).String() + " missed", ago(2).String() + " missed", ago(1).String() + " active", today.String() + " pending",
	}, statuses(days))
	assert.Positive(t, days[1].XP, "the day record's XP is shown")

	days, err = w.svc.Calendar(context.Background(), w.user, calendar.Date{}, calendar.Date{})
	require.NoError(t, err)
	require.Len(t, days, analytics.DefaultCalendarDays, "no range: the 30 days ending today")
	assert.Equal(t, today, days[len(days)-1].Date)
}

func TestCalendarRefusesBadRanges(t *testing.T) {
	cases := []struct {
		name     string
		from, to calendar.Date
		field    string
	}{
		{"to after today", calendar.Date{}, today.AddDays(1), "to"},
		{"from after to", ago(1), ago(2), "from"},
		{"more than 366 days", ago(366), today, "from"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := streakWorld(t, 2)
			_, err := w.svc.Calendar(context.Background(), w.user, c.from, c.to)
			e, ok := errs.As(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, errs.Invalid, e.Kind)
			require.Len(t, e.Fields, 1)
			assert.Equal(t, c.field, e.Fields[0].Field)
		})
	}
	w := streakWorld(t, 2)
	days, err := w.svc.Calendar(context.Background(), w.user, ago(365), today)
	require.NoError(t, err, "exactly 366 days is allowed")
	assert.Len(t, days, analytics.MaxCalendarDays)
}

func TestGrantFreezes(t *testing.T) {
	cases := []struct {
		name         string
		freezeMax    int
		grants       []int
		wantEquipped int
	}{
		{"one", 2, []int{1}, 1},
		{"two grants add up", 3, []int{1, 2}, 3},
		{"what goes over the cap is lost", 2, []int{10}, 2},
		{"a zero cap holds none", 0, []int{3}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := streakWorld(t, c.freezeMax, 1)
			var inv analytics.FreezeInventory
			for _, n := range c.grants {
				var err error
				inv, err = w.svc.GrantFreezes(context.Background(), w.user, n)
				require.NoError(t, err)
			}
			assert.Equal(t, analytics.FreezeInventory{Equipped: c.wantEquipped, Max: c.freezeMax}, inv)
		})
	}
}

// TestGrantedFreezeSavesAMissedDay: a freeze held over a missed date
// freezes it, and the streak goes on across it.
func TestGrantedFreezeSavesAMissedDay(t *testing.T) {
	w := streakWorld(t, 2, 3)
	w.clock.Set(now.AddDate(0, 0, -3))
	_, err := w.svc.GrantFreezes(context.Background(), w.user, 1)
	require.NoError(t, err)
	w.clock.Set(now.AddDate(0, 0, -1))
	w.mustRecord(submission(practice(80), "s"))
	w.clock.Set(now)

	days, err := w.svc.Calendar(context.Background(), w.user, ago(3), ago(1))
	require.NoError(t, err)
	assert.Equal(t, []string{ago(3).String() + " active", ago(2).String() + " frozen", ago(1).String() + " active"}, statuses(days))
	assert.Equal(t, 2, w.snapshot().Streak.WithFreezeMax(2).Settle(today).Current)
}

func TestGrantFreezesRefusals(t *testing.T) {
	cases := []struct {
		name  string
		user  string // "": the world's learner
		count int
		kind  errs.Kind
	}{
		{"zero", "", 0, errs.Invalid},
		{"over ten", "", analytics.MaxGrant + 1, errs.Invalid},
		{"unknown learner", "01900000-0000-7000-8000-000000000000", 1, errs.NotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := streakWorld(t, 2)
			user := w.user
			if c.user != "" {
				user = c.user
			}
			_, err := w.svc.GrantFreezes(context.Background(), user, c.count)
			assert.Equal(t, c.kind, errs.KindOf(err), "%v", err)
			inv, err := w.svc.GrantFreezes(context.Background(), w.user, 1)
			require.NoError(t, err)
			assert.Equal(t, 1, inv.Equipped, "the refused grant gave nothing")
		})
	}
}

func TestRepairStreak(t *testing.T) {
	w := streakWorld(t, 2, 5, 4, 1)
	// Unsorted, with a repeat and an active date that stays as it is.
	days, err := w.svc.RepairStreak(context.Background(), w.user, []calendar.Date{ago(2), ago(5), ago(3), ago(2)})
	require.NoError(t, err)
	assert.Equal(t, []string{ago(5).String() + " active", ago(3).String() + " repaired", ago(2).String() + " repaired"}, statuses(days))
	assert.Equal(t, 3, w.snapshot().Streak.WithFreezeMax(2).Settle(today).Current, "the repaired dates bridge the run")

	// Repairing again changes nothing.
	again, err := w.svc.RepairStreak(context.Background(), w.user, []calendar.Date{ago(3)})
	require.NoError(t, err)
	assert.Equal(t, []string{ago(3).String() + " repaired"}, statuses(again))

	all, err := w.svc.Calendar(context.Background(), w.user, ago(6), today)
	require.NoError(t, err)
	assert.Equal(t, []string{
		ago(6).String() + " none", ago(5).String() + " active", ago(4).String() + " active",
		ago(3).String() + " repaired", ago(2).String() + " repaired", ago(1).String() + " active", today.String() + " pending",
	}, statuses(all))
}

func TestRepairStreakRefusals(t *testing.T) {
	many := make([]calendar.Date, analytics.MaxRepairDates+1)
	for i := range many {
		many[i] = ago(i + 1)
	}
	cases := []struct {
		name  string
		user  string
		dates []calendar.Date
		kind  errs.Kind
		field string
	}{
		{"no dates", "", nil, errs.Invalid, "dates"},
		{"too many dates", "", many, errs.Invalid, "dates"},
		{"a date after today", "", []calendar.Date{ago(3), today.AddDays(1)}, errs.Invalid, "dates[1]"},
		{"unknown learner", "01900000-0000-7000-8000-000000000000", []calendar.Date{ago(3)}, errs.NotFound, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := streakWorld(t, 2, 5, 1)
			user := w.user
			if c.user != "" {
				user = c.user
			}
			_, err := w.svc.RepairStreak(context.Background(), user, c.dates)
			e, ok := errs.As(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, c.kind, e.Kind)
			if c.field != "" {
				require.Len(t, e.Fields, 1)
				assert.Equal(t, c.field, e.Fields[0].Field)
			}
			days, err := w.svc.Calendar(context.Background(), w.user, ago(3), ago(3))
			require.NoError(t, err)
			assert.Equal(t, progress.StatusMissed, days[0].Status, "the refused repair changed nothing")
		})
	}
}

func TestStreakProtectionNeedsWiring(t *testing.T) {
	w := newWorld(t) // no WithStreaks
	_, err := w.svc.GrantFreezes(context.Background(), w.user, 1)
	assert.Equal(t, errs.Internal, errs.KindOf(err), "%v", err)
	_, err = w.svc.RepairStreak(context.Background(), w.user, []calendar.Date{ago(1)})
	assert.Equal(t, errs.Internal, errs.KindOf(err), "%v", err)
	_, err = w.svc.Calendar(context.Background(), w.user, ago(1), today)
	assert.NoError(t, err, "the calendar reads without streak protection")
}

// TestRepairLeavesOtherDatesAsTheyAre: only missed dates are repaired; a
// frozen date keeps its freeze, a date before the first active one stays
// none, and the answer shows them as they are.
func TestRepairLeavesOtherDatesAsTheyAre(t *testing.T) {
	w := streakWorld(t, 2, 3)
	rec := &repairLog{StreakStore: memory.NewStreaks(w.store)}
	w.build(analytics.WithStreaks(rec, memory.NewUsers(w.store), 2))
	w.clock.Set(now.AddDate(0, 0, -3))
	_, err := w.svc.GrantFreezes(context.Background(), w.user, 1)
	require.NoError(t, err)
	w.clock.Set(now.AddDate(0, 0, -1))
	w.mustRecord(submission(practice(80), "s"))
	w.clock.Set(now)

	days, err := w.svc.RepairStreak(context.Background(), w.user, []calendar.Date{ago(4), ago(2)})
	require.NoError(t, err)
	assert.Equal(t, []string{ago(4).String() + " none", ago(2).String() + " frozen"}, statuses(days))
	assert.Empty(t, rec.repaired, "nothing was missed, so nothing was stored as repaired")

	days, err = w.svc.RepairStreak(context.Background(), w.user, []calendar.Date{ago(3), today, ago(1)})
	require.NoError(t, err)
	assert.Equal(t, []string{ago(3).String() + " active", ago(1).String() + " active", today.String() + " pending"}, statuses(days))
	assert.Empty(t, rec.repaired, "active and pending dates are not repaired")
	inv, err := w.svc.GrantFreezes(context.Background(), w.user, 1)
	require.NoError(t, err)
	assert.Equal(t, 1, inv.Equipped, "the freeze spent on the frozen date was not given back")
}

// repairLog is a streak store that records the dates stored as repaired.
type repairLog struct {
	ports.StreakStore
	repaired []calendar.Date
}

func (r *repairLog) Update(ctx context.Context, userID string, fn func(ports.StreakTx) error) error {
	return r.StreakStore.Update(ctx, userID, func(tx ports.StreakTx) error { return fn(repairTx{tx, r}) })
}

type repairTx struct {
	ports.StreakTx
	log *repairLog
}

func (t repairTx) AddRepairs(dates []calendar.Date, at time.Time) error {
	t.log.repaired = append(t.log.repaired, dates...)
	return t.StreakTx.AddRepairs(dates, at)
}
