package learning_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
)

func ptr[T any](v T) *T { return &v }

const (
	lessonID = "6f1c2b3a-0d4e-4f5a-9b8c-7d6e5f4a3b2c"
	courseID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)

var received = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

func zone(t *testing.T, name string) calendar.Zone {
	t.Helper()
	z, err := calendar.ParseZone(name)
	require.NoError(t, err)
	return z
}

func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	require.Error(t, err)
	require.True(t, errs.Is(err, errs.Invalid), "want Invalid, got %v", err)
	e, _ := errs.As(err)
	out := map[string]string{}
	for _, f := range e.Fields {
		_, dup := out[f.Field]
		require.False(t, dup, "two problems on %s: %v", f.Field, err)
		out[f.Field] = f.Code
	}
	return out
}

func TestEventTypes(t *testing.T) {
	cases := []struct {
		name       string
		category   string
		serverOnly bool
	}{
		{"app_opened", "session", false},
		{"session_started", "session", false},
		{"session_ended", "session", false},
		{"course_started", "learning", false},
		{"course_completed", "learning", false},
		{"lesson_started", "learning", false},
		{"lesson_completed", "learning", false},
		{"lesson_abandoned", "learning", false},
		{"practice_completed", "learning", false},
		{"exercise_attempted", "exercise", false},
		{"exercise_skipped", "exercise", false},
		{"hint_used", "exercise", false},
		{"level_up", "progress", true},
		{"streak_extended", "progress", true},
		{"daily_goal_met", "progress", true},
		{"achievement_unlocked", "progress", true},
	}
	require.Len(t, learning.AllEventTypes(), len(cases))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			et, err := learning.ParseEventType(c.name)
			require.NoError(t, err)
			assert.True(t, et.Valid())
			assert.Equal(t, c.name, et.String())
			assert.Equal(t, c.category, et.Category().String())
			assert.Equal(t, c.serverOnly, et.ServerOnly())
			cat, err := learning.ParseCategory(c.category)
			require.NoError(t, err)
			assert.Contains(t, cat.EventTypes(), et)
		})
	}
}

func TestParseRefusesUnknownNames(t *testing.T) {
	cases := []struct {
		name  string
		parse func(string) error
		input string
	}{
		{"event type empty", func(s string) error { _, err := learning.ParseEventType(s); return err }, ""},
		{"event type upper case", func(s string) error { _, err := learning.ParseEventType(s); return err }, "LESSON_COMPLETED"},
		{"event type unknown", func(s string) error { _, err := learning.ParseEventType(s); return err }, "lesson_done"},
		{"category unknown", func(s string) error { _, err := learning.ParseCategory(s); return err }, "misc"},
		{"device unknown", func(s string) error { _, err := learning.ParseDeviceType(s); return err }, "watch"},
		{"device empty", func(s string) error { _, err := learning.ParseDeviceType(s); return err }, ""},
		{"platform unknown", func(s string) error { _, err := learning.ParsePlatform(s); return err }, "beos"},
		{"platform upper case", func(s string) error { _, err := learning.ParsePlatform(s); return err }, "iOS"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { assert.Error(t, c.parse(c.input)) })
	}
	var zero learning.EventType
	assert.False(t, zero.Valid())
	assert.Equal(t, "", zero.String())
	assert.False(t, learning.Category(0).Valid())
}

func TestDeviceAndPlatformNames(t *testing.T) {
	for _, s := range []string{"phone", "tablet", "desktop", "web", "other"} {
		d, err := learning.ParseDeviceType(s)
		require.NoError(t, err)
		assert.Equal(t, s, d.String())
	}
	for _, s := range []string{"ios", "android", "web", "windows", "macos", "linux", "other"} {
		p, err := learning.ParsePlatform(s)
		require.NoError(t, err)
		assert.Equal(t, s, p.String())
	}
	assert.Equal(t, "", learning.DeviceType(0).String())
	assert.Equal(t, "", learning.Platform(0).String())
}

