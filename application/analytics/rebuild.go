package analytics

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// RebuildPage is how many events a rebuild holds at once: it streams a
// learner's events through progress.Rebuilder a page at a time.
const RebuildPage = 1000

// WithRebuild gives the service voids and rebuilds: the store of the
// learner's transaction and the users (an admin call on an unknown user is
// NotFound).
func WithRebuild(store ports.RebuildStore, users ports.UserRepository) Option {
	return func(s *Service) { s.rebuilds, s.users = store, users }
}

// Voided is the answer to a void: the event with voided_at, and the
// learner's state afterwards in the shape of an ingest's effects.
type Voided struct {
	Event   learning.Event
	Effects Effects
}

// RebuildReport is the answer to a rebuild.
type RebuildReport struct {
	Changed       bool
	Before, After ProgressSummary
}

// catalogIndex is what a rebuild needs of the catalog, read before the
// transaction so that it holds no second connection.
type catalogIndex struct {
	lessons map[string]lessonFacts // by lesson id
	courses map[string][]string    // course id → its lesson ids
}

type lessonFacts struct {
	reward int
	course string
}

func (s *Service) catalogIndex(ctx context.Context) (catalogIndex, error) {
	idx := catalogIndex{lessons: map[string]lessonFacts{}, courses: map[string][]string{}}
	entries, err := s.catalog.ListCourses(ctx)
	if err != nil {
		return idx, err
	}
	for _, e := range entries {
		_, lessons, err := s.catalog.GetCourse(ctx, e.Course.ID())
		if err != nil {
			return idx, err
		}
		ids := make([]string, 0, len(lessons))
		for _, l := range lessons {
			ids = append(ids, l.ID())
			idx.lessons[l.ID()] = lessonFacts{reward: l.XPReward(), course: l.CourseID()}
		}
		idx.courses[e.Course.ID()] = ids
	}
	return idx, nil
}

func (s *Service) rebuildWired() error {
	if s.rebuilds == nil || s.users == nil {
		return errs.Wrap(errs.Internal, "", fmt.Errorf("voids and rebuilds are not wired"))
	}
	return nil
}

// Void voids the caller's own client event with that event_id.
func (s *Service) Void(ctx context.Context, userID, eventID string) (Voided, error) {
	if err := s.rebuildWired(); err != nil {
		return Voided{}, err
	}
	return s.void(ctx, userID, eventID)
}

// AdminVoid voids any learner's client event; an unknown learner is
// NotFound.
func (s *Service) AdminVoid(ctx context.Context, userID, eventID string) (Voided, error) {
	if err := s.rebuildWired(); err != nil {
		return Voided{}, err
	}
	if _, err := s.users.ByID(ctx, userID); err != nil {
		return Voided{}, err
	}
	return s.void(ctx, userID, eventID)
}

func eventNotFound() error {
	return errs.E(errs.NotFound, errs.CodeNotFound, "The event was not found.")
}

// void marks the event voided and rebuilds the learner in the same
// transaction: the learner's state afterwards is what it would be had the
// event never been received (docs/rebuild.md). Voiding a voided event
// changes nothing and answers the event and the learner's state as they are.
func (s *Service) void(ctx context.Context, userID, eventID string) (Voided, error) {
	if !learning.IsUUID(eventID) {
		return Voided{}, eventNotFound()
	}
	eventID = strings.ToLower(eventID)
	zone, goal, err := s.settings.Settings(ctx, userID)
	if err != nil {
		return Voided{}, err
	}
	idx, err := s.catalogIndex(ctx)
	if err != nil {
		return Voided{}, err
	}
	now := s.now()
	today := zone.Today(now)
	var out Voided
	err = s.rebuilds.Update(ctx, userID, func(tx ports.RebuildTx) error {
		stored, ok, err := tx.FindEvent(eventID)
		if err != nil {
			return err
		}
		if !ok {
			return eventNotFound()
		}
		if stored.Event.Type().ServerOnly() {
			return errs.Validation(errs.FieldCode("event_id", errs.CodeEventTypeNotAllowed,
				fmt.Sprintf("is a %s event, which the server recorded; only client events are voided", stored.Event.Type())))
		}
		out.Event = stored.Event
		if _, voided := stored.Event.VoidedAt(); !voided {
			if out.Event, err = tx.Void(stored.Event.ID(), now); err != nil {
				return err
			}
			if _, err := s.rebuildTx(tx, userID, idx, zone, goal, today, now); err != nil {
				return err
			}
		}
		out.Effects, err = s.stateEffects(tx, goal, today)
		return err
	})
	if err != nil {
		return Voided{}, err
	}
	s.bump(ctx, userID)
	return out, nil
}

