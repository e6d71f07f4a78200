package memory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/domain/health"
	"github.com/lingo-labs/lingo/ports"
)

// Job kinds, named as the SQL job engine names them so that the job
// metrics read the same on every driver.
const (
	DeliveryJob  = "webhook_delivery"
	RemindersJob = "reminders_due"
	LeagueJob    = "league_close"
)

// RunnerOptions configure the in-process job runner.
type RunnerOptions struct {
	// Work runs the workers and the reminder pass; off, jobs only queue.
	Work              bool
	Workers           int
	RemindersInterval time.Duration
	// RetrySchedule is the wait after each failed delivery attempt; a
	// delivery gets one attempt more than it has entries.
	RetrySchedule []time.Duration
	// AttemptTimeout bounds one delivery attempt; the job gets a little more.
	AttemptTimeout time.Duration
	// LeagueCloseInterval is how often the ended league weeks are closed.
	LeagueCloseInterval time.Duration
}

// Runner is the job engine of the memory driver: delivery jobs in a queue
// worked by a bounded pool of goroutines, retries on timers that follow the
// schedule, and the reminder pass every interval. Like everything on this
// driver it keeps nothing across a restart: a job queued or waiting for
// its retry when the process stops is lost (the delivery stays pending in
// the log, and can be retried by hand only in the same process).
type Runner struct {
	opts      RunnerOptions
	deliver   ports.Deliverer
	reminders ports.ReminderRunner
	log       *zap.Logger

	mu      sync.Mutex
	ready   *sync.Cond
	queue   []job
	timers  map[*time.Timer]struct{}
	running int
	started bool
	stopped bool
	observe func(kind string, wait, run time.Duration)

	ctx      context.Context // the jobs'; Stop cancels it when they overrun
	cancel   context.CancelFunc
	stopping chan struct{} // closed by Stop
	wg       sync.WaitGroup
}

var _ Queue = (*Runner)(nil)

// job is one attempt of a delivery, queued at queued.
type job struct {
	deliveryID string
	attempt    int
	queued     time.Time
}

// NewRunner makes the runner; Start starts its workers. The use cases come
// at Start because they publish through the store the runner serves.
func NewRunner(opts RunnerOptions, log *zap.Logger) *Runner {
	r := &Runner{opts: opts, log: log, timers: map[*time.Timer]struct{}{}}
	r.ready = sync.NewCond(&r.mu)
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.stopping = make(chan struct{})
	return r
}

// OnJob calls observe with each finished job's kind, queue wait and run time.
func (r *Runner) OnJob(observe func(kind string, wait, run time.Duration)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.observe = observe
}

// EnqueueDeliveries queues attempt 1 of each delivery.
func (r *Runner) EnqueueDeliveries(ids []string) {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return
	}
	for _, id := range ids {
		r.queue = append(r.queue, job{deliveryID: id, attempt: 1, queued: now})
	}
	r.ready.Broadcast()
}

// Start starts the workers of deliver and the pass of reminders (nil: none),
// when configured to work.
func (r *Runner) Start(deliver ports.Deliverer, reminders ports.ReminderRunner) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.opts.Work || r.started || r.stopped {
		return
	}
	r.started, r.deliver, r.reminders = true, deliver, reminders
	for range max(r.opts.Workers, 1) {
		r.wg.Go(r.work)
	}
	if r.reminders != nil && r.opts.RemindersInterval > 0 {
		r.wg.Go(r.remind)
	}
}

// Stop lets running jobs finish within ctx (at most five seconds), then
// cancels them; queued jobs and planned retries are dropped.
func (r *Runner) Stop(ctx context.Context) error {
	r.mu.Lock()
	if !r.stopped {
		close(r.stopping)
	}
	r.stopped = true
	for t := range r.timers {
		t.Stop()
	}
	clear(r.timers)
	r.queue = nil
	r.ready.Broadcast()
	r.mu.Unlock()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	soft, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	select {
	case <-done:
		r.cancel()
		return nil
	case <-soft.Done():
	}
	r.cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop job runner: %w", ctx.Err())
	}
}

// Working reports whether this runner works jobs.
func (r *Runner) Working() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.started && !r.stopped
}

// Depth counts the jobs by state, with the SQL job engine's names:
// available (queued), scheduled (waiting for a retry), running.
func (r *Runner) Depth(context.Context) (map[string]int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return map[string]int64{"available": int64(len(r.queue)), "scheduled": int64(len(r.timers)),
		"retryable": 0, "running": int64(r.running)}, nil
}

