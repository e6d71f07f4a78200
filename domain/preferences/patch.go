package preferences

import (
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
)

// The JSON paths of the settings. Field errors and Apply's list of changed
// fields use them, so clients see the names they sent.
const (
	PathTimezone        = "timezone"
	PathTargetLanguage  = "learning.target_language"
	PathNativeLanguage  = "learning.native_language"
	PathDifficultyLevel = "learning.difficulty_level"
	PathDailyXPGoal     = "learning.daily_xp_goal"
	PathEmailEnabled    = "notifications.email_enabled"
	PathPushEnabled     = "notifications.push_enabled"
	PathDailyReminder   = "notifications.daily_reminder"
	PathReminderTime    = "notifications.reminder_time"
	PathStreakAlerts    = "notifications.streak_alerts"
	PathWeeklySummary   = "notifications.weekly_summary"
	PathTheme           = "interface.theme"
	PathUILanguage      = "interface.ui_language"
	PathSoundEffects    = "interface.sound_effects"
	PathAnimations      = "interface.animations"
	PathLeaderboards    = "social.leaderboards"
)

const (
	xpGoalMessage       = "must be between 5 and 500"
	reminderTimeMessage = "must be a time HH:MM between 00:00 and 23:59"
	languageMessage     = "must be one of en es fr de it pt nl sv pl ru tr ar hi ja ko zh"
)

// Opt is one field of a Patch: absent (the zero value) or set to a value.
type Opt[T any] struct {
	value T
	set   bool
}

// Set returns a field set to v.
func Set[T any](v T) Opt[T] { return Opt[T]{value: v, set: true} }

// Get returns the value and whether the field is set.
func (o Opt[T]) Get() (T, bool) { return o.value, o.set }

// Nullable is a Patch field that may also be set to null: absent (the zero
// value), set to null, or set to a value.
type Nullable[T any] struct {
	value T
	set   bool
	null  bool
}

// SetValue returns a field set to v.
func SetValue[T any](v T) Nullable[T] { return Nullable[T]{value: v, set: true} }

// SetNull returns a field set to null.
func SetNull[T any]() Nullable[T] { return Nullable[T]{set: true, null: true} }

// Get returns the value, whether it is null and whether the field is set.
func (n Nullable[T]) Get() (v T, null, set bool) { return n.value, n.null, n.set }

// Patch is a partial update of Preferences as a client sent it: raw values,
// not yet checked. Absent fields keep their value. Only the target language
// may be set to null, which the types enforce.
type Patch struct {
	Timezone      Opt[string]
	Learning      LearningPatch
	Notifications NotificationsPatch
	Interface     InterfacePatch
	Social        SocialPatch
}

type LearningPatch struct {
	TargetLanguage  Nullable[string]
	NativeLanguage  Opt[string]
	DifficultyLevel Opt[string]
	DailyXPGoal     Opt[int]
}

type NotificationsPatch struct {
	EmailEnabled  Opt[bool]
	PushEnabled   Opt[bool]
	DailyReminder Opt[bool]
	ReminderTime  Opt[string]
	StreakAlerts  Opt[bool]
	WeeklySummary Opt[bool]
}

// SocialPatch is the social section: leaderboards says whether the learner
// takes part in the weekly leagues.
type SocialPatch struct {
	Leaderboards Opt[bool]
}

type InterfacePatch struct {
	Theme        Opt[string]
	UILanguage   Opt[string]
	SoundEffects Opt[bool]
	Animations   Opt[bool]
}

// Validate reports every rule the patch's set fields break, as one Invalid
// error with a field error per problem, or nil. Decoders call it too so that
// a client learns of type and value problems in one answer.
func (patch Patch) Validate() error {
	_, _, err := Apply(Default(time.Time{}), patch)
	return err
}

