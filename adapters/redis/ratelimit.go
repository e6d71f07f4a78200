package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// DefaultRateLimitPrefix starts every key the limiter writes.
const DefaultRateLimitPrefix = "lingo:rl:"

// limiterTimeout is the dial, read, write and pool timeout of the limiter's
// client: the limiter fails open, and adapters/ratelimittest/SEMANTICS.md allows
// a dead Redis to cost a request at most 50 ms.
const limiterTimeout = 40 * time.Millisecond

// rateLimitScript is one GCRA decision with the optional lockout, in one
// round trip, on Redis' clock. It is the Lua twin of decide in
// adapters/memory; the contract suite holds both to the same cases.
//
// The state is kept in the keys' TTLs, which count down on Redis' clock: the
// bucket key lives exactly as long as the bucket takes to be whole again (its
// theoretical arrival time minus now), the lockout key as long as the lockout
// has left. So the script needs no TIME and writes no instants: PTTL reads
// the state and SET … PX writes it, all in whole milliseconds (ports.Policy
// keeps every duration a whole millisecond, so the arithmetic is exact), and
// an expired key is a whole bucket or a lifted lockout by Redis' own doing.
// Each redis.call costs Redis about a microsecond, and the script's cost is
// the limiter's latency above a bare round trip, so it makes as few as it can:
// two on the allowing path.
//
// KEYS[1] the bucket, KEYS[2] the current lockout, KEYS[3] the length of the
// last lockout (the escalation memory; its value is that length); all three
// share one hash tag so that they live in one Cluster slot. ARGV: emission
// interval, quota, lockout base (0 = no lockout), lockout max, lockout memory,
// durations in milliseconds. Without a lockout only KEYS[1] and the first
// three arguments are sent.
//
// It answers with as little as the caller needs, because every value of the
// reply costs both ends: allowed, the integer ms until the bucket is whole
// (> 0); refused, that integer negated (< 0); refused during or by a
// lockout, {-ms until whole or the lockout's end if later, ms the lockout has
// left}. The caller derives Remaining and Retry-After from these.
var rateLimitScript = goredis.NewScript(`
local call = redis.call
local emission = tonumber(ARGV[1])
local burst = emission * tonumber(ARGV[2])
local base = tonumber(ARGV[3])

local full = call('PTTL', KEYS[1])
if full < 0 then full = 0 end

if base > 0 then
  local lock = call('PTTL', KEYS[2])
  if lock > 0 then
    return {-math.max(full, lock), lock}
  end
end

local new = full + emission
if new > burst then
  if base == 0 then return -full end
  local len = base
  local last = tonumber(call('GET', KEYS[3]))
  if last then len = math.min(2 * last, tonumber(ARGV[4])) end
  call('SET', KEYS[2], '', 'PX', len)
  call('SET', KEYS[3], len, 'PX', len + tonumber(ARGV[5]))
  return {-math.max(full, len), len}
end

call('SET', KEYS[1], '', 'PX', new)
return new
`)

var _ ports.RateLimiter = (*RateLimiter)(nil)

// RateLimiter is the Redis ports.RateLimiter shared by every instance of the
// service: one EVALSHA per decision, on Redis' clock, every key with a TTL.
type RateLimiter struct {
	client goredis.UniversalClient
	prefix string
	clock  ports.Clock
	// batch gathers the decisions in flight into pipelines (see pipeline.go).
	batch batcher
}

// RateLimiterOption configures NewRateLimiter.
type RateLimiterOption func(*RateLimiter)

// WithKeyPrefix replaces DefaultRateLimitPrefix, so that tests or several
// deployments on one Redis keep apart. The prefix must not contain braces,
// because the client part of each key is the Cluster hash tag; a prefix with
// braces is a programming error and panics.
func WithKeyPrefix(prefix string) RateLimiterOption {
	if strings.ContainsAny(prefix, "{}") {
		panic(fmt.Sprintf("redis: rate limit key prefix %q contains a brace", prefix))
	}
	return func(l *RateLimiter) { l.prefix = prefix }
}

// WithClock sets the clock that turns the store's durations into the
// Decision's instants (Reset, LockedUntil). It never decides anything: Redis'
// clock does. Tests that move a miniredis' clock move this one with it.
func WithClock(c ports.Clock) RateLimiterOption {
	return func(l *RateLimiter) { l.clock = c }
}

// NewRateLimiter returns a limiter on client. The caller configures the
// client for the hot path: short timeouts and MaxRetries -1, as
// NewLimiterClient does, so that a dead Redis fails fast and the request
// goes on.
func NewRateLimiter(client goredis.UniversalClient, opts ...RateLimiterOption) *RateLimiter {
	l := &RateLimiter{client: client, prefix: DefaultRateLimitPrefix, clock: clock.System{}, batch: batcher{wait: waitFor(client)}}
	for _, o := range opts {
		o(l)
	}
	return l
}

// NewLimiterClient returns a client for addr tuned for the limiter; see
// LimiterClientOptions.
func NewLimiterClient(addr string) *goredis.Client {
	return goredis.NewClient(LimiterClientOptions(addr))
}