// work takes queued jobs until the runner stops.
func (r *Runner) work() {
	for {
		r.mu.Lock()
		for len(r.queue) == 0 && !r.stopped {
			r.ready.Wait()
		}
		if r.stopped {
			r.mu.Unlock()
			return
		}
		j := r.queue[0]
		r.queue = r.queue[1:]
		r.running++
		r.mu.Unlock()
		r.attempt(j)
		r.mu.Lock()
		r.running--
		r.mu.Unlock()
	}
}

// attempt runs one delivery job; a failure that is not the last plans the
// next attempt after the schedule's wait.
func (r *Runner) attempt(j job) {
	last := j.attempt >= len(r.opts.RetrySchedule)+1
	err := r.run(DeliveryJob, j.queued, r.opts.AttemptTimeout+5*time.Second, func(ctx context.Context) error {
		return r.deliver.Deliver(ctx, j.deliveryID, j.attempt, last)
	})
	if err == nil || last {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return
	}
	next := job{deliveryID: j.deliveryID, attempt: j.attempt + 1}
	var t *time.Timer
	t = time.AfterFunc(RetryWait(r.opts.RetrySchedule, j.attempt), func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if _, ok := r.timers[t]; !ok {
			return // stopped meanwhile
		}
		delete(r.timers, t)
		next.queued = time.Now()
		r.queue = append(r.queue, next)
		r.ready.Broadcast()
	})
	r.timers[t] = struct{}{}
}

// RetryWait is the wait after failed attempt n (from 1): the schedule's nth
// entry, the last one repeating.
func RetryWait(schedule []time.Duration, attempt int) time.Duration {
	if len(schedule) == 0 {
		return time.Minute
	}
	return schedule[min(max(attempt-1, 0), len(schedule)-1)]
}

// CloseLeagues runs closer's pass at start and then every
// LeagueCloseInterval until the runner stops, when configured to work.
func (r *Runner) CloseLeagues(closer ports.LeagueCloser) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.opts.Work || r.stopped || closer == nil || r.opts.LeagueCloseInterval <= 0 {
		return
	}
	r.wg.Go(func() {
		tick := time.NewTicker(r.opts.LeagueCloseInterval)
		defer tick.Stop()
		for {
			if err := r.run(LeagueJob, time.Now(), 5*time.Minute, closer.CloseEnded); err != nil {
				r.log.Warn("league close failed", zap.Error(err))
			}
			select {
			case <-r.stopping:
				return
			case <-tick.C:
			}
		}
	})
}

// remind runs the reminder pass at start and then every interval; a pass
// cut short leaves the rest due for the next one.
func (r *Runner) remind() {
	tick := time.NewTicker(r.opts.RemindersInterval)
	defer tick.Stop()
	for {
		start := time.Now()
		if err := r.run(RemindersJob, start, 5*time.Minute, r.reminders.RunDue); err != nil {
			r.log.Warn("reminder pass failed", zap.Error(err))
		}
		select {
		case <-r.stopping:
			return
		case <-tick.C:
		}
	}
}

// run runs one job under its timeout, turns a panic into an error as the
// SQL job engine does, and reports its times.
func (r *Runner) run(kind string, queued time.Time, timeout time.Duration, fn func(context.Context) error) (err error) {
	ctx, cancel := context.WithTimeout(r.ctx, timeout)
	defer cancel()
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("job %s panicked: %v", kind, p)
			r.log.Error("job panicked", zap.String("kind", kind), zap.Any("panic", p))
		}
		r.mu.Lock()
		observe := r.observe
		r.mu.Unlock()
		if observe != nil {
			observe(kind, start.Sub(queued), time.Since(start))
		}
	}()
	return fn(ctx)
}

// JobProbe is the runner's health in the job_engine slot: it answers, and
// how deep its queue is. Not critical, as the SQL job engine's probe.
type JobProbe struct {
	r     *Runner
	clock ports.Clock
}

var _ ports.HealthProbe = (*JobProbe)(nil)

// NewJobProbe makes the probe.
func NewJobProbe(r *Runner, clock ports.Clock) *JobProbe { return &JobProbe{r: r, clock: clock} }

func (p *JobProbe) Component() string { return "job_engine" }
func (p *JobProbe) Critical() bool    { return false }

func (p *JobProbe) Check(ctx context.Context) health.Check {
	start := p.clock.Now()
	depth, _ := p.r.Depth(ctx)
	c := health.Check{Latency: p.clock.Now().Sub(start)}
	details := map[string]any{"engine": "memory", "durable": false, "working": p.r.Working()}
	for k, v := range depth {
		details[k] = v
	}
	c.Details, c.Status = details, health.FromLatency(c.Latency)
	return c
}
