// Package health holds component statuses and how they combine into the
// status of the whole service.
package health

import "time"

// Status is a component's or the service's condition. The zero value is not
// a status; components always report one of the four.
type Status int

const (
	Healthy Status = iota + 1
	Degraded
	Unhealthy
	Unavailable
)

func (s Status) String() string {
	switch s {
	case Healthy:
		return "healthy"
	case Degraded:
		return "degraded"
	case Unhealthy:
		return "unhealthy"
	case Unavailable:
		return "unavailable"
	}
	return "unknown"
}

// Thresholds for how long a check may take (the OpenAPI document's getHealthDetailed).
const (
	SlowAfter      = 500 * time.Millisecond
	UnhealthyAfter = 1000 * time.Millisecond
)

// FromLatency is the status of a check that answered after d: a slow answer
// is still an answer, but an operator should see it.
func FromLatency(d time.Duration) Status {
	switch {
	case d >= UnhealthyAfter:
		return Unhealthy
	case d >= SlowAfter:
		return Degraded
	}
	return Healthy
}

// Memory thresholds of a store with a memory limit (the OpenAPI document's getHealthDetailed), as fractions
// of the limit.
const (
	MemoryDegradedAt  = 0.90
	MemoryUnhealthyAt = 0.95
)

// FromMemory is the status of a store using used bytes of a limit of max
// bytes. A store without a limit (max ≤ 0) cannot run out by this measure.
func FromMemory(used, max int64) Status {
	if max <= 0 {
		return Healthy
	}
	switch r := float64(used) / float64(max); {
	case r >= MemoryUnhealthyAt:
		return Unhealthy
	case r >= MemoryDegradedAt:
		return Degraded
	}
	return Healthy
}

// FromStore is the status of a store with a memory limit (Redis): an
// unreachable one is unavailable, else the worse of its answer time and its
// memory use (usedBytes of maxBytes; maxBytes ≤ 0 when unknown or unlimited).
func FromStore(reachable bool, latency time.Duration, usedBytes, maxBytes int64) Status {
	if !reachable {
		return Unavailable
	}
	return Worst(FromLatency(latency), FromMemory(usedBytes, maxBytes))
}

// Worst is the worse of two statuses.
func Worst(a, b Status) Status {
	if a > b {
		return a
	}
	return b
}

// Check is one component's result.
type Check struct {
	Component string
	Status    Status
	Latency   time.Duration
	Critical  bool   // the service cannot serve without it
	Error     string // a short, safe description; never a DSN or an address with credentials
	Details   map[string]any
	CheckedAt time.Time
}

// Overall combines component checks: a critical component that is not
// answering makes the service unavailable; any other trouble degrades it.
func Overall(checks []Check) Status {
	s := Healthy
	for _, c := range checks {
		switch {
		case c.Critical && (c.Status == Unavailable || c.Status == Unhealthy):
			s = Worst(s, Unavailable)
		case c.Status != Healthy:
			s = Worst(s, Degraded)
		}
	}
	return s
}

// Ready reports whether the service can take traffic: every critical
// component answers.
func Ready(checks []Check) bool {
	for _, c := range checks {
		if c.Critical && c.Status == Unavailable {
			return false
		}
	}
	return true
}
