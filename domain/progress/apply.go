package progress

import (
	"fmt"
	"slices"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
)

// XP amounts of the rules of docs/progress-rules.md.
const (
	PerfectBonusXP   = 5  // a score of 100 on a first lesson completion or a practice
	RepeatLessonXP   = 5  // any later completion of a lesson already completed
	PracticeXP       = 10 // practice_completed
	CourseCompleteXP = 50 // course_completed, once per course
	PerfectScore     = 100
)

// State is what Apply needs to know about the learner. Its size is
// O(active days + achievements), never O(events). The store loads it inside
// the transaction that will store the event, holding the learner's progress
// row lock (SELECT ... FOR UPDATE on PostgreSQL; SQLite's write lock), so
// that concurrent events of one learner are applied one after the other:
//
//   - TotalXP: the learner's running total.
//   - Streak: NewStreak over every active date of the learner, WithLedger
//     (grants, repairs, frozen dates) and WithFreezeMax; or, where the
//     learner's stored settlement ends before the event's date and today,
//     ResumeStreak from it (with the marks after it), so that an
//     event's cost does not grow with the learner's history.
//   - Achievements: the codes already unlocked.
//   - Day: the stored day record of the event's local date, or
//     NewDay(event.LocalDate()) when there is none.
//   - Today: the stored day record of Facts.Today, or NewDay(Facts.Today);
//     when the event is on today, Day and Today are the same record and
//     Today is ignored.
type State struct {
	TotalXP      int
	Streak       Streak
	Achievements []Achievement
	Day          Day
	Today        Day
}

// Facts are what the store looked up about the event's subject and the
// learner's settings at receipt.
type Facts struct {
	// Now is the server time; it becomes every unlock's unlocked_at.
	Now time.Time
	// Today is today's date in the learner's zone at receipt.
	Today calendar.Date
	// DailyXPGoal is the learner's daily_xp_goal now (5..500).
	DailyXPGoal int
	// LessonXPReward is the lesson's xp_reward (lesson_completed only).
	LessonXPReward int
	// LessonCompletedBefore is true when the learner completed the lesson
	// before this event (lesson_completed only).
	LessonCompletedBefore bool
	// CourseCompletedBefore is true when the learner already completed the
	// course (course_completed only). The application should then answer
	// already_completed without calling Apply; if it calls, Apply awards 0.
	CourseCompletedBefore bool
	// RemainingLessonIDs are the lessons of the course the learner has not
	// completed (course_completed only); any makes the completion refused.
	RemainingLessonIDs []string
}

// StreakEffect is the streak after the event.
type StreakEffect struct {
	Current         int
	Longest         int
	Extended        bool // the event made its day active
	FreezesEquipped int
}

// GoalEffect is today's daily goal after the event; an event on a past date
// changes that date's record but never this.
type GoalEffect struct {
	GoalXP  int
	TodayXP int
	Met     bool
	JustMet bool // this event made today's goal met
}

// ProgressEvent is a server-recorded event (level_up, streak_extended,
// daily_goal_met, achievement_unlocked) to store beside the causing event,
// with its occurred_at and local_date; make it with learning.NewServerEvent.
type ProgressEvent struct {
	Type       learning.EventType
	OccurredAt time.Time
	LocalDate  calendar.Date
	Metadata   map[string]any
}

// Outcome is the decision on one event: the effects to answer with and the
// deltas to persist, all in the transaction that stores the event.
//
// What the store writes:
//   - the event itself with xp_awarded = XPAwarded;
//   - the learner's total_xp = TotalXP (or += XPAwarded, equal under the lock);
//   - Day upserted (its record replaces the stored one of its date);
//   - when ActiveDateAdded, Day.Date() added to the active dates (the same
//     fact as Day.Active(); stores keeping active dates in the day rows need
//     nothing more);
//   - LessonCompleted / CourseCompleted, when not "", inserted as newly
//     completed (with the event's occurred_at);
//   - every Unlocked achievement, and every Events entry as a stored event;
//   - when StreakSave is set, the learner's settled streak replaced by it.
type Outcome struct {
	XPAwarded       int
	TotalXP         int
	Level           Level
	LeveledUp       bool
	Streak          StreakEffect
	DailyGoal       GoalEffect
	Day             Day
	ActiveDateAdded bool
	LessonCompleted string
	CourseCompleted string
	Unlocked        []Unlock
	Events          []ProgressEvent
	StreakSave      *StreakSave
}

