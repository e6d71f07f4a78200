package service_test

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/test/harness"
)

// The input rules of the OpenAPI document's "Text and input rules": every
// string is valid UTF-8 without control characters (tab and newline only in
// description and metadata), a 422 names every problem at once, and no bad
// input reaches a store (on PostgreSQL a NUL or an invalid byte was a 500).
// These run on SQLite and, under make test-integration, on PostgreSQL.

// badTexts are the spellings of a string the text rule refuses: a NUL as a
// JSON escape, another C0 control character, and raw invalid UTF-8 bytes
// (which encoding/json would silently turn into U+FFFD).
var badTexts = map[string]string{
	"NUL escape":     `a\u0000b`,
	"escape char":    `a\u001bb`,
	"invalid UTF-8":  "caf\xe9",
	"lone surrogate": "\xed\xa0\x80",
}

// withText puts a bad string (already JSON-escaped or raw) into a body.
func withText(body, bad string) []byte { return []byte(strings.ReplaceAll(body, "BAD", bad)) }

func errorFor(r *harness.Response, field string) *harness.ErrorItem {
	for i, e := range r.Env.Errors {
		if e.Field != nil && *e.Field == field {
			return &r.Env.Errors[i]
		}
	}
	return nil
}

func TestTextRuleOnBodies(t *testing.T) {
	t.Parallel()
	app := startEngine(t)
	_, learner := app.learner(t)
	lesson := app.courses(t, learner)[0].Lessons[0]
	cases := []struct {
		name, method, path, body, field string
		admin                           bool
	}{
		{"event session_id", "POST", "/api/analytics/events", `{"event_type":"app_opened","session_id":"BAD"}`, "session_id", false},
		{"event exercise_id", "POST", "/api/analytics/events", `{"event_type":"exercise_skipped","exercise_id":"BAD"}`, "exercise_id", false},
		{"event app_version", "POST", "/api/analytics/events", `{"event_type":"app_opened","app_version":"BAD"}`, "app_version", false},
		{"event metadata value", "POST", "/api/analytics/events", `{"event_type":"app_opened","metadata":{"note":{"deep":"BAD"}}}`, "metadata.note.deep", false},
		{"event metadata key", "POST", "/api/analytics/events", `{"event_type":"app_opened","metadata":{"BAD":1}}`, "metadata", false},
		{"lesson-completion session_id", "POST", "/api/analytics/lesson-completion",
			`{"lesson_id":"` + lesson.ID + `","score":80,"duration_seconds":60,"session_id":"BAD"}`, "session_id", false},
		{"register display_name", "POST", "/api/auth/register", `{"email":"text-rule@lingo.example","password":"a good password","display_name":"BAD"}`, "display_name", false},
		{"profile display_name", "PATCH", "/api/users/me", `{"display_name":"BAD"}`, "display_name", false},
		{"preferences timezone", "PATCH", "/api/users/me/preferences", `{"timezone":"BAD"}`, "timezone", false},
		{"course description", "POST", "/api/admin/courses", `{"slug":"text-rule","title":"T","language":"en","level":"beginner","description":"BAD"}`, "description", true},
		{"course title", "POST", "/api/admin/courses", `{"slug":"text-rule","title":"BAD","language":"en","level":"beginner"}`, "title", true},
		{"course slug", "POST", "/api/admin/courses", `{"slug":"BAD","title":"T","language":"en","level":"beginner"}`, "slug", true},
	}
	for _, c := range cases {
		for spelling, bad := range badTexts {
			t.Run(c.name+"/"+spelling, func(t *testing.T) {
				token := learner
				if c.admin {
					token = app.admin
				}
				r := app.Do(harness.Request{Method: c.method, Path: c.path, Token: token, Body: withText(c.body, bad)})
				require.Equal(t, 422, r.Status, "%s", r.Body)
				e := errorFor(r, c.field)
				require.NotNil(t, e, "no problem on %s: %s", c.field, r.Body)
				assert.Equal(t, "validation_error", e.Code)
			})
		}
	}
	t.Run("tab and newline are free text in description and metadata", func(t *testing.T) {
		r := app.Do(harness.Request{Method: "POST", Path: "/api/admin/courses", Token: app.admin,
			Body: []byte(`{"slug":"free-text","title":"T","language":"en","level":"beginner","description":"one\ttwo\nthree"}`)})
		require.Equal(t, 201, r.Status, "%s", r.Body)
		r = app.Do(harness.Request{Method: "POST", Path: "/api/analytics/events", Token: learner,
			Body: []byte(`{"event_type":"app_opened","metadata":{"note":"one\ttwo\nthree"}}`)})
		require.Equal(t, 201, r.Status, "%s", r.Body)
	})
	t.Run("but not in a one-line field", func(t *testing.T) {
		r := app.Do(harness.Request{Method: "POST", Path: "/api/analytics/events", Token: learner,
			Body: []byte(`{"event_type":"app_opened","session_id":"one\ttwo"}`)})
		require.Equal(t, 422, r.Status, "%s", r.Body)
		assert.NotNil(t, errorFor(r, "session_id"))
	})
}

