package progress

import (
	"slices"

	"github.com/lingo-labs/lingo/domain/calendar"
)

// GoalStatus is a date's daily goal as the progress summary shows it.
type GoalStatus struct {
	GoalXP  int
	TodayXP int
	Met     bool
}

// Summary holds the numbers of the progress summary (docs/progress-rules.md) that come
// from the learner's aggregates; lesson, course and global figures are
// counted by the store and computed with CompletionRate, AverageXP and
// XPPercentile.
type Summary struct {
	TotalXP           int
	Level             Level
	CurrentStreak     int
	LongestStreak     int
	StreakActiveToday bool
	// LastActiveDate is the zero Date when the learner was never active
	// (null in JSON).
	LastActiveDate calendar.Date
	DailyGoal      GoalStatus
	Freezes        FreezeStatus
}

// FreezeStatus is the progress summary's streak_freezes.
type FreezeStatus struct {
	Equipped  int
	Max       int
	UsedTotal int
	// LastUsedOn is the zero Date when no freeze was used (null in JSON).
	LastUsedOn calendar.Date
}

// Summarize computes the summary from the stored total, the active dates,
// today's day record (NewDay(today) when there is none) and the learner's
// current daily_xp_goal, which applies to today until a credited event fixes
// it.
func Summarize(totalXP int, streak Streak, today Day, currentGoal int) Summary {
	last, _ := streak.LastActive()
	set := streak.Settle(today.date)
	return Summary{
		TotalXP:           totalXP,
		Level:             LevelOf(totalXP),
		CurrentStreak:     set.Current,
		LongestStreak:     set.Longest,
		StreakActiveToday: streak.Has(today.date),
		LastActiveDate:    last,
		DailyGoal:         GoalStatus{GoalXP: today.goalFor(currentGoal), TodayXP: today.creditedXP, Met: today.goalMet},
		Freezes: FreezeStatus{Equipped: set.Equipped, Max: streak.FreezeMax(), UsedTotal: set.Settled.UsedTotal,
			LastUsedOn: set.Settled.LastUsed},
	}
}

// CompletionRate is completed / total in 0..1, unrounded; 0 for an empty
// course, which has nothing to complete.
func CompletionRate(completed, total int) float64 {
	if total <= 0 {
		return 0
	}
	return min(float64(completed)/float64(total), 1)
}

// AverageXP is the mean total XP of learners (0 when there are none).
func AverageXP(sumXP, learners int) float64 {
	if learners <= 0 {
		return 0
	}
	return float64(sumXP) / float64(learners)
}

// XPPercentile is the share, 0..100, of learners with less XP than the
// caller: below counts them, learners counts every active learner (the
// caller included). A lone learner is at 0.
func XPPercentile(below, learners int) float64 {
	if learners <= 0 {
		return 0
	}
	return 100 * float64(below) / float64(learners)
}

// Accuracy is correct over attempted exercise_attempted events, and false
// (null in JSON) when none was attempted.
func Accuracy(correct, attempted int) (float64, bool) {
	if attempted <= 0 {
		return 0, false
	}
	return float64(correct) / float64(attempted), true
}

// History returns one day per date of the n days ending today, oldest first,
// taking each from records (stored days, any order, other dates ignored) and
// an empty day where there is none.
func History(today calendar.Date, n int, records []Day) []Day {
	if n <= 0 {
		return nil
	}
	byDate := make(map[calendar.Date]Day, len(records))
	for _, d := range records {
		byDate[d.date] = d
	}
	out := make([]Day, n)
	for i := range n {
		date := today.AddDays(i - n + 1)
		if d, ok := byDate[date]; ok {
			out[i] = d
		} else {
			out[i] = NewDay(date)
		}
	}
	return out
}

// DayTotals sums day records, as last_7_days does.
type DayTotals struct {
	XP               int
	LessonsCompleted int
	TimeSpentSeconds int
	ActiveDays       int
}

// SumDays adds up days; each date counts once, so a caller's duplicate
// record cannot inflate the totals.
func SumDays(days []Day) DayTotals {
	var t DayTotals
	var seen []calendar.Date
	for _, d := range days {
		if slices.Contains(seen, d.date) {
			continue
		}
		seen = append(seen, d.date)
		t.XP += d.xp
		t.LessonsCompleted += d.lessonsCompleted
		t.TimeSpentSeconds += d.timeSpent
		if d.active {
			t.ActiveDays++
		}
	}
	return t
}