// LimiterClientOptions returns the options of the limiter's client, for a
// caller that must add a password or a database number: 40 ms dial, read,
// write and pool timeouts and no retries, so that a dead or stalled Redis
// costs a request about 40 ms, inside the 50 ms SEMANTICS.md allows. DialerRetries is 1 because
// go-redis otherwise dials five times with 100 ms pauses (400 ms on a closed
// port); once every pool slot has failed to dial, go-redis answers the last
// dial error at once and probes in the background, which is how limiting
// resumes by itself when Redis is back.
func LimiterClientOptions(addr string) *goredis.Options {
	return &goredis.Options{
		Addr:          addr,
		DialTimeout:   limiterTimeout,
		ReadTimeout:   limiterTimeout,
		WriteTimeout:  limiterTimeout,
		PoolTimeout:   limiterTimeout,
		MaxRetries:    -1,
		DialerRetries: 1,
		// The caller's deadline (the middleware's budget) bounds a decision
		// too, not only the socket timeouts.
		ContextTimeoutEnabled: true,
	}
}

// Keys returns the three keys of one client under policy: bucket, lockout
// and escalation memory. They share the hash tag {class:key}, so all keys of
// one client sit in one Redis Cluster slot. (The escalation memory was once
// "strikes" holding microseconds; the new name keeps such a value from being
// read as milliseconds.)
func (l *RateLimiter) Keys(policy ports.Policy, key string) [3]string {
	base := l.prefix + "{" + policy.Class() + ":" + key + "}:"
	return [3]string{base + "bucket", base + "lock", base + "last-lockout"}
}

// Allow implements ports.RateLimiter with one script run (EVALSHA, and EVAL
// once after Redis lost its script cache). Every store or protocol failure is
// an Unavailable error, so that the middleware fails open.
func (l *RateLimiter) Allow(ctx context.Context, policy ports.Policy, key string) (ports.Decision, error) {
	if err := policy.Validate(); err != nil {
		return ports.Decision{}, err
	}
	if key == "" || len(key) > ports.MaxLimitKeyLen {
		return ports.Decision{}, errs.Validation(errs.Field("key", "must be 1 to 256 bytes"))
	}
	keys := l.Keys(policy, key)
	emission := policy.EmissionInterval()
	args := []any{emission.Milliseconds(), policy.Quota(), 0}
	var cmd scriptReply
	if lockout, locks := policy.Lockout(); locks {
		args[2] = lockout.Base.Milliseconds()
		args = append(args, lockout.Max.Milliseconds(), lockout.Memory.Milliseconds())
		cmd = l.batch.run(ctx, l.client, keys[:], args)
	} else {
		// Without a lockout the script touches only the bucket; sending one
		// key and three arguments keeps Redis' work per call smaller.
		cmd = l.batch.run(ctx, l.client, keys[:1], args)
	}
	reply, err := cmd.reply, cmd.err
	if err != nil {
		return ports.Decision{}, limiterUnavailable(policy, err)
	}
	now := l.clock.Now().UTC()
	burst := emission * time.Duration(policy.Quota())
	d := ports.Decision{Limit: policy.Quota()}
	switch r := reply.(type) {
	case int64:
		switch {
		case r > 0:
			d.Allowed = true
			d.ResetAfter = time.Duration(r) * time.Millisecond
			d.Remaining = int((burst - d.ResetAfter) / emission)
		case r < 0:
			// Refused outside a lockout: the next token is back when the
			// bucket is one emission interval short of a whole burst.
			d.ResetAfter = time.Duration(-r) * time.Millisecond
			d.RetryAfter = ports.RoundRetryAfter(d.ResetAfter + emission - burst)
		default:
			return ports.Decision{}, limiterUnavailable(policy, errors.New("script answered 0"))
		}
	case []any:
		full, fok := int64At(r, 0)
		lock, lok := int64At(r, 1)
		if len(r) != 2 || !fok || !lok || full >= 0 || lock <= 0 {
			return ports.Decision{}, limiterUnavailable(policy, fmt.Errorf("script answered %v", r))
		}
		d.ResetAfter = time.Duration(-full) * time.Millisecond
		d.RetryAfter = ports.RoundRetryAfter(time.Duration(lock) * time.Millisecond)
		d.LockedUntil = now.Add(time.Duration(lock) * time.Millisecond)
	default:
		return ports.Decision{}, limiterUnavailable(policy, fmt.Errorf("script answered a %T", reply))
	}
	d.Reset = now.Add(d.ResetAfter)
	return d, nil
}

// limiterUnavailable is the error of every store or protocol failure, so
// that the middleware fails open.
func limiterUnavailable(policy ports.Policy, err error) error {
	return errs.Wrap(errs.Unavailable, errs.CodeRateLimiterUnavailable, fmt.Errorf("rate limit %s: %w", policy.Class(), err))
}

func int64At(r []any, i int) (int64, bool) {
	if i >= len(r) {
		return 0, false
	}
	v, ok := r[i].(int64)
	return v, ok
}