// AchievementCodes returns the codes of the unlocked achievements, as
// effects.achievements_unlocked lists them.
func (o Outcome) AchievementCodes() []string {
	out := make([]string, 0, len(o.Unlocked))
	for _, u := range o.Unlocked {
		out = append(out, u.Achievement.String())
	}
	return out
}

// Apply decides what one validated event does to the learner. It is pure:
// s is not changed. Its errors: Conflict course_incomplete (with details
// lessons_remaining and lesson_ids) for a course_completed while lessons
// remain; Internal when the state or facts break the contract above (a
// server-only event, a day record of another date, a missing goal or
// xp_reward).
//
// Streak achievements follow "the current streak reaching the number"
// strictly: they are checked against the run that ends today or yesterday
// after the event. A late event that joins two runs into one that reaches
// the number unlocks it when that joined run is the current one; a joined
// run that ends before yesterday is history, not a current streak, and
// unlocks nothing (it still counts for longest_streak).
func Apply(s State, e learning.Event, f Facts) (Outcome, error) {
	if err := check(s, e, f); err != nil {
		return Outcome{}, err
	}
	xp, lessonDone, courseDone, err := awardXP(e, f)
	if err != nil {
		return Outcome{}, err
	}

	o := Outcome{XPAwarded: xp, TotalXP: s.TotalXP + xp, LessonCompleted: lessonDone, CourseCompleted: courseDone}
	before := LevelOf(s.TotalXP)
	o.Level = LevelOf(o.TotalXP)
	o.LeveledUp = o.Level.Level > before.Level

	day := s.Day
	day.xp += xp
	if d, ok := e.DurationSeconds(); ok {
		day.timeSpent += d
	}
	if e.Type() == learning.LessonCompleted {
		day.lessonsCompleted++
	}
	streak := s.Streak.Clone()
	dayGoalJustMet := false
	if e.EarnsCredit() {
		if _, fixed := day.GoalInForce(); !fixed {
			day.goal = f.DailyXPGoal
		}
		day.creditedXP += xp
		if earnsStreak(e.Type()) {
			// The calendar, not the day record, decides "extended", so that a
			// streak_extended is recorded once per date whatever the record says.
			day.active = true
			if streak.RecordActiveDay(day.date) {
				o.ActiveDateAdded, o.Streak.Extended = true, true
			}
		}
		if !day.goalMet && day.creditedXP >= day.goal {
			day.goalMet = true
			dayGoalJustMet = true
		}
	}
	o.Day = day

	today := s.Today
	if day.date == f.Today {
		today = day
	}
	o.DailyGoal = GoalEffect{
		GoalXP:  today.goalFor(f.DailyXPGoal),
		TodayXP: today.creditedXP,
		Met:     today.goalMet,
		JustMet: dayGoalJustMet && day.date == f.Today,
	}
	var set Settlement
	if o.ActiveDateAdded {
		// A new active date may settle past dates again (a late event on a
		// frozen date gives its freeze back): the store keeps the result.
		sv, full := streak.Save(f.Today)
		o.StreakSave, set = &sv, full
	} else {
		set = streak.Settle(f.Today)
	}
	o.Streak.Current, o.Streak.Longest, o.Streak.FreezesEquipped = set.Current, set.Longest, set.Equipped

	progressEvent := func(t learning.EventType, md map[string]any) {
		o.Events = append(o.Events, ProgressEvent{Type: t, OccurredAt: e.OccurredAt(), LocalDate: e.LocalDate(), Metadata: md})
	}
	if o.LeveledUp {
		progressEvent(learning.LevelUp, map[string]any{"level": o.Level.Level})
	}
	if o.Streak.Extended {
		progressEvent(learning.StreakExtended, map[string]any{"date": day.date.String(), "current_streak": o.Streak.Current})
	}
	if dayGoalJustMet {
		progressEvent(learning.DailyGoalMet, map[string]any{"date": day.date.String(), "goal_xp": day.goal, "xp": day.creditedXP})
	}
	for _, a := range earned(e, o, courseDone) {
		if slices.Contains(s.Achievements, a) {
			continue
		}
		o.Unlocked = append(o.Unlocked, Unlock{Achievement: a, UnlockedAt: f.Now})
		progressEvent(learning.AchievementUnlocked, map[string]any{"code": a.String()})
	}
	return o, nil
}

