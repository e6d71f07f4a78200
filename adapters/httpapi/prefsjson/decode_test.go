package prefsjson_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/httpapi/prefsjson"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/preferences"
)

var t0 = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

func apply(t *testing.T, body string) (preferences.Snapshot, []string) {
	t.Helper()
	patch, err := prefsjson.Decode([]byte(body))
	require.NoError(t, err)
	p, changed, err := preferences.Apply(preferences.Default(t0), patch)
	require.NoError(t, err)
	return p.Snapshot(), changed
}

func TestDecodeValid(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		changed []string
		check   func(t *testing.T, s preferences.Snapshot)
	}{
		{name: "empty object", body: `{}`, changed: []string{}},
		{name: "whitespace around", body: " \n\t{} \r\n", changed: []string{}},
		{
			name:    "goal and zone",
			body:    `{"timezone":"Europe/Berlin","learning":{"daily_xp_goal":50}}`,
			changed: []string{"timezone", "learning.daily_xp_goal"},
			check: func(t *testing.T, s preferences.Snapshot) {
				assert.Equal(t, "Europe/Berlin", s.Timezone)
				assert.Equal(t, 50, s.DailyXPGoal)
			},
		},
		{name: "target language null", body: `{"learning":{"target_language":null}}`, changed: []string{}},
		{name: "target language set", body: `{"learning":{"target_language":"es"}}`, changed: []string{"learning.target_language"}},
		{name: "integral float goal", body: `{"learning":{"daily_xp_goal":20.0}}`, changed: []string{}},
		{name: "exponent goal", body: `{"learning":{"daily_xp_goal":1e2}}`, changed: []string{"learning.daily_xp_goal"}},
		{name: "empty sections", body: `{"learning":{},"notifications":{},"interface":{},"social":{}}`, changed: []string{}},
		{
			name: "leaderboards off", body: `{"social":{"leaderboards":false}}`, changed: []string{"social.leaderboards"},
			check: func(t *testing.T, s preferences.Snapshot) { assert.False(t, s.Leaderboards) },
		},
		{
			name: "every field",
			body: `{"timezone":"Asia/Tokyo",
			  "learning":{"target_language":"ja","native_language":"de","difficulty_level":"advanced","daily_xp_goal":500},
			  "notifications":{"email_enabled":false,"push_enabled":false,"daily_reminder":false,"reminder_time":"07:05",
			                   "streak_alerts":false,"weekly_summary":false},
			  "interface":{"theme":"dark","ui_language":"ko","sound_effects":false,"animations":false}}`,
			changed: []string{
				"timezone", "learning.target_language", "learning.native_language", "learning.difficulty_level",
				"learning.daily_xp_goal", "notifications.email_enabled", "notifications.push_enabled",
				"notifications.daily_reminder", "notifications.reminder_time", "notifications.streak_alerts",
				"notifications.weekly_summary", "interface.theme", "interface.ui_language",
				"interface.sound_effects", "interface.animations",
			},
			check: func(t *testing.T, s preferences.Snapshot) {
				assert.Equal(t, "07:05", s.ReminderTime)
				assert.Equal(t, "ko", s.UILanguage)
				assert.Equal(t, "ja", s.TargetLanguage)
			},
		},
		{name: "escaped string", body: `{"timezone":"Europe\/Berlin"}`, changed: []string{"timezone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, changed := apply(t, tt.body)
			assert.Equal(t, tt.changed, changed)
			if tt.check != nil {
				tt.check(t, s)
			}
		})
	}
}