// fullInput sets every field to a valid value.
func fullInput() learning.EventInput {
	return learning.EventInput{
		EventID:         ptr("A1B2C3D4-0000-4000-8000-000000000001"),
		EventType:       "lesson_completed",
		OccurredAt:      ptr(received.Add(-time.Hour)),
		SessionID:       ptr(strings.Repeat("s", 64)),
		CourseID:        ptr(courseID),
		LessonID:        ptr(lessonID),
		ExerciseID:      ptr(strings.Repeat("x", 64)),
		DurationSeconds: ptr(86400),
		Score:           ptr(100),
		IsCorrect:       ptr(true),
		DeviceType:      ptr("tablet"),
		Platform:        ptr("android"),
		AppVersion:      ptr(strings.Repeat("1", 32)),
		Metadata:        map[string]any{"a": map[string]any{"b": map[string]any{"c": 1}}},
		MetadataSize:    4096,
	}
}

func TestNewEventKeepsEveryField(t *testing.T) {
	e, err := learning.NewEvent("srv-1", "user-1", fullInput(), received, calendar.UTC)
	require.NoError(t, err)
	assert.Equal(t, "srv-1", e.ID())
	assert.Equal(t, "user-1", e.UserID())
	assert.Equal(t, "a1b2c3d4-0000-4000-8000-000000000001", e.EventID(), "event_id is lower-cased")
	assert.Equal(t, learning.LessonCompleted, e.Type())
	assert.Equal(t, learning.CategoryLearning, e.Category())
	assert.Equal(t, received.Add(-time.Hour), e.OccurredAt())
	assert.Equal(t, received, e.ReceivedAt())
	assert.Equal(t, "2026-11-26", e.LocalDate().String())
	assert.True(t, e.EarnsCredit())
	s, ok := e.Score()
	assert.True(t, ok)
	assert.Equal(t, 100, s)
	l, ok := e.LessonID()
	assert.True(t, ok)
	assert.Equal(t, lessonID, l)
	d, _ := e.DurationSeconds()
	assert.Equal(t, 86400, d)
	c, _ := e.IsCorrect()
	assert.True(t, c)
	assert.Equal(t, learning.DeviceTablet, e.DeviceType())
	assert.Equal(t, learning.PlatformAndroid, e.Platform())
	assert.Equal(t, 0, e.XPAwarded())
	assert.Equal(t, 15, e.WithXP(15).XPAwarded())

	back, err := learning.RestoreEvent(e.WithXP(15).Record())
	require.NoError(t, err)
	assert.Equal(t, e.WithXP(15), back)
}

func TestNewEventMinimal(t *testing.T) {
	e, err := learning.NewEvent("srv-1", "user-1", learning.EventInput{EventType: "app_opened"}, received, calendar.UTC)
	require.NoError(t, err)
	assert.Equal(t, "srv-1", e.EventID(), "event_id defaults to the server id")
	assert.Equal(t, received, e.OccurredAt(), "occurred_at defaults to the receipt")
	_, ok := e.SessionID()
	assert.False(t, ok)
	_, ok = e.Score()
	assert.False(t, ok)
	assert.Equal(t, learning.DeviceType(0), e.DeviceType())
	assert.Nil(t, e.Metadata())
}

func TestNewEventRequiredFieldsPerType(t *testing.T) {
	cases := []struct {
		name string
		in   learning.EventInput
		want map[string]string
	}{
		{"lesson_completed without lesson and score", learning.EventInput{EventType: "lesson_completed"},
			map[string]string{"lesson_id": errs.CodeValidation, "score": errs.CodeValidation}},
		{"lesson_completed without score", learning.EventInput{EventType: "lesson_completed", LessonID: ptr(lessonID)},
			map[string]string{"score": errs.CodeValidation}},
		{"practice_completed without score", learning.EventInput{EventType: "practice_completed"},
			map[string]string{"score": errs.CodeValidation}},
		{"course_completed without course", learning.EventInput{EventType: "course_completed"},
			map[string]string{"course_id": errs.CodeValidation}},
		{"exercise_attempted without is_correct", learning.EventInput{EventType: "exercise_attempted"},
			map[string]string{"is_correct": errs.CodeValidation}},
		{"invalid lesson id is one problem, not two", learning.EventInput{EventType: "lesson_completed", LessonID: ptr("nope"), Score: ptr(5)},
			map[string]string{"lesson_id": errs.CodeValidation}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := learning.NewEvent("srv-1", "u", c.in, received, calendar.UTC)
			assert.Equal(t, c.want, fieldsOf(t, err))
		})
	}
}

