package sqlstore

import (
	"context"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// ReminderStore keeps reminder_schedule (one row per learner and kind, found
// by the index on next_due_at) and reminder_log (one row per reminder sent).
type ReminderStore struct{ db *DB }

var _ ports.ReminderStore = (*ReminderStore)(nil)

// NewReminderStore makes the store.
func NewReminderStore(db *DB) *ReminderStore { return &ReminderStore{db: db} }

func (s *ReminderStore) Schedule(ctx context.Context, userID string, kind webhook.EventType, at time.Time) error {
	if at.IsZero() {
		return Classify(s.db.Gorm(ctx).Exec(`DELETE FROM reminder_schedule WHERE user_id = ? AND kind = ?`, userID, string(kind)).Error)
	}
	return Classify(s.db.Gorm(ctx).Exec(`INSERT INTO reminder_schedule (user_id, kind, next_due_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id, kind) DO UPDATE SET next_due_at = excluded.next_due_at`, userID, string(kind), s.db.at(at)).Error)
}

// Due reads the earliest due rows through reminder_schedule_due: the cost
// is the due rows, not the learners (docs/benchmarks.md shows the plan).
func (s *ReminderStore) Due(ctx context.Context, now time.Time, limit int) ([]ports.ReminderDue, error) {
	rows, err := s.db.Gorm(ctx).Raw(`SELECT user_id, kind, next_due_at FROM reminder_schedule
		WHERE next_due_at <= ? ORDER BY next_due_at LIMIT ?`, s.db.at(now), limit).Rows()
	if err != nil {
		return nil, Classify(err)
	}
	defer rows.Close()
	var out []ports.ReminderDue
	for rows.Next() {
		var (
			d    ports.ReminderDue
			kind string
			at   sqlTime
		)
		if err := rows.Scan(&d.UserID, &kind, &at); err != nil {
			return nil, Classify(err)
		}
		d.Kind, d.DueAt = webhook.EventType(kind), at.Time
		out = append(out, d)
	}
	return out, Classify(rows.Err())
}

func (s *ReminderStore) Move(ctx context.Context, userID string, kind webhook.EventType, from, to time.Time) (bool, error) {
	res := s.db.Gorm(ctx).Exec(`UPDATE reminder_schedule SET next_due_at = ? WHERE user_id = ? AND kind = ? AND next_due_at = ?`,
		s.db.at(to), userID, string(kind), s.db.at(from))
	if res.Error != nil {
		return false, Classify(res.Error)
	}
	return res.RowsAffected == 1, nil
}

func (s *ReminderStore) MarkSent(ctx context.Context, userID string, kind webhook.EventType, date calendar.Date, at time.Time) (bool, error) {
	res := s.db.Gorm(ctx).Exec(`INSERT INTO reminder_log (user_id, kind, local_date, sent_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id, kind, local_date) DO NOTHING`, userID, string(kind), date.String(), s.db.at(at))
	if res.Error != nil {
		return false, Classify(res.Error)
	}
	return res.RowsAffected == 1, nil
}