func TestTextRuleInBatchRejectsTheItem(t *testing.T) {
	t.Parallel()
	app := startEngine(t)
	_, learner := app.learner(t)
	for spelling, bad := range badTexts {
		t.Run(spelling, func(t *testing.T) {
			r := app.Do(harness.Request{Method: "POST", Path: "/api/analytics/events/batch", Token: learner,
				Body: withText(`{"events":[{"event_type":"app_opened"},{"event_type":"app_opened","session_id":"BAD"}]}`, bad)})
			require.Equal(t, 200, r.Status, "%s", r.Body)
			var out struct {
				Results []struct {
					Status string              `json:"status"`
					Errors []harness.ErrorItem `json:"errors"`
				} `json:"results"`
				Summary struct{ Created, Rejected int } `json:"summary"`
			}
			r.Decode(t, &out)
			require.Len(t, out.Results, 2)
			assert.Equal(t, "created", out.Results[0].Status)
			assert.Equal(t, "rejected", out.Results[1].Status)
			require.NotEmpty(t, out.Results[1].Errors)
			e := out.Results[1].Errors[0]
			assert.Equal(t, "validation_error", e.Code, "not store_failed")
			require.NotNil(t, e.Field)
			assert.Equal(t, "events[1].session_id", *e.Field)
		})
	}
}

func TestTextRuleOnQueryParameters(t *testing.T) {
	t.Parallel()
	app := startEngine(t)
	_, learner := app.learner(t)
	for _, c := range []struct {
		name, path, param string
		admin             bool
	}{
		{"events session_id", "/api/analytics/events?session_id=", "session_id", false},
		{"events course_id", "/api/analytics/events?course_id=", "course_id", false},
		{"events event_type", "/api/analytics/events?event_type=", "event_type", false},
		{"events cursor", "/api/analytics/events?cursor=", "cursor", false},
		{"admin users q", "/api/admin/users?q=", "q", true},
	} {
		for spelling, bad := range map[string]string{"NUL": "%00", "escape char": "%1B", "invalid UTF-8": "caf%E9"} {
			t.Run(c.name+"/"+spelling, func(t *testing.T) {
				token := learner
				if c.admin {
					token = app.admin
				}
				r := app.Do(harness.Request{Method: "GET", Path: c.path + bad, Token: token})
				require.Equal(t, 422, r.Status, "%s", r.Body)
				assert.NotNil(t, errorFor(r, c.param), "%s", r.Body)
			})
		}
	}
}

