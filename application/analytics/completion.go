package analytics

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
)

// MaxBatch is the most events one batch may carry.
const MaxBatch = 100

// maxCount bounds the completion counters (exercises, mistakes, hints).
const maxCount = 10000

// LessonCompletion is POST /analytics/lesson-completion as the edge decoded
// it; its rules are checked here, once, by RecordLessonCompletion.
type LessonCompletion struct {
	LessonID         string
	Score            *int
	DurationSeconds  *int
	EventID          *string
	CompletedAt      *time.Time
	ExercisesTotal   *int
	ExercisesCorrect *int
	Mistakes         *int
	HintsUsed        *int
	SessionID        *string
	DeviceType       *string
	Platform         *string
	AppVersion       *string
	// BodyHash identifies the request body, as Submission.BodyHash does.
	BodyHash string
}

// RecordLessonCompletion takes in a lesson_completed event. The completion
// details have no column of their own; they travel in the event's metadata,
// where the event list shows them.
func (s *Service) RecordLessonCompletion(ctx context.Context, userID string, c LessonCompletion) (Result, error) {
	sub, err := c.submission()
	if err != nil {
		return Result{}, err
	}
	return s.Record(ctx, userID, sub)
}

// Check reports every rule c breaks that needs neither the catalog nor the
// clock. The HTTP adapter joins them with its own decoding problems, so that
// one 422 names every problem of the request (the OpenAPI document).
func (c LessonCompletion) Check() error {
	_, err := c.submission()
	return err
}

// submission is the lesson_completed event c stands for, or every problem of
// c: the completion's own rules and the event rules together.
func (c LessonCompletion) submission() (Submission, error) {
	var fields []errs.FieldError
	if c.LessonID == "" {
		fields = append(fields, errs.Field("lesson_id", "is required"))
	}
	if c.Score == nil {
		fields = append(fields, errs.Field("score", "is required"))
	}
	if c.DurationSeconds == nil {
		fields = append(fields, errs.Field("duration_seconds", "is required"))
	}
	counts := []struct {
		name string
		v    *int
	}{{"exercises_total", c.ExercisesTotal}, {"exercises_correct", c.ExercisesCorrect},
		{"mistakes", c.Mistakes}, {"hints_used", c.HintsUsed}}
	for _, n := range counts {
		fields = checkCount(fields, n.name, n.v, 0, maxCount)
	}
	if c.ExercisesTotal != nil && c.ExercisesCorrect != nil && *c.ExercisesCorrect > *c.ExercisesTotal {
		fields = append(fields, errs.Field("exercises_correct", "must not be more than exercises_total"))
	}
	md := map[string]any{}
	for _, n := range counts {
		if n.v != nil {
			md[n.name] = *n.v
		}
	}
	if len(md) == 0 {
		md = nil
	}
	lesson := c.LessonID
	sub := Submission{BodyHash: c.BodyHash, TimeField: "completed_at", Input: learning.EventInput{
		EventID: c.EventID, EventType: learning.LessonCompleted.String(), OccurredAt: c.CompletedAt, LessonID: &lesson,
		Score: c.Score, DurationSeconds: c.DurationSeconds, SessionID: c.SessionID, DeviceType: c.DeviceType,
		Platform: c.Platform, AppVersion: c.AppVersion, Metadata: md, MetadataSize: metadataSize(md),
	}}
	if err := errs.Validation(fields...); err != nil {
		return Submission{}, errs.Merge(err, learning.CheckInput(sub.Input))
	}
	return sub, nil
}

// CourseCompletion is POST /analytics/course-completion as the edge decoded
// it; its rules are checked here, once, by RecordCourseCompletion.
type CourseCompletion struct {
	CourseID         string
	EventID          *string
	CompletedAt      *time.Time
	FinalScore       *int
	TotalTimeSeconds *int
	// BodyHash identifies the request body, as Submission.BodyHash does.
	BodyHash string
}

// RecordCourseCompletion takes in a course_completed event. total_time_seconds
// is kept in metadata rather than duration_seconds: the course's time is its
// lessons' time, already counted once. The event's score is the request's
// final_score, and its problems are reported under that name.
func (s *Service) RecordCourseCompletion(ctx context.Context, userID string, c CourseCompletion) (Result, error) {
	sub, err := c.submission()
	if err != nil {
		return Result{}, err
	}
	res, err := s.Record(ctx, userID, sub)
	return res, renameField(err, "score", "final_score")
}

// Check reports every rule c breaks that needs neither the catalog nor the
// clock, as LessonCompletion.Check does.
func (c CourseCompletion) Check() error {
	_, err := c.submission()
	return err
}

func (c CourseCompletion) submission() (Submission, error) {
	var fields []errs.FieldError
	if c.CourseID == "" {
		fields = append(fields, errs.Field("course_id", "is required"))
	}
	fields = checkCount(fields, "total_time_seconds", c.TotalTimeSeconds, 0, -1)
	var md map[string]any
	if c.TotalTimeSeconds != nil {
		md = map[string]any{"total_time_seconds": *c.TotalTimeSeconds}
	}
	course := c.CourseID
	sub := Submission{BodyHash: c.BodyHash, TimeField: "completed_at", Input: learning.EventInput{
		EventID: c.EventID, EventType: learning.CourseCompleted.String(), OccurredAt: c.CompletedAt, CourseID: &course,
		Score: c.FinalScore, Metadata: md, MetadataSize: metadataSize(md),
	}}
	if err := errs.Validation(fields...); err != nil {
		return Submission{}, errs.Merge(err, renameField(learning.CheckInput(sub.Input), "score", "final_score"))
	}
	return sub, nil
}

// checkCount adds a problem when v is given and outside [lo, hi]; hi < 0
// means no upper bound.
func checkCount(fields []errs.FieldError, name string, v *int, lo, hi int) []errs.FieldError {
	switch {
	case v == nil:
	case *v < lo:
		fields = append(fields, errs.Field(name, "must be at least "+strconv.Itoa(lo)))
	case hi >= 0 && *v > hi:
		fields = append(fields, errs.Field(name, "must be at most "+strconv.Itoa(hi)))
	}
	return fields
}

// MetadataSize is the size of the metadata serialized, which the domain
// bounds.
func metadataSize(m map[string]any) int {
	if m == nil {
		return 0
	}
	b, _ := json.Marshal(m)
	return len(b)
}

// renameField reports the problems of field from under the name to, for a
// request that calls a value otherwise than the event does.
func renameField(err error, from, to string) error {
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	out := *e
	out.Fields = slices.Clone(e.Fields)
	for i := range out.Fields {
		if out.Fields[i].Field == from {
			out.Fields[i].Field = to
		}
	}
	return &out
}
