package sqlstore

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// StreakStore keeps streak protection: learner_streaks (the settled streak
// per learner), streak_marks (frozen and repaired dates), streak_grants and
// streak_repairs.
type StreakStore struct{ db *DB }

var _ ports.StreakStore = (*StreakStore)(nil)

// NewStreakStore makes the streak store.
func NewStreakStore(db *DB) *StreakStore { return &StreakStore{db: db} }

// Update takes the learner's lock the way ProgressStore.Update does (the
// learner_progress row, or SQLite's write lock), so that grants, repairs and
// events of one learner settle one after the other.
func (s *StreakStore) Update(ctx context.Context, userID string, fn func(ports.StreakTx) error) error {
	return s.db.Transaction(ctx, func(tx *gorm.DB) error {
		q := `INSERT INTO learner_progress (user_id, updated_at) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING`
		if s.db.dialect == Postgres {
			q = `INSERT INTO learner_progress (user_id, updated_at) VALUES (?, ?)
				ON CONFLICT (user_id) DO UPDATE SET user_id = excluded.user_id`
		}
		if err := tx.Exec(q, userID, s.db.at(time.Now())).Error; err != nil {
			return Classify(err)
		}
		return fn(&streakTx{db: s.db, tx: tx, userID: userID})
	})
}

func (s *StreakStore) Marks(ctx context.Context, userID string, from, to calendar.Date) ([]progress.SettledDay, error) {
	return marks(s.db.Gorm(ctx), userID, from.AddDays(-1).String(), to.String())
}

type streakTx struct {
	db     *DB
	tx     *gorm.DB
	userID string
}

func (t *streakTx) Streak() (progress.Streak, error) {
	dates, err := activeDates(t.tx, t.userID)
	if err != nil {
		return progress.Streak{}, err
	}
	return withLedger(t.tx, t.userID, progress.NewStreak(dates))
}

func (t *streakTx) AddGrant(g progress.Grant, at time.Time) error {
	return Classify(t.tx.Exec(`INSERT INTO streak_grants (id, user_id, local_date, count, granted_at) VALUES (?, ?, ?, ?, ?)`,
		uuid.NewString(), t.userID, g.Date.String(), g.Count, t.db.at(at)).Error)
}

func (t *streakTx) AddRepairs(dates []calendar.Date, at time.Time) error {
	rows := make([][]any, 0, len(dates))
	for _, d := range dates {
		rows = append(rows, []any{t.userID, d.String(), t.db.at(at)})
	}
	return insertRows(t.tx, `INSERT INTO streak_repairs (user_id, local_date, repaired_at) VALUES `, rows,
		` ON CONFLICT (user_id, local_date) DO NOTHING`)
}

func (t *streakTx) Save(s progress.StreakSave, at time.Time) error {
	return saveStreak(t.db, t.tx, t.userID, s, at)
}

// withLedger adds the learner's grants, repairs and stored frozen dates to
// a streak of every active date.
func withLedger(tx *gorm.DB, userID string, s progress.Streak) (progress.Streak, error) {
	l, err := ledgerAfter(tx, userID, "")
	return s.WithLedger(l.grants, l.repairs, l.marks), err
}

// ledger is what settlement reads besides the active dates.
type ledger struct {
	grants  []progress.Grant
	repairs []calendar.Date
	marks   []progress.SettledDay
}

// ledgerAfter reads the grants, repairs and marks dated after the date
// after (the empty string for all of them) in one round trip.
func ledgerAfter(tx *gorm.DB, userID, after string) (ledger, error) {
	var l ledger
	rows, err := tx.Raw(`SELECT 'grant', local_date, count FROM streak_grants WHERE user_id = ? AND local_date > ?
		UNION ALL SELECT 'repair', local_date, 0 FROM streak_repairs WHERE user_id = ? AND local_date > ?
		UNION ALL SELECT status, local_date, 0 FROM streak_marks WHERE user_id = ? AND local_date > ?`,
		userID, after, userID, after, userID, after).Rows()
	if err != nil {
		return l, Classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			kind string
			d    sqlDate
			n    int
		)
		if err := rows.Scan(&kind, &d, &n); err != nil {
			return l, Classify(err)
		}
		switch kind {
		case "grant":
			l.grants = append(l.grants, progress.Grant{Date: d.Date, Count: n})
		case "repair":
			l.repairs = append(l.repairs, d.Date)
		default:
			st, err := progress.ParseStatus(kind)
			if err != nil {
				return l, errs.Wrap(errs.Internal, errs.CodeCorruptStreakMark, err)
			}
			l.marks = append(l.marks, progress.SettledDay{Date: d.Date, Status: st})
		}
	}
	return l, Classify(rows.Err())
}

