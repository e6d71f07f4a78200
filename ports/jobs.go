package ports

import "context"

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