func TestDisplayNameNeedsAVisibleCharacter(t *testing.T) {
	t.Parallel()
	app := startEngine(t)
	_, learner := app.learner(t)
	for name, dn := range map[string]string{"zero-width space": "\u200b", "format characters and spaces": "\u200b \u2060\u00a0", "hangul filler": "\u3164"} {
		t.Run(name, func(t *testing.T) {
			r := app.Do(harness.Request{Method: "POST", Path: "/api/auth/register", Body: map[string]any{
				"email": "invisible@lingo.example", "password": "a good password", "display_name": dn}})
			require.Equal(t, 422, r.Status, "%s", r.Body)
			assert.NotNil(t, errorFor(r, "display_name"))
			r = app.Do(harness.Request{Method: "PATCH", Path: "/api/users/me", Token: learner, Body: map[string]any{"display_name": dn}})
			require.Equal(t, 422, r.Status, "%s", r.Body)
			assert.NotNil(t, errorFor(r, "display_name"))
		})
	}
}

func TestTimezoneIsAnIANAName(t *testing.T) {
	t.Parallel()
	app := startEngine(t)
	_, learner := app.learner(t)
	for _, zone := range []string{"posixrules", "Factory", "localtime", "Local", "posix/Europe/Berlin", "right/UTC",
		"Europe//Berlin", "./UTC", "Europe/Berlin/", "+02:00", "UTC+2", "europe/berlin"} {
		t.Run("refuses "+zone, func(t *testing.T) {
			r := app.Do(harness.Request{Method: "PATCH", Path: "/api/users/me/preferences", Token: learner, Body: map[string]any{"timezone": zone}})
			require.Equal(t, 422, r.Status, "%s", r.Body)
			assert.NotNil(t, errorFor(r, "timezone"))
		})
	}
	for _, zone := range []string{"Europe/Berlin", "Asia/Calcutta", "America/Argentina/Buenos_Aires", "Etc/GMT-14"} {
		t.Run("accepts "+zone, func(t *testing.T) {
			r := app.Do(harness.Request{Method: "PATCH", Path: "/api/users/me/preferences", Token: learner, Body: map[string]any{"timezone": zone}})
			require.Equal(t, 200, r.Status, "%s", r.Body)
		})
	}
}

// fieldsOf lists the fields a 422 names.
func fieldsOf(t *testing.T, r *harness.Response) []string {
	t.Helper()
	require.Equal(t, 422, r.Status, "%s", r.Body)
	return r.Fields()
}

func TestValidationListsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	app := startEngine(t)
	_, learner := app.learner(t)
	lesson := app.courses(t, learner)[0].Lessons[0]
	cases := []struct {
		name, method, path, body string
		admin                    bool
		want                     []string
	}{
		{"register: bad email, short password, no display name", "POST", "/api/auth/register",
			`{"email":"not-an-email","password":"short"}`, false, []string{"display_name", "email", "password"}},
		{"register: a wrong type beside a rule", "POST", "/api/auth/register",
			`{"email":42,"password":"short","display_name":"\u200b"}`, false, []string{"email", "password", "display_name"}},
		{"password change: missing current, short new", "POST", "/api/users/me/password",
			`{"new_password":"short"}`, false, []string{"current_password", "new_password"}},
		{"event: wrong type, bad text, missing rule field", "POST", "/api/analytics/events",
			`{"event_type":"lesson_completed","score":"high","session_id":"a\u0000","platform":"amiga"}`, false,
			[]string{"score", "session_id", "lesson_id", "platform"}},
		{"event: unknown field beside a range rule", "POST", "/api/analytics/events",
			`{"event_type":"practice_completed","score":101,"zeta":1,"occurred_at":"yesterday"}`, false,
			[]string{"zeta", "occurred_at", "score"}},
		{"lesson-completion: type, rule and time together", "POST", "/api/analytics/lesson-completion",
			`{"lesson_id":"` + lesson.ID + `","score":150,"duration_seconds":"long","completed_at":"soon","exercises_total":1,"exercises_correct":2}`, false,
			[]string{"duration_seconds", "score", "completed_at", "exercises_correct"}},
		{"course-completion: missing course beside a bad score", "POST", "/api/analytics/course-completion",
			`{"final_score":500,"completed_at":1}`, false, []string{"completed_at", "course_id", "final_score"}},
		{"course: wrong type, missing and rule violations", "POST", "/api/admin/courses",
			`{"slug":1,"title":"","language":"xx"}`, true, []string{"slug", "title", "level", "language"}},
		{"preferences: wrong type beside a rule", "PATCH", "/api/users/me/preferences",
			`{"timezone":"Mars/Olympus","learning":{"daily_xp_goal":"lots","difficulty_level":"hardest"}}`, false,
			[]string{"timezone", "learning.daily_xp_goal", "learning.difficulty_level"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			token := learner
			if c.admin {
				token = app.admin
			}
			r := app.Do(harness.Request{Method: c.method, Path: c.path, Token: token, Body: []byte(c.body)})
			assert.ElementsMatch(t, c.want, fieldsOf(t, r), "%s", r.Body)
		})
	}
}

