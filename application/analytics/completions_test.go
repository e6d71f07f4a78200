package analytics_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/domain/errs"
)

// problems is an Invalid error's field names, or nil for no error.
func problems(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	e, ok := errs.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, errs.Invalid, e.Kind, "%v", err)
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

// TestCompletionChecks: Check reports what the request itself breaks, before
// the catalog or the clock is asked, under the request's field names.
func TestCompletionChecks(t *testing.T) {
	lesson := "2f1c6c1e-1b7e-4d7e-9a44-5f0c1f3b9a10"
	cases := []struct {
		name  string
		check func() error
		want  []string
	}{
		{"a whole lesson completion", analytics.LessonCompletion{LessonID: lesson, Score: ptr(90), DurationSeconds: ptr(300)}.Check, nil},
		{"an empty lesson completion", analytics.LessonCompletion{}.Check, []string{"lesson_id", "score", "duration_seconds"}},
		{"a whole course completion", analytics.CourseCompletion{CourseID: lesson, FinalScore: ptr(80), TotalTimeSeconds: ptr(600)}.Check, nil},
		{"a course completion without a course", analytics.CourseCompletion{TotalTimeSeconds: ptr(-5)}.Check, []string{"course_id", "total_time_seconds"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, problems(t, c.check()))
		})
	}
}

// TestCompletionsThroughTheirOwnRequests records a course's lessons and the
// course with the completion requests: the details land in the events'
// metadata, and a bad final score is reported under its request's name.
func TestCompletionsThroughTheirOwnRequests(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for i, l := range w.lessons {
		res, err := w.svc.RecordLessonCompletion(ctx, w.user, analytics.LessonCompletion{LessonID: l.ID(), Score: ptr(90),
			DurationSeconds: ptr(60), ExercisesTotal: ptr(4), ExercisesCorrect: ptr(3), BodyHash: "l" + l.ID()})
		require.NoError(t, err, "lesson %d", i)
		assert.True(t, res.Created())
		assert.Equal(t, 4, res.Event.Metadata()["exercises_total"])
	}

	_, err := w.svc.RecordCourseCompletion(ctx, w.user, analytics.CourseCompletion{CourseID: w.course.ID(), FinalScore: ptr(101), BodyHash: "bad"})
	assert.Equal(t, []string{"final_score"}, problems(t, err))

	res, err := w.svc.RecordCourseCompletion(ctx, w.user, analytics.CourseCompletion{CourseID: w.course.ID(), FinalScore: ptr(95),
		TotalTimeSeconds: ptr(120), BodyHash: "c"})
	require.NoError(t, err)
	assert.True(t, res.Created())
	assert.Equal(t, 120, res.Event.Metadata()["total_time_seconds"])
	assert.Equal(t, 1, w.snapshot().CoursesCompleted)
}
