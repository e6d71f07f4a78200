package sqlstore

import (
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

func (t *learnerTx) Append(a ports.Append) error { return t.AppendAll([]ports.Append{a}) }

// AppendAll writes a run of appends in one statement per table, whatever
// their number, and on PostgreSQL all those statements in one (WriteBatch):
// an event, or a batch of 100, costs one round trip of writes. A write that
// must ride with the event (a league's weekly XP, say) is one more w.Add
// below, or in a function called with w.
func (t *learnerTx) AppendAll(as []ports.Append) error {
	if len(as) == 0 {
		return nil
	}
	var (
		rows      = make([]ports.StoredEvent, 0, len(as))
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
	// Every write below joins one WriteBatch: on PostgreSQL the event rows,
	// the totals, the days, the completions, the unlocks and the settled
	// streak go in one round trip.
	w := newWriteBatch(t.db.dialect)
	if t.db.dialect == Postgres {
		q, args, err := t.db.eventRows(rows)
		if err != nil {
			return err
		}
		w.Add(q, args...)
	} else if err := t.db.InsertEvents(t.tx, rows); err != nil {
		return err
	}
	w.Add(`UPDATE learner_progress SET total_xp = ?, practice_sessions = practice_sessions + ?,
		exercises_attempted = exercises_attempted + ?, exercises_correct = exercises_correct + ?,
		time_spent_seconds = time_spent_seconds + ?, sessions = sessions + ?, updated_at = ? WHERE user_id = ?`,
		as[len(as)-1].Outcome.TotalXP, c.PracticeSessions, c.ExercisesAttempted, c.ExercisesCorrect, c.TimeSpentSeconds, c.Sessions,
		t.db.at(updatedAt), t.userID)
	dayRows := make([][]any, 0, len(dayOrder))
	for _, key := range dayOrder {
		d := days[key]
		dayRows = append(dayRows, []any{t.userID, key, d.XP, d.CreditedXP, d.GoalXP, d.GoalMet, d.Active, d.LessonsCompleted, d.TimeSpentSeconds})
	}
	addRows(w, `INSERT INTO learner_days (user_id, `+dayColumns+`) VALUES `, dayRows,
		` ON CONFLICT (user_id, local_date) DO UPDATE SET xp = excluded.xp, credited_xp = excluded.credited_xp,
		goal_xp = excluded.goal_xp, goal_met = excluded.goal_met, active = excluded.active,
		lessons_completed = excluded.lessons_completed, time_spent_seconds = excluded.time_spent_seconds`)
	addRows(w, `INSERT INTO completed_lessons (user_id, lesson_id, course_id, completed_at) VALUES `, lessons, "")
	addRows(w, `INSERT INTO completed_courses (user_id, course_id, event_row_id, completed_at) VALUES `, courses, "")
	addRows(w, `INSERT INTO learner_achievements (user_id, code, unlocked_at) VALUES `, unlocks, "")
	marks := lastStreak(t.db, w, t.userID, as, updatedAt)
	// The league credits of a week the learner is a member of, and the
	// webhook deliveries, join the batch when stateQuery told what they
	// need; the rest go after it.
	var later []*weekCredit
	for _, c := range leagueCredits(as) {
		if t.read && c.c.Week.Start().Equal(t.leagueWeek) {
			addCredit(t.db, w, t.userID, c)
		} else {
			later = append(later, c)
		}
	}
	var msgs []webhook.Message
	for _, a := range as {
		msgs = append(msgs, a.Messages...)
	}
	var deliveries []string
	if t.read {
		var err error
		if deliveries, err = t.db.addDeliveries(w, t.subs, msgs); err != nil {
			return err
		}
		if len(deliveries) > 0 && t.pipe != nil {
			// The job engine inserts in a *sql.Tx: Update rolls this run
			// back and runs fn again in one.
			t.pipe.needsSQLTx = true
			return nil
		}
	}
	if t.pipe != nil && marks == nil && len(later) == 0 && t.read {
		// Nothing runs after the batch: it goes with COMMIT, after the
		// writes of an earlier append still held (ready sends them).
		if err := t.pipe.ready(); err != nil {
			return err
		}
		t.pipe.held = w
		return nil
	}
	if err := w.flush(t.tx); err != nil {
		return appendError(err)
	}
	// The marks' DELETE and INSERT depend on each other, so they go after
	// the batch (only when a freeze was used or a date repaired).
	if marks != nil {
		if err := replaceMarks(t.tx, t.userID, *marks); err != nil {
			return err
		}
	}
	if err := creditLeague(t.db, t.tx, t.userID, later); err != nil {
		return err
	}
	if !t.read {
		return t.db.publish(t.tx, msgs)
	}
	if len(deliveries) > 0 {
		return t.db.enqueue(t.tx, deliveries)
	}
	return nil
}

// appendError classifies a failed write of appends: a unique violation of
// learning_events is a concurrent request with the same event_id that won.
func appendError(err error) error {
	if uniqueViolationOn(err, "learning_events") {
		return errs.Wrap(errs.Conflict, errs.CodeEventIDTaken, err)
	}
	return Classify(err)
}

// addRows queues one multi-row INSERT of rows (none: nothing to queue).
func addRows(w *WriteBatch, head string, rows [][]any, tail string) {
	if len(rows) == 0 {
		return
	}
	q, args := rowsStatement(head, rows, tail)
	w.Add(q, args...)
}

func rowsStatement(head string, rows [][]any, tail string) (string, []any) {
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
	return b.String(), args
}

// insertRows runs one multi-row INSERT of rows (none: nothing to do). The
// callers' rows are at most a batch's worth, far below the drivers'
// parameter limits.
func insertRows(tx *gorm.DB, head string, rows [][]any, tail string) error {
	if len(rows) == 0 {
		return nil
	}
	q, args := rowsStatement(head, rows, tail)
	return Classify(tx.Exec(q, args...).Error)
}
