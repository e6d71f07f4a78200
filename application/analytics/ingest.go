// Package analytics holds the progress engine's use cases: taking in
// learning events (single, batch, lesson and course completion) with their
// effects, the event list, the progress summary, user stats, admin metrics
// and the event store's health.
package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/catalog"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// Codes of ingest problems beyond the domain's.
const (
	CodeEventIDConflict  = "event_id_conflict"
	CodeDuplicateInBatch = "duplicate_in_batch"
	CodeNotInCatalog     = "not_in_catalog"
	CodeStoreFailed      = "store_failed"
)

// Service is the analytics use cases.
type Service struct {
	catalog  ports.CatalogRepository
	events   ports.EventStore
	progress ports.ProgressStore
	settings ports.LearnerSettings
	clock    ports.Clock
	ids      ports.IDGenerator
	// cache, when set, serves the progress reads; every event write bumps
	// the learner's Namespace after it commits and before it answers.
	cache       ports.Cache
	onBumpError func(namespace string, err error)
}

// NewService makes the analytics service.
func NewService(cat ports.CatalogRepository, events ports.EventStore, prog ports.ProgressStore,
	settings ports.LearnerSettings, clock ports.Clock, ids ports.IDGenerator, opts ...Option) *Service {
	s := &Service{catalog: cat, events: events, progress: prog, settings: settings, clock: clock, ids: ids}
	for _, o := range opts {
		o(s)
	}
	return s
}

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
}

// StreakEffects is effects.streak.
type StreakEffects struct {
	Current, Longest int
	Extended         bool
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
	zone, goal, err := s.settings.Settings(ctx, userID)
	if err != nil {
		return Result{}, err
	}
	received := s.now()
	if r, done, err := s.lookup(ctx, userID, sub); done || err != nil {
		return r, err
	}
	ev, subj, err := s.validate(ctx, userID, sub, received, zone)
	if err != nil {
		return Result{}, err
	}
	res, err := s.apply(ctx, userID, ev, subj, sub.BodyHash, goal, zone.Today(received), received)
	// A replay stored nothing; anything else may have committed (an error
	// too: the commit can succeed and its answer get lost).
	if err != nil || res.Created() {
		s.bump(ctx, userID)
	}
	return res, err
}

func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

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
		return Result{}, errs.E(errs.Conflict, CodeEventIDConflict, "This event_id was already used with another body.").
			WithDetails(map[string]any{"event_id": stored.Event.EventID()})
	}
	var a Answer
	if err := json.Unmarshal(stored.Answer, &a); err != nil {
		return Result{}, errs.Wrap(errs.Internal, "", fmt.Errorf("decode stored answer of %s: %w", stored.Event.ID(), err))
	}
	return Result{Event: stored.Event, Answer: a, Replay: true}, nil
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
			fields = append(fields, errs.FieldCode("lesson_id", CodeNotInCatalog, "is not a lesson of the catalog"))
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
			fields = append(fields, errs.FieldCode("course_id", CodeNotInCatalog, "is not a course of the catalog"))
		case err != nil:
			return ev, subj, err
		default:
			subj.course, subj.lessons = &c, lessons
		}
	}
	if err := errs.Validation(fields...); err != nil {
		return ev, subj, err
	}
	return ev, subj, nil
}

func renameTime(err error, field TimeField) error {
	e, ok := errs.As(err)
	if !ok || field == "" || field == "occurred_at" {
		return err
	}
	out := *e
	out.Fields = slices.Clone(e.Fields)
	for i := range out.Fields {
		if out.Fields[i].Field == "occurred_at" {
			out.Fields[i].Field = string(field)
		}
	}
	return &out
}

// apply stores the event and its effects under the learner's lock. The
// unique (user_id, event_id) index decides between concurrent requests with
// one event_id: the loser's transaction fails, and its retry finds the
// winner's event and answers it as a replay.
func (s *Service) apply(ctx context.Context, userID string, ev learning.Event, subj subject, hash string,
	goal int, today calendar.Date, received time.Time) (Result, error) {
	var res Result
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		err = s.progress.Update(ctx, userID, func(tx ports.LearnerTx) error {
			var err error
			res, err = s.applyTx(tx, userID, ev, subj, hash, goal, today, received)
			return err
		})
		if errs.CodeOf(err) != "event_id_taken" {
			break
		}
	}
	return res, err
}

