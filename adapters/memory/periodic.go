package memory

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// LifecycleJob is the account lifecycle pass, named as the SQL job engine
// names it.
const LifecycleJob = "account_lifecycle"

// Every runs fn every interval (and once at start) from Start until Stop,
// as a periodic job of the SQL engine does; passes of one fn never overlap.
// Call it before Start; a runner that does not work ignores it.
func (r *Runner) Every(kind string, interval time.Duration, timeout time.Duration, fn func(context.Context) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.opts.Work || r.stopped || interval <= 0 || fn == nil {
		return
	}
	r.wg.Go(func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			if err := r.run(kind, time.Now(), timeout, fn); err != nil {
				r.log.Warn("periodic job failed", zap.String("kind", kind), zap.Error(err))
			}
			select {
			case <-r.stopping:
				return
			case <-tick.C:
			}
		}
	})
}