// Apply returns p with the patch's set fields applied and the paths whose
// value changed, in a fixed order (never nil, empty when nothing changed).
// When any field is invalid it returns p unchanged, no paths, and an Invalid
// error with one field error per problem: an invalid request changes nothing,
// not even its valid fields. Apply does not move updated_at; see Touched.
func Apply(p Preferences, patch Patch) (Preferences, []string, error) {
	next := p
	var problems []errs.FieldError
	var changed []string
	bad := func(path, msg string) { problems = append(problems, errs.Field(path, msg)) }

	if name, ok := patch.Timezone.Get(); ok {
		if name == "" {
			bad(PathTimezone, "must not be empty")
		} else if z, err := calendar.ParseZone(name); err != nil {
			bad(PathTimezone, "must be an IANA time zone name such as Europe/Berlin")
		} else {
			next.zone = z
		}
	}

	l := patch.Learning
	if code, null, ok := l.TargetLanguage.Get(); ok {
		if null {
			next.targetLanguage = 0
		} else if lang, err := ParseLanguage(code); err != nil {
			bad(PathTargetLanguage, languageMessage+", or null")
		} else {
			next.targetLanguage = lang
		}
	}
	language(l.NativeLanguage, PathNativeLanguage, &next.nativeLanguage, bad)
	if s, ok := l.DifficultyLevel.Get(); ok {
		if d, err := ParseDifficulty(s); err != nil {
			bad(PathDifficultyLevel, "must be one of beginner, intermediate, advanced")
		} else {
			next.difficulty = d
		}
	}
	if n, ok := l.DailyXPGoal.Get(); ok {
		if n < MinDailyXPGoal || n > MaxDailyXPGoal {
			bad(PathDailyXPGoal, xpGoalMessage)
		} else {
			next.dailyXPGoal = n
		}
	}

	n := patch.Notifications
	flag(n.EmailEnabled, &next.emailEnabled)
	flag(n.PushEnabled, &next.pushEnabled)
	flag(n.DailyReminder, &next.dailyReminder)
	if s, ok := n.ReminderTime.Get(); ok {
		if t, err := ParseReminderTime(s); err != nil {
			bad(PathReminderTime, reminderTimeMessage)
		} else {
			next.reminderTime = t
		}
	}
	flag(n.StreakAlerts, &next.streakAlerts)
	flag(n.WeeklySummary, &next.weeklySummary)

	i := patch.Interface
	if s, ok := i.Theme.Get(); ok {
		if t, err := ParseTheme(s); err != nil {
			bad(PathTheme, "must be one of light, dark, system")
		} else {
			next.theme = t
		}
	}
	language(i.UILanguage, PathUILanguage, &next.uiLanguage, bad)
	flag(i.SoundEffects, &next.soundEffects)
	flag(i.Animations, &next.animations)
	flag(patch.Social.Leaderboards, &next.leaderboards)

	if len(problems) > 0 {
		return p, nil, errs.Validation(problems...)
	}

	// Changes are found by comparing values rather than by which fields were
	// sent: a client re-sending the current value changed nothing.
	for _, c := range []struct {
		path string
		same bool
	}{
		{PathTimezone, next.zone.Name() == p.zone.Name()},
		{PathTargetLanguage, next.targetLanguage == p.targetLanguage},
		{PathNativeLanguage, next.nativeLanguage == p.nativeLanguage},
		{PathDifficultyLevel, next.difficulty == p.difficulty},
		{PathDailyXPGoal, next.dailyXPGoal == p.dailyXPGoal},
		{PathEmailEnabled, next.emailEnabled == p.emailEnabled},
		{PathPushEnabled, next.pushEnabled == p.pushEnabled},
		{PathDailyReminder, next.dailyReminder == p.dailyReminder},
		{PathReminderTime, next.reminderTime == p.reminderTime},
		{PathStreakAlerts, next.streakAlerts == p.streakAlerts},
		{PathWeeklySummary, next.weeklySummary == p.weeklySummary},
		{PathTheme, next.theme == p.theme},
		{PathUILanguage, next.uiLanguage == p.uiLanguage},
		{PathSoundEffects, next.soundEffects == p.soundEffects},
		{PathAnimations, next.animations == p.animations},
		{PathLeaderboards, next.leaderboards == p.leaderboards},
	} {
		if !c.same {
			changed = append(changed, c.path)
		}
	}
	if changed == nil {
		changed = []string{}
	}
	return next, changed, nil
}

func language(o Opt[string], path string, dst *Language, bad func(path, msg string)) {
	if code, ok := o.Get(); ok {
		if lang, err := ParseLanguage(code); err != nil {
			bad(path, languageMessage)
		} else {
			*dst = lang
		}
	}
}

func flag(o Opt[bool], dst *bool) {
	if v, ok := o.Get(); ok {
		*dst = v
	}
}