func dateList(tx *gorm.DB, q string, args ...any) ([]calendar.Date, error) {
	rows, err := tx.Raw(q, args...).Rows()
	if err != nil {
		return nil, Classify(err)
	}
	defer rows.Close()
	var out []calendar.Date
	for rows.Next() {
		var d sqlDate
		if err := rows.Scan(&d); err != nil {
			return nil, Classify(err)
		}
		out = append(out, d.Date)
	}
	return out, Classify(rows.Err())
}

// marks returns the learner's marks dated after the date after (the empty
// string for every one) and up to the date to, oldest first.
func marks(tx *gorm.DB, userID, after, to string) ([]progress.SettledDay, error) {
	rows, err := tx.Raw(`SELECT local_date, status FROM streak_marks WHERE user_id = ? AND local_date > ? AND local_date <= ?
		ORDER BY local_date`, userID, after, to).Rows()
	if err != nil {
		return nil, Classify(err)
	}
	defer rows.Close()
	var out []progress.SettledDay
	for rows.Next() {
		var (
			d      sqlDate
			status string
		)
		if err := rows.Scan(&d, &status); err != nil {
			return nil, Classify(err)
		}
		st, err := progress.ParseStatus(status)
		if err != nil {
			return nil, errs.Wrap(errs.Internal, errs.CodeCorruptStreakMark, err)
		}
		out = append(out, progress.SettledDay{Date: d.Date, Status: st})
	}
	return out, Classify(rows.Err())
}

