// Package preferences holds a learner's settings: the time zone that decides
// their streak days, what and how they learn, reminders and the look of the
// app. A Preferences value is always valid; it changes only through Apply,
// which takes a Patch and either applies all of it or none of it.
package preferences

import (
	"fmt"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
)

// Default values of a new learner, as the OpenAPI document lists them.
const (
	DefaultDailyXPGoal = 20
	MinDailyXPGoal     = 5
	MaxDailyXPGoal     = 500
)

// Preferences is a learner's settings. The zero value is not valid; make one
// with Default or Restore.
type Preferences struct {
	zone calendar.Zone

	targetLanguage Language // the zero Language means "not chosen yet" (JSON null)
	nativeLanguage Language
	difficulty     Difficulty
	dailyXPGoal    int

	emailEnabled  bool
	pushEnabled   bool
	dailyReminder bool
	reminderTime  ReminderTime
	streakAlerts  bool
	weeklySummary bool

	theme        Theme
	uiLanguage   Language
	soundEffects bool
	animations   bool

	// leaderboards is social.leaderboards: off, the learner never joins a
	// league week and leaves the current one's standings.
	leaderboards bool

	createdAt time.Time
	updatedAt time.Time
}

// DefaultSettings are the zone and daily_xp_goal the progress engine uses
// for a learner who never set them: those of Default. Storage adapters read
// them from here rather than keeping their own copy.
func DefaultSettings() (calendar.Zone, int) {
	d := Default(time.Time{})
	return d.Zone(), d.DailyXPGoal()
}

// Default returns the settings of a new learner, created and updated at now.
func Default(now time.Time) Preferences {
	return Preferences{
		zone:           calendar.UTC,
		nativeLanguage: English,
		difficulty:     Beginner,
		dailyXPGoal:    DefaultDailyXPGoal,
		emailEnabled:   true,
		pushEnabled:    true,
		dailyReminder:  true,
		reminderTime:   ReminderTime{minutes: 19 * 60},
		streakAlerts:   true,
		weeklySummary:  true,
		theme:          ThemeSystem,
		uiLanguage:     English,
		soundEffects:   true,
		animations:     true,
		leaderboards:   true,
		createdAt:      now.UTC(),
		updatedAt:      now.UTC(),
	}
}

