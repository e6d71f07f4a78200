package httpapi

import (
	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/progress"
)

// The read answers' fields are declared in the sorted order of their JSON
// names: these answers were maps once, and clients received their keys in
// that order (testdata/analytics_*.golden.json holds them to it).

func dateOrNil(d calendar.Date) *string {
	if d.IsZero() {
		return nil
	}
	s := d.String()
	return &s
}

type eventPageDataDTO struct {
	Items      []EventDTO `json:"items"`
	NextCursor *string    `json:"next_cursor"`
}

type paginationDTO struct {
	HasMore    bool    `json:"has_more"`
	Limit      int     `json:"limit"`
	NextCursor *string `json:"next_cursor"`
}

// eventPageDTO is the event list's data and its metadata.pagination.
func eventPageDTO(page analytics.Page) (eventPageDataDTO, paginationDTO) {
	items := make([]EventDTO, 0, len(page.Items))
	for _, e := range page.Items {
		items = append(items, eventDTO(e))
	}
	var next *string
	if page.NextCursor != "" {
		next = &page.NextCursor
	}
	return eventPageDataDTO{Items: items, NextCursor: next}, paginationDTO{HasMore: next != nil, Limit: page.Limit, NextCursor: next}
}

type courseProgressDTO struct {
	CompletionRate   float64 `json:"completion_rate"`
	CourseID         string  `json:"course_id"`
	LessonsCompleted int     `json:"lessons_completed"`
	LessonsTotal     int     `json:"lessons_total"`
	Title            string  `json:"title"`
}

type unlockDTO struct {
	Code       string `json:"code"`
	UnlockedAt string `json:"unlocked_at"`
}

type goalStatusDTO struct {
	GoalXP  int  `json:"goal_xp"`
	Met     bool `json:"met"`
	TodayXP int  `json:"today_xp"`
}

type globalDTO struct {
	AverageXP    float64 `json:"average_xp"`
	Learners     int     `json:"learners"`
	XPPercentile float64 `json:"xp_percentile"`
}

type freezesDTO struct {
	Equipped   int     `json:"equipped"`
	LastUsedOn *string `json:"last_used_on"`
	Max        int     `json:"max"`
	UsedTotal  int     `json:"used_total"`
}

type progressSummaryDTO struct {
	Achievements      []unlockDTO         `json:"achievements"`
	Courses           []courseProgressDTO `json:"courses"`
	CoursesCompleted  int                 `json:"courses_completed"`
	CurrentStreak     int                 `json:"current_streak"`
	DailyGoal         goalStatusDTO       `json:"daily_goal"`
	Global            *globalDTO          `json:"global,omitempty"`
	LastActiveDate    *string             `json:"last_active_date"`
	LessonsCompleted  int                 `json:"lessons_completed"`
	Level             int                 `json:"level"`
	LevelProgress     float64             `json:"level_progress"`
	LongestStreak     int                 `json:"longest_streak"`
	StreakActiveToday bool                `json:"streak_active_today"`
	StreakFreezes     freezesDTO          `json:"streak_freezes"`
	TotalXP           int                 `json:"total_xp"`
	XPInLevel         int                 `json:"xp_in_level"`
	XPToNextLevel     int                 `json:"xp_to_next_level"`
}

func progressDTO(p analytics.ProgressSummary) progressSummaryDTO {
	courses := make([]courseProgressDTO, 0, len(p.Courses))
	for _, c := range p.Courses {
		courses = append(courses, courseProgressDTO{CompletionRate: c.CompletionRate, CourseID: c.CourseID,
			LessonsCompleted: c.LessonsCompleted, LessonsTotal: c.LessonsTotal, Title: c.Title})
	}
	achievements := make([]unlockDTO, 0, len(p.Achievements))
	for _, a := range p.Achievements {
		achievements = append(achievements, unlockDTO{Code: a.Achievement.String(), UnlockedAt: FormatTime(a.UnlockedAt)})
	}
	out := progressSummaryDTO{
		Achievements: achievements, Courses: courses, CoursesCompleted: p.CoursesCompleted,
		CurrentStreak:  p.CurrentStreak,
		DailyGoal:      goalStatusDTO{GoalXP: p.DailyGoal.GoalXP, Met: p.DailyGoal.Met, TodayXP: p.DailyGoal.TodayXP},
		LastActiveDate: dateOrNil(p.LastActiveDate), LessonsCompleted: p.LessonsCompleted,
		Level: p.Level.Level, LevelProgress: p.Level.Progress, LongestStreak: p.LongestStreak,
		StreakActiveToday: p.StreakActiveToday,
		StreakFreezes: freezesDTO{Equipped: p.Freezes.Equipped, LastUsedOn: dateOrNil(p.Freezes.LastUsedOn), Max: p.Freezes.Max,
			UsedTotal: p.Freezes.UsedTotal},
		TotalXP: p.TotalXP, XPInLevel: p.Level.XPInLevel,
		XPToNextLevel: p.Level.XPToNextLevel,
	}
	if g := p.Global; g != nil {
		out.Global = &globalDTO{AverageXP: g.AverageXP, Learners: g.Learners, XPPercentile: g.XPPercentile}
	}
	return out
}

type statsTotalsDTO struct {
	Accuracy           *float64 `json:"accuracy"`
	ActiveDays         int      `json:"active_days"`
	CoursesCompleted   int      `json:"courses_completed"`
	ExercisesAttempted int      `json:"exercises_attempted"`
	ExercisesCorrect   int      `json:"exercises_correct"`
	LessonsCompleted   int      `json:"lessons_completed"`
	Level              int      `json:"level"`
	PracticeSessions   int      `json:"practice_sessions"`
	Sessions           int      `json:"sessions"`
	TimeSpentSeconds   int      `json:"time_spent_seconds"`
	TotalXP            int      `json:"total_xp"`
}

