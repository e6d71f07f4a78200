package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// RebuildStore opens a learner's transaction for voids and rebuilds: the
// one ProgressStore.Update opens, with the learner's lock.
type RebuildStore struct{ progress *ProgressStore }

var _ ports.RebuildStore = (*RebuildStore)(nil)

// NewRebuildStore makes the rebuild store.
func NewRebuildStore(db *DB) *RebuildStore { return &RebuildStore{progress: NewProgressStore(db)} }

func (s *RebuildStore) Update(ctx context.Context, userID string, fn func(ports.RebuildTx) error) error {
	return s.progress.Update(ctx, userID, func(lt ports.LearnerTx) error {
		return fn(&rebuildTx{learnerTx: lt.(*learnerTx)})
	})
}

type rebuildTx struct{ *learnerTx }

var _ ports.RebuildTx = (*rebuildTx)(nil)

func (t *rebuildTx) Void(rowID string, at time.Time) (learning.Event, error) {
	if err := t.tx.Exec(`UPDATE learning_events SET voided_at = ? WHERE user_id = ? AND id = ? AND voided_at IS NULL`,
		t.db.at(at), t.userID, rowID).Error; err != nil {
		return learning.Event{}, Classify(err)
	}
	e, err := scanEvent(t.tx.Raw(`SELECT `+eventColumns+` FROM learning_events WHERE user_id = ? AND id = ?`, t.userID, rowID).Row())
	if err == errNoRows {
		return learning.Event{}, errs.E(errs.NotFound, errs.CodeNotFound, "The event was not found.")
	}
	return e.Event, Classify(err)
}

// orderColumn is the column that holds the order rows were written in:
// PostgreSQL's seq (migration 00070), SQLite's rowid.
func (t *rebuildTx) orderColumn() string {
	if t.db.dialect == Postgres {
		return "seq"
	}
	return "rowid"
}

// withOrder scans an event row followed by its order column.
type withOrder struct {
	row interface{ Scan(...any) error }
	ord *int64
}

func (w withOrder) Scan(dest ...any) error { return w.row.Scan(append(dest, w.ord)...) }

// ClientEvents pages through the learner's rows by their write order, a
// keyset on (user_id, order) that the index of migration 00070 serves: each
// page is one query, and only one page is held at a time.
func (t *rebuildTx) ClientEvents(pageSize int, fn func([]learning.Event) error) error {
	ord := t.orderColumn()
	q := `SELECT ` + eventColumns + `, ` + ord + ` FROM learning_events WHERE user_id = ? AND ` + ord + ` > ?
		AND category <> ? AND voided_at IS NULL ORDER BY ` + ord + ` LIMIT ?`
	var after int64 = -1
	page := make([]learning.Event, 0, pageSize)
	for {
		page = page[:0]
		rows, err := t.tx.Raw(q, t.userID, after, learning.CategoryProgress.String(), pageSize).Rows()
		if err != nil {
			return Classify(err)
		}
		for rows.Next() {
			e, err := scanEvent(withOrder{row: rows, ord: &after})
			if err != nil {
				rows.Close()
				return Classify(err)
			}
			page = append(page, e.Event)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return Classify(err)
		}
		if len(page) > 0 {
			if err := fn(page); err != nil {
				return err
			}
		}
		if len(page) < pageSize {
			return nil
		}
	}
}

func (t *rebuildTx) ServerEvents() ([]learning.Event, error) {
	return queryEvents(t.tx, `SELECT `+eventColumns+` FROM learning_events WHERE user_id = ? AND category = ?`,
		t.userID, learning.CategoryProgress.String())
}

