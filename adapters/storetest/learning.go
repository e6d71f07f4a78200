package storetest

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// Learning are the ports the event, progress and streak suites need.
type Learning struct {
	Users    ports.UserRepository
	Catalog  ports.CatalogRepository
	Events   ports.EventStore
	Progress ports.ProgressStore
	Streaks  ports.StreakStore
	Rebuilds ports.RebuildStore
}

// Sent is one client event the suite wrote, as stored, and its outcome.
type Sent struct {
	Event   ports.StoredEvent
	Outcome progress.Outcome
}

// Event is an event to write: the input and, for a lesson_completed, the
// lesson's xp_reward and course.
type Event struct {
	In           learning.EventInput
	Received     time.Time
	LessonXP     int
	LessonCourse string
	// CourseLessons are the lesson ids of a course_completed's course.
	CourseLessons []string
}

// Practice is a practice_completed worth 10 XP (15 with score 100),
// occurred and received at `at`.
func Practice(at time.Time, score int) Event {
	return Event{In: learning.EventInput{EventID: ptr(uuid.NewString()), EventType: "practice_completed",
		OccurredAt: &at, Score: &score, DurationSeconds: ptr(60)}, Received: at}
}

// Client is any client event of type typ at `at`, with no subject.
func Client(typ string, at time.Time) Event {
	return Event{In: learning.EventInput{EventID: ptr(uuid.NewString()), EventType: typ, OccurredAt: &at,
		SessionID: ptr("s-1"), ExerciseID: ptr("x-1"), IsCorrect: ptr(true)}, Received: at}
}

// LessonDone is a lesson_completed of l with score.
func LessonDone(at time.Time, lessonID, courseID string, xp, score int) Event {
	return Event{In: learning.EventInput{EventID: ptr(uuid.NewString()), EventType: "lesson_completed", OccurredAt: &at,
		LessonID: &lessonID, Score: &score}, Received: at, LessonXP: xp, LessonCourse: courseID}
}

// CourseDone is a course_completed of the course whose lessons are lessonIDs.
func CourseDone(at time.Time, courseID string, lessonIDs ...string) Event {
	return Event{In: learning.EventInput{EventID: ptr(uuid.NewString()), EventType: "course_completed", OccurredAt: &at,
		CourseID: &courseID}, Received: at, CourseLessons: lessonIDs}
}

// Prepare turns e into the Append the ingest use case would write inside tx:
// the learner's State, progress.Apply, the server events.
func Prepare(tx ports.LearnerTx, userID string, e Event) (ports.Append, error) {
	ev, err := learning.NewEvent(uuid.NewString(), userID, e.In, e.Received, calendar.UTC)
	if err != nil {
		return ports.Append{}, err
	}
	today := calendar.UTC.Today(e.Received)
	f := progress.Facts{Now: e.Received, Today: today, DailyXPGoal: 20, LessonXPReward: e.LessonXP}
	if id, ok := ev.LessonID(); ok {
		if f.LessonCompletedBefore, err = tx.LessonCompleted(id); err != nil {
			return ports.Append{}, err
		}
	}
	if id, ok := ev.CourseID(); ok && ev.Type() == learning.CourseCompleted {
		if _, f.CourseCompletedBefore, err = tx.CourseCompletion(id); err != nil {
			return ports.Append{}, err
		}
		done, err := tx.CompletedLessons(id)
		if err != nil {
			return ports.Append{}, err
		}
		for _, l := range e.CourseLessons {
			if !slices.Contains(done, l) {
				f.RemainingLessonIDs = append(f.RemainingLessonIDs, l)
			}
		}
	}
	st, err := tx.State(ev.LocalDate(), today)
	if err != nil {
		return ports.Append{}, err
	}
	o, err := progress.Apply(st, ev, f)
	if err != nil {
		return ports.Append{}, err
	}
	ev = ev.WithXP(o.XPAwarded)
	var server []learning.Event
	for _, pe := range o.Events {
		se, err := learning.NewServerEvent(uuid.NewString(), userID, pe.Type, pe.OccurredAt, e.Received, pe.LocalDate, pe.Metadata)
		if err != nil {
			return ports.Append{}, err
		}
		server = append(server, se)
	}
	lessonCourse := ""
	if o.LessonCompleted != "" {
		lessonCourse = e.LessonCourse
	}
	return ports.Append{Event: ports.StoredEvent{Event: ev, BodyHash: "hash-" + ev.EventID(), Answer: []byte(`{"xp":` + strconv.Itoa(o.XPAwarded) + `}`)},
		Outcome: o, ServerEvents: server, LessonCourseID: lessonCourse}, nil
}

// Send writes one event in its own Update and fails the test on an error.
func Send(t testing.TB, p ports.ProgressStore, userID string, e Event) Sent {
	t.Helper()
	var out Sent
	err := p.Update(context.Background(), userID, func(tx ports.LearnerTx) error {
		a, err := Prepare(tx, userID, e)
		if err != nil {
			return err
		}
		out = Sent{Event: a.Event, Outcome: a.Outcome}
		return tx.Append(a)
	})
	require.NoError(t, err)
	return out
}