// optDate is a date column where ” is no date.
func optDate(d calendar.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func parseOptDate(s string) (calendar.Date, error) {
	if s == "" {
		return calendar.Date{}, nil
	}
	d, err := calendar.ParseDate(s)
	if err != nil {
		return d, errs.Wrap(errs.Internal, errs.CodeCorruptStreak, err)
	}
	return d, nil
}

// saveStreak replaces the learner's settled streak: the header row and
// every mark (a learner's marks are few: one per freeze used or date
// repaired).
func saveStreak(db *DB, tx *gorm.DB, userID string, s progress.StreakSave, at time.Time) error {
	w := newWriteBatch(db.dialect)
	addStreakHeader(db, w, userID, s, at)
	if err := w.flush(tx); err != nil {
		return Classify(err)
	}
	if !s.MarksChanged {
		return nil
	}
	return replaceMarks(tx, userID, s)
}

// addStreakHeader queues the upsert of the learner's learner_streaks row.
func addStreakHeader(db *DB, w *WriteBatch, userID string, s progress.StreakSave, at time.Time) {
	b, cp := s.Base, s.Base.Checkpoint
	w.Add(`INSERT INTO learner_streaks (user_id, settled_through, run, longest, equipped, used_total, last_used_on,
			first_active, last_active, active_days, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET settled_through = excluded.settled_through, run = excluded.run,
			longest = excluded.longest, equipped = excluded.equipped, used_total = excluded.used_total,
			last_used_on = excluded.last_used_on, first_active = excluded.first_active, last_active = excluded.last_active,
			active_days = excluded.active_days, updated_at = excluded.updated_at`,
		userID, optDate(cp.Through), cp.Run, cp.Longest, cp.Equipped, cp.UsedTotal, optDate(cp.LastUsed),
		optDate(b.FirstActive), optDate(b.LastActive), b.ActiveDays, db.at(at))
}

// replaceMarks replaces the learner's streak marks after s.MarksAfter with
// s's (every one when it is zero: the empty string is before every date).
func replaceMarks(tx *gorm.DB, userID string, s progress.StreakSave) error {
	if err := tx.Exec(`DELETE FROM streak_marks WHERE user_id = ? AND local_date > ?`, userID, optDate(s.MarksAfter)).Error; err != nil {
		return Classify(err)
	}
	rows := make([][]any, 0, len(s.Marks))
	for _, m := range s.Marks {
		rows = append(rows, []any{userID, m.Date.String(), m.Status.String()})
	}
	return insertRows(tx, `INSERT INTO streak_marks (user_id, local_date, status) VALUES `, rows, "")
}

// streakRow is a learner_streaks row, as readStreak scans it and as
// stateQuery gives it in a JSON column.
type streakRow struct {
	SettledThrough string `json:"t"`
	Run            int    `json:"r"`
	Longest        int    `json:"l"`
	Equipped       int    `json:"e"`
	UsedTotal      int    `json:"u"`
	LastUsedOn     string `json:"lu"`
	FirstActive    string `json:"f"`
	LastActive     string `json:"la"`
	ActiveDays     int    `json:"n"`
}

func (r streakRow) base() (progress.StreakBase, error) {
	cp := progress.Checkpoint{Run: r.Run, Longest: r.Longest, Equipped: r.Equipped, UsedTotal: r.UsedTotal}
	b := progress.StreakBase{ActiveDays: r.ActiveDays}
	for _, f := range []struct {
		s string
		d *calendar.Date
	}{{r.SettledThrough, &cp.Through}, {r.LastUsedOn, &cp.LastUsed}, {r.FirstActive, &b.FirstActive}, {r.LastActive, &b.LastActive}} {
		var err error
		if *f.d, err = parseOptDate(f.s); err != nil {
			return b, err
		}
	}
	b.Checkpoint = cp
	return b, nil
}

// readStreak is the streak a read or an event settles: the stored
// settlement, with the active dates, grants, repairs and marks dated after
// it, so that its cost follows the days since the last write, not the
// learner's history. A learner without a stored settlement (none written
// since streaks were kept), or one whose settlement does not end before
// the date before (a read's today, an event's date or today if earlier;
// after a move to a zone further west it may not), is read whole.
func readStreak(tx *gorm.DB, userID string, before calendar.Date) (progress.Streak, error) {
	var h []streakRow
	if err := tx.Raw(`SELECT settled_through, run, longest, equipped, used_total, last_used_on, first_active, last_active, active_days
		FROM learner_streaks WHERE user_id = ?`, userID).Scan(&h).Error; err != nil {
		return progress.Streak{}, Classify(err)
	}
	var base progress.StreakBase
	ok := len(h) == 1
	if ok {
		var err error
		if base, err = h[0].base(); err != nil {
			return progress.Streak{}, err
		}
		ok = base.Checkpoint.Through.Before(before)
	}
	if !ok {
		dates, err := activeDates(tx, userID)
		if err != nil {
			return progress.Streak{}, err
		}
		return withLedger(tx, userID, progress.NewStreak(dates))
	}
	after := optDate(base.Checkpoint.Through)
	active, err := dateList(tx, `SELECT local_date FROM learner_days WHERE user_id = ? AND active = ? AND local_date > ?
		ORDER BY local_date`, userID, true, after)
	if err != nil {
		return progress.Streak{}, err
	}
	l, err := ledgerAfter(tx, userID, after)
	if err != nil {
		return progress.Streak{}, err
	}
	return progress.ResumeStreak(base, active, l.grants, l.repairs, l.marks), nil
}

// lastStreak queues the settled streak of the last append that has one
// (each outcome's StreakSave is the settlement after its own event)
// and returns it when its marks changed, for replaceMarks after the batch.
func lastStreak(db *DB, w *WriteBatch, userID string, as []ports.Append, at time.Time) *progress.StreakSave {
	for i := len(as) - 1; i >= 0; i-- {
		if sv := as[i].Outcome.StreakSave; sv != nil {
			addStreakHeader(db, w, userID, *sv, at)
			if sv.MarksChanged {
				return sv
			}
			return nil
		}
	}
	return nil
}
