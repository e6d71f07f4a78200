package preferences_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/preferences"
)

var t0 = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

func TestDefault(t *testing.T) {
	p := preferences.Default(t0)
	want := preferences.Snapshot{
		Timezone: "UTC", TargetLanguage: "", NativeLanguage: "en", DifficultyLevel: "beginner", DailyXPGoal: 20,
		EmailEnabled: true, PushEnabled: true, DailyReminder: true, ReminderTime: "19:00",
		StreakAlerts: true, WeeklySummary: true,
		Theme: "system", UILanguage: "en", SoundEffects: true, Animations: true, Leaderboards: true,
		CreatedAt: t0, UpdatedAt: t0,
	}
	assert.Equal(t, want, p.Snapshot())
	_, chosen := p.TargetLanguage()
	assert.False(t, chosen, "a new learner has no target language")
	assert.Equal(t, time.UTC, p.Zone().Location())
	require.NoError(t, p.Validate())
}

func TestZeroValueIsInvalid(t *testing.T) {
	assert.True(t, errs.Is(preferences.Preferences{}.Validate(), errs.Invalid))
}

func TestApplyValid(t *testing.T) {
	berlin := "Europe/Berlin"
	tests := []struct {
		name    string
		patch   preferences.Patch
		changed []string
		check   func(t *testing.T, p preferences.Preferences)
	}{
		{
			name:    "empty patch changes nothing",
			patch:   preferences.Patch{},
			changed: []string{},
		},
		{
			name: "timezone and daily goal",
			patch: preferences.Patch{
				Timezone: preferences.Set(berlin),
				Learning: preferences.LearningPatch{DailyXPGoal: preferences.Set(50)},
			},
			changed: []string{"timezone", "learning.daily_xp_goal"},
			check: func(t *testing.T, p preferences.Preferences) {
				assert.Equal(t, berlin, p.Zone().Name())
				assert.Equal(t, 50, p.DailyXPGoal())
			},
		},
		{
			name: "re-sending current values reports no change",
			patch: preferences.Patch{
				Timezone:  preferences.Set("UTC"),
				Interface: preferences.InterfacePatch{Theme: preferences.Set("system"), Animations: preferences.Set(true)},
			},
			changed: []string{},
		},
		{
			name:    "target language set",
			patch:   preferences.Patch{Learning: preferences.LearningPatch{TargetLanguage: preferences.SetValue("ja")}},
			changed: []string{"learning.target_language"},
			check: func(t *testing.T, p preferences.Preferences) {
				l, ok := p.TargetLanguage()
				assert.True(t, ok)
				assert.Equal(t, preferences.Japanese, l)
			},
		},
		{
			name:    "target language null when already null",
			patch:   preferences.Patch{Learning: preferences.LearningPatch{TargetLanguage: preferences.SetNull[string]()}},
			changed: []string{},
		},
		{
			name: "every field at once",
			patch: preferences.Patch{
				Timezone: preferences.Set("America/New_York"),
				Learning: preferences.LearningPatch{
					TargetLanguage: preferences.SetValue("es"), NativeLanguage: preferences.Set("de"),
					DifficultyLevel: preferences.Set("advanced"), DailyXPGoal: preferences.Set(500),
				},
				Notifications: preferences.NotificationsPatch{
					EmailEnabled: preferences.Set(false), PushEnabled: preferences.Set(false),
					DailyReminder: preferences.Set(false), ReminderTime: preferences.Set("23:59"),
					StreakAlerts: preferences.Set(false), WeeklySummary: preferences.Set(false),
				},
				Interface: preferences.InterfacePatch{
					Theme: preferences.Set("dark"), UILanguage: preferences.Set("zh"),
					SoundEffects: preferences.Set(false), Animations: preferences.Set(false),
				},
			},
			changed: []string{
				"timezone", "learning.target_language", "learning.native_language", "learning.difficulty_level",
				"learning.daily_xp_goal", "notifications.email_enabled", "notifications.push_enabled",
				"notifications.daily_reminder", "notifications.reminder_time", "notifications.streak_alerts",
				"notifications.weekly_summary", "interface.theme", "interface.ui_language",
				"interface.sound_effects", "interface.animations",
			},
			check: func(t *testing.T, p preferences.Preferences) {
				assert.Equal(t, "23:59", p.ReminderTime().String())
				assert.Equal(t, preferences.ThemeDark, p.Theme())
				assert.Equal(t, preferences.Chinese, p.UILanguage())
			},
		},
		{name: "goal lower bound", patch: preferences.Patch{Learning: preferences.LearningPatch{DailyXPGoal: preferences.Set(5)}}, changed: []string{"learning.daily_xp_goal"}},
		{name: "reminder at midnight", patch: preferences.Patch{Notifications: preferences.NotificationsPatch{ReminderTime: preferences.Set("00:00")}}, changed: []string{"notifications.reminder_time"}},
		{name: "intermediate", patch: preferences.Patch{Learning: preferences.LearningPatch{DifficultyLevel: preferences.Set("intermediate")}}, changed: []string{"learning.difficulty_level"}},
		{name: "light theme", patch: preferences.Patch{Interface: preferences.InterfacePatch{Theme: preferences.Set("light")}}, changed: []string{"interface.theme"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := preferences.Default(t0)
			got, changed, err := preferences.Apply(before, tt.patch)
			require.NoError(t, err)
			assert.Equal(t, tt.changed, changed)
			require.NoError(t, got.Validate())
			assert.Equal(t, t0, got.UpdatedAt(), "Apply leaves updated_at to the caller")
			assert.Equal(t, preferences.Default(t0), before, "the input value is not modified")
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

func TestApplyTargetLanguageBackToNull(t *testing.T) {
	p, _, err := preferences.Apply(preferences.Default(t0),
		preferences.Patch{Learning: preferences.LearningPatch{TargetLanguage: preferences.SetValue("fr")}})
	require.NoError(t, err)
	p, changed, err := preferences.Apply(p,
		preferences.Patch{Learning: preferences.LearningPatch{TargetLanguage: preferences.SetNull[string]()}})
	require.NoError(t, err)
	assert.Equal(t, []string{"learning.target_language"}, changed)
	_, chosen := p.TargetLanguage()
	assert.False(t, chosen)
}

func TestApplyInvalid(t *testing.T) {
	tests := []struct {
		name   string
		patch  preferences.Patch
		fields []string
	}{
		{"empty timezone", preferences.Patch{Timezone: preferences.Set("")}, []string{"timezone"}},
		{"Local timezone", preferences.Patch{Timezone: preferences.Set("Local")}, []string{"timezone"}},
		{"offset timezone", preferences.Patch{Timezone: preferences.Set("+02:00")}, []string{"timezone"}},
		{"unknown timezone", preferences.Patch{Timezone: preferences.Set("Mars/Olympus")}, []string{"timezone"}},
		{"path traversal timezone", preferences.Patch{Timezone: preferences.Set("../../etc/passwd")}, []string{"timezone"}},
		{"unknown target language", preferences.Patch{Learning: preferences.LearningPatch{TargetLanguage: preferences.SetValue("xx")}}, []string{"learning.target_language"}},
		{"upper-case native language", preferences.Patch{Learning: preferences.LearningPatch{NativeLanguage: preferences.Set("EN")}}, []string{"learning.native_language"}},
		{"empty native language", preferences.Patch{Learning: preferences.LearningPatch{NativeLanguage: preferences.Set("")}}, []string{"learning.native_language"}},
		{"upper-case difficulty", preferences.Patch{Learning: preferences.LearningPatch{DifficultyLevel: preferences.Set("Beginner")}}, []string{"learning.difficulty_level"}},
		{"unknown difficulty", preferences.Patch{Learning: preferences.LearningPatch{DifficultyLevel: preferences.Set("expert")}}, []string{"learning.difficulty_level"}},
		{"goal below range", preferences.Patch{Learning: preferences.LearningPatch{DailyXPGoal: preferences.Set(4)}}, []string{"learning.daily_xp_goal"}},
		{"goal above range", preferences.Patch{Learning: preferences.LearningPatch{DailyXPGoal: preferences.Set(501)}}, []string{"learning.daily_xp_goal"}},
		{"negative goal", preferences.Patch{Learning: preferences.LearningPatch{DailyXPGoal: preferences.Set(-20)}}, []string{"learning.daily_xp_goal"}},
		{"reminder 24:00", preferences.Patch{Notifications: preferences.NotificationsPatch{ReminderTime: preferences.Set("24:00")}}, []string{"notifications.reminder_time"}},
		{"reminder minute 60", preferences.Patch{Notifications: preferences.NotificationsPatch{ReminderTime: preferences.Set("12:60")}}, []string{"notifications.reminder_time"}},
		{"reminder one-digit hour", preferences.Patch{Notifications: preferences.NotificationsPatch{ReminderTime: preferences.Set("7:30")}}, []string{"notifications.reminder_time"}},
		{"reminder with seconds", preferences.Patch{Notifications: preferences.NotificationsPatch{ReminderTime: preferences.Set("07:30:00")}}, []string{"notifications.reminder_time"}},
		{"reminder am/pm", preferences.Patch{Notifications: preferences.NotificationsPatch{ReminderTime: preferences.Set("7:30pm")}}, []string{"notifications.reminder_time"}},
		{"reminder signed digits", preferences.Patch{Notifications: preferences.NotificationsPatch{ReminderTime: preferences.Set("+1:30")}}, []string{"notifications.reminder_time"}},
		{"unknown theme", preferences.Patch{Interface: preferences.InterfacePatch{Theme: preferences.Set("blue")}}, []string{"interface.theme"}},
		{"upper-case theme", preferences.Patch{Interface: preferences.InterfacePatch{Theme: preferences.Set("Dark")}}, []string{"interface.theme"}},
		{"unknown ui language", preferences.Patch{Interface: preferences.InterfacePatch{UILanguage: preferences.Set("eo")}}, []string{"interface.ui_language"}},
		{
			name: "invalid mixed with valid changes nothing and names each problem",
			patch: preferences.Patch{
				Timezone:      preferences.Set("Europe/Berlin"),
				Learning:      preferences.LearningPatch{DailyXPGoal: preferences.Set(1000), NativeLanguage: preferences.Set("fr")},
				Notifications: preferences.NotificationsPatch{EmailEnabled: preferences.Set(false), ReminderTime: preferences.Set("25:00")},
				Interface:     preferences.InterfacePatch{Theme: preferences.Set("neon")},
			},
			fields: []string{"learning.daily_xp_goal", "notifications.reminder_time", "interface.theme"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := preferences.Default(t0)
			got, changed, err := preferences.Apply(before, tt.patch)
			require.Error(t, err)
			assert.True(t, errs.Is(err, errs.Invalid), "kind %v", errs.KindOf(err))
			e, _ := errs.As(err)
			var fields []string
			for _, f := range e.Fields {
				fields = append(fields, f.Field)
				assert.NotEmpty(t, f.Message)
			}
			assert.Equal(t, tt.fields, fields)
			assert.Nil(t, changed)
			assert.Equal(t, before, got, "an invalid patch changes nothing")
			assert.Equal(t, err.Error(), tt.patch.Validate().Error(), "Validate agrees with Apply")
		})
	}
}

func TestGoalMessageMatchesContract(t *testing.T) {
	_, _, err := preferences.Apply(preferences.Default(t0),
		preferences.Patch{Learning: preferences.LearningPatch{DailyXPGoal: preferences.Set(501)}})
	e, _ := errs.As(err)
	require.Len(t, e.Fields, 1)
	assert.Equal(t, "must be between 5 and 500", e.Fields[0].Message)
	assert.Equal(t, errs.CodeValidation, e.Fields[0].Code)
}

func TestRestoreRoundTrip(t *testing.T) {
	p, _, err := preferences.Apply(preferences.Default(t0), preferences.Patch{
		Timezone: preferences.Set("Asia/Tokyo"),
		Learning: preferences.LearningPatch{TargetLanguage: preferences.SetValue("ko"), DailyXPGoal: preferences.Set(35)},
	})
	require.NoError(t, err)
	p = p.Touched(t0.Add(time.Hour))
	back, err := preferences.Restore(p.Snapshot())
	require.NoError(t, err)
	assert.Equal(t, p.Snapshot(), back.Snapshot())
	assert.Equal(t, t0, back.CreatedAt())
	assert.Equal(t, t0.Add(time.Hour), back.UpdatedAt())
}

func TestRestoreRefusesCorruptRows(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(s *preferences.Snapshot)
	}{
		{"bad zone", func(s *preferences.Snapshot) { s.Timezone = "Nowhere/City" }},
		{"bad goal", func(s *preferences.Snapshot) { s.DailyXPGoal = 0 }},
		{"bad theme", func(s *preferences.Snapshot) { s.Theme = "" }},
		{"bad target", func(s *preferences.Snapshot) { s.TargetLanguage = "klingon" }},
		{"bad reminder", func(s *preferences.Snapshot) { s.ReminderTime = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := preferences.Default(t0).Snapshot()
			tt.mutate(&s)
			_, err := preferences.Restore(s)
			require.Error(t, err)
			assert.True(t, errs.Is(err, errs.Internal), "a corrupt row is the server's problem, not the client's")
		})
	}
}

func TestParseEnums(t *testing.T) {
	for _, code := range preferences.LanguageCodes() {
		l, err := preferences.ParseLanguage(code)
		require.NoError(t, err, code)
		assert.Equal(t, code, l.String())
	}
	assert.Len(t, preferences.LanguageCodes(), 16)
	for _, bad := range []string{"", "EN", "en-US", "eng", " en"} {
		_, err := preferences.ParseLanguage(bad)
		assert.Error(t, err, bad)
	}
	assert.Equal(t, "", preferences.Language(0).String())
	assert.False(t, preferences.Difficulty(0).Valid())
	assert.False(t, preferences.Theme(0).Valid())
}

func TestDefaultSettingsAreThoseOfDefault(t *testing.T) {
	zone, goal := preferences.DefaultSettings()
	d := preferences.Default(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if zone.Name() != d.Zone().Name() || goal != d.DailyXPGoal() || goal != preferences.DefaultDailyXPGoal || zone.Name() != "UTC" {
		t.Fatalf("DefaultSettings() = %s, %d; Default has %s, %d", zone.Name(), goal, d.Zone().Name(), d.DailyXPGoal())
	}
}

// TestRestoreKeepsAZoneStoredInAnotherSpelling: a zone name accepted before
// ParseZone refused other spellings still means its zone when read back.
func TestRestoreKeepsAZoneStoredInAnotherSpelling(t *testing.T) {
	s := preferences.Default(t0).Snapshot()
	s.Timezone = "Europe//Berlin"
	p, err := preferences.Restore(s)
	require.NoError(t, err)
	assert.Equal(t, "Europe/Berlin", p.Snapshot().Timezone)
}

func TestApplyLeaderboards(t *testing.T) {
	p := preferences.Default(t0)
	require.True(t, p.Leaderboards(), "a new learner takes part in the leagues")
	off, changed, err := preferences.Apply(p, preferences.Patch{Social: preferences.SocialPatch{Leaderboards: preferences.Set(false)}})
	require.NoError(t, err)
	assert.False(t, off.Leaderboards())
	assert.Equal(t, []string{preferences.PathLeaderboards}, changed)
	back, err := preferences.Restore(off.Snapshot())
	require.NoError(t, err)
	assert.False(t, back.Leaderboards(), "the flag survives storage")
	_, changed, err = preferences.Apply(off, preferences.Patch{Social: preferences.SocialPatch{Leaderboards: preferences.Set(false)}})
	require.NoError(t, err)
	assert.Empty(t, changed)
}