// earnsStreak reports whether an event type can make its day active.
func earnsStreak(t learning.EventType) bool {
	return t == learning.LessonCompleted || t == learning.PracticeCompleted
}

func check(s State, e learning.Event, f Facts) error {
	internal := func(format string, a ...any) error {
		return errs.Wrap(errs.Internal, "", fmt.Errorf("apply progress: "+format, a...))
	}
	switch {
	case !e.Type().Valid() || e.Type().ServerOnly():
		return internal("event type %q is not a client event", e.Type())
	case s.Day.date != e.LocalDate():
		return internal("day record of %s given for an event of %s", s.Day.date, e.LocalDate())
	case s.Today.date != f.Today && e.LocalDate() != f.Today:
		return internal("today's record of %s given for today %s", s.Today.date, f.Today)
	case !s.Streak.SettledBefore(calendar.Earlier(e.LocalDate(), f.Today)):
		return internal("streak resumed from a settlement that does not end before %s and %s", e.LocalDate(), f.Today)
	case e.EarnsCredit() && f.DailyXPGoal <= 0:
		return internal("daily goal %d", f.DailyXPGoal)
	case s.TotalXP < 0:
		return internal("total xp %d", s.TotalXP)
	}
	return nil
}

// awardXP applies the XP rules and says which lesson and course the event
// newly completes.
func awardXP(e learning.Event, f Facts) (xp int, lessonDone, courseDone string, err error) {
	score, _ := e.Score()
	switch e.Type() {
	case learning.LessonCompleted:
		if f.LessonCompletedBefore {
			return RepeatLessonXP, "", "", nil
		}
		if f.LessonXPReward < 1 || f.LessonXPReward > 100 {
			return 0, "", "", errs.Wrap(errs.Internal, "", fmt.Errorf("apply progress: lesson xp_reward %d", f.LessonXPReward))
		}
		xp = f.LessonXPReward
		if score == PerfectScore {
			xp += PerfectBonusXP
		}
		lessonDone, _ = e.LessonID()
		return xp, lessonDone, "", nil
	case learning.PracticeCompleted:
		xp = PracticeXP
		if score == PerfectScore {
			xp += PerfectBonusXP
		}
		return xp, "", "", nil
	case learning.CourseCompleted:
		if f.CourseCompletedBefore {
			return 0, "", "", nil
		}
		if n := len(f.RemainingLessonIDs); n > 0 {
			return 0, "", "", errs.E(errs.Conflict, errs.CodeCourseIncomplete, "Complete every lesson of the course first.").
				WithDetails(map[string]any{"lessons_remaining": n, "lesson_ids": slices.Clone(f.RemainingLessonIDs)})
		}
		courseDone, _ = e.CourseID()
		return CourseCompleteXP, "", courseDone, nil
	}
	return 0, "", "", nil
}

// earned lists the achievements the learner qualifies for after the event,
// held or not; Apply keeps those not yet held.
func earned(e learning.Event, o Outcome, courseDone string) []Achievement {
	var out []Achievement
	if e.Type() == learning.LessonCompleted {
		out = append(out, FirstLesson)
		if score, _ := e.Score(); score == PerfectScore {
			out = append(out, PerfectLesson)
		}
	}
	for _, m := range []struct {
		days int
		a    Achievement
	}{{3, Streak3}, {7, Streak7}, {30, Streak30}, {100, Streak100}, {365, Streak365}} {
		if o.Streak.Current >= m.days {
			out = append(out, m.a)
		}
	}
	if o.Level.Level >= 5 {
		out = append(out, Level5)
	}
	if o.Level.Level >= 10 {
		out = append(out, Level10)
	}
	if courseDone != "" {
		out = append(out, CourseComplete)
	}
	return out
}
