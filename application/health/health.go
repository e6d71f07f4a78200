// Package health runs the component probes and answers how the service is.
package health

import (
	"context"
	"sync"
	"time"

	"github.com/lingo-labs/lingo/domain/health"
	"github.com/lingo-labs/lingo/ports"
)

// Service runs every probe concurrently, each under its own deadline, and
// reuses the results for a short time so that a load balancer asking
// thousands of times a second costs the database one check per TTL.
type Service struct {
	probes  []ports.HealthProbe
	clock   ports.Clock
	timeout time.Duration
	ttl     time.Duration
	started time.Time
	version string

	mu      sync.Mutex
	cached  []health.Check
	expires time.Time
	running chan struct{} // closed when the check in flight finishes
}

// NewService makes the health service. timeout bounds each probe; ttl is how
// long results are reused (0: never).
func NewService(probes []ports.HealthProbe, clock ports.Clock, timeout, ttl time.Duration, version string) *Service {
	return &Service{probes: probes, clock: clock, timeout: timeout, ttl: ttl, started: clock.Now(), version: version}
}

// Version is the running build's version.
func (s *Service) Version() string { return s.version }

// Uptime is how long the service has run.
func (s *Service) Uptime() time.Duration { return s.clock.Now().Sub(s.started) }

// Checks returns the current component checks, from the cache when fresh.
// Concurrent callers share one run of the probes.
func (s *Service) Checks(ctx context.Context) []health.Check {
	for {
		s.mu.Lock()
		if s.cached != nil && s.clock.Now().Before(s.expires) {
			out := s.cached
			s.mu.Unlock()
			return out
		}
		if s.running != nil {
			wait := s.running
			s.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return unavailableAll(s.probes, ctx.Err())
			}
		}
		done := make(chan struct{})
		s.running = done
		s.mu.Unlock()

		checks := s.run(context.WithoutCancel(ctx))

		s.mu.Lock()
		s.cached, s.expires, s.running = checks, s.clock.Now().Add(s.ttl), nil
		s.mu.Unlock()
		close(done)
		return checks
	}
}

func (s *Service) run(ctx context.Context) []health.Check {
	out := make([]health.Check, len(s.probes))
	var wg sync.WaitGroup
	for i, p := range s.probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, s.timeout)
			defer cancel()
			c := p.Check(pctx)
			c.Component, c.Critical = p.Component(), p.Critical()
			if c.CheckedAt.IsZero() {
				c.CheckedAt = s.clock.Now()
			}
			out[i] = c
		}()
	}
	wg.Wait()
	return out
}

func unavailableAll(probes []ports.HealthProbe, err error) []health.Check {
	out := make([]health.Check, len(probes))
	for i, p := range probes {
		out[i] = health.Check{Component: p.Component(), Critical: p.Critical(), Status: health.Unavailable, Error: err.Error()}
	}
	return out
}

// Readiness is the answer to "can this instance take traffic?".
type Readiness struct {
	Ready  bool
	Status health.Status
	Checks []health.Check
}

// Ready reports readiness: the database is critical, the rest only degrade.
func (s *Service) Ready(ctx context.Context) Readiness {
	checks := s.Checks(ctx)
	return Readiness{Ready: health.Ready(checks), Status: health.Overall(checks), Checks: checks}
}
