package riverqueue

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/lingo-labs/lingo/ports"
)

// LeagueCloseArgs is the periodic job that closes the league weeks that
// ended; River runs periodic jobs on its leader, so one instance closes.
type LeagueCloseArgs struct{}

// Kind names the job in River's table.
func (LeagueCloseArgs) Kind() string { return "league_close" }

type leagueCloseWorker struct {
	river.WorkerDefaults[LeagueCloseArgs]
	run ports.LeagueCloser
}

// Timeout lets a close of many cohorts finish; one cut short leaves the
// rest for the next run, each cohort being closed in its own transaction.
func (w *leagueCloseWorker) Timeout(*river.Job[LeagueCloseArgs]) time.Duration {
	return 5 * time.Minute
}

func (w *leagueCloseWorker) Work(ctx context.Context, _ *river.Job[LeagueCloseArgs]) error {
	if w.run == nil {
		return nil
	}
	return w.run.CloseEnded(ctx)
}

// LeagueClose is the close's worker and periodic job, every interval, also
// at start so that a close a killed process left half-way is taken up again
// (the close itself is idempotent; the unique period keeps runs from
// piling up behind a slow one).
func LeagueClose(closer ports.LeagueCloser, interval time.Duration) Addon {
	return func(workers *river.Workers) []*river.PeriodicJob {
		river.AddWorker(workers, &leagueCloseWorker{run: closer})
		return []*river.PeriodicJob{river.NewPeriodicJob(
			river.PeriodicInterval(interval),
			func() (river.JobArgs, *river.InsertOpts) {
				return LeagueCloseArgs{}, &river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: interval}}
			},
			&river.PeriodicJobOpts{ID: "league_close", RunOnStart: true},
		)}
	}
}
