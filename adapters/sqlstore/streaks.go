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
	return marks(s.db.Gorm(ctx), userID, from.String(), to.String())
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
// One round trip: every event that adds an active date reads it.
func withLedger(tx *gorm.DB, userID string, s progress.Streak) (progress.Streak, error) {
	rows, err := tx.Raw(`SELECT 'grant', local_date, count FROM streak_grants WHERE user_id = ?
		UNION ALL SELECT 'repair', local_date, 0 FROM streak_repairs WHERE user_id = ?
		UNION ALL SELECT status, local_date, 0 FROM streak_marks WHERE user_id = ?`, userID, userID, userID).Rows()
	if err != nil {
		return s, Classify(err)
	}
	defer rows.Close()
	var (
		grants  []progress.Grant
		repairs []calendar.Date
		stored  []progress.SettledDay
	)
	for rows.Next() {
		var (
			kind string
			d    sqlDate
			n    int
		)
		if err := rows.Scan(&kind, &d, &n); err != nil {
			return s, Classify(err)
		}
		switch kind {
		case "grant":
			grants = append(grants, progress.Grant{Date: d.Date, Count: n})
		case "repair":
			repairs = append(repairs, d.Date)
		default:
			st, err := progress.ParseStatus(kind)
			if err != nil {
				return s, errs.Wrap(errs.Internal, errs.CodeCorruptStreakMark, err)
			}
			stored = append(stored, progress.SettledDay{Date: d.Date, Status: st})
		}
	}
	if err := rows.Err(); err != nil {
		return s, Classify(err)
	}
	return s.WithLedger(grants, repairs, stored), nil
}

// ledgerAfter returns the grants and repairs dated after the date after
// ("" for all of them).
func ledgerAfter(tx *gorm.DB, userID, after string) ([]progress.Grant, []calendar.Date, error) {
	var grants []progress.Grant
	rows, err := tx.Raw(`SELECT local_date, count FROM streak_grants WHERE user_id = ? AND local_date > ? ORDER BY local_date`, userID, after).Rows()
	if err != nil {
		return nil, nil, Classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			d sqlDate
			n int
		)
		if err := rows.Scan(&d, &n); err != nil {
			return nil, nil, Classify(err)
		}
		grants = append(grants, progress.Grant{Date: d.Date, Count: n})
	}
	if err := rows.Err(); err != nil {
		return nil, nil, Classify(err)
	}
	repairs, err := dateList(tx, `SELECT local_date FROM streak_repairs WHERE user_id = ? AND local_date > ? ORDER BY local_date`, userID, after)
	return grants, repairs, err
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

func marks(tx *gorm.DB, userID, from, to string) ([]progress.SettledDay, error) {
	rows, err := tx.Raw(`SELECT local_date, status FROM streak_marks WHERE user_id = ? AND local_date >= ? AND local_date <= ?
		ORDER BY local_date`, userID, from, to).Rows()
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

// replaceMarks replaces every streak mark of the learner with s's.
func replaceMarks(tx *gorm.DB, userID string, s progress.StreakSave) error {
	if err := tx.Exec(`DELETE FROM streak_marks WHERE user_id = ?`, userID).Error; err != nil {
		return Classify(err)
	}
	rows := make([][]any, 0, len(s.Marks))
	for _, m := range s.Marks {
		rows = append(rows, []any{userID, m.Date.String(), m.Status.String()})
	}
	return insertRows(tx, `INSERT INTO streak_marks (user_id, local_date, status) VALUES `, rows, "")
}

// readStreak is the streak a read settles: the stored settlement and what
// is dated after it, so that its cost follows the days since the last
// write, not the learner's history. A learner without a stored settlement
// (none written since streaks were kept), or one settled past yesterday
// (after a move to a zone further west), is read whole.
func readStreak(tx *gorm.DB, userID string, today calendar.Date) (progress.Streak, error) {
	var h []struct {
		SettledThrough string
		Run            int
		Longest        int
		Equipped       int
		UsedTotal      int
		LastUsedOn     string
		FirstActive    string
		LastActive     string
		ActiveDays     int
	}
	if err := tx.Raw(`SELECT settled_through, run, longest, equipped, used_total, last_used_on, first_active, last_active, active_days
		FROM learner_streaks WHERE user_id = ?`, userID).Scan(&h).Error; err != nil {
		return progress.Streak{}, Classify(err)
	}
	var base progress.StreakBase
	ok := len(h) == 1
	if ok {
		r := h[0]
		var err error
		cp := progress.Checkpoint{Run: r.Run, Longest: r.Longest, Equipped: r.Equipped, UsedTotal: r.UsedTotal}
		if cp.Through, err = parseOptDate(r.SettledThrough); err != nil {
			return progress.Streak{}, err
		}
		if cp.LastUsed, err = parseOptDate(r.LastUsedOn); err != nil {
			return progress.Streak{}, err
		}
		base = progress.StreakBase{Checkpoint: cp, ActiveDays: r.ActiveDays}
		if base.FirstActive, err = parseOptDate(r.FirstActive); err != nil {
			return progress.Streak{}, err
		}
		if base.LastActive, err = parseOptDate(r.LastActive); err != nil {
			return progress.Streak{}, err
		}
		ok = !cp.Through.After(today.AddDays(-1))
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
	grants, repairs, err := ledgerAfter(tx, userID, after)
	if err != nil {
		return progress.Streak{}, err
	}
	return progress.ResumeStreak(base, active, grants, repairs), nil
}

// lastStreak queues the settled streak of the last append that has one
// (each outcome's StreakSave is the whole settlement after its own event)
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
