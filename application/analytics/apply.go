package analytics

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// apply stores the event and its effects under the learner's lock. The
// unique (user_id, event_id) index decides between concurrent requests with
// one event_id: the loser's transaction fails, and its retry finds the
// winner's event and answers it as a replay. chk, when not nil, is what
// the transaction confirms under the lock.
func (s *Service) apply(ctx context.Context, userID string, ev learning.Event, subj subject, hash string,
	set learnerSettings, today calendar.Date, received time.Time, chk *checks) (Result, error) {
	var res Result
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		err = s.progress.Update(ctx, userID, func(tx ports.LearnerTx) error {
			var err error
			res, err = s.applyTx(tx, userID, ev, subj, hash, set.goal, today, received, chk)
			return err
		})
		if errs.CodeOf(err) != errs.CodeEventIDTaken {
			break
		}
	}
	return res, err
}

func (s *Service) applyTx(tx ports.LearnerTx, userID string, ev learning.Event, subj subject, hash string,
	goal int, today calendar.Date, received time.Time, chk *checks) (Result, error) {
	// The stored event and the learner's state come in one read: a replay
	// found here (a retry that raced its first request, or one whose
	// validation passed) wastes the state, every other event needs it.
	stored, ok, st, err := findEventAndState(tx, ev.EventID(), ev.LocalDate(), today)
	if err != nil {
		return Result{}, err
	}
	if err := chk.confirmToken(tx); err != nil {
		return Result{}, err
	}
	if ok {
		return replay(stored, hash)
	}
	if err := chk.confirmSettings(tx); err != nil {
		return Result{}, err
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
	st.Streak = st.Streak.WithFreezeMax(s.freezeMax)
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
		League: s.leagueCredit(o.XPAwarded, received),
	}); err != nil {
		return Result{}, err
	}
	return Result{Event: ev, Answer: a}, nil
}

// findEventAndState reads the stored event and the state in one read when
// the store can (ports.EventStateReader), else one after the other.
func findEventAndState(tx ports.LearnerTx, eventID string, day, today calendar.Date) (ports.StoredEvent, bool, progress.State, error) {
	if r, ok := tx.(ports.EventStateReader); ok {
		return r.FindEventAndState(eventID, day, today)
	}
	stored, ok, err := tx.FindEvent(eventID)
	if err != nil {
		return stored, ok, progress.State{}, err
	}
	st, err := tx.State(day, today)
	return stored, ok, st, err
}

// alreadyCompleted answers a course_completed for a course completed before:
// the first completion event, effects of the learner's state with no XP,
// and nothing stored.
func (s *Service) alreadyCompleted(tx ports.LearnerTx, first ports.StoredEvent, subj subject, goal int, today calendar.Date) (Result, error) {
	st, err := tx.State(today, today)
	if err != nil {
		return Result{}, err
	}
	sum := progress.Summarize(st.TotalXP, st.Streak.WithFreezeMax(s.freezeMax), st.Today, goal)
	cv := CourseViewOf(*subj.course)
	return Result{Event: first.Event, Answer: Answer{
		Effects: Effects{
			TotalXP: sum.TotalXP, Level: sum.Level.Level,
			Streak:               StreakEffects{Current: sum.CurrentStreak, Longest: sum.LongestStreak, FreezesEquipped: sum.Freezes.Equipped},
			DailyGoal:            GoalEffects{GoalXP: sum.DailyGoal.GoalXP, TodayXP: sum.DailyGoal.TodayXP, Met: sum.DailyGoal.Met},
			AchievementsUnlocked: []string{},
		},
		Course: &cv, AlreadyCompleted: true,
	}}, nil
}

func effectsOf(o progress.Outcome) Effects {
	return Effects{
		XPAwarded: o.XPAwarded, TotalXP: o.TotalXP, Level: o.Level.Level, LeveledUp: o.LeveledUp,
		Streak:               StreakEffects{Current: o.Streak.Current, Longest: o.Streak.Longest, Extended: o.Streak.Extended, FreezesEquipped: o.Streak.FreezesEquipped},
		DailyGoal:            GoalEffects{GoalXP: o.DailyGoal.GoalXP, TodayXP: o.DailyGoal.TodayXP, Met: o.DailyGoal.Met, JustMet: o.DailyGoal.JustMet},
		AchievementsUnlocked: o.AchievementCodes(),
	}
}
