package httpapi

import (
	"github.com/gin-gonic/gin"

	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/progress"
)

func dateOrNil(d calendar.Date) *string {
	if d.IsZero() {
		return nil
	}
	s := d.String()
	return &s
}

func progressDTO(p analytics.ProgressSummary) gin.H {
	courses := make([]gin.H, 0, len(p.Courses))
	for _, c := range p.Courses {
		courses = append(courses, gin.H{"course_id": c.CourseID, "title": c.Title, "lessons_completed": c.LessonsCompleted,
			"lessons_total": c.LessonsTotal, "completion_rate": c.CompletionRate})
	}
	achievements := make([]gin.H, 0, len(p.Achievements))
	for _, a := range p.Achievements {
		achievements = append(achievements, gin.H{"code": a.Achievement.String(), "unlocked_at": FormatTime(a.UnlockedAt)})
	}
	out := gin.H{
		"total_xp": p.TotalXP, "level": p.Level.Level, "xp_in_level": p.Level.XPInLevel,
		"xp_to_next_level": p.Level.XPToNextLevel, "level_progress": p.Level.Progress,
		"current_streak": p.CurrentStreak, "longest_streak": p.LongestStreak, "streak_active_today": p.StreakActiveToday,
		"last_active_date":  dateOrNil(p.LastActiveDate),
		"daily_goal":        gin.H{"goal_xp": p.DailyGoal.GoalXP, "today_xp": p.DailyGoal.TodayXP, "met": p.DailyGoal.Met},
		"lessons_completed": p.LessonsCompleted, "courses_completed": p.CoursesCompleted,
		"courses": courses, "achievements": achievements,
	}
	if g := p.Global; g != nil {
		out["global"] = gin.H{"learners": g.Learners, "average_xp": g.AverageXP, "xp_percentile": g.XPPercentile}
	}
	return out
}

func statsDTO(s analytics.UserStats) gin.H {
	t := s.Totals
	out := gin.H{
		"totals": gin.H{"total_xp": t.TotalXP, "level": t.Level, "lessons_completed": t.LessonsCompleted,
			"courses_completed": t.CoursesCompleted, "practice_sessions": t.PracticeSessions,
			"exercises_attempted": t.ExercisesAttempted, "exercises_correct": t.ExercisesCorrect, "accuracy": t.Accuracy,
			"time_spent_seconds": t.TimeSpentSeconds, "sessions": t.Sessions, "active_days": t.ActiveDays},
		"streak": gin.H{"current": s.Current, "longest": s.Longest},
		"last_7_days": gin.H{"xp": s.Last7Days.XP, "lessons_completed": s.Last7Days.LessonsCompleted,
			"time_spent_seconds": s.Last7Days.TimeSpentSeconds, "active_days": s.Last7Days.ActiveDays},
	}
	if s.History != nil {
		out["history"] = historyDTO(s.History)
	}
	return out
}

func historyDTO(days []progress.Day) []gin.H {
	out := make([]gin.H, 0, len(days))
	for _, d := range days {
		out = append(out, gin.H{"date": d.Date().String(), "xp": d.XP(), "lessons_completed": d.LessonsCompleted(),
			"time_spent_seconds": d.TimeSpentSeconds(), "goal_met": d.GoalMet()})
	}
	return out
}

func metricsDTO(m analytics.MetricsReport) gin.H {
	timeline := make([]gin.H, 0, len(m.Timeline))
	for _, d := range m.Timeline {
		timeline = append(timeline, gin.H{"date": d.Date.String(), "active_users": d.ActiveUsers, "events": d.Events, "xp": d.XP})
	}
	return gin.H{
		"range": gin.H{"from": FormatTime(m.From), "to": FormatTime(m.To)},
		"users": gin.H{"total": m.UsersTotal, "new": m.UsersNew, "active_daily": m.ActiveDaily,
			"active_weekly": m.ActiveWeekly, "active_monthly": m.ActiveMonth},
		"events":   gin.H{"total": m.EventsTotal, "by_type": m.ByType},
		"learning": gin.H{"lessons_completed": m.LessonsCompleted, "courses_completed": m.CoursesCompleted, "xp_awarded": m.XPAwarded, "average_score": m.AverageScore},
		"timeline": timeline,
	}
}
