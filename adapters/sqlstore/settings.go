package sqlstore

import (
	"context"

	"gorm.io/gorm"

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
	return readSettings(s.db.Gorm(ctx), userID)
}

func readSettings(tx *gorm.DB, userID string) (calendar.Zone, int, error) {
	var rows []struct {
		Timezone    string
		DailyXPGoal int `gorm:"column:daily_xp_goal"`
	}
	if err := tx.Raw(`SELECT timezone, daily_xp_goal FROM user_preferences WHERE user_id = ?`, userID).
		Scan(&rows).Error; err != nil {
		zone, goal := preferences.DefaultSettings()
		return zone, goal, Classify(err)
	}
	if len(rows) == 0 {
		zone, goal := settingsOf(nil, 0)
		return zone, goal, nil
	}
	zone, goal := settingsOf(&rows[0].Timezone, rows[0].DailyXPGoal)
	return zone, goal, nil
}

// settingsOf reads a stored timezone and goal (nil: no preferences row).
func settingsOf(timezone *string, goal int) (calendar.Zone, int) {
	defaultZone, defaultGoal := preferences.DefaultSettings()
	if timezone == nil {
		return defaultZone, defaultGoal
	}
	name, _ := calendar.RestoreZoneName(*timezone)
	zone, err := calendar.ParseZone(name)
	if err != nil {
		zone = defaultZone // a stored zone the tz database no longer knows
	}
	if goal <= 0 {
		goal = defaultGoal
	}
	return zone, goal
}