func TestNewEventAcceptsEdges(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*learning.EventInput)
	}{
		{"score 0", func(in *learning.EventInput) { in.Score = ptr(0) }},
		{"duration 0", func(in *learning.EventInput) { in.DurationSeconds = ptr(0) }},
		{"metadata empty object", func(in *learning.EventInput) { in.Metadata, in.MetadataSize = map[string]any{}, 2 }},
		{"metadata array at level 3", func(in *learning.EventInput) {
			in.Metadata = map[string]any{"a": map[string]any{"b": []any{1, 2}}}
		}},
		{"session id of 64 multi-byte characters", func(in *learning.EventInput) { in.SessionID = ptr(strings.Repeat("ü", 64)) }},
		{"upper-case course id", func(in *learning.EventInput) { in.CourseID = ptr(strings.ToUpper(courseID)) }},
		{"hint_used needs nothing", func(in *learning.EventInput) { *in = learning.EventInput{EventType: "hint_used"} }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := fullInput()
			c.mutate(&in)
			_, err := learning.NewEvent("srv-1", "u", in, received, calendar.UTC)
			assert.NoError(t, err)
		})
	}
}

func TestNewEventRefuses(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*learning.EventInput)
		want   map[string]string
	}{
		{"missing event type", func(in *learning.EventInput) { in.EventType = "" }, map[string]string{"event_type": errs.CodeValidation}},
		{"unknown event type", func(in *learning.EventInput) { in.EventType = "lesson_done" }, map[string]string{"event_type": errs.CodeValidation}},
		{"level_up is server only", func(in *learning.EventInput) { in.EventType = "level_up" }, map[string]string{"event_type": errs.CodeEventTypeNotAllowed}},
		{"streak_extended is server only", func(in *learning.EventInput) { in.EventType = "streak_extended" }, map[string]string{"event_type": errs.CodeEventTypeNotAllowed}},
		{"daily_goal_met is server only", func(in *learning.EventInput) { in.EventType = "daily_goal_met" }, map[string]string{"event_type": errs.CodeEventTypeNotAllowed}},
		{"achievement_unlocked is server only", func(in *learning.EventInput) { in.EventType = "achievement_unlocked" }, map[string]string{"event_type": errs.CodeEventTypeNotAllowed}},
		{"event id not a uuid", func(in *learning.EventInput) { in.EventID = ptr("abc") }, map[string]string{"event_id": errs.CodeValidation}},
		{"event id without hyphens", func(in *learning.EventInput) { in.EventID = ptr("a1b2c3d400004000800000000000000100ff") }, map[string]string{"event_id": errs.CodeValidation}},
		{"score -1", func(in *learning.EventInput) { in.Score = ptr(-1) }, map[string]string{"score": errs.CodeValidation}},
		{"score 101", func(in *learning.EventInput) { in.Score = ptr(101) }, map[string]string{"score": errs.CodeValidation}},
		{"duration -1", func(in *learning.EventInput) { in.DurationSeconds = ptr(-1) }, map[string]string{"duration_seconds": errs.CodeValidation}},
		{"duration 86401", func(in *learning.EventInput) { in.DurationSeconds = ptr(86401) }, map[string]string{"duration_seconds": errs.CodeValidation}},
		{"session id of 65", func(in *learning.EventInput) { in.SessionID = ptr(strings.Repeat("s", 65)) }, map[string]string{"session_id": errs.CodeValidation}},
		{"exercise id of 65", func(in *learning.EventInput) { in.ExerciseID = ptr(strings.Repeat("x", 65)) }, map[string]string{"exercise_id": errs.CodeValidation}},
		{"app version of 33", func(in *learning.EventInput) { in.AppVersion = ptr(strings.Repeat("1", 33)) }, map[string]string{"app_version": errs.CodeValidation}},
		{"course id not a uuid", func(in *learning.EventInput) { in.CourseID = ptr("spanish-101") }, map[string]string{"course_id": errs.CodeValidation}},
		{"lesson id with a non-hex digit", func(in *learning.EventInput) { in.LessonID = ptr("6f1c2b3a-0d4e-4f5a-9b8c-7d6e5f4a3b2g") }, map[string]string{"lesson_id": errs.CodeValidation}},
		{"unknown device", func(in *learning.EventInput) { in.DeviceType = ptr("watch") }, map[string]string{"device_type": errs.CodeValidation}},
		{"unknown platform", func(in *learning.EventInput) { in.Platform = ptr("beos") }, map[string]string{"platform": errs.CodeValidation}},
		{"metadata of 4097 bytes", func(in *learning.EventInput) { in.MetadataSize = 4097 }, map[string]string{"metadata": errs.CodeValidation}},
		{"metadata 4 levels deep", func(in *learning.EventInput) {
			in.Metadata = map[string]any{"a": map[string]any{"b": map[string]any{"c": map[string]any{}}}}
		}, map[string]string{"metadata": errs.CodeValidation}},
		{"metadata 4 levels through an array", func(in *learning.EventInput) {
			in.Metadata = map[string]any{"a": []any{map[string]any{"c": []any{}}}}
		}, map[string]string{"metadata": errs.CodeValidation}},
		{"occurred_at 5m01s ahead", func(in *learning.EventInput) { in.OccurredAt = ptr(received.Add(5*time.Minute + time.Second)) },
			map[string]string{"occurred_at": errs.CodeOccurredAtInFuture}},
		{"many problems at once", func(in *learning.EventInput) {
			in.EventType = "level_up"
			in.Score = ptr(200)
			in.Platform = ptr("x")
			in.OccurredAt = ptr(received.Add(time.Hour))
		}, map[string]string{"event_type": errs.CodeEventTypeNotAllowed, "score": errs.CodeValidation, "platform": errs.CodeValidation, "occurred_at": errs.CodeOccurredAtInFuture}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := fullInput()
			c.mutate(&in)
			_, err := learning.NewEvent("srv-1", "u", in, received, calendar.UTC)
			assert.Equal(t, c.want, fieldsOf(t, err))
		})
	}
}

