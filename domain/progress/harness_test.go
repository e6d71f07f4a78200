package progress_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
)

// The test catalog: one course of three lessons.
const (
	courseID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	lesson1  = "00000000-0000-4000-8000-000000000001"
	lesson2  = "00000000-0000-4000-8000-000000000002"
	lesson3  = "00000000-0000-4000-8000-000000000003"
)

var (
	lessonXP      = map[string]int{lesson1: 10, lesson2: 20, lesson3: 30}
	courseLessons = []string{lesson1, lesson2, lesson3}
)

func ptr[T any](v T) *T { return &v }

func date(t *testing.T, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	require.NoError(t, err)
	return d
}

func zone(t *testing.T, name string) calendar.Zone {
	t.Helper()
	z, err := calendar.ParseZone(name)
	require.NoError(t, err)
	return z
}

// store is a minimal store that keeps exactly what progress.State says a
// store keeps, loads the state the way a SQL store would (the active dates,
// the achievements, two day records) and writes only the Outcome's deltas.
// Driving the rules through it checks that the deltas are enough.
type store struct {
	t            *testing.T
	zone         calendar.Zone
	goal         int
	total        int
	active       []calendar.Date
	achievements []progress.Achievement
	unlockedAt   map[progress.Achievement]time.Time
	days         map[calendar.Date]progress.Day
	lessonsDone  map[string]bool
	coursesDone  map[string]bool
	recorded     []progress.ProgressEvent
	nextID       int
}

func newStore(t *testing.T, zoneName string) *store {
	return &store{
		t: t, zone: zone(t, zoneName), goal: 20,
		unlockedAt:  map[progress.Achievement]time.Time{},
		days:        map[calendar.Date]progress.Day{},
		lessonsDone: map[string]bool{}, coursesDone: map[string]bool{},
	}
}

func (s *store) dayOf(d calendar.Date) progress.Day {
	if day, ok := s.days[d]; ok {
		return day
	}
	return progress.NewDay(d)
}

// send validates in as received at the given instant and applies it.
func (s *store) send(in learning.EventInput, received time.Time) (progress.Outcome, error) {
	s.t.Helper()
	s.nextID++
	e, err := learning.NewEvent("id", "user", in, received, s.zone)
	if err != nil {
		return progress.Outcome{}, err
	}
	today := s.zone.Today(received)
	f := progress.Facts{Now: received, Today: today, DailyXPGoal: s.goal}
	if l, ok := e.LessonID(); ok {
		f.LessonXPReward = lessonXP[l]
		f.LessonCompletedBefore = s.lessonsDone[l]
	}
	if c, ok := e.CourseID(); ok && e.Type() == learning.CourseCompleted {
		f.CourseCompletedBefore = s.coursesDone[c]
		for _, l := range courseLessons {
			if !s.lessonsDone[l] {
				f.RemainingLessonIDs = append(f.RemainingLessonIDs, l)
			}
		}
	}
	state := progress.State{
		TotalXP: s.total, Streak: progress.NewStreak(s.active), Achievements: s.achievements,
		Day: s.dayOf(e.LocalDate()), Today: s.dayOf(today),
	}
	o, err := progress.Apply(state, e, f)
	if err != nil {
		return o, err
	}
	// Persist the deltas, nothing else.
	s.total = o.TotalXP
	s.days[o.Day.Date()] = o.Day
	if o.ActiveDateAdded {
		s.active = append(s.active, o.Day.Date())
	}
	if o.LessonCompleted != "" {
		s.lessonsDone[o.LessonCompleted] = true
	}
	if o.CourseCompleted != "" {
		s.coursesDone[o.CourseCompleted] = true
	}
	for _, u := range o.Unlocked {
		s.achievements = append(s.achievements, u.Achievement)
		s.unlockedAt[u.Achievement] = u.UnlockedAt
	}
	s.recorded = append(s.recorded, o.Events...)
	return o, nil
}

// must is send that fails the test on an error.
func (s *store) must(in learning.EventInput, received time.Time) progress.Outcome {
	s.t.Helper()
	o, err := s.send(in, received)
	require.NoError(s.t, err)
	return o
}

// recordedOf lists the recorded progress events of a type.
func (s *store) recordedOf(t learning.EventType) []progress.ProgressEvent {
	var out []progress.ProgressEvent
	for _, e := range s.recorded {
		if e.Type == t {
			out = append(out, e)
		}
	}
	return out
}

func lessonDone(id string, score int, at time.Time) learning.EventInput {
	return learning.EventInput{EventType: "lesson_completed", LessonID: ptr(id), Score: ptr(score), OccurredAt: ptr(at)}
}

func practice(score int, at time.Time) learning.EventInput {
	return learning.EventInput{EventType: "practice_completed", Score: ptr(score), OccurredAt: ptr(at)}
}

func courseDone(at time.Time) learning.EventInput {
	return learning.EventInput{EventType: "course_completed", CourseID: ptr(courseID), OccurredAt: ptr(at)}
}

// noon is 12:00 of a date in a zone.
func noon(t *testing.T, z calendar.Zone, day string) time.Time {
	d := date(t, day)
	return time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, z.Location())
}