func (t *rebuildTx) Aggregates() (progress.Aggregates, error) {
	var a progress.Aggregates
	c := &a.Counters
	err := t.tx.Raw(`SELECT total_xp, practice_sessions, exercises_attempted, exercises_correct, time_spent_seconds, sessions
		FROM learner_progress WHERE user_id = ?`, t.userID).Row().
		Scan(&a.TotalXP, &c.PracticeSessions, &c.ExercisesAttempted, &c.ExercisesCorrect, &c.TimeSpentSeconds, &c.Sessions)
	if err != nil && err != errNoRows {
		return a, Classify(err)
	}
	rows, err := t.tx.Raw(`SELECT `+dayColumns+` FROM learner_days WHERE user_id = ?`, t.userID).Rows()
	if err != nil {
		return a, Classify(err)
	}
	for rows.Next() {
		d, err := scanDay(rows)
		if err != nil {
			rows.Close()
			return a, Classify(err)
		}
		a.Days = append(a.Days, d.Record())
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return a, Classify(err)
	}
	rows, err = t.tx.Raw(`SELECT lesson_id, course_id, completed_at FROM completed_lessons WHERE user_id = ?`, t.userID).Rows()
	if err != nil {
		return a, Classify(err)
	}
	for rows.Next() {
		var (
			l  progress.CompletedLesson
			at sqlTime
		)
		if err := rows.Scan(&l.LessonID, &l.CourseID, &at); err != nil {
			rows.Close()
			return a, Classify(err)
		}
		l.CompletedAt = at.Time
		a.Lessons = append(a.Lessons, l)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return a, Classify(err)
	}
	rows, err = t.tx.Raw(`SELECT course_id, event_row_id, completed_at FROM completed_courses WHERE user_id = ?`, t.userID).Rows()
	if err != nil {
		return a, Classify(err)
	}
	for rows.Next() {
		var (
			c  progress.CompletedCourse
			at sqlTime
		)
		if err := rows.Scan(&c.CourseID, &c.EventRowID, &at); err != nil {
			rows.Close()
			return a, Classify(err)
		}
		c.CompletedAt = at.Time
		a.Courses = append(a.Courses, c)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return a, Classify(err)
	}
	if a.Achievements, err = achievements(t.tx, t.userID); err != nil {
		return a, err
	}
	return a.Normalize(), nil
}

func (t *rebuildTx) Ledger() ([]progress.TimedGrant, []progress.TimedRepair, []progress.SettledDay, error) {
	var grants []progress.TimedGrant
	rows, err := t.tx.Raw(`SELECT local_date, count, granted_at FROM streak_grants WHERE user_id = ? ORDER BY granted_at`, t.userID).Rows()
	if err != nil {
		return nil, nil, nil, Classify(err)
	}
	for rows.Next() {
		var (
			g  progress.TimedGrant
			d  sqlDate
			at sqlTime
		)
		if err := rows.Scan(&d, &g.Count, &at); err != nil {
			rows.Close()
			return nil, nil, nil, Classify(err)
		}
		g.Date, g.At = d.Date, at.Time
		grants = append(grants, g)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, nil, nil, Classify(err)
	}
	var repairs []progress.TimedRepair
	rows, err = t.tx.Raw(`SELECT local_date, repaired_at FROM streak_repairs WHERE user_id = ? ORDER BY repaired_at`, t.userID).Rows()
	if err != nil {
		return nil, nil, nil, Classify(err)
	}
	for rows.Next() {
		var (
			d  sqlDate
			at sqlTime
		)
		if err := rows.Scan(&d, &at); err != nil {
			rows.Close()
			return nil, nil, nil, Classify(err)
		}
		repairs = append(repairs, progress.TimedRepair{Date: d.Date, At: at.Time})
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, nil, nil, Classify(err)
	}
	m, err := marks(t.tx, t.userID, "", "9999-99-99")
	return grants, repairs, m, err
}

// chunkRows runs insertRows per chunk of n rows, within the drivers'
// parameter limits.
func chunkRows(t *rebuildTx, head string, rows [][]any, n int) error {
	for start := 0; start < len(rows); start += n {
		if err := insertRows(t.tx, head, rows[start:min(start+n, len(rows))], ""); err != nil {
			return err
		}
	}
	return nil
}