func TestDecodeMalformed(t *testing.T) {
	tests := []struct{ name, body string }{
		{"empty body", ``},
		{"only whitespace", "  \n"},
		{"truncated", `{"timezone":"UTC"`},
		{"trailing object", `{}{}`},
		{"trailing garbage", `{"timezone":"UTC"} x`},
		{"trailing comma", `{"timezone":"UTC",}`},
		{"single quotes", `{'timezone':'UTC'}`},
		{"bare word", `timezone`},
		{"array body", `[]`},
		{"string body", `"UTC"`},
		{"null body", `null`},
		{"number body", `5`},
		{"comment", `{/* c */}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := prefsjson.Decode([]byte(tt.body))
			require.Error(t, err)
			assert.True(t, errs.Is(err, errs.BadRequest), "kind %v", errs.KindOf(err))
		})
	}
}

func TestDecodeInvalid(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		fields []string
	}{
		{"unknown top-level key", `{"colour":"red"}`, []string{"colour"}},
		{"empty key", `{"":1}`, []string{`[""]`}},
		{"dotted key", `{"learning.daily_xp_goal":20}`, []string{`["learning.daily_xp_goal"]`}},
		{"odd nested key", `{"learning":{"a b":1,"":2}}`, []string{`learning["a b"]`, `learning[""]`}},
		{"key with other case", `{"Timezone":"UTC"}`, []string{"Timezone"}},
		{"created_at is read-only", `{"created_at":"2026-01-01T00:00:00Z"}`, []string{"created_at"}},
		{"updated_at is read-only", `{"updated_at":null}`, []string{"updated_at"}},
		{"unknown nested key", `{"learning":{"daily_goal":20}}`, []string{"learning.daily_goal"}},
		{"unknown notifications key", `{"notifications":{"sms_enabled":true}}`, []string{"notifications.sms_enabled"}},
		{"unknown interface key", `{"interface":{"font":"big"}}`, []string{"interface.font"}},
		{"unknown social key", `{"social":{"friends":true}}`, []string{"social.friends"}},
		{"string leaderboards", `{"social":{"leaderboards":"no"}}`, []string{"social.leaderboards"}},
		{"null leaderboards", `{"social":{"leaderboards":null}}`, []string{"social.leaderboards"}},
		{"repeated key", `{"timezone":"UTC","timezone":"Europe/Berlin"}`, []string{"timezone"}},
		{"repeated nested key", `{"learning":{"daily_xp_goal":10,"daily_xp_goal":20}}`, []string{"learning.daily_xp_goal"}},
		{"empty timezone", `{"timezone":""}`, []string{"timezone"}},
		{"null timezone", `{"timezone":null}`, []string{"timezone"}},
		{"numeric timezone", `{"timezone":1}`, []string{"timezone"}},
		{"Local timezone", `{"timezone":"Local"}`, []string{"timezone"}},
		{"offset timezone", `{"timezone":"+01:00"}`, []string{"timezone"}},
		{"null section", `{"learning":null}`, []string{"learning"}},
		{"array section", `{"notifications":[]}`, []string{"notifications"}},
		{"string section", `{"interface":"dark"}`, []string{"interface"}},
		{"null native language", `{"learning":{"native_language":null}}`, []string{"learning.native_language"}},
		{"null ui language", `{"interface":{"ui_language":null}}`, []string{"interface.ui_language"}},
		{"numeric target language", `{"learning":{"target_language":7}}`, []string{"learning.target_language"}},
		{"unknown target language", `{"learning":{"target_language":"xx"}}`, []string{"learning.target_language"}},
		{"upper-case difficulty", `{"learning":{"difficulty_level":"BEGINNER"}}`, []string{"learning.difficulty_level"}},
		{"null difficulty", `{"learning":{"difficulty_level":null}}`, []string{"learning.difficulty_level"}},
		{"goal as string", `{"learning":{"daily_xp_goal":"20"}}`, []string{"learning.daily_xp_goal"}},
		{"goal as bool", `{"learning":{"daily_xp_goal":true}}`, []string{"learning.daily_xp_goal"}},
		{"goal null", `{"learning":{"daily_xp_goal":null}}`, []string{"learning.daily_xp_goal"}},
		{"goal fraction", `{"learning":{"daily_xp_goal":20.5}}`, []string{"learning.daily_xp_goal"}},
		{"goal too low", `{"learning":{"daily_xp_goal":4}}`, []string{"learning.daily_xp_goal"}},
		{"goal too high", `{"learning":{"daily_xp_goal":501}}`, []string{"learning.daily_xp_goal"}},
		{"goal beyond int64", `{"learning":{"daily_xp_goal":99999999999999999999999}}`, []string{"learning.daily_xp_goal"}},
		{"goal beyond float64", `{"learning":{"daily_xp_goal":1e400}}`, []string{"learning.daily_xp_goal"}},
		{"bool as string", `{"notifications":{"email_enabled":"true"}}`, []string{"notifications.email_enabled"}},
		{"bool as number", `{"notifications":{"push_enabled":1}}`, []string{"notifications.push_enabled"}},
		{"bool null", `{"interface":{"animations":null}}`, []string{"interface.animations"}},
		{"reminder 24:00", `{"notifications":{"reminder_time":"24:00"}}`, []string{"notifications.reminder_time"}},
		{"reminder as number", `{"notifications":{"reminder_time":1900}}`, []string{"notifications.reminder_time"}},
		{"theme unknown", `{"interface":{"theme":"sepia"}}`, []string{"interface.theme"}},
		{"theme null", `{"interface":{"theme":null}}`, []string{"interface.theme"}},
		{
			name: "every problem at once, valid fields alongside",
			body: `{"timezone":"Europe/Berlin","bogus":1,"learning":{"daily_xp_goal":"x","native_language":"fr"},
			        "notifications":{"email_enabled":false,"reminder_time":"25:00"},"interface":{"theme":"neon"}}`,
			fields: []string{"bogus", "learning.daily_xp_goal", "notifications.reminder_time", "interface.theme"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			patch, err := prefsjson.Decode([]byte(tt.body))
			require.Error(t, err)
			assert.True(t, errs.Is(err, errs.Invalid), "kind %v", errs.KindOf(err))
			e, _ := errs.As(err)
			var fields []string
			for _, f := range e.Fields {
				fields = append(fields, f.Field)
				assert.Equal(t, errs.CodeValidation, f.Code)
				assert.NotEmpty(t, f.Message)
			}
			assert.Equal(t, tt.fields, fields)
			assert.Equal(t, preferences.Patch{}, patch, "no partial patch escapes an invalid body")
		})
	}
}

func TestDecodeMessages(t *testing.T) {
	tests := []struct{ name, body, message string }{
		{"range", `{"learning":{"daily_xp_goal":501}}`, "must be between 5 and 500"},
		{"unknown", `{"x":1}`, "is not a known field"},
		{"read-only", `{"created_at":"2026-01-01T00:00:00Z"}`, "is read-only"},
		{"null", `{"timezone":null}`, "must not be null"},
		{"empty zone", `{"timezone":""}`, "must not be empty"},
		{"type", `{"interface":{"sound_effects":"yes"}}`, "must be a boolean"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := prefsjson.Decode([]byte(tt.body))
			e, ok := errs.As(err)
			require.True(t, ok)
			require.Len(t, e.Fields, 1)
			assert.Equal(t, tt.message, e.Fields[0].Message)
		})
	}
}
