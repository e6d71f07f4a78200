package httpapi

import (
	"github.com/lingo-labs/lingo/application/analytics"
)

type streakDTO struct {
	Current         int  `json:"current"`
	Longest         int  `json:"longest"`
	Extended        bool `json:"extended"`
	FreezesEquipped int  `json:"freezes_equipped"`
}

type goalDTO struct {
	GoalXP  int  `json:"goal_xp"`
	TodayXP int  `json:"today_xp"`
	Met     bool `json:"met"`
	JustMet bool `json:"just_met"`
}

// EffectsDTO is effects.
type EffectsDTO struct {
	XPAwarded            int       `json:"xp_awarded"`
	TotalXP              int       `json:"total_xp"`
	Level                int       `json:"level"`
	LeveledUp            bool      `json:"leveled_up"`
	Streak               streakDTO `json:"streak"`
	DailyGoal            goalDTO   `json:"daily_goal"`
	AchievementsUnlocked []string  `json:"achievements_unlocked"`
}

func effectsDTO(e analytics.Effects) EffectsDTO {
	a := e.AchievementsUnlocked
	if a == nil {
		a = []string{}
	}
	return EffectsDTO{XPAwarded: e.XPAwarded, TotalXP: e.TotalXP, Level: e.Level, LeveledUp: e.LeveledUp,
		Streak: streakDTO{Current: e.Streak.Current, Longest: e.Streak.Longest, Extended: e.Streak.Extended,
			FreezesEquipped: e.Streak.FreezesEquipped},
		DailyGoal:            goalDTO{GoalXP: e.DailyGoal.GoalXP, TodayXP: e.DailyGoal.TodayXP, Met: e.DailyGoal.Met, JustMet: e.DailyGoal.JustMet},
		AchievementsUnlocked: a}
}

type lessonProgressDTO struct {
	CourseID         string  `json:"course_id"`
	LessonsCompleted int     `json:"lessons_completed"`
	LessonsTotal     int     `json:"lessons_total"`
	CompletionRate   float64 `json:"completion_rate"`
}

type ingestAnswerDTO struct {
	Event            EventDTO           `json:"event"`
	Effects          EffectsDTO         `json:"effects"`
	LessonProgress   *lessonProgressDTO `json:"lesson_progress,omitempty"`
	Course           *CourseDTO         `json:"course,omitempty"`
	AlreadyCompleted *bool              `json:"already_completed,omitempty"`
}

func ingestDTO(r analytics.Result) ingestAnswerDTO {
	out := ingestAnswerDTO{Event: eventDTO(r.Event), Effects: effectsDTO(r.Effects)}
	if lp := r.LessonProgress; lp != nil {
		out.LessonProgress = &lessonProgressDTO{CourseID: lp.CourseID, LessonsCompleted: lp.LessonsCompleted,
			LessonsTotal: lp.LessonsTotal, CompletionRate: lp.CompletionRate}
	}
	if cv := r.Course; cv != nil {
		out.Course = &CourseDTO{ID: cv.ID, Slug: cv.Slug, Title: cv.Title, Language: cv.Language, Level: cv.Level,
			Description: cv.Description, LessonCount: cv.LessonCount, TotalXP: cv.TotalXP}
		done := r.AlreadyCompleted
		out.AlreadyCompleted = &done
	}
	return out
}

type batchItemDTO struct {
	Index   int         `json:"index"`
	EventID *string     `json:"event_id"`
	Status  string      `json:"status"`
	Event   *EventDTO   `json:"event,omitempty"`
	Errors  []ErrorItem `json:"errors,omitempty"`
}

type batchSummaryDTO struct {
	Received   int `json:"received"`
	Created    int `json:"created"`
	Duplicates int `json:"duplicates"`
	Rejected   int `json:"rejected"`
}

type batchDTO struct {
	Results []batchItemDTO  `json:"results"`
	Summary batchSummaryDTO `json:"summary"`
	Effects EffectsDTO      `json:"effects"`
}