func (t *rebuildTx) Replace(r ports.Replacement) error {
	a, c, u := r.Aggregates, r.Aggregates.Counters, t.userID
	if err := t.tx.Exec(`UPDATE learner_progress SET total_xp = ?, practice_sessions = ?, exercises_attempted = ?,
		exercises_correct = ?, time_spent_seconds = ?, sessions = ?, updated_at = ? WHERE user_id = ?`,
		a.TotalXP, c.PracticeSessions, c.ExercisesAttempted, c.ExercisesCorrect, c.TimeSpentSeconds, c.Sessions, t.db.at(r.At), u).Error; err != nil {
		return Classify(err)
	}
	for _, table := range []string{"learner_days", "completed_lessons", "completed_courses", "learner_achievements"} {
		if err := t.tx.Exec(`DELETE FROM `+table+` WHERE user_id = ?`, u).Error; err != nil {
			return Classify(err)
		}
	}
	days := make([][]any, 0, len(a.Days))
	for _, d := range a.Days {
		days = append(days, []any{u, d.Date.String(), d.XP, d.CreditedXP, d.GoalXP, d.GoalMet, d.Active, d.LessonsCompleted, d.TimeSpentSeconds})
	}
	if err := chunkRows(t, `INSERT INTO learner_days (user_id, `+dayColumns+`) VALUES `, days, 500); err != nil {
		return err
	}
	lessons := make([][]any, 0, len(a.Lessons))
	for _, l := range a.Lessons {
		lessons = append(lessons, []any{u, l.LessonID, l.CourseID, t.db.at(l.CompletedAt)})
	}
	if err := chunkRows(t, `INSERT INTO completed_lessons (user_id, lesson_id, course_id, completed_at) VALUES `, lessons, 500); err != nil {
		return err
	}
	courses := make([][]any, 0, len(a.Courses))
	for _, cc := range a.Courses {
		courses = append(courses, []any{u, cc.CourseID, cc.EventRowID, t.db.at(cc.CompletedAt)})
	}
	if err := chunkRows(t, `INSERT INTO completed_courses (user_id, course_id, event_row_id, completed_at) VALUES `, courses, 500); err != nil {
		return err
	}
	unlocks := make([][]any, 0, len(a.Achievements))
	for _, x := range a.Achievements {
		unlocks = append(unlocks, []any{u, x.Achievement.String(), t.db.at(x.UnlockedAt)})
	}
	if err := chunkRows(t, `INSERT INTO learner_achievements (user_id, code, unlocked_at) VALUES `, unlocks, 500); err != nil {
		return err
	}
	if err := saveStreak(t.db, t.tx, u, r.Streak, r.At); err != nil {
		return err
	}
	for start := 0; start < len(r.DropServer); start += 500 {
		ids := r.DropServer[start:min(start+500, len(r.DropServer))]
		if err := t.tx.Exec(`DELETE FROM learning_events WHERE user_id = ? AND category = ? AND id IN ?`,
			u, learning.CategoryProgress.String(), ids).Error; err != nil {
			return Classify(err)
		}
	}
	rows := make([]ports.StoredEvent, 0, len(r.AddServer))
	for _, e := range r.AddServer {
		if !e.Type().ServerOnly() {
			return errs.Wrap(errs.Internal, "", fmt.Errorf("rebuild: %s is not a server event", e.Type()))
		}
		rows = append(rows, ports.StoredEvent{Event: e})
	}
	if err := t.db.writeEvents(t.tx, rows); err != nil {
		return err
	}
	for _, x := range r.XPChanges {
		if err := t.tx.Exec(`UPDATE learning_events SET xp_awarded = ? WHERE user_id = ? AND id = ?`, x.XP, u, x.RowID).Error; err != nil {
			return Classify(err)
		}
	}
	return nil
}