// Rebuild recomputes the learner's aggregates from their stored events and
// reports whether anything changed, with the progress summary before and
// after. An unknown learner is NotFound.
func (s *Service) Rebuild(ctx context.Context, userID string) (RebuildReport, error) {
	if err := s.rebuildWired(); err != nil {
		return RebuildReport{}, err
	}
	if _, err := s.users.ByID(ctx, userID); err != nil {
		return RebuildReport{}, err
	}
	zone, goal, err := s.settings.Settings(ctx, userID)
	if err != nil {
		return RebuildReport{}, err
	}
	idx, err := s.catalogIndex(ctx)
	if err != nil {
		return RebuildReport{}, err
	}
	now := s.now()
	today := zone.Today(now)
	var out RebuildReport
	if out.Before, err = s.summary(ctx, userID, today, goal); err != nil {
		return RebuildReport{}, err
	}
	err = s.rebuilds.Update(ctx, userID, func(tx ports.RebuildTx) error {
		out.Changed, err = s.rebuildTx(tx, userID, idx, zone, goal, today, now)
		return err
	})
	if err != nil {
		return RebuildReport{}, err
	}
	if out.Changed {
		s.bump(ctx, userID)
	}
	if out.After, err = s.summary(ctx, userID, today, goal); err != nil {
		return RebuildReport{}, err
	}
	return out, nil
}

