package service_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/test/harness"
)

type preferencesDTO struct {
	Timezone string `json:"timezone"`
	Learning struct {
		TargetLanguage  *string `json:"target_language"`
		NativeLanguage  string  `json:"native_language"`
		DifficultyLevel string  `json:"difficulty_level"`
		DailyXPGoal     int     `json:"daily_xp_goal"`
	} `json:"learning"`
	Notifications struct {
		EmailEnabled  bool   `json:"email_enabled"`
		PushEnabled   bool   `json:"push_enabled"`
		DailyReminder bool   `json:"daily_reminder"`
		ReminderTime  string `json:"reminder_time"`
		StreakAlerts  bool   `json:"streak_alerts"`
		WeeklySummary bool   `json:"weekly_summary"`
	} `json:"notifications"`
	Interface struct {
		Theme        string `json:"theme"`
		UILanguage   string `json:"ui_language"`
		SoundEffects bool   `json:"sound_effects"`
		Animations   bool   `json:"animations"`
	} `json:"interface"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

type preferencesUpdateDTO struct {
	Preferences   preferencesDTO `json:"preferences"`
	UpdatedFields []string       `json:"updated_fields"`
}

const prefsPath = "/api/users/me/preferences"

func (a *accountsApp) preferences(t *testing.T, token string) preferencesDTO {
	t.Helper()
	r := a.Do(harness.Request{Method: "GET", Path: prefsPath, Token: token})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var p preferencesDTO
	r.Decode(t, &p)
	return p
}

func (a *accountsApp) changePreferences(t *testing.T, method, token string, body any) *harness.Response {
	t.Helper()
	return a.Do(harness.Request{Method: method, Path: prefsPath, Token: token, Body: body})
}

// newLearner registers a learner with a unique email and returns the access token.
func (a *accountsApp) newLearner(t *testing.T) (token string, user userDTO) {
	t.Helper()
	s := a.register(t, fmt.Sprintf("learner-%d@lingo.example", time.Now().UnixNano()), "a long enough password", "Learner")
	return s.Tokens.AccessToken, s.User
}

func TestPreferencesDefaults(t *testing.T) {
	t.Parallel()
	a := startAccounts(t)
	token, user := a.newLearner(t)
	a.clock.Advance(5 * time.Minute)

	p := a.preferences(t, token)

	assert.Equal(t, "UTC", p.Timezone)
	assert.Nil(t, p.Learning.TargetLanguage)
	assert.Equal(t, "en", p.Learning.NativeLanguage)
	assert.Equal(t, "beginner", p.Learning.DifficultyLevel)
	assert.Equal(t, 20, p.Learning.DailyXPGoal)
	assert.True(t, p.Notifications.EmailEnabled)
	assert.True(t, p.Notifications.PushEnabled)
	assert.True(t, p.Notifications.DailyReminder)
	assert.Equal(t, "19:00", p.Notifications.ReminderTime)
	assert.True(t, p.Notifications.StreakAlerts)
	assert.True(t, p.Notifications.WeeklySummary)
	assert.Equal(t, "system", p.Interface.Theme)
	assert.Equal(t, "en", p.Interface.UILanguage)
	assert.True(t, p.Interface.SoundEffects)
	assert.True(t, p.Interface.Animations)
	// The defaults are stamped with the account's creation, not the read,
	// so two reads agree.
	assert.Equal(t, user.CreatedAt, p.CreatedAt)
	assert.Equal(t, user.CreatedAt, p.UpdatedAt)
	assert.Equal(t, p, a.preferences(t, token))

	r := a.Do(harness.Request{Method: "GET", Path: prefsPath})
	assert.Equal(t, 401, r.Status)
}

func TestPreferencesPartialUpdate(t *testing.T) {
	t.Parallel()
	for _, method := range []string{"PUT", "PATCH"} {
		t.Run(method, func(t *testing.T) {
			a := startAccounts(t)
			token, _ := a.newLearner(t)
			before := a.preferences(t, token)
			a.clock.Advance(time.Minute)

			r := a.changePreferences(t, method, token, map[string]any{
				"timezone": "Europe/Berlin",
				"learning": map[string]any{"daily_xp_goal": 50, "native_language": "en"}, // en is unchanged
			})
			require.Equal(t, 200, r.Status, "%s", r.Body)
			var u preferencesUpdateDTO
			r.Decode(t, &u)
			assert.Equal(t, []string{"timezone", "learning.daily_xp_goal"}, u.UpdatedFields)
			assert.Equal(t, "Europe/Berlin", u.Preferences.Timezone)
			assert.Equal(t, 50, u.Preferences.Learning.DailyXPGoal)
			assert.Equal(t, before.CreatedAt, u.Preferences.CreatedAt)
			assert.Equal(t, formatInstant(a.clock.Now()), u.Preferences.UpdatedAt)

			want := before
			want.Timezone, want.Learning.DailyXPGoal, want.UpdatedAt = "Europe/Berlin", 50, u.Preferences.UpdatedAt
			assert.Equal(t, want, u.Preferences, "fields not sent keep their values")
			assert.Equal(t, want, a.preferences(t, token))

			// The same values again change nothing, so updated_at stays.
			a.clock.Advance(time.Minute)
			r = a.changePreferences(t, method, token, map[string]any{"timezone": "Europe/Berlin", "learning": map[string]any{"daily_xp_goal": 50}})
			require.Equal(t, 200, r.Status, "%s", r.Body)
			r.Decode(t, &u)
			assert.Equal(t, []string{}, u.UpdatedFields)
			assert.Equal(t, want, u.Preferences)

			// Every section at once.
			r = a.changePreferences(t, method, token, map[string]any{
				"learning":      map[string]any{"target_language": "ja", "difficulty_level": "advanced"},
				"notifications": map[string]any{"email_enabled": false, "reminder_time": "07:30", "weekly_summary": false},
				"interface":     map[string]any{"theme": "dark", "ui_language": "de", "sound_effects": false, "animations": false},
			})
			require.Equal(t, 200, r.Status, "%s", r.Body)
			r.Decode(t, &u)
			assert.Equal(t, []string{"learning.target_language", "learning.difficulty_level", "notifications.email_enabled",
				"notifications.reminder_time", "notifications.weekly_summary", "interface.theme", "interface.ui_language",
				"interface.sound_effects", "interface.animations"}, u.UpdatedFields)
			assert.Equal(t, formatInstant(a.clock.Now()), u.Preferences.UpdatedAt)
			assert.Equal(t, u.Preferences, a.preferences(t, token))
		})
	}
}

func TestPreferencesTargetLanguageNull(t *testing.T) {
	t.Parallel()
	a := startAccounts(t)
	token, _ := a.newLearner(t)

	r := a.changePreferences(t, "PATCH", token, `{"learning": {"target_language": "es"}}`)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var u preferencesUpdateDTO
	r.Decode(t, &u)
	require.NotNil(t, u.Preferences.Learning.TargetLanguage)
	assert.Equal(t, "es", *u.Preferences.Learning.TargetLanguage)

	r = a.changePreferences(t, "PUT", token, `{"learning": {"target_language": null}}`)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	r.Decode(t, &u)
	assert.Nil(t, u.Preferences.Learning.TargetLanguage)
	assert.Equal(t, []string{"learning.target_language"}, u.UpdatedFields)
	assert.Nil(t, a.preferences(t, token).Learning.TargetLanguage)
}

// TestPreferencesInvalidValues sends every value the OpenAPI document's Preferences refuses, alone and next
// to a valid change; each is 422 naming its path, and nothing changes.
func TestPreferencesInvalidValues(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		body  string
		field string
	}{
		{"timezone Local", `{"timezone": "Local"}`, "timezone"},
		{"timezone offset", `{"timezone": "+02:00"}`, "timezone"},
		{"timezone UTC offset", `{"timezone": "UTC+2"}`, "timezone"},
		{"timezone unknown", `{"timezone": "Mars/Olympus_Mons"}`, "timezone"},
		{"timezone empty", `{"timezone": ""}`, "timezone"},
		{"timezone lower case", `{"timezone": "europe/berlin"}`, "timezone"},
		{"timezone null", `{"timezone": null}`, "timezone"},
		{"timezone number", `{"timezone": 2}`, "timezone"},
		{"target language unknown", `{"learning": {"target_language": "xx"}}`, "learning.target_language"},
		{"target language upper case", `{"learning": {"target_language": "ES"}}`, "learning.target_language"},
		{"target language number", `{"learning": {"target_language": 1}}`, "learning.target_language"},
		{"native language null", `{"learning": {"native_language": null}}`, "learning.native_language"},
		{"native language unknown", `{"learning": {"native_language": "english"}}`, "learning.native_language"},
		{"difficulty unknown", `{"learning": {"difficulty_level": "expert"}}`, "learning.difficulty_level"},
		{"difficulty capitalised", `{"learning": {"difficulty_level": "Beginner"}}`, "learning.difficulty_level"},
		{"difficulty null", `{"learning": {"difficulty_level": null}}`, "learning.difficulty_level"},
		{"goal below 5", `{"learning": {"daily_xp_goal": 4}}`, "learning.daily_xp_goal"},
		{"goal above 500", `{"learning": {"daily_xp_goal": 501}}`, "learning.daily_xp_goal"},
		{"goal fraction", `{"learning": {"daily_xp_goal": 20.5}}`, "learning.daily_xp_goal"},
		{"goal string", `{"learning": {"daily_xp_goal": "20"}}`, "learning.daily_xp_goal"},
		{"goal null", `{"learning": {"daily_xp_goal": null}}`, "learning.daily_xp_goal"},
		{"goal huge", `{"learning": {"daily_xp_goal": 1e400}}`, "learning.daily_xp_goal"},
		{"reminder 24:00", `{"notifications": {"reminder_time": "24:00"}}`, "notifications.reminder_time"},
		{"reminder one-digit hour", `{"notifications": {"reminder_time": "7:00"}}`, "notifications.reminder_time"},
		{"reminder minute 60", `{"notifications": {"reminder_time": "19:60"}}`, "notifications.reminder_time"},
		{"reminder with seconds", `{"notifications": {"reminder_time": "19:00:00"}}`, "notifications.reminder_time"},
		{"reminder 12-hour", `{"notifications": {"reminder_time": "7:00 PM"}}`, "notifications.reminder_time"},
		{"reminder null", `{"notifications": {"reminder_time": null}}`, "notifications.reminder_time"},
		{"email flag string", `{"notifications": {"email_enabled": "true"}}`, "notifications.email_enabled"},
		{"push flag number", `{"notifications": {"push_enabled": 1}}`, "notifications.push_enabled"},
		{"daily reminder null", `{"notifications": {"daily_reminder": null}}`, "notifications.daily_reminder"},
		{"streak alerts string", `{"notifications": {"streak_alerts": "yes"}}`, "notifications.streak_alerts"},
		{"weekly summary null", `{"notifications": {"weekly_summary": null}}`, "notifications.weekly_summary"},
		{"theme unknown", `{"interface": {"theme": "blue"}}`, "interface.theme"},
		{"theme upper case", `{"interface": {"theme": "DARK"}}`, "interface.theme"},
		{"ui language unknown", `{"interface": {"ui_language": "tlh"}}`, "interface.ui_language"},
		{"ui language null", `{"interface": {"ui_language": null}}`, "interface.ui_language"},
		{"sound effects string", `{"interface": {"sound_effects": "false"}}`, "interface.sound_effects"},
		{"animations null", `{"interface": {"animations": null}}`, "interface.animations"},
		{"section null", `{"learning": null}`, "learning"},
		{"section not an object", `{"notifications": "all"}`, "notifications"},
		{"unknown key", `{"language": "de"}`, "language"},
		{"unknown nested key", `{"learning": {"xp_goal": 30}}`, "learning.xp_goal"},
		{"unknown section key", `{"interface": {"font_size": 3}}`, "interface.font_size"},
		{"created_at is read-only", `{"created_at": "2026-01-01T00:00:00.000Z"}`, "created_at"},
		{"updated_at is read-only", `{"updated_at": "2026-01-01T00:00:00.000Z"}`, "updated_at"},
		{"repeated key", `{"timezone": "UTC", "timezone": "Europe/Paris"}`, "timezone"},
	}
	a := startAccounts(t)
	token, _ := a.newLearner(t)
	before := a.preferences(t, token)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, method := range []string{"PUT", "PATCH"} {
				r := a.changePreferences(t, method, token, c.body)
				require.Equal(t, 422, r.Status, "%s %s: %s", method, c.body, r.Body)
				assert.Equal(t, "validation_error", r.Env.Metadata["error_code"])
				assert.Equal(t, []string{c.field}, r.Fields(), "%s", r.Body)
			}
			// Next to valid changes: still refused whole.
			var body map[string]json.RawMessage
			require.NoError(t, json.Unmarshal([]byte(c.body), &body))
			mixed := map[string]any{"interface": map[string]any{"theme": "dark"}, "learning": map[string]any{"daily_xp_goal": 100}}
			for k, v := range body {
				if k == "interface" || k == "learning" {
					var section map[string]any
					if json.Unmarshal(v, &section) == nil && section != nil {
						merged := map[string]any{}
						for sk, sv := range mixed[k].(map[string]any) {
							merged[sk] = sv
						}
						for sk, sv := range section {
							merged[sk] = sv
						}
						mixed[k] = merged
						continue
					}
				}
				mixed[k] = v
			}
			if c.name == "repeated key" { // a map cannot hold a repeat; send it as text
				r := a.changePreferences(t, "PATCH", token, `{"interface": {"theme": "dark"}, "timezone": "UTC", "timezone": "Asia/Tokyo"}`)
				require.Equal(t, 422, r.Status, "%s", r.Body)
			} else {
				r := a.changePreferences(t, "PATCH", token, mixed)
				require.Equal(t, 422, r.Status, "%v: %s", mixed, r.Body)
				assert.Contains(t, r.Fields(), c.field)
			}
			assert.Equal(t, before, a.preferences(t, token), "an invalid request changes nothing")
		})
	}
}

func TestPreferencesReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	a := startAccounts(t)
	token, _ := a.newLearner(t)
	before := a.preferences(t, token)

	r := a.changePreferences(t, "PUT", token, `{"timezone": "Local", "learning": {"daily_xp_goal": 1, "difficulty_level": "hard"},
		"notifications": {"reminder_time": "25:00"}, "interface": {"theme": "dark", "extra": true}}`)
	require.Equal(t, 422, r.Status, "%s", r.Body)
	assert.ElementsMatch(t, []string{"timezone", "learning.daily_xp_goal", "learning.difficulty_level",
		"notifications.reminder_time", "interface.extra"}, r.Fields())
	assert.Equal(t, before, a.preferences(t, token))
}

func TestPreferencesMalformedBodies(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		body   string
		status int
	}{
		{"not JSON", `{"timezone": `, 400},
		{"trailing data", `{"timezone": "UTC"} {}`, 400},
		{"an array", `[{"timezone": "UTC"}]`, 400},
		{"empty", ``, 400},
		{"empty object changes nothing", `{}`, 200},
	}
	a := startAccounts(t)
	token, _ := a.newLearner(t)
	before := a.preferences(t, token)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := a.changePreferences(t, "PUT", token, c.body)
			assert.Equal(t, c.status, r.Status, "%s", r.Body)
			assert.Equal(t, before, a.preferences(t, token))
		})
	}
}

func formatInstant(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// TestPreferencesReachTheProgressEngine shows the two features agree on the
// user_preferences table: after a learner moves to UTC+14 and raises the
// goal, an event's local_date and the daily goal follow.
func TestPreferencesReachTheProgressEngine(t *testing.T) {
	t.Parallel()
	e := startEngine(t)
	_, token := e.learner(t)
	r := e.Do(harness.Request{Method: "PATCH", Path: prefsPath, Token: token,
		Body: map[string]any{"timezone": "Pacific/Kiritimati", "learning": map[string]any{"daily_xp_goal": 300}}})
	require.Equal(t, 200, r.Status, "%s", r.Body)

	// 12:00 UTC on 26 November is 02:00 on 27 November in Kiritimati.
	r = e.post(t, token, "/api/analytics/events", map[string]any{"event_type": "app_opened"})
	require.Equal(t, 201, r.Status, "%s", r.Body)
	var out ingestOut
	r.Decode(t, &out)
	assert.Equal(t, "2026-11-27", out.Event.LocalDate)
	assert.Equal(t, 300, out.Effects.DailyGoal.GoalXP)
}