type statsStreakDTO struct {
	Current int `json:"current"`
	Longest int `json:"longest"`
}

type dayTotalsDTO struct {
	ActiveDays       int `json:"active_days"`
	LessonsCompleted int `json:"lessons_completed"`
	TimeSpentSeconds int `json:"time_spent_seconds"`
	XP               int `json:"xp"`
}

type historyDayDTO struct {
	Date             string `json:"date"`
	GoalMet          bool   `json:"goal_met"`
	LessonsCompleted int    `json:"lessons_completed"`
	TimeSpentSeconds int    `json:"time_spent_seconds"`
	XP               int    `json:"xp"`
}

type userStatsDTO struct {
	// History is a pointer so that a history asked for and empty is [] and
	// one not asked for is left out.
	History   *[]historyDayDTO `json:"history,omitempty"`
	Last7Days dayTotalsDTO     `json:"last_7_days"`
	Streak    statsStreakDTO   `json:"streak"`
	Totals    statsTotalsDTO   `json:"totals"`
}

func statsDTO(s analytics.UserStats) userStatsDTO {
	t, l := s.Totals, s.Last7Days
	out := userStatsDTO{
		Last7Days: dayTotalsDTO{ActiveDays: l.ActiveDays, LessonsCompleted: l.LessonsCompleted,
			TimeSpentSeconds: l.TimeSpentSeconds, XP: l.XP},
		Streak: statsStreakDTO{Current: s.Current, Longest: s.Longest},
		Totals: statsTotalsDTO{Accuracy: t.Accuracy, ActiveDays: t.ActiveDays, CoursesCompleted: t.CoursesCompleted,
			ExercisesAttempted: t.ExercisesAttempted, ExercisesCorrect: t.ExercisesCorrect,
			LessonsCompleted: t.LessonsCompleted, Level: t.Level, PracticeSessions: t.PracticeSessions,
			Sessions: t.Sessions, TimeSpentSeconds: t.TimeSpentSeconds, TotalXP: t.TotalXP},
	}
	if s.History != nil {
		h := historyDTO(s.History)
		out.History = &h
	}
	return out
}

func historyDTO(days []progress.Day) []historyDayDTO {
	out := make([]historyDayDTO, 0, len(days))
	for _, d := range days {
		out = append(out, historyDayDTO{Date: d.Date().String(), GoalMet: d.GoalMet(),
			LessonsCompleted: d.LessonsCompleted(), TimeSpentSeconds: d.TimeSpentSeconds(), XP: d.XP()})
	}
	return out
}

type metricsEventsDTO struct {
	ByType map[string]int `json:"by_type"`
	Total  int            `json:"total"`
}

type metricsLearningDTO struct {
	AverageScore     *float64 `json:"average_score"`
	CoursesCompleted int      `json:"courses_completed"`
	LessonsCompleted int      `json:"lessons_completed"`
	XPAwarded        int      `json:"xp_awarded"`
}

type metricsRangeDTO struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type timelineDayDTO struct {
	ActiveUsers int    `json:"active_users"`
	Date        string `json:"date"`
	Events      int    `json:"events"`
	XP          int    `json:"xp"`
}

type metricsUsersDTO struct {
	ActiveDaily   int `json:"active_daily"`
	ActiveMonthly int `json:"active_monthly"`
	ActiveWeekly  int `json:"active_weekly"`
	New           int `json:"new"`
	Total         int `json:"total"`
}

type metricsReportDTO struct {
	Events   metricsEventsDTO   `json:"events"`
	Learning metricsLearningDTO `json:"learning"`
	Range    metricsRangeDTO    `json:"range"`
	Timeline []timelineDayDTO   `json:"timeline"`
	Users    metricsUsersDTO    `json:"users"`
}

func metricsDTO(m analytics.MetricsReport) metricsReportDTO {
	timeline := make([]timelineDayDTO, 0, len(m.Timeline))
	for _, d := range m.Timeline {
		timeline = append(timeline, timelineDayDTO{ActiveUsers: d.ActiveUsers, Date: d.Date.String(), Events: d.Events, XP: d.XP})
	}
	return metricsReportDTO{
		Events: metricsEventsDTO{ByType: m.ByType, Total: m.EventsTotal},
		Learning: metricsLearningDTO{AverageScore: m.AverageScore, CoursesCompleted: m.CoursesCompleted,
			LessonsCompleted: m.LessonsCompleted, XPAwarded: m.XPAwarded},
		Range:    metricsRangeDTO{From: FormatTime(m.From), To: FormatTime(m.To)},
		Timeline: timeline,
		Users: metricsUsersDTO{ActiveDaily: m.ActiveDaily, ActiveMonthly: m.ActiveMonth, ActiveWeekly: m.ActiveWeekly,
			New: m.UsersNew, Total: m.UsersTotal},
	}
}

type eventStoreHealthDTO struct {
	ResponseTimeMS float64 `json:"response_time_ms"`
	Status         string  `json:"status"`
}

type analyticsHealthAnswerDTO struct {
	EventStore          eventStoreHealthDTO `json:"event_store"`
	LastEventReceivedAt *string             `json:"last_event_received_at"`
	Status              string              `json:"status"`
}

func analyticsHealthDTO(s analytics.StoreHealth) analyticsHealthAnswerDTO {
	return analyticsHealthAnswerDTO{
		EventStore:          eventStoreHealthDTO{ResponseTimeMS: Millis(s.Latency), Status: s.Status.String()},
		LastEventReceivedAt: FormatTimePtr(s.LastReceivedAt),
		Status:              s.Status.String(),
	}
}
