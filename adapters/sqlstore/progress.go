package sqlstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// ProgressStore keeps each learner's events and aggregates: learner_progress
// (totals and counters, and the row that is locked), learner_days,
// completed_lessons, completed_courses and learner_achievements.
type ProgressStore struct{ db *DB }

var _ ports.ProgressStore = (*ProgressStore)(nil)

// NewProgressStore makes the progress store.
func NewProgressStore(db *DB) *ProgressStore { return &ProgressStore{db: db} }

func (s *ProgressStore) Update(ctx context.Context, userID string, fn func(ports.LearnerTx) error) error {
	if s.db.dialect == Postgres && !s.db.classic.active(time.Now()) {
		err := s.updatePipelined(ctx, userID, fn)
		if !errors.Is(err, errNeedsSQLTx) {
			return err
		}
		s.db.classic.extend(time.Now())
	}
	return s.db.Transaction(ctx, func(tx *gorm.DB) error {
		// The row is made on the learner's first event; ON CONFLICT makes
		// concurrent first events wait for each other instead of failing.
		// On PostgreSQL the DO UPDATE arm takes the row lock (lockQuery).
		// SQLite needs no row lock: the DSN's _txlock=immediate makes every
		// transaction take the database's write lock at BEGIN.
		q := `INSERT INTO learner_progress (user_id, updated_at) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING`
		args := []any{userID, s.db.at(time.Now())}
		if s.db.dialect == Postgres {
			q = lockQuery
		}
		lt := &learnerTx{db: s.db, tx: tx, userID: userID}
		if err := tx.Exec(q, args...).Error; err != nil {
			return Classify(err)
		}
		return fn(lt)
	})
}

// updatePipelined is Update on PostgreSQL in two round trips (pipeTx).
// fn's error comes back as is, as from Transaction.
func (s *ProgressStore) updatePipelined(ctx context.Context, userID string, fn func(ports.LearnerTx) error) error {
	conn, err := s.db.sql.Conn(ctx)
	if err != nil {
		return Classify(err)
	}
	p := &pipeTx{ctx: ctx, conn: conn, userID: userID, lockAt: time.Now().UTC().Truncate(time.Microsecond)}
	defer func() {
		// Whatever ended fn (an error, a failed commit, a panic), the lock
		// is released before the connection goes back (pgx would discard
		// it there, but only when the pool hands it out again).
		p.rollback()
		_ = conn.Close()
	}()
	tx := s.db.gorm.Session(&gorm.Session{Context: ctx})
	tx.Statement.ConnPool = p
	lt := &learnerTx{db: s.db, tx: tx, userID: userID, pipe: p}
	if err := fn(lt); err != nil {
		if p.failed != nil {
			return p.failed
		}
		return err
	}
	if p.needsSQLTx {
		return errNeedsSQLTx
	}
	return p.commit()
}

type learnerTx struct {
	db     *DB
	tx     *gorm.DB
	userID string
	// pipe is the pipelined transaction under tx, if it is one.
	pipe *pipeTx
	// What stateQuery told besides the state (read is set once it ran):
	// the week of the latest league membership, the enabled endpoints, the
	// learner's settings and account standing.
	read       bool
	leagueWeek time.Time
	subs       []subscription
	zone       calendar.Zone
	goal       int
	standing   account.Standing
	found      bool // the account exists
}

func (t *learnerTx) FindEvent(eventID string) (ports.StoredEvent, bool, error) {
	return findEvent(t.tx, t.userID, eventID)
}

func (t *learnerTx) CourseCompletion(courseID string) (ports.StoredEvent, bool, error) {
	return courseCompletion(t.tx, t.userID, courseID)
}

func courseCompletion(tx *gorm.DB, userID, courseID string) (ports.StoredEvent, bool, error) {
	var rowID []string
	if err := tx.Raw(`SELECT event_row_id FROM completed_courses WHERE user_id = ? AND course_id = ?`, userID, courseID).
		Scan(&rowID).Error; err != nil {
		return ports.StoredEvent{}, false, Classify(err)
	}
	if len(rowID) == 0 {
		return ports.StoredEvent{}, false, nil
	}
	e, err := scanEvent(tx.Raw(`SELECT `+eventColumns+` FROM learning_events WHERE id = ?`, rowID[0]).Row())
	if err != nil {
		return e, false, Classify(err)
	}
	return e, true, nil
}

