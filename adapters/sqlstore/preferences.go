package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/preferences"
	"github.com/lingo-labs/lingo/ports"
)

var _ ports.PreferencesRepository = (*PreferencesRepository)(nil)

// preferencesRow is the user_preferences table (migration 00020). A null
// target_language is "not chosen yet".
type preferencesRow struct {
	UserID          string         `gorm:"column:user_id;primaryKey"`
	Timezone        string         `gorm:"column:timezone"`
	TargetLanguage  sql.NullString `gorm:"column:target_language"`
	NativeLanguage  string         `gorm:"column:native_language"`
	DifficultyLevel string         `gorm:"column:difficulty_level"`
	DailyXPGoal     int            `gorm:"column:daily_xp_goal"`
	EmailEnabled    bool           `gorm:"column:email_enabled"`
	PushEnabled     bool           `gorm:"column:push_enabled"`
	DailyReminder   bool           `gorm:"column:daily_reminder"`
	ReminderTime    string         `gorm:"column:reminder_time"`
	StreakAlerts    bool           `gorm:"column:streak_alerts"`
	WeeklySummary   bool           `gorm:"column:weekly_summary"`
	Theme           string         `gorm:"column:theme"`
	UILanguage      string         `gorm:"column:ui_language"`
	SoundEffects    bool           `gorm:"column:sound_effects"`
	Animations      bool           `gorm:"column:animations"`
	Leaderboards    bool           `gorm:"column:social_leaderboards"`
	CreatedAt       time.Time      `gorm:"column:created_at;autoCreateTime:false"`
	UpdatedAt       time.Time      `gorm:"column:updated_at;autoUpdateTime:false"`
}

func (preferencesRow) TableName() string { return "user_preferences" }

func toPreferencesRow(userID string, p preferences.Preferences) preferencesRow {
	s := p.Snapshot()
	return preferencesRow{
		UserID: userID, Timezone: s.Timezone,
		TargetLanguage: sql.NullString{String: s.TargetLanguage, Valid: s.TargetLanguage != ""},
		NativeLanguage: s.NativeLanguage, DifficultyLevel: s.DifficultyLevel, DailyXPGoal: s.DailyXPGoal,
		EmailEnabled: s.EmailEnabled, PushEnabled: s.PushEnabled, DailyReminder: s.DailyReminder,
		ReminderTime: s.ReminderTime, StreakAlerts: s.StreakAlerts, WeeklySummary: s.WeeklySummary,
		Theme: s.Theme, UILanguage: s.UILanguage, SoundEffects: s.SoundEffects, Animations: s.Animations,
		Leaderboards: s.Leaderboards,
		CreatedAt:    s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC(),
	}
}

func (r preferencesRow) preferences() (preferences.Preferences, error) {
	return preferences.Restore(preferences.Snapshot{
		Timezone: r.Timezone, TargetLanguage: r.TargetLanguage.String, NativeLanguage: r.NativeLanguage,
		DifficultyLevel: r.DifficultyLevel, DailyXPGoal: r.DailyXPGoal,
		EmailEnabled: r.EmailEnabled, PushEnabled: r.PushEnabled, DailyReminder: r.DailyReminder,
		ReminderTime: r.ReminderTime, StreakAlerts: r.StreakAlerts, WeeklySummary: r.WeeklySummary,
		Theme: r.Theme, UILanguage: r.UILanguage, SoundEffects: r.SoundEffects, Animations: r.Animations,
		Leaderboards: r.Leaderboards,
		CreatedAt:    r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	})
}

// PreferencesRepository is the PreferencesRepository on GORM.
type PreferencesRepository struct{ db *DB }

// NewPreferencesRepository returns the repository on db.
func NewPreferencesRepository(db *DB) *PreferencesRepository { return &PreferencesRepository{db: db} }

func noSuchUser() error {
	return errs.E(errs.NotFound, errs.CodeNotFound, "The requested resource was not found.")
}

// Get implements ports.PreferencesRepository.
func (r *PreferencesRepository) Get(ctx context.Context, userID string) (preferences.Preferences, error) {
	if !isUUID(userID) {
		return preferences.Preferences{}, noSuchUser()
	}
	return r.load(r.db.Gorm(ctx), userID, false)
}

// load reads the row, or the defaults stamped with the user's creation time
// when there is none. With lock it first takes the user's row lock: the
// preferences row may not exist yet, so it cannot be the thing locked.
func (r *PreferencesRepository) load(tx *gorm.DB, userID string, lock bool) (preferences.Preferences, error) {
	var user userRow
	q := tx.Select("id", "created_at")
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Where("id = ?", userID).Limit(1).Find(&user).Error; err != nil {
		return preferences.Preferences{}, dbError("load user for preferences", err)
	}
	if user.ID == "" {
		return preferences.Preferences{}, noSuchUser()
	}
	var row preferencesRow
	if err := tx.Where("user_id = ?", userID).Limit(1).Find(&row).Error; err != nil {
		return preferences.Preferences{}, dbError("load preferences", err)
	}
	if row.UserID == "" {
		return preferences.Default(user.CreatedAt.UTC()), nil
	}
	return row.preferences()
}

// Update implements ports.PreferencesRepository. The first change inserts
// the row; later ones update it. A value fn left as it was writes nothing.
func (r *PreferencesRepository) Update(ctx context.Context, userID string, fn func(*preferences.Preferences) error) error {
	if !isUUID(userID) {
		return noSuchUser()
	}
	var fnErr error
	err := r.db.Gorm(ctx).Transaction(func(tx *gorm.DB) error {
		p, err := r.load(tx, userID, true)
		if err != nil {
			return err
		}
		before := toPreferencesRow(userID, p)
		if fnErr = fn(&p); fnErr != nil {
			return fnErr
		}
		next := toPreferencesRow(userID, p)
		if next == before {
			return nil
		}
		err = tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "user_id"}}, UpdateAll: true}).Create(&next).Error
		if err != nil {
			return dbError("store preferences", err)
		}
		if before.Leaderboards && !next.Leaderboards {
			return leaveOpenCohorts(tx, userID)
		}
		return nil
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return dbError("update preferences", err)
	}
	return nil
}
