package riverqueue

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/lingo-labs/lingo/ports"
)

// Addon adds one feature's workers and periodic jobs to the engine, so a
// feature brings its job kinds without New knowing each one.
type Addon func(workers *river.Workers) []*river.PeriodicJob

// LifecycleArgs is the periodic account lifecycle pass: erasures that are
// due, their clean-ups, pending exports and expired exports.
type LifecycleArgs struct{}

// Kind names the job in River's table.
func (LifecycleArgs) Kind() string { return "account_lifecycle" }

type lifecycleWorker struct {
	river.WorkerDefaults[LifecycleArgs]
	run ports.LifecycleRunner
}

// Timeout lets a pass build a large export; a pass cut short leaves the
// rest for the next one.
func (w *lifecycleWorker) Timeout(*river.Job[LifecycleArgs]) time.Duration { return time.Hour }

func (w *lifecycleWorker) Work(ctx context.Context, _ *river.Job[LifecycleArgs]) error {
	return w.run.RunDue(ctx)
}

// Lifecycle runs run's pass every interval on River's leader (once across
// instances per period), and at start, so that a pass a killed process left
// unfinished is taken up again on restart.
func Lifecycle(run ports.LifecycleRunner, interval time.Duration) Addon {
	return func(workers *river.Workers) []*river.PeriodicJob {
		river.AddWorker(workers, &lifecycleWorker{run: run})
		return []*river.PeriodicJob{river.NewPeriodicJob(
			river.PeriodicInterval(interval),
			func() (river.JobArgs, *river.InsertOpts) {
				return LifecycleArgs{}, &river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: interval}}
			},
			&river.PeriodicJobOpts{ID: "account_lifecycle", RunOnStart: true},
		)}
	}
}