func (t *learnerTx) State(day, today calendar.Date) (progress.State, error) {
	if t.db.dialect == Postgres {
		// One round trip (stateQuery), with no event to look for.
		_, _, st, err := t.readState(nil, day, today)
		return st, err
	}
	var st progress.State
	if err := t.tx.Raw(`SELECT total_xp FROM learner_progress WHERE user_id = ?`, t.userID).Row().Scan(&st.TotalXP); err != nil {
		return st, Classify(err)
	}
	var err error
	if st.Streak, err = readStreak(t.tx, t.userID, calendar.Earlier(day, today)); err != nil {
		return st, err
	}
	unlocks, err := achievements(t.tx, t.userID)
	if err != nil {
		return st, err
	}
	for _, u := range unlocks {
		st.Achievements = append(st.Achievements, u.Achievement)
	}
	if st.Day, err = loadDay(t.tx, t.userID, day); err != nil {
		return st, err
	}
	if today == day {
		// Nearly every event is today's; one read serves both.
		st.Today = st.Day
		return st, nil
	}
	if st.Today, err = loadDay(t.tx, t.userID, today); err != nil {
		return st, err
	}
	return st, nil
}

// activeDates returns the learner's active dates. The database folds them
// into runs of consecutive dates (gaps and islands: a date minus its rank is
// constant along a run) and only the runs cross the wire, so a learner with
// years of daily activity costs a row, not a row per day.
func activeDates(tx *gorm.DB, userID string) ([]calendar.Date, error) {
	day := `julianday(local_date)`
	if dialectOf(tx) == Postgres {
		day = `local_date::date`
	}
	// Ordering by the date value, not the text, spares PostgreSQL a
	// collation-aware string sort.
	rows, err := tx.Raw(`SELECT MIN(local_date), COUNT(*) FROM (
			SELECT local_date, `+day+` - CAST(ROW_NUMBER() OVER (ORDER BY `+day+`) AS INTEGER) AS run
			FROM learner_days WHERE user_id = ? AND active = ?) t
		GROUP BY run`, userID, true).Rows()
	if err != nil {
		return nil, Classify(err)
	}
	defer rows.Close()
	var out []calendar.Date
	for rows.Next() {
		var (
			first sqlDate
			n     int
		)
		if err := rows.Scan(&first, &n); err != nil {
			return nil, Classify(err)
		}
		for i := range n {
			out = append(out, first.Date.AddDays(i))
		}
	}
	return out, Classify(rows.Err())
}

// dialectOf tells the dialect from a transaction's handle.
func dialectOf(tx *gorm.DB) Dialect {
	if tx.Dialector.Name() == "postgres" {
		return Postgres
	}
	return SQLite
}

func achievements(tx *gorm.DB, userID string) ([]progress.Unlock, error) {
	rows, err := tx.Raw(`SELECT code, unlocked_at FROM learner_achievements WHERE user_id = ? ORDER BY unlocked_at, code`, userID).Rows()
	if err != nil {
		return nil, Classify(err)
	}
	defer rows.Close()
	out := []progress.Unlock{}
	for rows.Next() {
		var (
			code string
			at   sqlTime
		)
		if err := rows.Scan(&code, &at); err != nil {
			return nil, Classify(err)
		}
		a, err := progress.ParseAchievement(code)
		if err != nil {
			return nil, errs.Wrap(errs.Internal, errs.CodeCorruptAchievement, err)
		}
		out = append(out, progress.Unlock{Achievement: a, UnlockedAt: at.Time})
	}
	return out, Classify(rows.Err())
}

const dayColumns = `local_date, xp, credited_xp, goal_xp, goal_met, active, lessons_completed, time_spent_seconds`

func scanDay(sc interface{ Scan(...any) error }) (progress.Day, error) {
	var (
		r progress.DayRecord
		d sqlDate
	)
	if err := sc.Scan(&d, &r.XP, &r.CreditedXP, &r.GoalXP, &r.GoalMet, &r.Active, &r.LessonsCompleted, &r.TimeSpentSeconds); err != nil {
		return progress.Day{}, err
	}
	r.Date = d.Date
	return progress.RestoreDay(r)
}

func loadDay(tx *gorm.DB, userID string, date calendar.Date) (progress.Day, error) {
	d, err := scanDay(tx.Raw(`SELECT `+dayColumns+` FROM learner_days WHERE user_id = ? AND local_date = ?`, userID, date.String()).Row())
	if err == errNoRows {
		return progress.NewDay(date), nil
	}
	return d, Classify(err)
}

func (t *learnerTx) LessonCompleted(lessonID string) (bool, error) {
	var n int
	err := t.tx.Raw(`SELECT COUNT(*) FROM completed_lessons WHERE user_id = ? AND lesson_id = ?`, t.userID, lessonID).Row().Scan(&n)
	return n > 0, Classify(err)
}

func (t *learnerTx) CompletedLessons(courseID string) ([]string, error) {
	var ids []string
	err := t.tx.Raw(`SELECT lesson_id FROM completed_lessons WHERE user_id = ? AND course_id = ?`, t.userID, courseID).Scan(&ids).Error
	return ids, Classify(err)
}

func (t *learnerTx) FindEvents(eventIDs []string) (map[string]ports.StoredEvent, error) {
	return findEvents(t.tx, t.userID, eventIDs)
}
