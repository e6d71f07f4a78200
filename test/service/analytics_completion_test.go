package service_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The completion endpoints' own rules (beyond an event's) answer 422 on the
// request's field names and store nothing.
func TestCompletionRulesOverHTTP(t *testing.T) {
	t.Parallel()
	app := startEngine(t)
	_, tok := app.learner(t)
	course := app.courses(t, tok)[0]
	lessons := course.Lessons
	cases := []struct {
		name, path string
		body       map[string]any
		fields     []string
	}{
		{"lesson: required fields", "/api/analytics/lesson-completion", map[string]any{},
			[]string{"lesson_id", "score", "duration_seconds"}},
		{"lesson: counts out of range", "/api/analytics/lesson-completion", map[string]any{"lesson_id": lessons[0].ID,
			"score": 90, "duration_seconds": 60, "exercises_total": -1, "hints_used": 10001}, []string{"exercises_total", "hints_used"}},
		{"lesson: more correct than total", "/api/analytics/lesson-completion", map[string]any{"lesson_id": lessons[0].ID,
			"score": 90, "duration_seconds": 60, "exercises_total": 3, "exercises_correct": 4}, []string{"exercises_correct"}},
		{"course: required course_id, non-negative time", "/api/analytics/course-completion",
			map[string]any{"total_time_seconds": -1}, []string{"course_id", "total_time_seconds"}},
		{"course: final_score named as sent", "/api/analytics/course-completion",
			map[string]any{"course_id": course.ID, "final_score": 101}, []string{"final_score"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := app.post(t, tok, tc.path, tc.body)
			assert.Equal(t, 422, r.Status, "%s", r.Body)
			assert.ElementsMatch(t, tc.fields, r.Fields())
		})
	}
	r := app.get(t, tok, "/api/analytics/events")
	assert.Equal(t, 200, r.Status)
	assert.Contains(t, string(r.Body), `"items":[]`, "nothing stored")
}