func TestOutOfRangeNumbersShowNoGoTypes(t *testing.T) {
	t.Parallel()
	app := startEngine(t)
	_, learner := app.learner(t)
	for _, c := range []struct{ name, path, body, field string }{
		{"metadata 1e400", "/api/analytics/events", `{"event_type":"app_opened","metadata":{"x":1e400}}`, "metadata.x"},
		{"nested metadata -1e999", "/api/analytics/events", `{"event_type":"app_opened","metadata":{"a":[1,{"b":-1e999}]}}`, "metadata.a[1].b"},
		{"score 1e400", "/api/analytics/events", `{"event_type":"practice_completed","score":1e400}`, "score"},
		{"batch item metadata", "/api/analytics/events/batch", `{"events":[{"event_type":"app_opened","metadata":{"x":1e400}}]}`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := app.Do(harness.Request{Method: "POST", Path: c.path, Token: learner, Body: []byte(c.body)})
			for _, leak := range []string{"float64", "Go value", "json:", "int64"} {
				assert.NotContains(t, string(r.Body), leak)
			}
			if c.field == "" {
				require.Equal(t, 200, r.Status, "%s", r.Body)
				assert.Contains(t, string(r.Body), `"events[0].metadata.x"`)
				return
			}
			require.Equal(t, 422, r.Status, "%s", r.Body)
			e := errorFor(r, c.field)
			require.NotNil(t, e, "%s", r.Body)
			assert.Contains(t, e.Message, "in range")
		})
	}
}

func TestUpperCaseEventIDIsAReplay(t *testing.T) {
	t.Parallel()
	app := startEngine(t)
	_, learner := app.learner(t)
	lesson := app.courses(t, learner)[0].Lessons[0]
	id := uuid.NewString()
	body := func(eventID, lessonID string) map[string]any {
		return map[string]any{"event_id": eventID, "event_type": "lesson_completed", "lesson_id": lessonID, "score": 70}
	}
	r := app.post(t, learner, "/api/analytics/events", body(id, lesson.ID))
	require.Equal(t, 201, r.Status, "%s", r.Body)
	for name, b := range map[string]map[string]any{
		"event_id upper case":             body(strings.ToUpper(id), lesson.ID),
		"event_id and lesson_id in upper": body(strings.ToUpper(id), strings.ToUpper(lesson.ID)),
	} {
		t.Run(name, func(t *testing.T) {
			r := app.post(t, learner, "/api/analytics/events", b)
			require.Equal(t, 200, r.Status, "%s", r.Body)
			assert.Equal(t, true, r.Env.Metadata["idempotent_replay"])
		})
	}
	t.Run("in a batch", func(t *testing.T) {
		r := app.post(t, learner, "/api/analytics/events/batch", map[string]any{"events": []any{body(strings.ToUpper(id), lesson.ID)}})
		require.Equal(t, 200, r.Status, "%s", r.Body)
		assert.Contains(t, string(r.Body), `"status":"duplicate"`)
	})
	t.Run("lesson-completion", func(t *testing.T) {
		other := uuid.NewString()
		lc := map[string]any{"event_id": strings.ToUpper(other), "lesson_id": lesson.ID, "score": 70, "duration_seconds": 30}
		require.Equal(t, 201, app.post(t, learner, "/api/analytics/lesson-completion", lc).Status)
		lc["event_id"] = other
		r := app.post(t, learner, "/api/analytics/lesson-completion", lc)
		require.Equal(t, 200, r.Status, "%s", r.Body)
	})
}

