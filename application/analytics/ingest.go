package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/catalog"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/ports"
)

// TimeField is the name of the input's occurred_at in a request:
// "occurred_at" for events, "completed_at" for the completion endpoints.
type TimeField string

// Submission is one event as a client sent it.
type Submission struct {
	Input learning.EventInput
	// BodyHash identifies the canonical request body: the same event_id with
	// another hash is a conflict, with the same hash a replay.
	BodyHash string
	// TimeField names occurred_at in errors ("" means occurred_at).
	TimeField TimeField
	// Token, when set, is the version of the access token the request came
	// with, taken on trust by its route: Record confirms it before any
	// answer, in the event's transaction under the learner's lock when it
	// gets there (which spares the request a read of the user), else with a
	// read of its own. The answer to a token that no longer speaks for the
	// learner is Unauthorized, and nothing is stored.
	Token *int
}

// StreakEffects is effects.streak.
type StreakEffects struct {
	Current, Longest int
	Extended         bool
	FreezesEquipped  int
}

// GoalEffects is effects.daily_goal.
type GoalEffects struct {
	GoalXP, TodayXP int
	Met, JustMet    bool
}

// Effects is what one event (or a batch) did to the learner.
type Effects struct {
	XPAwarded            int
	TotalXP              int
	Level                int
	LeveledUp            bool
	Streak               StreakEffects
	DailyGoal            GoalEffects
	AchievementsUnlocked []string
}

// LessonProgress is how far the learner is in the course of a completed lesson.
type LessonProgress struct {
	CourseID         string
	LessonsCompleted int
	LessonsTotal     int
	CompletionRate   float64
}

// CourseView is a course as the completion answers show it.
type CourseView struct {
	ID, Slug, Title, Language, Level, Description string
	LessonCount, TotalXP                          int
}

// CourseViewOf maps a catalog entry.
func CourseViewOf(e ports.CourseEntry) CourseView {
	c := e.Course
	return CourseView{ID: c.ID(), Slug: c.Slug(), Title: c.Title(), Language: c.Language().String(),
		Level: c.Level().String(), Description: c.Description(), LessonCount: e.LessonCount, TotalXP: e.TotalXP}
}

// Answer is what an ingest answers besides the event. It is stored with the
// event so that a replay answers exactly what the first request did.
type Answer struct {
	Effects          Effects
	LessonProgress   *LessonProgress `json:",omitempty"`
	Course           *CourseView     `json:",omitempty"`
	AlreadyCompleted bool            `json:",omitempty"`
}

// Result is the outcome of one submission.
type Result struct {
	Event learning.Event
	Answer
	// Replay is true when the event was stored before with the same body.
	Replay bool
}

// Created reports whether the submission stored a new event.
func (r Result) Created() bool { return !r.Replay && !r.AlreadyCompleted }

// subject is what the catalog says about an event's lesson or course.
type subject struct {
	lesson  *catalog.Lesson
	course  *ports.CourseEntry
	lessons []catalog.Lesson // the course's, for course_completed
	// lessonCourseTotal is the lesson count of the lesson's course, read
	// before the transaction so that it holds no second connection.
	lessonCourseTotal int
}

// Record takes in one event with its effects, in one transaction.
func (s *Service) Record(ctx context.Context, userID string, sub Submission) (Result, error) {
	chk := &checks{token: sub.Token}
	res, err := s.record(ctx, userID, sub, chk)
	if sub.Token != nil && !chk.tokenConfirmed {
		// The answer did not come from a transaction that confirmed the
		// token (a refusal, a replay found before it, a failure).
		if terr := s.confirmTokenByRead(ctx, userID, *sub.Token); terr != nil {
			return Result{}, terr
		}
	}
	return res, err
}

func (s *Service) record(ctx context.Context, userID string, sub Submission, chk *checks) (Result, error) {
	set, err := s.eventSettings(ctx, userID)
	if err != nil {
		return Result{}, err
	}
	received := s.now()
	for attempt := 0; ; attempt++ {
		// A retry is answered as a replay even when the rules moved since
		// its first request: a submission that fails validation is looked
		// up before its refusal is answered. One that passes is looked up
		// in the transaction, with the learner's state
		// (LearnerTx.FindEventAndState), which spares every new event a
		// round trip of its own.
		ev, subj, err := s.validate(ctx, userID, sub, received, set.zone)
		if err != nil {
			if r, done, lerr := s.lookup(ctx, userID, sub); done || lerr != nil {
				return r, lerr
			}
			return Result{}, err
		}
		chk.settings = &set
		res, err := s.apply(ctx, userID, ev, subj, sub.BodyHash, set, set.zone.Today(received), received, chk)
		var moved *settingsMoved
		if errors.As(err, &moved) {
			// Rolled back: the settings changed since they were cached.
			set = moved.now
			s.settingsCache.put(userID, set)
			if attempt < 2 {
				continue
			}
			return Result{}, errs.E(errs.Unavailable, errs.CodeServiceUnavailable,
				"The learner's settings kept changing during the request. Please try again.")
		}
		// A replay stored nothing; anything else may have committed (an
		// error too: the commit can succeed and its answer get lost).
		if err != nil || res.Created() {
			s.bump(ctx, userID)
		}
		return res, err
	}
}

