package memory_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/domain/health"
)

// call is one Deliver call.
type call struct {
	id      string
	attempt int
	last    bool
}

// deliverer reports its calls and answers with its fn.
type deliverer struct {
	calls chan call
	fn    func(c call) error
}

func (d *deliverer) Deliver(_ context.Context, id string, attempt int, last bool) error {
	c := call{id, attempt, last}
	d.calls <- c
	return d.fn(c)
}

type remindersFunc func(ctx context.Context) error

func (f remindersFunc) RunDue(ctx context.Context) error { return f(ctx) }

func runner(t *testing.T, opts memory.RunnerOptions) *memory.Runner {
	r := memory.NewRunner(opts, zap.NewNop())
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
	return r
}

// TestRunnerRetriesOnTheScheduleUntilTheLastAttempt: a failing delivery is
// attempted once more than the schedule has waits, the last one marked so,
// and each run is reported to the metrics.
func TestRunnerRetriesOnTheScheduleUntilTheLastAttempt(t *testing.T) {
	d := &deliverer{calls: make(chan call, 10), fn: func(call) error { return errors.New("503") }}
	r := runner(t, memory.RunnerOptions{Work: true, Workers: 2, RetrySchedule: []time.Duration{time.Millisecond, time.Millisecond}})
	var mu sync.Mutex
	kinds := map[string]int{}
	r.OnJob(func(kind string, _, _ time.Duration) { mu.Lock(); kinds[kind]++; mu.Unlock() })
	r.Start(d, nil)
	r.EnqueueDeliveries([]string{"d1"})
	for _, want := range []call{{"d1", 1, false}, {"d1", 2, false}, {"d1", 3, true}} {
		assert.Equal(t, want, <-d.calls)
	}
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return kinds[memory.DeliveryJob] == 3 },
		5*time.Second, time.Millisecond)
	require.NoError(t, r.Stop(context.Background()))
	assert.Empty(t, d.calls, "no attempt after the last")
	depth, _ := r.Depth(context.Background())
	assert.Equal(t, map[string]int64{"available": 0, "scheduled": 0, "retryable": 0, "running": 0}, depth)
}

// TestRunnerRunsAtMostItsWorkers: jobs beyond the pool wait in the queue,
// which the depth and the job_engine probe report.
func TestRunnerRunsAtMostItsWorkers(t *testing.T) {
	release := make(chan struct{})
	d := &deliverer{calls: make(chan call, 10), fn: func(call) error { <-release; return nil }}
	r := runner(t, memory.RunnerOptions{Work: true, Workers: 2, RetrySchedule: []time.Duration{time.Hour}})
	r.Start(d, nil)
	r.EnqueueDeliveries([]string{"a", "b", "c", "d", "e"})
	<-d.calls
	<-d.calls
	depth, _ := r.Depth(context.Background())
	assert.Equal(t, map[string]int64{"available": 3, "scheduled": 0, "retryable": 0, "running": 2}, depth)
	p := memory.NewJobProbe(r, clock.System{})
	c := p.Check(context.Background())
	assert.Equal(t, "job_engine", p.Component())
	assert.False(t, p.Critical())
	assert.Equal(t, health.Healthy, c.Status)
	assert.Equal(t, map[string]any{"engine": "memory", "durable": false, "working": true,
		"available": int64(3), "scheduled": int64(0), "retryable": int64(0), "running": int64(2)}, c.Details)
	close(release)
	for range 3 {
		<-d.calls
	}
	require.NoError(t, r.Stop(context.Background()))
	assert.False(t, r.Working())
}

// TestRunnerRunsRemindersAtStartAndStops: the reminder pass runs at start,
// not again before its interval; Stop ends the runner, which takes no more
// jobs.
func TestRunnerRunsRemindersAtStartAndStops(t *testing.T) {
	passes := make(chan struct{}, 10)
	r := runner(t, memory.RunnerOptions{Work: true, Workers: 1, RemindersInterval: time.Hour})
	r.Start(&deliverer{}, remindersFunc(func(context.Context) error { passes <- struct{}{}; return nil }))
	<-passes
	require.NoError(t, r.Stop(context.Background()))
	r.EnqueueDeliveries([]string{"late"})
	depth, _ := r.Depth(context.Background())
	assert.Zero(t, depth["available"], "a stopped runner takes no job")
	assert.Empty(t, passes, "one pass per interval")
}

// TestRunnerThatDoesNotWorkOnlyQueues: with LINGO_JOBS_ENABLED off the
// jobs wait in the queue.
func TestRunnerThatDoesNotWorkOnlyQueues(t *testing.T) {
	r := runner(t, memory.RunnerOptions{Workers: 1})
	r.Start(&deliverer{}, nil)
	r.EnqueueDeliveries([]string{"a"})
	depth, _ := r.Depth(context.Background())
	assert.Equal(t, int64(1), depth["available"])
	assert.False(t, r.Working())
}