func TestCourseIDMustBeTheLessonsCourse(t *testing.T) {
	t.Parallel()
	app := startEngine(t)
	_, learner := app.learner(t)
	courses := app.courses(t, learner)
	require.GreaterOrEqual(t, len(courses), 2)
	lesson, other := courses[0].Lessons[0], courses[1]
	ev := map[string]any{"event_type": "lesson_completed", "lesson_id": lesson.ID, "course_id": other.ID, "score": 80}
	r := app.post(t, learner, "/api/analytics/events", ev)
	require.Equal(t, 422, r.Status, "%s", r.Body)
	e := errorFor(r, "course_id")
	require.NotNil(t, e, "%s", r.Body)
	assert.Equal(t, "course_mismatch", e.Code)
	ev["event_type"] = "lesson_started"
	assert.Equal(t, 422, app.post(t, learner, "/api/analytics/events", ev).Status)

	r = app.post(t, learner, "/api/analytics/events/batch", map[string]any{"events": []any{ev}})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	assert.Contains(t, string(r.Body), `"code":"course_mismatch"`)

	ev["course_id"] = lesson.CourseID
	ev["event_type"] = "lesson_completed"
	require.Equal(t, 201, app.post(t, learner, "/api/analytics/events", ev).Status)
}

func TestForgedAdminCursor(t *testing.T) {
	t.Parallel()
	app := startEngine(t)
	forge := func(raw string) string { return url.QueryEscape(base64.RawURLEncoding.EncodeToString([]byte(raw))) }
	id := uuid.NewString()
	for name, cursor := range map[string]string{
		"huge instant":     forge("9223372036854775807|" + id),
		"year 100000":      forge(fmt.Sprint(int64(100000*365*24*3600)*1_000_000) + "|" + id),
		"negative instant": forge("-9223372036854775808|" + id),
		"garbage id":       forge("1700000000000000|'; select 1; --"),
		"NUL in id":        forge("1700000000000000|\x00"),
		"invalid UTF-8 id": forge("1700000000000000|\xff\xfe"),
		"not base64":       "%25%25%25",
	} {
		t.Run(name, func(t *testing.T) {
			r := app.Do(harness.Request{Method: "GET", Path: "/api/admin/users?cursor=" + cursor, Token: app.admin})
			require.Equal(t, 422, r.Status, "%s", r.Body)
			assert.NotNil(t, errorFor(r, "cursor"))
		})
	}
}

func TestLessonPositionOutOfRange(t *testing.T) {
	t.Parallel()
	app := startEngine(t)
	course := app.courses(t, app.admin)[0]
	for _, pos := range []int64{1 << 31, 1<<31 - 1, 10001, 0, 1 << 62} {
		t.Run(fmt.Sprint(pos), func(t *testing.T) {
			r := app.post(t, app.admin, "/api/admin/courses/"+course.ID+"/lessons", map[string]any{"slug": "far", "title": "Far", "position": pos})
			require.Equal(t, 422, r.Status, "%s", r.Body)
			assert.NotNil(t, errorFor(r, "position"))
			r = app.Do(harness.Request{Method: "PATCH", Path: "/api/admin/lessons/" + course.Lessons[0].ID, Token: app.admin,
				Body: map[string]any{"position": pos}})
			require.Equal(t, 422, r.Status, "%s", r.Body)
			assert.NotNil(t, errorFor(r, "position"))
		})
	}
	r := app.post(t, app.admin, "/api/admin/courses/"+course.ID+"/lessons", map[string]any{"slug": "last", "title": "Last", "position": 10000})
	require.Equal(t, 201, r.Status, "%s", r.Body)
}