// Snapshot is the plain form of Preferences for storage and transport. It is
// not validated by itself: turn it back into Preferences with Restore.
type Snapshot struct {
	Timezone string
	// TargetLanguage is "" when the learner has not chosen one (JSON null).
	TargetLanguage  string
	NativeLanguage  string
	DifficultyLevel string
	DailyXPGoal     int

	EmailEnabled  bool
	PushEnabled   bool
	DailyReminder bool
	ReminderTime  string // HH:MM
	StreakAlerts  bool
	WeeklySummary bool

	Theme        string
	UILanguage   string
	SoundEffects bool
	Animations   bool

	Leaderboards bool

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Restore rebuilds Preferences loaded from storage. It checks every rule, so
// a corrupted row is reported (as an Internal error naming the columns)
// instead of leaking an invalid value into the domain.
func Restore(s Snapshot) (Preferences, error) {
	// A zone stored before ParseZone refused other spellings keeps its days.
	zone, _ := calendar.RestoreZoneName(s.Timezone)
	patch := Patch{
		Timezone: Set(zone),
		Learning: LearningPatch{
			NativeLanguage:  Set(s.NativeLanguage),
			DifficultyLevel: Set(s.DifficultyLevel),
			DailyXPGoal:     Set(s.DailyXPGoal),
		},
		Notifications: NotificationsPatch{
			EmailEnabled:  Set(s.EmailEnabled),
			PushEnabled:   Set(s.PushEnabled),
			DailyReminder: Set(s.DailyReminder),
			ReminderTime:  Set(s.ReminderTime),
			StreakAlerts:  Set(s.StreakAlerts),
			WeeklySummary: Set(s.WeeklySummary),
		},
		Interface: InterfacePatch{
			Theme:        Set(s.Theme),
			UILanguage:   Set(s.UILanguage),
			SoundEffects: Set(s.SoundEffects),
			Animations:   Set(s.Animations),
		},
		Social: SocialPatch{Leaderboards: Set(s.Leaderboards)},
	}
	if s.TargetLanguage == "" {
		patch.Learning.TargetLanguage = SetNull[string]()
	} else {
		patch.Learning.TargetLanguage = SetValue(s.TargetLanguage)
	}
	p, _, err := Apply(Default(s.CreatedAt), patch)
	if err != nil {
		return Preferences{}, &errs.Error{Kind: errs.Internal, Code: errs.CodeCorruptPreferences,
			Err: fmt.Errorf("restore preferences: %w", err)}
	}
	p.createdAt = s.CreatedAt.UTC()
	p.updatedAt = s.UpdatedAt.UTC()
	return p, nil
}

// Snapshot returns the plain form of p.
func (p Preferences) Snapshot() Snapshot {
	s := Snapshot{
		Timezone:        p.zone.Name(),
		NativeLanguage:  p.nativeLanguage.String(),
		DifficultyLevel: p.difficulty.String(),
		DailyXPGoal:     p.dailyXPGoal,
		EmailEnabled:    p.emailEnabled,
		PushEnabled:     p.pushEnabled,
		DailyReminder:   p.dailyReminder,
		ReminderTime:    p.reminderTime.String(),
		StreakAlerts:    p.streakAlerts,
		WeeklySummary:   p.weeklySummary,
		Theme:           p.theme.String(),
		UILanguage:      p.uiLanguage.String(),
		SoundEffects:    p.soundEffects,
		Animations:      p.animations,
		Leaderboards:    p.leaderboards,
		CreatedAt:       p.createdAt,
		UpdatedAt:       p.updatedAt,
	}
	if p.targetLanguage.Valid() {
		s.TargetLanguage = p.targetLanguage.String()
	}
	return s
}

// Zone is the learner's time zone; it decides which calendar day an event
// falls on.
func (p Preferences) Zone() calendar.Zone { return p.zone }

// TargetLanguage is the language being learnt, and false when none is chosen.
func (p Preferences) TargetLanguage() (Language, bool) {
	return p.targetLanguage, p.targetLanguage.Valid()
}

func (p Preferences) NativeLanguage() Language   { return p.nativeLanguage }
func (p Preferences) Difficulty() Difficulty     { return p.difficulty }
func (p Preferences) DailyXPGoal() int           { return p.dailyXPGoal }
func (p Preferences) EmailEnabled() bool         { return p.emailEnabled }
func (p Preferences) PushEnabled() bool          { return p.pushEnabled }
func (p Preferences) DailyReminder() bool        { return p.dailyReminder }
func (p Preferences) ReminderTime() ReminderTime { return p.reminderTime }
func (p Preferences) StreakAlerts() bool         { return p.streakAlerts }
func (p Preferences) WeeklySummary() bool        { return p.weeklySummary }
func (p Preferences) Theme() Theme               { return p.theme }
func (p Preferences) UILanguage() Language       { return p.uiLanguage }
func (p Preferences) SoundEffects() bool         { return p.soundEffects }
func (p Preferences) Animations() bool           { return p.animations }

// Leaderboards is social.leaderboards: whether the learner takes part in
// the weekly leagues.
func (p Preferences) Leaderboards() bool   { return p.leaderboards }
func (p Preferences) CreatedAt() time.Time { return p.createdAt }
func (p Preferences) UpdatedAt() time.Time { return p.updatedAt }

// Touched returns p with updated_at moved to now. Apply leaves timestamps
// alone because it has no clock; the caller touches the value exactly when
// Apply reported a changed path, so updated_at moves only on a real change.
func (p Preferences) Touched(now time.Time) Preferences {
	p.updatedAt = now.UTC()
	return p
}

// Validate checks every rule of p again. A value made by Default, Restore or
// Apply always passes; the check exists for tests and for values that were
// assembled some other way (the zero value fails).
func (p Preferences) Validate() error {
	var fields []errs.FieldError
	if _, err := calendar.ParseZone(p.zone.Name()); err != nil || p.zone.Location() == nil {
		fields = append(fields, errs.Field(PathTimezone, "must be an IANA time zone name"))
	}
	if p.targetLanguage != 0 && !p.targetLanguage.Valid() {
		fields = append(fields, errs.Field(PathTargetLanguage, "must be a supported language or null"))
	}
	if !p.nativeLanguage.Valid() {
		fields = append(fields, errs.Field(PathNativeLanguage, "must be a supported language"))
	}
	if !p.difficulty.Valid() {
		fields = append(fields, errs.Field(PathDifficultyLevel, "must be one of beginner, intermediate, advanced"))
	}
	if p.dailyXPGoal < MinDailyXPGoal || p.dailyXPGoal > MaxDailyXPGoal {
		fields = append(fields, errs.Field(PathDailyXPGoal, xpGoalMessage))
	}
	if !p.reminderTime.valid() {
		fields = append(fields, errs.Field(PathReminderTime, reminderTimeMessage))
	}
	if !p.theme.Valid() {
		fields = append(fields, errs.Field(PathTheme, "must be one of light, dark, system"))
	}
	if !p.uiLanguage.Valid() {
		fields = append(fields, errs.Field(PathUILanguage, "must be a supported language"))
	}
	return errs.Validation(fields...)
}
