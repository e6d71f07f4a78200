package sqlstore

import (
	"context"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/ports"
)

// Default learner settings while none are stored (API.md §3).
const defaultDailyXPGoal = 20

// LearnerSettings reads a learner's zone and daily goal from the
// user_preferences table (columns user_id, timezone, daily_xp_goal). The
// preferences engineer owns that table and its migration; until it exists,
// or while a learner has no row, every learner gets UTC and 20.
type LearnerSettings struct{ db *DB }

var _ ports.LearnerSettings = (*LearnerSettings)(nil)

// NewLearnerSettings makes the settings reader.
func NewLearnerSettings(db *DB) *LearnerSettings { return &LearnerSettings{db: db} }

func (s *LearnerSettings) Settings(ctx context.Context, userID string) (calendar.Zone, int, error) {
	ok, err := s.db.hasTable(ctx, "user_preferences")
	if err != nil || !ok {
		return calendar.UTC, defaultDailyXPGoal, err
	}
	var rows []struct {
		Timezone    string
		DailyXPGoal int `gorm:"column:daily_xp_goal"`
	}
	if err := s.db.Gorm(ctx).Raw(`SELECT timezone, daily_xp_goal FROM user_preferences WHERE user_id = ?`, userID).
		Scan(&rows).Error; err != nil {
		return calendar.UTC, defaultDailyXPGoal, Classify(err)
	}
	if len(rows) == 0 {
		return calendar.UTC, defaultDailyXPGoal, nil
	}
	zone, err := calendar.ParseZone(rows[0].Timezone)
	if err != nil {
		zone = calendar.UTC // a stored zone the tz database no longer knows
	}
	goal := rows[0].DailyXPGoal
	if goal <= 0 {
		goal = defaultDailyXPGoal
	}
	return zone, goal, nil
}