// lookup answers a retry before any validation: a stored event_id with the
// same body is a replay even if the rules moved since it was first taken.
func (s *Service) lookup(ctx context.Context, userID string, sub Submission) (Result, bool, error) {
	id := sub.Input.EventID
	if id == nil || !learning.IsUUID(*id) {
		return Result{}, false, nil
	}
	stored, err := s.events.Find(ctx, userID, strings.ToLower(*id))
	if errs.Is(err, errs.NotFound) {
		return Result{}, false, nil
	}
	if err != nil {
		return Result{}, false, err
	}
	r, err := replay(stored, sub.BodyHash)
	return r, true, err
}

func replay(stored ports.StoredEvent, hash string) (Result, error) {
	if stored.BodyHash != hash {
		return Result{}, errs.E(errs.Conflict, errs.CodeEventIDConflict, "This event_id was already used with another body.").
			WithDetails(map[string]any{"event_id": stored.Event.EventID()})
	}
	var a Answer
	if err := json.Unmarshal(stored.Answer, &a); err != nil {
		return Result{}, errs.Wrap(errs.Internal, "", fmt.Errorf("decode stored answer of %s: %w", stored.Event.ID(), err))
	}
	// A replay answers the event as first answered: a void or a rebuild
	// since may have set its voided_at or moved its xp_awarded, which the
	// first answer's effects still hold (docs/rebuild.md).
	ev := stored.Event.WithXP(a.Effects.XPAwarded).WithVoidedAt(time.Time{})
	return Result{Event: ev, Answer: a, Replay: true}, nil
}

// validate applies the input rules and looks the event's lesson or course up.
func (s *Service) validate(ctx context.Context, userID string, sub Submission, received time.Time, zone calendar.Zone) (learning.Event, subject, error) {
	in := sub.Input
	if in.OccurredAt != nil {
		t := in.OccurredAt.UTC().Truncate(time.Microsecond)
		in.OccurredAt = &t
	}
	ev, err := learning.NewEvent(s.ids.NewID(), userID, in, received, zone)
	if err != nil {
		return ev, subject{}, renameTime(err, sub.TimeField)
	}
	var subj subject
	var fields []errs.FieldError
	if id, ok := ev.LessonID(); ok {
		l, err := s.catalog.GetLesson(ctx, id)
		switch {
		case errs.Is(err, errs.NotFound):
			fields = append(fields, errs.FieldCode("lesson_id", errs.CodeNotInCatalog, "is not a lesson of the catalog"))
		case err != nil:
			return ev, subj, err
		default:
			subj.lesson = &l
			c, _, err := s.catalog.GetCourse(ctx, l.CourseID())
			if err != nil {
				return ev, subj, err
			}
			subj.lessonCourseTotal = c.LessonCount
		}
	}
	if id, ok := ev.CourseID(); ok {
		c, lessons, err := s.catalog.GetCourse(ctx, id)
		switch {
		case errs.Is(err, errs.NotFound):
			fields = append(fields, errs.FieldCode("course_id", errs.CodeNotInCatalog, "is not a course of the catalog"))
		case err != nil:
			return ev, subj, err
		default:
			subj.course, subj.lessons = &c, lessons
		}
	}
	// Stored, a course_id other than the lesson's would count the lesson
	// in two courses.
	if subj.lesson != nil && subj.course != nil && subj.lesson.CourseID() != subj.course.Course.ID() {
		fields = append(fields, errs.FieldCode("course_id", errs.CodeCourseMismatch, "is not the course of lesson_id"))
	}
	if err := errs.Validation(fields...); err != nil {
		return ev, subj, err
	}
	return ev, subj, nil
}

func renameTime(err error, field TimeField) error {
	if field == "" || field == "occurred_at" {
		return err
	}
	return renameField(err, "occurred_at", string(field))
}
