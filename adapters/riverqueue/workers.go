package riverqueue

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/lingo-labs/lingo/ports"
)

// DeliveryArgs is a webhook delivery job: the delivery row says the rest.
type DeliveryArgs struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind names the job in River's table.
func (DeliveryArgs) Kind() string { return "webhook_delivery" }

type deliveryWorker struct {
	river.WorkerDefaults[DeliveryArgs]
	deliver ports.Deliverer
	opts    Options
}

func (w *deliveryWorker) Work(ctx context.Context, job *river.Job[DeliveryArgs]) error {
	return w.deliver.Deliver(ctx, job.Args.DeliveryID, job.Attempt, job.Attempt >= job.MaxAttempts)
}

// NextRetry follows the delivery schedule: the wait after attempt n is its
// nth entry (the last one repeats for jobs given more attempts).
func (w *deliveryWorker) NextRetry(job *river.Job[DeliveryArgs]) time.Time {
	return time.Now().Add(RetryWait(w.opts.RetrySchedule, job.Attempt))
}

// RetryWait is the wait after failed attempt n (from 1) of schedule.
func RetryWait(schedule []time.Duration, attempt int) time.Duration {
	if len(schedule) == 0 {
		return time.Minute
	}
	i := min(max(attempt-1, 0), len(schedule)-1)
	return schedule[i]
}

// RemindersArgs is the periodic reminder job.
type RemindersArgs struct{}

// Kind names the job in River's table.
func (RemindersArgs) Kind() string { return "reminders_due" }

type remindersWorker struct {
	river.WorkerDefaults[RemindersArgs]
	run ports.ReminderRunner
}

// Timeout lets a pass over many due rows finish; a pass cut short leaves
// the rest due for the next one.
func (w *remindersWorker) Timeout(*river.Job[RemindersArgs]) time.Duration { return 5 * time.Minute }

func (w *remindersWorker) Work(ctx context.Context, _ *river.Job[RemindersArgs]) error {
	if w.run == nil {
		return nil
	}
	return w.run.RunDue(ctx)
}