func (s *Service) applyTx(tx ports.LearnerTx, userID string, ev learning.Event, subj subject, hash string,
	goal int, today calendar.Date, received time.Time) (Result, error) {
	if stored, ok, err := tx.FindEvent(ev.EventID()); err != nil || ok {
		if err != nil {
			return Result{}, err
		}
		return replay(stored, hash)
	}
	facts := progress.Facts{Now: received, Today: today, DailyXPGoal: goal}
	var courseID string
	switch ev.Type() {
	case learning.LessonCompleted:
		facts.LessonXPReward = subj.lesson.XPReward()
		done, err := tx.LessonCompleted(subj.lesson.ID())
		if err != nil {
			return Result{}, err
		}
		facts.LessonCompletedBefore = done
	case learning.CourseCompleted:
		courseID = subj.course.Course.ID()
		if first, ok, err := tx.CourseCompletion(courseID); err != nil || ok {
			if err != nil {
				return Result{}, err
			}
			return s.alreadyCompleted(tx, first, subj, goal, today)
		}
		done, err := tx.CompletedLessons(courseID)
		if err != nil {
			return Result{}, err
		}
		for _, l := range subj.lessons {
			if !slices.Contains(done, l.ID()) {
				facts.RemainingLessonIDs = append(facts.RemainingLessonIDs, l.ID())
			}
		}
	}
	st, err := tx.State(ev.LocalDate(), today)
	if err != nil {
		return Result{}, err
	}
	o, err := progress.Apply(st, ev, facts)
	if err != nil {
		return Result{}, err
	}
	ev = ev.WithXP(o.XPAwarded)
	server := make([]learning.Event, 0, len(o.Events))
	for _, pe := range o.Events {
		se, err := learning.NewServerEvent(s.ids.NewID(), userID, pe.Type, pe.OccurredAt, received, pe.LocalDate, pe.Metadata)
		if err != nil {
			return Result{}, err
		}
		server = append(server, se)
	}
	a := Answer{Effects: effectsOf(o)}
	var lessonCourse string
	if subj.lesson != nil && ev.Type() == learning.LessonCompleted {
		lessonCourse = subj.lesson.CourseID()
		done, err := tx.CompletedLessons(lessonCourse)
		if err != nil {
			return Result{}, err
		}
		n := len(done)
		if o.LessonCompleted != "" {
			n++
		}
		total := subj.lessonCourseTotal
		a.LessonProgress = &LessonProgress{CourseID: lessonCourse, LessonsCompleted: n, LessonsTotal: total,
			CompletionRate: progress.CompletionRate(n, total)}
	}
	if ev.Type() == learning.CourseCompleted {
		cv := CourseViewOf(*subj.course)
		a.Course = &cv
	}
	answer, err := json.Marshal(a)
	if err != nil {
		return Result{}, errs.Wrap(errs.Internal, "", err)
	}
	msgs, err := s.messagesOf(userID, ev, o.Events)
	if err != nil {
		return Result{}, err
	}
	if err := tx.Append(ports.Append{
		Event:   ports.StoredEvent{Event: ev, BodyHash: hash, Answer: answer},
		Outcome: o, ServerEvents: server, LessonCourseID: lessonCourse, Messages: msgs,
	}); err != nil {
		return Result{}, err
	}
	return Result{Event: ev, Answer: a}, nil
}

