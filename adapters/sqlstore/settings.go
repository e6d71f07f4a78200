package sqlstore

import (
	"context"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/preferences"
	"github.com/lingo-labs/lingo/ports"
)

// LearnerSettings reads a learner's zone and daily goal from the
// user_preferences table (migration 00020); a learner without a row has the
// defaults of domain/preferences.
type LearnerSettings struct{ db *DB }

var _ ports.LearnerSettings = (*LearnerSettings)(nil)

// NewLearnerSettings makes the settings reader.
func NewLearnerSettings(db *DB) *LearnerSettings { return &LearnerSettings{db: db} }

func (s *LearnerSettings) Settings(ctx context.Context, userID string) (calendar.Zone, int, error) {
	defaultZone, defaultGoal := preferences.DefaultSettings()
	var rows []struct {
		Timezone    string
		DailyXPGoal int `gorm:"column:daily_xp_goal"`
	}
	if err := s.db.Gorm(ctx).Raw(`SELECT timezone, daily_xp_goal FROM user_preferences WHERE user_id = ?`, userID).
		Scan(&rows).Error; err != nil {
		return defaultZone, defaultGoal, Classify(err)
	}
	if len(rows) == 0 {
		return defaultZone, defaultGoal, nil
	}
	name, _ := calendar.RestoreZoneName(rows[0].Timezone)
	zone, err := calendar.ParseZone(name)
	if err != nil {
		zone = defaultZone // a stored zone the tz database no longer knows
	}
	goal := rows[0].DailyXPGoal
	if goal <= 0 {
		goal = defaultGoal
	}
	return zone, goal, nil
}
