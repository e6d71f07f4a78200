package sqlstore

import (
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

func (t *learnerTx) Append(a ports.Append) error { return t.AppendAll([]ports.Append{a}) }

// AppendAll writes a run of appends in one statement per table, whatever
// their number: a batch of 100 events costs a handful of round trips, not
// several hundred.
func (t *learnerTx) AppendAll(as []ports.Append) error {
	if len(as) == 0 {
		return nil
	}
	t.totalXP = nil // the UPDATE below changes it
	var (
		rows      []ports.StoredEvent
		c         ports.Counters
		days      = map[string]progress.DayRecord{}
		dayOrder  []string
		lessons   [][]any
		courses   [][]any
		unlocks   [][]any
		updatedAt time.Time
	)
	for _, a := range as {
		e, o := a.Event.Event, a.Outcome
		rows = append(rows, a.Event)
		for _, se := range a.ServerEvents {
			rows = append(rows, ports.StoredEvent{Event: se})
		}
		c = c.Count(e)
		updatedAt = e.ReceivedAt()

		rec := o.Day.Record()
		key := rec.Date.String()
		if _, ok := days[key]; !ok {
			dayOrder = append(dayOrder, key)
		}
		days[key] = rec // each outcome holds the day after its own event: the last one wins

		at := t.db.at(e.OccurredAt())
		if o.LessonCompleted != "" {
			lessons = append(lessons, []any{t.userID, o.LessonCompleted, a.LessonCourseID, at})
		}
		if o.CourseCompleted != "" {
			courses = append(courses, []any{t.userID, o.CourseCompleted, e.ID(), at})
		}
		for _, u := range o.Unlocked {
			unlocks = append(unlocks, []any{t.userID, u.Achievement.String(), t.db.at(u.UnlockedAt)})
		}
	}
	if err := t.db.appendEvents(t.tx, rows); err != nil {
		return err
	}
	if err := t.tx.Exec(`UPDATE learner_progress SET total_xp = ?, practice_sessions = practice_sessions + ?,
		exercises_attempted = exercises_attempted + ?, exercises_correct = exercises_correct + ?,
		time_spent_seconds = time_spent_seconds + ?, sessions = sessions + ?, updated_at = ? WHERE user_id = ?`,
		as[len(as)-1].Outcome.TotalXP, c.PracticeSessions, c.ExercisesAttempted, c.ExercisesCorrect, c.TimeSpentSeconds, c.Sessions,
		t.db.at(updatedAt), t.userID).Error; err != nil {
		return Classify(err)
	}
	dayRows := make([][]any, 0, len(dayOrder))
	for _, key := range dayOrder {
		d := days[key]
		dayRows = append(dayRows, []any{t.userID, key, d.XP, d.CreditedXP, d.GoalXP, d.GoalMet, d.Active, d.LessonsCompleted, d.TimeSpentSeconds})
	}
	if err := insertRows(t.tx, `INSERT INTO learner_days (user_id, `+dayColumns+`) VALUES `, dayRows,
		` ON CONFLICT (user_id, local_date) DO UPDATE SET xp = excluded.xp, credited_xp = excluded.credited_xp,
		goal_xp = excluded.goal_xp, goal_met = excluded.goal_met, active = excluded.active,
		lessons_completed = excluded.lessons_completed, time_spent_seconds = excluded.time_spent_seconds`); err != nil {
		return err
	}
	if err := insertRows(t.tx, `INSERT INTO completed_lessons (user_id, lesson_id, course_id, completed_at) VALUES `, lessons, ""); err != nil {
		return err
	}
	if err := insertRows(t.tx, `INSERT INTO completed_courses (user_id, course_id, event_row_id, completed_at) VALUES `, courses, ""); err != nil {
		return err
	}
	if err := insertRows(t.tx, `INSERT INTO learner_achievements (user_id, code, unlocked_at) VALUES `, unlocks, ""); err != nil {
		return err
	}
	if err := saveLastStreak(t.db, t.tx, t.userID, as, updatedAt); err != nil {
		return err
	}
	if err := creditLeague(t.db, t.tx, t.userID, as); err != nil {
		return err
	}
	var msgs []webhook.Message
	for _, a := range as {
		msgs = append(msgs, a.Messages...)
	}
	return t.db.publish(t.tx, msgs)
}

// insertRows runs one multi-row INSERT of rows (none: nothing to do). The
// callers' rows are at most a batch's worth, far below the drivers'
// parameter limits.
func insertRows(tx *gorm.DB, head string, rows [][]any, tail string) error {
	if len(rows) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(head)
	args := make([]any, 0, len(rows)*len(rows[0]))
	for i, r := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?" + strings.Repeat(", ?", len(r)-1) + ")")
		args = append(args, r...)
	}
	b.WriteString(tail)
	return Classify(tx.Exec(b.String(), args...).Error)
}
