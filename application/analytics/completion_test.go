package analytics

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
)

func ptr[T any](v T) *T { return &v }

// fieldsOf is an Invalid error's problems, field → message.
func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	e, ok := errs.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, errs.Invalid, e.Kind, "%v", err)
	out := map[string]string{}
	for _, f := range e.Fields {
		out[f.Field] = f.Message
	}
	return out
}

// refused is a service with no stores: a command refused by its rules must
// not reach one, so any store call would panic.
var refused = NewService(nil, nil, nil, nil, nil, nil)

func validLesson() LessonCompletion {
	return LessonCompletion{LessonID: "2f1c6c1e-1b7e-4d7e-9a44-5f0c1f3b9a10", Score: ptr(90), DurationSeconds: ptr(300)}
}

func TestLessonCompletionRules(t *testing.T) {
	cases := map[string]struct {
		edit func(*LessonCompletion)
		want map[string]string
	}{
		"every required field missing": {func(c *LessonCompletion) { *c = LessonCompletion{} }, map[string]string{
			"lesson_id": "is required", "score": "is required", "duration_seconds": "is required"}},
		"negative counts": {func(c *LessonCompletion) {
			c.ExercisesTotal, c.ExercisesCorrect, c.Mistakes, c.HintsUsed = ptr(-1), ptr(-1), ptr(-1), ptr(-1)
		}, map[string]string{"exercises_total": "must be at least 0", "exercises_correct": "must be at least 0",
			"mistakes": "must be at least 0", "hints_used": "must be at least 0"}},
		"counts over 10000": {func(c *LessonCompletion) { c.Mistakes, c.HintsUsed = ptr(10001), ptr(10001) },
			map[string]string{"mistakes": "must be at most 10000", "hints_used": "must be at most 10000"}},
		"more correct than total": {func(c *LessonCompletion) { c.ExercisesTotal, c.ExercisesCorrect = ptr(3), ptr(4) },
			map[string]string{"exercises_correct": "must not be more than exercises_total"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := validLesson()
			tc.edit(&c)
			_, err := refused.RecordLessonCompletion(context.Background(), "u", c)
			assert.Equal(t, tc.want, fieldsOf(t, err))
		})
	}
}

func TestLessonCompletionDetailsTravelInMetadata(t *testing.T) {
	c := validLesson()
	c.ExercisesTotal, c.ExercisesCorrect, c.Mistakes, c.HintsUsed = ptr(10), ptr(10), ptr(0), ptr(10000)
	c.BodyHash = "h"
	sub, err := c.submission()
	require.NoError(t, err)
	assert.Equal(t, TimeField("completed_at"), sub.TimeField)
	assert.Equal(t, "h", sub.BodyHash)
	assert.Equal(t, learning.LessonCompleted.String(), sub.Input.EventType)
	assert.Equal(t, map[string]any{"exercises_total": 10, "exercises_correct": 10, "mistakes": 0, "hints_used": 10000}, sub.Input.Metadata)
	assert.Equal(t, len(`{"exercises_correct":10,"exercises_total":10,"hints_used":10000,"mistakes":0}`), sub.Input.MetadataSize)

	sub, err = validLesson().submission()
	require.NoError(t, err)
	assert.Nil(t, sub.Input.Metadata, "no details, no metadata")
	assert.Zero(t, sub.Input.MetadataSize)
}

func TestCourseCompletionRules(t *testing.T) {
	_, err := refused.RecordCourseCompletion(context.Background(), "u", CourseCompletion{TotalTimeSeconds: ptr(-1)})
	assert.Equal(t, map[string]string{"course_id": "is required", "total_time_seconds": "must be at least 0"}, fieldsOf(t, err))
}

func TestCourseCompletionReportsScoreAsFinalScore(t *testing.T) {
	err := renameField(errs.Validation(errs.Field("score", "must be at most 100"), errs.Field("course_id", "must be a UUID")),
		"score", "final_score")
	assert.Equal(t, map[string]string{"final_score": "must be at most 100", "course_id": "must be a UUID"}, fieldsOf(t, err))
	assert.NoError(t, renameField(nil, "score", "final_score"))
}

func TestBatchHoldsOneToMaxBatchEvents(t *testing.T) {
	for _, n := range []int{0, MaxBatch + 1} {
		_, err := refused.RecordBatch(context.Background(), "u", make([]BatchItem, n), nil)
		assert.Equal(t, map[string]string{"events": "must hold 1 to 100 events"}, fieldsOf(t, err), "%d events", n)
	}
}
