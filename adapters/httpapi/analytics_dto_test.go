package httpapi

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/health"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of testdata/")

// The read answers were maps until they became typed DTOs; these golden files
// hold them to the bytes the maps wrote (keys in sorted order), so the change
// and any later one cannot alter what clients receive.
func TestAnalyticsReadDTOsKeepTheirBytes(t *testing.T) {
	at := time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)
	day := calendar.NewDate(2026, 11, 26)
	ev, err := learning.NewServerEvent("0b9a2b6e-4d1c-4a8e-9f3a-1c2d3e4f5a6b", "7c0e2a3b-1d4f-4e5a-8b6c-9d0e1f2a3b4c",
		learning.LevelUp, at, at, day, map[string]any{"k": 1})
	require.NoError(t, err)
	d1, err := progress.RestoreDay(progress.DayRecord{Date: day, XP: 30, CreditedXP: 30, GoalXP: 20, GoalMet: true,
		LessonsCompleted: 1, TimeSpentSeconds: 90})
	require.NoError(t, err)
	acc := 0.75
	avg := 81.5
	sum := analytics.ProgressSummary{
		Summary: progress.Summary{TotalXP: 1234, Level: progress.LevelOf(1234), CurrentStreak: 3, LongestStreak: 9,
			StreakActiveToday: true, LastActiveDate: day, DailyGoal: progress.GoalStatus{GoalXP: 20, TodayXP: 30, Met: true},
			Freezes: progress.FreezeStatus{Equipped: 1, Max: 2, UsedTotal: 3, LastUsedOn: day.AddDays(-2)}},
		LessonsCompleted: 4, CoursesCompleted: 1,
		Courses: []analytics.CourseProgress{{CourseProgress: ports.CourseProgress{CourseID: "c1", Title: "Spanish",
			LessonsCompleted: 4, LessonsTotal: 8}, CompletionRate: 0.5}},
		Achievements: []progress.Unlock{{Achievement: progress.FirstLesson, UnlockedAt: at}},
	}
	withGlobal := sum
	withGlobal.Global = &analytics.Global{Learners: 12, AverageXP: 400.5, XPPercentile: 91.25}
	stats := analytics.UserStats{
		Totals: analytics.Totals{TotalXP: 1234, Level: 2, LessonsCompleted: 4, CoursesCompleted: 1, PracticeSessions: 2,
			ExercisesAttempted: 8, ExercisesCorrect: 6, Accuracy: &acc, TimeSpentSeconds: 600, Sessions: 3, ActiveDays: 5},
		Current: 3, Longest: 9, Last7Days: progress.DayTotals{XP: 300, LessonsCompleted: 2, TimeSpentSeconds: 200, ActiveDays: 2},
	}
	withHistory := stats
	withHistory.History = []progress.Day{d1, progress.NewDay(day.AddDays(1))}
	emptyHistory := stats
	emptyHistory.History = []progress.Day{}
	metrics := analytics.MetricsReport{From: at.Add(-48 * time.Hour), To: at, Metrics: ports.Metrics{
		UsersTotal: 10, UsersNew: 2, ActiveDaily: 3, ActiveWeekly: 5, ActiveMonth: 7, EventsTotal: 40,
		ByType: map[string]int{"lesson_started": 30, "lesson_completed": 10}, LessonsCompleted: 10, CoursesCompleted: 1,
		XPAwarded: 900, AverageScore: &avg, Timeline: []ports.TimelineDay{{Date: day, ActiveUsers: 3, Events: 40, XP: 900}},
	}}
	page, pagination := eventPageDTO(analytics.Page{Items: []learning.Event{ev}, NextCursor: "abc", Limit: 1})
	lastPage, lastPagination := eventPageDTO(analytics.Page{Limit: 50})
	answers := map[string]any{
		"progress":            progressDTO(sum),
		"progress_global":     progressDTO(withGlobal),
		"progress_empty":      progressDTO(analytics.ProgressSummary{}),
		"stats":               statsDTO(stats),
		"stats_history":       statsDTO(withHistory),
		"stats_history_empty": statsDTO(emptyHistory),
		"metrics":             metricsDTO(metrics),
		"metrics_empty":       metricsDTO(analytics.MetricsReport{From: at, To: at}),
		"page":                []any{page, pagination},
		"page_last":           []any{lastPage, lastPagination},
		"health":              analyticsHealthDTO(analytics.StoreHealth{Status: health.Healthy, Latency: 1500 * time.Microsecond, LastReceivedAt: at}),
		"health_never":        analyticsHealthDTO(analytics.StoreHealth{Status: health.Degraded}),
	}
	for name, v := range answers {
		t.Run(name, func(t *testing.T) {
			got, err := json.Marshal(v)
			require.NoError(t, err)
			path := filepath.Join("testdata", "analytics_"+name+".golden.json")
			if *updateGolden {
				require.NoError(t, os.WriteFile(path, got, 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, string(want), string(got))
		})
	}
}