// alreadyCompleted answers a course_completed for a course completed before:
// the first completion event, effects of the learner's state with no XP,
// and nothing stored.
func (s *Service) alreadyCompleted(tx ports.LearnerTx, first ports.StoredEvent, subj subject, goal int, today calendar.Date) (Result, error) {
	st, err := tx.State(today, today)
	if err != nil {
		return Result{}, err
	}
	sum := progress.Summarize(st.TotalXP, st.Streak, st.Today, goal)
	cv := CourseViewOf(*subj.course)
	return Result{Event: first.Event, Answer: Answer{
		Effects: Effects{
			TotalXP: sum.TotalXP, Level: sum.Level.Level,
			Streak:               StreakEffects{Current: sum.CurrentStreak, Longest: sum.LongestStreak},
			DailyGoal:            GoalEffects{GoalXP: sum.DailyGoal.GoalXP, TodayXP: sum.DailyGoal.TodayXP, Met: sum.DailyGoal.Met},
			AchievementsUnlocked: []string{},
		},
		Course: &cv, AlreadyCompleted: true,
	}}, nil
}

func effectsOf(o progress.Outcome) Effects {
	return Effects{
		XPAwarded: o.XPAwarded, TotalXP: o.TotalXP, Level: o.Level.Level, LeveledUp: o.LeveledUp,
		Streak:               StreakEffects{Current: o.Streak.Current, Longest: o.Streak.Longest, Extended: o.Streak.Extended},
		DailyGoal:            GoalEffects{GoalXP: o.DailyGoal.GoalXP, TodayXP: o.DailyGoal.TodayXP, Met: o.DailyGoal.Met, JustMet: o.DailyGoal.JustMet},
		AchievementsUnlocked: o.AchievementCodes(),
	}
}

// BatchItem is one entry of a batch: a submission, or the problem that kept
// it from being read (a wrong type or an unknown field).
type BatchItem struct {
	Submission
	Err error
}

// ItemStatus is a batch item's fate.
type ItemStatus string

const (
	ItemCreated   ItemStatus = "created"
	ItemDuplicate ItemStatus = "duplicate"
	ItemRejected  ItemStatus = "rejected"
)

// ItemResult is results[i].
type ItemResult struct {
	Index   int
	EventID string // "" for a rejected item sent without one
	Status  ItemStatus
	Event   *learning.Event
	Err     error
}

// BatchSummary is the batch's counts.
type BatchSummary struct{ Received, Created, Duplicates, Rejected int }

// BatchResult is the batch's answer.
type BatchResult struct {
	Results []ItemResult
	Summary BatchSummary
	Effects Effects
}