// rebuildTx replays the learner's events that count and replaces their
// aggregates inside tx when they differ; it reports whether they did. The
// hook runs either way, as its own figures may be the wrong ones.
func (s *Service) rebuildTx(tx ports.RebuildTx, userID string, idx catalogIndex, zone calendar.Zone, goal int,
	today calendar.Date, now time.Time) (bool, error) {
	before, err := tx.Aggregates()
	if err != nil {
		return false, err
	}
	stBefore, err := tx.State(today, today)
	if err != nil {
		return false, err
	}
	sumBefore := progress.Summarize(stBefore.TotalXP, stBefore.Streak.WithFreezeMax(s.freezeMax), stBefore.Today, goal)
	grants, repairs, marks, err := tx.Ledger()
	if err != nil {
		return false, err
	}
	goals := map[calendar.Date]int{}
	for _, d := range before.Days {
		if d.GoalXP > 0 {
			goals[d.Date] = d.GoalXP
		}
	}
	rb := progress.NewRebuilder(progress.RebuildInput{Goals: goals, CurrentGoal: goal, Held: before.Achievements,
		Grants: grants, Repairs: repairs, FreezeMax: s.freezeMax})
	err = tx.ClientEvents(RebuildPage, func(page []learning.Event) error {
		for _, e := range page {
			r := progress.Replayed{Event: e}
			if d, ok := e.ReceivedOn(); ok {
				r.Today = d
			} else {
				// Stored before the receipt date was kept: the learner's
				// zone now is the best estimate of the zone then.
				r.Today = zone.Today(e.ReceivedAt())
			}
			if id, ok := e.LessonID(); ok && e.Type() == learning.LessonCompleted {
				l, known := idx.lessons[id]
				if !known {
					return errs.Wrap(errs.Internal, "", fmt.Errorf("rebuild: lesson %s of event %s is not in the catalog", id, e.ID()))
				}
				r.LessonXPReward, r.LessonCourseID = l.reward, l.course
			}
			if id, ok := e.CourseID(); ok && e.Type() == learning.CourseCompleted {
				r.CourseLessons = idx.courses[id]
			}
			if err := rb.Add(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	after := rb.Result()
	plainGrants := make([]progress.Grant, 0, len(grants))
	for _, g := range grants {
		plainGrants = append(plainGrants, g.Grant)
	}
	plainRepairs := make([]calendar.Date, 0, len(repairs))
	for _, r := range repairs {
		plainRepairs = append(plainRepairs, r.Date)
	}
	streak := after.Streak.WithLedger(plainGrants, plainRepairs, marks)
	sv, _ := streak.Save(today)
	server, err := tx.ServerEvents()
	if err != nil {
		return false, err
	}
	drop, add := progress.ServerDiff(server, after.Server, after.Achievements)
	sumAfter := progress.Summarize(after.TotalXP, streak, dayOf(after.Days, today), goal)
	changed := !before.Equal(after.Aggregates) || len(drop) > 0 || len(add) > 0 || len(after.XPChanges) > 0 ||
		sumBefore != sumAfter || marksMoved(marks, sv.Marks, today)
	if changed {
		rows := make([]learning.Event, 0, len(add))
		for _, r := range add {
			e, err := learning.NewServerEvent(s.ids.NewID(), userID, r.Type, r.OccurredAt, r.ReceivedAt, r.LocalDate, r.Metadata)
			if err != nil {
				return false, err
			}
			rows = append(rows, e)
		}
		if err := tx.Replace(ports.Replacement{Aggregates: after.Aggregates, Streak: sv, DropServer: drop, AddServer: rows,
			XPChanges: after.XPChanges, At: now}); err != nil {
			return false, err
		}
	}
	// League XP follows the events' new XP in the same transaction, so it
	// changes with the aggregates or not at all.
	if err := s.recountLeagues(tx, now); err != nil {
		return false, err
	}
	return changed, nil
}

// marksMoved reports whether a rebuild's frozen and repaired dates differ
// from the stored ones before today and up to the last stored one: dates
// after it may be settled now for the first time, and a learner who moved
// to a zone further west may hold marks of dates that are not past for them
// any more; neither is a change.
func marksMoved(stored, rebuilt []progress.SettledDay, today calendar.Date) bool {
	stored = slices.DeleteFunc(slices.Clone(stored), func(m progress.SettledDay) bool { return !m.Date.Before(today) })
	if len(stored) == 0 {
		return false
	}
	last := stored[0].Date
	for _, m := range stored {
		if m.Date.After(last) {
			last = m.Date
		}
	}
	var upTo []progress.SettledDay
	for _, m := range rebuilt {
		if !m.Date.After(last) {
			upTo = append(upTo, m)
		}
	}
	sorted := slices.Clone(stored)
	slices.SortFunc(sorted, func(a, b progress.SettledDay) int { return a.Date.Compare(b.Date) })
	return !slices.Equal(sorted, upTo)
}

// dayOf is the record of date d among days, or the empty day.
func dayOf(days []progress.DayRecord, d calendar.Date) progress.Day {
	for _, r := range days {
		if r.Date == d {
			if day, err := progress.RestoreDay(r); err == nil {
				return day
			}
		}
	}
	return progress.NewDay(d)
}

// stateEffects is the learner's state as an ingest's effects, for an answer
// that awards nothing (a void).
func (s *Service) stateEffects(tx ports.LearnerTx, goal int, today calendar.Date) (Effects, error) {
	st, err := tx.State(today, today)
	if err != nil {
		return Effects{}, err
	}
	sum := progress.Summarize(st.TotalXP, st.Streak.WithFreezeMax(s.freezeMax), st.Today, goal)
	return Effects{
		TotalXP: sum.TotalXP, Level: sum.Level.Level,
		Streak:               StreakEffects{Current: sum.CurrentStreak, Longest: sum.LongestStreak, FreezesEquipped: sum.Freezes.Equipped},
		DailyGoal:            GoalEffects{GoalXP: sum.DailyGoal.GoalXP, TodayXP: sum.DailyGoal.TodayXP, Met: sum.DailyGoal.Met},
		AchievementsUnlocked: []string{},
	}, nil
}
