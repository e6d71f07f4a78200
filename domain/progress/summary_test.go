package progress_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/progress"
)

func restoreDay(t *testing.T, r progress.DayRecord) progress.Day {
	t.Helper()
	d, err := progress.RestoreDay(r)
	require.NoError(t, err)
	return d
}

func TestSummarize(t *testing.T) {
	today := date(t, "2026-11-26")
	active := progress.NewStreak([]calendar.Date{date(t, "2026-11-20"), date(t, "2026-11-21"), date(t, "2026-11-22"), date(t, "2026-11-25")})
	cases := []struct {
		name  string
		total int
		days  progress.Streak
		today progress.Day
		goal  int
		want  progress.Summary
	}{
		{
			name: "new learner", total: 0, days: progress.NewStreak(nil), today: progress.NewDay(today), goal: 20,
			want: progress.Summary{Level: progress.LevelOf(0), DailyGoal: progress.GoalStatus{GoalXP: 20}},
		},
		{
			name: "active yesterday, nothing yet today", total: 1250, days: active, today: progress.NewDay(today), goal: 30,
			want: progress.Summary{
				TotalXP: 1250, Level: progress.LevelOf(1250), CurrentStreak: 1, LongestStreak: 3,
				LastActiveDate: date(t, "2026-11-25"), DailyGoal: progress.GoalStatus{GoalXP: 30},
			},
		},
		{
			name: "today's goal fixed earlier wins over the current one", total: 40,
			days:  progress.NewStreak([]calendar.Date{today}),
			today: restoreDay(t, progress.DayRecord{Date: today, XP: 40, CreditedXP: 25, GoalXP: 20, GoalMet: true, Active: true}),
			goal:  100,
			want: progress.Summary{
				TotalXP: 40, Level: progress.LevelOf(40), CurrentStreak: 1, LongestStreak: 1, StreakActiveToday: true,
				LastActiveDate: today, DailyGoal: progress.GoalStatus{GoalXP: 20, TodayXP: 25, Met: true},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, progress.Summarize(c.total, c.days, c.today, c.goal))
		})
	}
}

func TestRatios(t *testing.T) {
	cases := []struct {
		name string
		got  float64
		want float64
	}{
		{"completion of an empty course", progress.CompletionRate(0, 0), 0},
		{"completion one of three, unrounded", progress.CompletionRate(1, 3), 1.0 / 3},
		{"completion all", progress.CompletionRate(5, 5), 1},
		{"completion never above 1 after a lesson was removed", progress.CompletionRate(6, 5), 1},
		{"average of nobody", progress.AverageXP(0, 0), 0},
		{"average", progress.AverageXP(300, 4), 75},
		{"percentile of a lone learner", progress.XPPercentile(0, 1), 0},
		{"percentile", progress.XPPercentile(3, 4), 75},
		{"percentile of no learners", progress.XPPercentile(0, 0), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { assert.InDelta(t, c.want, c.got, 1e-12) })
	}
}

func TestAccuracy(t *testing.T) {
	cases := []struct {
		name              string
		correct, attempts int
		want              float64
		wantOK            bool
	}{
		{"none attempted is null", 0, 0, 0, false},
		{"all wrong", 0, 4, 0, true},
		{"three of four", 3, 4, 0.75, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := progress.Accuracy(c.correct, c.attempts)
			assert.Equal(t, c.wantOK, ok)
			assert.InDelta(t, c.want, got, 1e-12)
		})
	}
}

func TestHistoryAndLast7Days(t *testing.T) {
	today := date(t, "2026-03-10")
	records := []progress.Day{
		restoreDay(t, progress.DayRecord{Date: date(t, "2026-03-10"), XP: 30, CreditedXP: 30, GoalXP: 20, GoalMet: true, Active: true, LessonsCompleted: 2, TimeSpentSeconds: 600}),
		restoreDay(t, progress.DayRecord{Date: date(t, "2026-03-08"), XP: 10, CreditedXP: 10, GoalXP: 20, Active: true, LessonsCompleted: 1, TimeSpentSeconds: 100}),
		restoreDay(t, progress.DayRecord{Date: date(t, "2026-03-03"), XP: 99, LessonsCompleted: 9, TimeSpentSeconds: 9}), // outside 7 days
		restoreDay(t, progress.DayRecord{Date: date(t, "2026-03-04"), XP: 5, TimeSpentSeconds: 50}),                      // first of 7 days
	}
	h := progress.History(today, 7, records)
	require.Len(t, h, 7)
	var dates []string
	for _, d := range h {
		dates = append(dates, d.Date().String())
	}
	// DST starts in New York on March 8; dates are calendar days regardless.
	assert.Equal(t, []string{"2026-03-04", "2026-03-05", "2026-03-06", "2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"}, dates)
	assert.Equal(t, progress.NewDay(date(t, "2026-03-05")), h[1], "an empty day is included")
	assert.True(t, h[6].GoalMet())
	assert.Equal(t, progress.DayTotals{XP: 45, LessonsCompleted: 3, TimeSpentSeconds: 750, ActiveDays: 2}, progress.SumDays(h))
	assert.Equal(t, progress.DayTotals{XP: 30, LessonsCompleted: 2, TimeSpentSeconds: 600, ActiveDays: 1},
		progress.SumDays([]progress.Day{records[0], records[0]}), "a date counts once")

	assert.Nil(t, progress.History(today, 0, records))
	assert.Len(t, progress.History(today, 365, nil), 365)
	assert.Equal(t, "2025-03-11", progress.History(today, 365, nil)[0].Date().String())
}

func TestRestoreDay(t *testing.T) {
	d := date(t, "2026-11-26")
	good := progress.DayRecord{Date: d, XP: 40, CreditedXP: 30, GoalXP: 20, GoalMet: true, Active: true, LessonsCompleted: 2, TimeSpentSeconds: 90}
	day := restoreDay(t, good)
	assert.Equal(t, good, day.Record())
	g, ok := day.GoalInForce()
	assert.True(t, ok)
	assert.Equal(t, 20, g)
	assert.Equal(t, 30, day.GoalXPEarned())

	cases := []struct {
		name   string
		mutate func(*progress.DayRecord)
	}{
		{"no date", func(r *progress.DayRecord) { r.Date = calendar.Date{} }},
		{"negative xp", func(r *progress.DayRecord) { r.XP, r.CreditedXP = -1, 0 }},
		{"credited above total", func(r *progress.DayRecord) { r.CreditedXP = 41 }},
		{"met without a goal", func(r *progress.DayRecord) { r.GoalXP = 0 }},
		{"negative time", func(r *progress.DayRecord) { r.TimeSpentSeconds = -1 }},
		{"negative lessons", func(r *progress.DayRecord) { r.LessonsCompleted = -1 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := good
			c.mutate(&r)
			_, err := progress.RestoreDay(r)
			assert.Equal(t, errs.Internal, errs.KindOf(err))
		})
	}
}
