package ports

import (
	"context"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/webhook"
)

// Deliverer is the use case a webhook delivery job runs.
type Deliverer interface {
	// Deliver makes attempt number attempt (from 1) of the delivery; last
	// says no retry follows a failure. A non-nil error asks the job engine
	// for a retry, which it plans on the same schedule.
	Deliver(ctx context.Context, deliveryID string, attempt int, last bool) error
}

// ReminderRunner is the use case of the periodic reminder job.
type ReminderRunner interface {
	// RunDue sends the reminders due now and plans each one's next time.
	RunDue(ctx context.Context) error
}

// ReminderDue is one learner's reminder of one kind that is due.
type ReminderDue struct {
	UserID string
	Kind   webhook.EventType
	DueAt  time.Time
}

// ReminderStore keeps each learner's next due instant per reminder kind,
// indexed so that finding who is due reads only them.
type ReminderStore interface {
	// Schedule sets the learner's next instant for kind; a zero at removes it.
	Schedule(ctx context.Context, userID string, kind webhook.EventType, at time.Time) error
	// Due returns up to limit reminders due at or before now, earliest first.
	Due(ctx context.Context, now time.Time, limit int) ([]ReminderDue, error)
	// Move sets next_due_at to to when it still is from, and reports whether
	// it did: of two instances handling one due row, one moves it.
	Move(ctx context.Context, userID string, kind webhook.EventType, from, to time.Time) (bool, error)
	// MarkSent records the reminder of kind for the learner's local date and
	// reports whether it was the first: at most one per learner, kind and date.
	MarkSent(ctx context.Context, userID string, kind webhook.EventType, date calendar.Date, at time.Time) (bool, error)
}
