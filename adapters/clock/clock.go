// Package clock holds the Clock adapters: the system clock, and a settable
// one for tests that need to move time.
package clock

import (
	"sync"
	"time"

	"github.com/lingo-labs/lingo/ports"
)

// System is the real clock, in UTC.
type System struct{}

var _ ports.Clock = System{}

func (System) Now() time.Time { return time.Now().UTC() }

// Fake is a clock that only moves when told to, or by a fixed step at every
// reading (NewStepping). Safe for concurrent use. It is the one test clock
// of the project: every test that needs to hold or move time uses it.
type Fake struct {
	mu   sync.Mutex
	now  time.Time
	step time.Duration
}

var _ ports.Clock = (*Fake)(nil)

// NewFake starts a fake clock at t.
func NewFake(t time.Time) *Fake { return &Fake{now: t} }

// NewStepping starts at t a fake clock that moves forward by step after
// every reading, so that code timing a call by reading the clock before and
// after it measures exactly step.
func NewStepping(t time.Time, step time.Duration) *Fake { return &Fake{now: t, step: step} }

func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.now
	f.now = f.now.Add(f.step)
	return t
}

// Advance moves the clock forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// Set moves the clock to t.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	f.now = t
	f.mu.Unlock()
}
