package ports

import (
	"context"
	"fmt"
	"time"

	"github.com/lingo-labs/lingo/domain/errs"
)

// Limits of a Policy. They keep the arithmetic of every adapter exact: every
// duration a store computes with is a whole number of milliseconds (a Redis
// key's TTL has that resolution), at most one request per millisecond, and
// quota times the emission interval stays far below 2^53, the largest integer
// a Lua number in Redis holds exactly.
const (
	MaxPolicyQuota   = 1_000_000
	MinPolicyWindow  = time.Millisecond
	MaxPolicyWindow  = 24 * time.Hour
	MaxLockout       = 7 * 24 * time.Hour
	MaxLockoutMemory = 30 * 24 * time.Hour
	// MaxLimitKeyLen bounds a client key (a user id or an IP) so that a
	// hostile header cannot make huge store keys.
	MaxLimitKeyLen = 256
)

// validClass reports whether a class name is 1 to 32 of a-z, 0-9, _ and -.
// The class becomes part of a Redis key inside a Cluster hash tag, so braces
// and spaces are kept out. It is a loop, not a regexp, because adapters
// validate the policy on every request.
func validClass(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// Lockout says how a policy punishes a client that goes over its quota.
// Base is the first lockout's length; each lockout that starts within Memory
// after the previous one ended lasts twice as long as that one, up to Max.
type Lockout struct {
	Base   time.Duration
	Max    time.Duration
	Memory time.Duration
}

// DefaultLockout is the auth class lockout of adapters/ratelimittest/SEMANTICS.md: 5 minutes, doubling
// to at most 1 hour, remembered for 24 hours.
func DefaultLockout() Lockout {
	return Lockout{Base: 5 * time.Minute, Max: time.Hour, Memory: 24 * time.Hour}
}

// Policy is one rate-limit class: quota requests per window, and optionally a
// lockout. It is made by NewPolicy or NewLockoutPolicy so that every adapter
// can trust its numbers; the zero Policy is invalid and adapters refuse it.
type Policy struct {
	class   string
	quota   int
	window  time.Duration
	lockout Lockout
}

// NewPolicy returns a policy without lockout, or an Invalid error when the
// class name, quota or window is out of range.
func NewPolicy(class string, quota int, window time.Duration) (Policy, error) {
	p := Policy{class: class, quota: quota, window: window}
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// NewLockoutPolicy returns a policy whose over-quota request starts a
// lockout, or an Invalid error when a number is out of range. A zero Max
// means Base (no escalation); a zero Memory means lockouts never escalate.
func NewLockoutPolicy(class string, quota int, window time.Duration, lockout Lockout) (Policy, error) {
	if lockout.Max == 0 {
		lockout.Max = lockout.Base
	}
	// Stores count in whole milliseconds (see the limits above); rounding up
	// keeps a lockout at least as long as configured.
	lockout.Base, lockout.Max, lockout.Memory = ceilMillis(lockout.Base), ceilMillis(lockout.Max), ceilMillis(lockout.Memory)
	p := Policy{class: class, quota: quota, window: window, lockout: lockout}
	if lockout.Base <= 0 {
		return Policy{}, errs.Validation(errs.Field("lockout.base", "must be positive"))
	}
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// Validate reports an Invalid error when the policy breaks a limit; adapters
// call it so that a zero or hand-made Policy never reaches a store.
func (p Policy) Validate() error {
	var fields []errs.FieldError
	if !validClass(p.class) {
		fields = append(fields, errs.Field("class", "must be 1 to 32 of a-z, 0-9, _ and -"))
	}
	if p.quota < 1 || p.quota > MaxPolicyQuota {
		fields = append(fields, errs.Field("quota", fmt.Sprintf("must be between 1 and %d", MaxPolicyQuota)))
	} else if int64(p.quota) > p.window.Milliseconds() && p.window >= MinPolicyWindow {
		fields = append(fields, errs.Field("quota", "must be at most one request per millisecond of the window"))
	}
	if p.window < MinPolicyWindow || p.window > MaxPolicyWindow {
		fields = append(fields, errs.Field("window", fmt.Sprintf("must be between %s and %s", MinPolicyWindow, MaxPolicyWindow)))
	}
	l := p.lockout
	if l.Base < 0 || l.Base > MaxLockout {
		fields = append(fields, errs.Field("lockout.base", fmt.Sprintf("must be between 0 and %s", MaxLockout)))
	}
	if l.Base > 0 && (l.Max < l.Base || l.Max > MaxLockout) {
		fields = append(fields, errs.Field("lockout.max", fmt.Sprintf("must be between lockout.base and %s", MaxLockout)))
	}
	if l.Memory < 0 || l.Memory > MaxLockoutMemory {
		fields = append(fields, errs.Field("lockout.memory", fmt.Sprintf("must be between 0 and %s", MaxLockoutMemory)))
	}
	return errs.Validation(fields...)
}

// Class is the class name ("auth", "user", ...), used in keys and headers.
func (p Policy) Class() string { return p.class }

// Quota is how many requests a whole bucket allows at once.
func (p Policy) Quota() int { return p.quota }

// Window is how long an empty bucket takes to become whole again.
func (p Policy) Window() time.Duration { return p.window }

// Lockout returns the policy's lockout and whether it has one.
func (p Policy) Lockout() (Lockout, bool) { return p.lockout, p.lockout.Base > 0 }

// EmissionInterval is the time one request's worth of quota takes to come
// back: the window divided by the quota, rounded up to a whole millisecond so
// that every adapter computes with the same integers, and a Redis key's TTL,
// which counts milliseconds, can hold the bucket exactly. Rounding up never
// lets more than quota through in a window.
func (p Policy) EmissionInterval() time.Duration {
	q := time.Duration(p.quota)
	return ceilMillis((p.window + q - 1) / q)
}

// ceilMillis rounds d up to a whole millisecond.
func ceilMillis(d time.Duration) time.Duration {
	return (d + time.Millisecond - 1).Truncate(time.Millisecond)
}

// Decision is the answer to one request. The store's clock decides (the
// expiry clock of Redis for the Redis adapter), so that several servers with
// skewed clocks agree, and the durations are measured on it. The instants
// are the limiter's own clock plus those durations: they are what a client
// compares with the response's X-Timestamp.
type Decision struct {
	// Allowed says whether the request may go on.
	Allowed bool
	// Limit is the policy's quota.
	Limit int
	// Remaining is how many more requests would be allowed right now; it
	// falls by exactly one per allowed request and is 0 when refused.
	Remaining int
	// Reset is the instant the quota is whole again (Remaining = Limit), and
	// during a lockout the instant the lockout ends.
	Reset time.Time
	// ResetAfter is how long until Reset on the store's clock, never
	// negative; it is the `t` of the IETF RateLimit header.
	ResetAfter time.Duration
	// RetryAfter is zero when allowed; when refused it is the time until a
	// request can be allowed (the rest of the lockout, if any), rounded up
	// to whole seconds and at least one second, as Retry-After needs.
	RetryAfter time.Duration
	// LockedUntil is the end of the lockout this request falls in, or the
	// zero time when the key is not locked out.
	LockedUntil time.Time
}

// Locked reports whether the decision was made during a lockout.
func (d Decision) Locked() bool { return !d.LockedUntil.IsZero() }

// RateLimiter decides, once per request, whether a client may go on.
//
// Semantics (adapters/ratelimittest/SEMANTICS.md says the same at length and
// the contract suite there checks them): each (policy class, key) pair has a
// token bucket of Quota tokens that refills one token per EmissionInterval,
// implemented as GCRA. An allowed request takes one token; a refused one
// takes none. A burst of Quota+1 requests at one instant therefore gets
// exactly one refusal, also across processes sharing one store, because each
// decision is one atomic step in the store.
//
// With a lockout, the request that finds the bucket empty starts a lockout of
// Base; every request of that key during it is refused with RetryAfter = the
// time left. A lockout that starts within Memory after the previous one ended
// lasts twice the previous one, capped at Max (5, 10, 20, 40, 60, 60 minutes
// with DefaultLockout). Every stored entry expires on its own: the bucket
// when it is whole again, the lockout when it ends, the escalation memory
// Memory after the lockout ends.
type RateLimiter interface {
	// Allow takes one request of key (a user id or client IP) under policy
	// and returns the decision. It returns an error of kind Invalid for an
	// invalid policy or an empty key, and of kind Unavailable when the store
	// fails or is too slow; the caller then lets the request go on
	// (fail-open), logs and counts the failure.
	Allow(ctx context.Context, policy Policy, key string) (Decision, error)
}

// RoundRetryAfter rounds a wait up to whole seconds, at least one, as the
// Retry-After header needs; adapters use it so that they all round alike.
func RoundRetryAfter(d time.Duration) time.Duration {
	if d <= time.Second {
		return time.Second
	}
	return (d + time.Second - 1).Truncate(time.Second)
}