func TestPrefixedFieldPaths(t *testing.T) {
	_, err := learning.NewEvent("srv-1", "u", learning.EventInput{EventType: "level_up"}, received, calendar.UTC)
	e, ok := errs.As(errs.Prefix("events[3]", err))
	require.True(t, ok)
	require.Len(t, e.Fields, 1)
	assert.Equal(t, "events[3].event_type", e.Fields[0].Field)
	assert.Equal(t, errs.CodeEventTypeNotAllowed, e.Fields[0].Code)
}

func TestServerEvent(t *testing.T) {
	d := calendar.NewDate(2026, 11, 26)
	e, err := learning.NewServerEvent("s1", "u", learning.LevelUp, received, received, d, map[string]any{"level": 2})
	require.NoError(t, err)
	assert.Equal(t, "s1", e.EventID())
	assert.Equal(t, learning.CategoryProgress, e.Category())
	_, err = learning.NewServerEvent("s1", "u", learning.LessonCompleted, received, received, d, nil)
	assert.Equal(t, errs.Internal, errs.KindOf(err))
}

func TestRestoreEventRefusesCorruptRows(t *testing.T) {
	good, err := learning.NewEvent("srv-1", "u", fullInput(), received, calendar.UTC)
	require.NoError(t, err)
	cases := []struct {
		name   string
		mutate func(*learning.EventRecord)
	}{
		{"unknown type", func(r *learning.EventRecord) { r.EventType = "x" }},
		{"unknown device", func(r *learning.EventRecord) { r.DeviceType = "x" }},
		{"unknown platform", func(r *learning.EventRecord) { r.Platform = "x" }},
		{"no local date", func(r *learning.EventRecord) { r.LocalDate = calendar.Date{} }},
		{"no event id", func(r *learning.EventRecord) { r.EventID = "" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := good.Record()
			c.mutate(&r)
			_, err := learning.RestoreEvent(r)
			assert.Equal(t, errs.Internal, errs.KindOf(err))
		})
	}
}

func TestIsUUID(t *testing.T) {
	cases := []struct {
		in   string
		want bool
	}{
		{lessonID, true},
		{strings.ToUpper(lessonID), true},
		{"", false},
		{lessonID[:35], false},
		{lessonID + "0", false},
		{strings.ReplaceAll(lessonID, "-", "_"), false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) { assert.Equal(t, c.want, learning.IsUUID(c.in)) })
	}
}
