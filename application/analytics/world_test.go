package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/ids"
	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/adapters/storetest"
	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/catalog"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/ports"
)

// world is the analytics service over the in-memory store, with one learner
// and a course of two lessons (10 and 20 XP): the use cases run against a
// store that keeps every port's contract (adapters/storetest), so what they
// do here they do on SQL.
type world struct {
	t        *testing.T
	store    *memory.Store
	progress ports.ProgressStore
	events   ports.EventStore
	clock    *clock.Fake
	svc      *analytics.Service
	user     string
	course   catalog.Course
	lessons  []catalog.Lesson
}

func newWorld(t *testing.T) *world {
	t.Helper()
	s := memory.NewStore()
	w := &world{t: t, store: s, progress: memory.NewProgress(s), events: memory.NewEvents(s), clock: clock.NewFake(now)}
	w.user = storetest.StoredUser(t, memory.NewUsers(s), now.Add(-time.Hour)).ID()
	cat := memory.NewCatalog(s)
	w.course = storetest.NewCourse(t, "spanish", "Spanish")
	require.NoError(t, cat.CreateCourse(context.Background(), w.course))
	w.lessons = []catalog.Lesson{storetest.AddLesson(t, cat, w.course.ID(), "one", 10), storetest.AddLesson(t, cat, w.course.ID(), "two", 20)}
	w.build()
	return w
}

// build (re)makes the service, over w.progress and w.events.
func (w *world) build(opts ...analytics.Option) {
	w.svc = analytics.NewService(memory.NewCatalog(w.store), w.events, w.progress,
		memory.NewSettings(w.store), w.clock, ids.UUIDv7{}, opts...)
}

func (w *world) record(sub analytics.Submission) (analytics.Result, error) {
	return w.svc.Record(context.Background(), w.user, sub)
}

func (w *world) mustRecord(sub analytics.Submission) analytics.Result {
	w.t.Helper()
	r, err := w.record(sub)
	require.NoError(w.t, err)
	return r
}

func (w *world) snapshot() ports.LearnerSnapshot {
	w.t.Helper()
	snap, err := w.progress.Snapshot(context.Background(), w.user, w.clockToday())
	require.NoError(w.t, err)
	return snap
}

func (w *world) clockToday() calendar.Date { return calendar.DateOf(w.clock.Now(), time.UTC) }

// submission is an event with a new event_id, hashed by its event_id and
// a salt (the same salt: the same body).
func submission(in learning.EventInput, salt string) analytics.Submission {
	if in.EventID == nil {
		in.EventID = ptr(uuid.NewString())
	}
	return analytics.Submission{Input: in, BodyHash: *in.EventID + ":" + salt}
}

func lessonDone(lessonID string, score int) learning.EventInput {
	return learning.EventInput{EventType: "lesson_completed", LessonID: &lessonID, Score: &score}
}

func courseDone(courseID string) learning.EventInput {
	return learning.EventInput{EventType: "course_completed", CourseID: &courseID}
}

func practice(score int) learning.EventInput {
	return learning.EventInput{EventType: "practice_completed", Score: &score, DurationSeconds: ptr(120)}
}

func ptr[T any](v T) *T { return &v }
