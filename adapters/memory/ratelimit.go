package memory

import (
	"context"
	"hash/maphash"
	"sync"
	"time"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// rateLimitShards spreads keys over several mutexes so that concurrent
// requests of different clients rarely wait for each other.
const rateLimitShards = 16

// rateLimitSweepEvery is how often (in the injected clock) a shard drops the
// entries whose every part has expired, so that memory stays bounded by the
// clients seen recently rather than by every client ever seen.
const rateLimitSweepEvery = time.Minute

var _ ports.RateLimiter = (*RateLimiter)(nil)

// RateLimiter is the in-process ports.RateLimiter: a GCRA token bucket per
// (class, key) with the optional lockout, deciding as the Redis adapter's
// script does (see adapters/ratelimittest/SEMANTICS.md). It keeps instants
// in microseconds of its clock where the script keeps TTLs in Redis'
// milliseconds; the policy's durations are whole milliseconds, so both
// compute with the same numbers.
type RateLimiter struct {
	clock  ports.Clock
	seed   maphash.Seed
	shards [rateLimitShards]rateLimitShard
}

type rateLimitShard struct {
	mu        sync.Mutex
	entries   map[rateLimitKey]*rateLimitEntry
	lastSweep int64
}

type rateLimitKey struct{ class, key string }

// rateLimitEntry is one client's state, all instants in Unix microseconds.
// Each part has its own expiry, like the three Redis keys it mirrors.
type rateLimitEntry struct {
	tat          int64 // the bucket's theoretical arrival time; the bucket is whole at tat
	lockUntil    int64 // end of the current lockout
	lastLock     int64 // length of the last lockout, remembered for escalation
	lastLockGone int64 // when lastLock is forgotten
}

// expired reports whether the entry no longer says anything a missing entry
// would not say.
func (e *rateLimitEntry) expired(now int64) bool {
	return e.tat <= now && e.lockUntil <= now && e.lastLockGone <= now
}

// NewRateLimiter returns an in-process limiter that tells time by clock.
func NewRateLimiter(clock ports.Clock) *RateLimiter {
	l := &RateLimiter{clock: clock, seed: maphash.MakeSeed()}
	now := clock.Now().UnixMicro()
	for i := range l.shards {
		l.shards[i].entries = make(map[rateLimitKey]*rateLimitEntry)
		l.shards[i].lastSweep = now
	}
	return l
}

// Allow implements ports.RateLimiter. It fails with Invalid for a bad policy
// or key, and with Unavailable only when ctx is already done: an in-process
// store is never down.
func (l *RateLimiter) Allow(ctx context.Context, policy ports.Policy, key string) (ports.Decision, error) {
	if err := policy.Validate(); err != nil {
		return ports.Decision{}, err
	}
	if key == "" || len(key) > ports.MaxLimitKeyLen {
		return ports.Decision{}, errs.Validation(errs.Field("key", "must be 1 to 256 bytes"))
	}
	if err := ctx.Err(); err != nil {
		return ports.Decision{}, errs.Wrap(errs.Unavailable, errs.CodeRateLimiterUnavailable, err)
	}

	k := rateLimitKey{class: policy.Class(), key: key}
	s := &l.shards[maphash.Comparable(l.seed, k)%rateLimitShards]
	s.mu.Lock()
	defer s.mu.Unlock()

	now := l.clock.Now().UnixMicro()
	if now-s.lastSweep >= rateLimitSweepEvery.Microseconds() {
		s.sweep(now)
	}
	e := s.entries[k]
	if e == nil {
		e = &rateLimitEntry{}
	}
	d := decide(policy, e, now)
	if e.expired(now) {
		delete(s.entries, k)
	} else {
		s.entries[k] = e
	}
	return d, nil
}

// Len returns the number of clients with live state, dropping expired
// entries as it counts; it serves tests and a gauge of the limiter's size.
func (l *RateLimiter) Len() int {
	now := l.clock.Now().UnixMicro()
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		s.sweep(now)
		n += len(s.entries)
		s.mu.Unlock()
	}
	return n
}

func (s *rateLimitShard) sweep(now int64) {
	for k, e := range s.entries {
		if e.expired(now) {
			delete(s.entries, k)
		}
	}
	s.lastSweep = now
}

// decide is the GCRA step with lockout, the Go twin of the Redis adapter's
// Lua script: change one of them and the contract suite makes you change the
// other. It updates e in place and returns the decision; now is in Unix
// microseconds.
func decide(p ports.Policy, e *rateLimitEntry, now int64) ports.Decision {
	emission := p.EmissionInterval().Microseconds()
	burst := emission * int64(p.Quota())
	lockout, locks := p.Lockout()

	tat := max(e.tat, now)
	if locks && e.lockUntil > now {
		reset := max(tat, e.lockUntil)
		return refused(p, now, reset, e.lockUntil-now, e.lockUntil)
	}

	newTat := tat + emission
	allowAt := newTat - burst
	if now < allowAt {
		if !locks {
			return refused(p, now, tat, allowAt-now, 0)
		}
		length := lockout.Base.Microseconds()
		if e.lastLockGone > now && e.lastLock > 0 {
			length = min(2*e.lastLock, lockout.Max.Microseconds())
		}
		e.lockUntil = now + length
		e.lastLock = length
		e.lastLockGone = e.lockUntil + lockout.Memory.Microseconds()
		return refused(p, now, max(tat, e.lockUntil), length, e.lockUntil)
	}

	e.tat = newTat
	return ports.Decision{
		Allowed:    true,
		Limit:      p.Quota(),
		Remaining:  int((burst - (newTat - now)) / emission),
		Reset:      time.UnixMicro(newTat).UTC(),
		ResetAfter: time.Duration(newTat-now) * time.Microsecond,
	}
}

func refused(p ports.Policy, now, reset, wait, lockedUntil int64) ports.Decision {
	d := ports.Decision{
		Limit:      p.Quota(),
		Reset:      time.UnixMicro(reset).UTC(),
		ResetAfter: time.Duration(reset-now) * time.Microsecond,
		RetryAfter: ports.RoundRetryAfter(time.Duration(wait) * time.Microsecond),
	}
	if lockedUntil > 0 {
		d.LockedUntil = time.UnixMicro(lockedUntil).UTC()
	}
	return d
}
