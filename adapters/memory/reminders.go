package memory

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// reminderKey is one learner's reminder of one kind.
type reminderKey struct {
	user string
	kind webhook.EventType
}

// sentKey is one reminder sent for one local date.
type sentKey struct {
	reminderKey
	date calendar.Date
}

// Reminders is the store as ports.ReminderStore. Due scans every planned
// reminder instead of reading an index on the due instant as the SQL store
// does: memory is for tests and development, where the learners are few.
type Reminders struct{ s *Store }

// NewReminders gives the store as the reminder store.
func NewReminders(s *Store) Reminders { return Reminders{s} }

func (r Reminders) Schedule(ctx context.Context, userID string, kind webhook.EventType, next time.Time) error {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.set(ctx, reminderKey{userID, kind}, next)
	return nil
}

// set writes the key's next instant (zero: none), undone by a rollback.
// The caller holds s.mu.
func (r Reminders) set(ctx context.Context, k reminderKey, next time.Time) {
	before, had := r.s.reminders[k]
	if next.IsZero() {
		delete(r.s.reminders, k)
	} else {
		r.s.reminders[k] = at(next)
	}
	onRollback(ctx, func() {
		if had {
			r.s.reminders[k] = before
		} else {
			delete(r.s.reminders, k)
		}
	})
}

func (r Reminders) Due(_ context.Context, now time.Time, limit int) ([]ports.ReminderDue, error) {
	r.s.mu.RLock()
	var out []ports.ReminderDue
	for k, next := range r.s.reminders {
		if !next.After(now) {
			out = append(out, ports.ReminderDue{UserID: k.user, Kind: k.kind, DueAt: next})
		}
	}
	r.s.mu.RUnlock()
	slices.SortFunc(out, func(a, b ports.ReminderDue) int {
		return cmp.Or(a.DueAt.Compare(b.DueAt), strings.Compare(a.UserID, b.UserID), strings.Compare(string(a.Kind), string(b.Kind)))
	})
	if limit >= 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (r Reminders) Move(ctx context.Context, userID string, kind webhook.EventType, from, to time.Time) (bool, error) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	k := reminderKey{userID, kind}
	if cur, ok := r.s.reminders[k]; !ok || !cur.Equal(at(from)) {
		return false, nil
	}
	r.set(ctx, k, to)
	return true, nil
}

func (r Reminders) MarkSent(ctx context.Context, userID string, kind webhook.EventType, date calendar.Date, _ time.Time) (bool, error) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	k := sentKey{reminderKey{userID, kind}, date}
	if _, ok := r.s.sent[k]; ok {
		return false, nil
	}
	r.s.sent[k] = struct{}{}
	onRollback(ctx, func() { delete(r.s.sent, k) })
	return true, nil
}