// RecordBatch takes in up to 100 events: valid items are stored even when
// others are rejected, in occurred_at order, each wholly or not at all. All
// items go in one transaction (applyBatch); when that fails to store, each
// item is retried in its own transaction.
func (s *Service) RecordBatch(ctx context.Context, userID string, items []BatchItem) (BatchResult, error) {
	zone, goal, err := s.settings.Settings(ctx, userID)
	if err != nil {
		return BatchResult{}, err
	}
	received := s.now()
	today := zone.Today(received)
	out := BatchResult{Results: make([]ItemResult, len(items)), Summary: BatchSummary{Received: len(items)}}
	// Retries are found with one query for the whole batch, not one per item.
	var ids []string
	for _, it := range items {
		if id := it.Input.EventID; it.Err == nil && id != nil && learning.IsUUID(*id) {
			ids = append(ids, strings.ToLower(*id))
		}
	}
	stored, err := s.events.FindMany(ctx, userID, ids)
	if err != nil {
		return BatchResult{}, err
	}
	var todo []pending
	seen := map[string]bool{}
	for i, it := range items {
		r := &out.Results[i]
		r.Index = i
		if id := it.Input.EventID; id != nil {
			r.EventID = *id
			if learning.IsUUID(*id) {
				r.EventID = strings.ToLower(*id)
			}
		}
		if it.Err != nil {
			r.Status, r.Err = ItemRejected, it.Err
			continue
		}
		if r.EventID != "" {
			if seen[r.EventID] {
				r.Status = ItemRejected
				r.Err = errs.Validation(errs.FieldCode("event_id", CodeDuplicateInBatch, "repeats the event_id of an earlier item of the batch"))
				continue
			}
			seen[r.EventID] = true
		}
		if e, ok := stored[r.EventID]; ok {
			res, err := replay(e, it.BodyHash)
			s.settle(r, res, err)
			continue
		}
		ev, subj, err := s.validate(ctx, userID, it.Submission, received, zone)
		if err != nil {
			if errs.Is(err, errs.Invalid) {
				r.Status, r.Err = ItemRejected, err
				continue
			}
			return BatchResult{}, err
		}
		r.EventID = ev.EventID()
		todo = append(todo, pending{i: i, ev: ev, subj: subj})
	}
	sort.SliceStable(todo, func(a, b int) bool { return todo[a].ev.OccurredAt().Before(todo[b].ev.OccurredAt()) })
	if len(todo) > 0 {
		// Every way out from here, a cancelled batch's included, may follow
		// commits; the deferred bump runs before the caller answers.
		defer s.bump(ctx, userID)
	}
	outcomes, after, err := s.applyBatch(ctx, userID, todo, items, goal, today, received)
	if err != nil {
		if ctx.Err() != nil {
			return BatchResult{}, ctx.Err()
		}
		// The one-transaction path failed to store: fall back to one
		// transaction per item, so that what can be stored is.
		for k, p := range todo {
			res, err := s.apply(ctx, userID, p.ev, p.subj, items[p.i].BodyHash, goal, today, received)
			if ctx.Err() != nil {
				return BatchResult{}, ctx.Err()
			}
			outcomes[k] = itemOutcome{res: res, err: err}
		}
	}
	var unlocked []string
	for k, p := range todo {
		res, err := outcomes[k].res, outcomes[k].err
		r := &out.Results[p.i]
		s.settle(r, res, err)
		if r.Status == ItemCreated {
			e := res.Effects
			out.Effects.XPAwarded += e.XPAwarded
			out.Effects.LeveledUp = out.Effects.LeveledUp || e.LeveledUp
			out.Effects.Streak.Extended = out.Effects.Streak.Extended || e.Streak.Extended
			out.Effects.DailyGoal.JustMet = out.Effects.DailyGoal.JustMet || e.DailyGoal.JustMet
			for _, a := range e.AchievementsUnlocked {
				if !slices.Contains(unlocked, a) {
					unlocked = append(unlocked, a)
				}
			}
		}
	}
	for _, r := range out.Results {
		switch r.Status {
		case ItemCreated:
			out.Summary.Created++
		case ItemDuplicate:
			out.Summary.Duplicates++
		default:
			out.Summary.Rejected++
		}
	}
	// The batch's effects are the learner's state after it: known from the
	// one-transaction path, else read once.
	if after == nil {
		snap, err := s.progress.Snapshot(ctx, userID, today)
		if err != nil {
			return BatchResult{}, err
		}
		sum := progress.Summarize(snap.TotalXP, progress.NewStreak(snap.ActiveDates), snap.Today, goal)
		after = &sum
	}
	sum := *after
	out.Effects.TotalXP, out.Effects.Level = sum.TotalXP, sum.Level.Level
	out.Effects.Streak.Current, out.Effects.Streak.Longest = sum.CurrentStreak, sum.LongestStreak
	out.Effects.DailyGoal.GoalXP, out.Effects.DailyGoal.TodayXP, out.Effects.DailyGoal.Met = sum.DailyGoal.GoalXP, sum.DailyGoal.TodayXP, sum.DailyGoal.Met
	out.Effects.AchievementsUnlocked = append([]string{}, unlocked...)
	return out, nil
}

// settle records one item's outcome. A failure to store is the item's
// rejection, not the batch's: the items before it stay stored.
func (s *Service) settle(r *ItemResult, res Result, err error) {
	switch {
	case err != nil:
		r.Status, r.Err = ItemRejected, err
		if k := errs.KindOf(err); k == errs.Internal || k == errs.Unavailable {
			r.Err = errs.Wrap(k, CodeStoreFailed, err)
		}
	case res.Replay || res.AlreadyCompleted:
		ev := res.Event
		r.Status, r.Event = ItemDuplicate, &ev
		if r.EventID == "" {
			r.EventID = ev.EventID()
		}
	default:
		ev := res.Event
		r.Status, r.Event, r.EventID = ItemCreated, &ev, ev.EventID()
	}
}
