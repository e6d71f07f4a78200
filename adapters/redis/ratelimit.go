package redis

import (
	"context"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// DefaultRateLimitPrefix starts every key the limiter writes.
const DefaultRateLimitPrefix = "lingo:rl:"

// limiterTimeout is the dial, read, write and pool timeout of the limiter's
// client: the limiter fails open, and API.md §7 allows a dead Redis to cost a
// request at most 50 ms.
const limiterTimeout = 40 * time.Millisecond

// rateLimitScript is one GCRA decision with the optional lockout, in one
// round trip, on Redis' clock. It is the Lua twin of decide in
// adapters/memory; the contract suite holds both to the same cases.
//
// KEYS[1] the bucket's TAT, KEYS[2] the current lockout's end, KEYS[3] the
// last lockout's length (the escalation memory); all three share one hash
// tag so that they live in one Cluster slot. ARGV: emission interval,
// quota, lockout base (0 = no lockout), lockout max, lockout memory; all
// times are integer microseconds, which a Lua number holds exactly. Without
// a lockout only KEYS[1] and the first three arguments are sent.
//
// It returns {allowed, now, reset, wait, locked_until, remaining}, instants
// in Unix microseconds. Numbers go to redis.call as numbers: Redis formats
// them with 17 digits (not Lua's 14), so 16-digit microsecond instants stay
// exact, and string.format would cost a global lookup and a call per value.
// The script is kept small on purpose: its cost is the limiter's latency
// above a bare round trip.
var rateLimitScript = goredis.NewScript(`
local call = redis.call
local t = call('TIME')
local now = t[1] * 1000000 + t[2]
local emission = tonumber(ARGV[1])
local burst = emission * tonumber(ARGV[2])
local base = tonumber(ARGV[3])

local tat = tonumber(call('GET', KEYS[1])) or now
if tat < now then tat = now end

if base > 0 then
  local lock = tonumber(call('GET', KEYS[2])) or 0
  if lock > now then
    return {0, now, math.max(tat, lock), lock - now, lock, 0}
  end
end

local newTat = tat + emission
local allowAt = newTat - burst
if now < allowAt then
  if base == 0 then
    return {0, now, tat, allowAt - now, 0, 0}
  end
  local len = base
  local last = tonumber(call('GET', KEYS[3])) or 0
  if last > 0 then len = math.min(2 * last, tonumber(ARGV[4])) end
  local lockUntil = now + len
  call('SET', KEYS[2], lockUntil, 'PX', math.ceil(len / 1000))
  call('SET', KEYS[3], len, 'PX', math.ceil((len + tonumber(ARGV[5])) / 1000))
  return {0, now, math.max(tat, lockUntil), len, lockUntil, 0}
end

call('SET', KEYS[1], newTat, 'PX', math.ceil((newTat - now) / 1000))
return {1, now, newTat, 0, 0, math.floor((burst - (newTat - now)) / emission)}
`)

var _ ports.RateLimiter = (*RateLimiter)(nil)

// RateLimiter is the Redis ports.RateLimiter shared by every instance of the
// service: one EVALSHA per decision, on Redis' clock, every key with a TTL.
type RateLimiter struct {
	client goredis.UniversalClient
	prefix string
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

// NewRateLimiter returns a limiter on client. The caller configures the
// client for the hot path: short timeouts and MaxRetries -1, as
// NewLimiterClient does, so that a dead Redis fails fast and the request
// goes on.
func NewRateLimiter(client goredis.UniversalClient, opts ...RateLimiterOption) *RateLimiter {
	l := &RateLimiter{client: client, prefix: DefaultRateLimitPrefix}
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
// costs a request about 40 ms, inside the 50 ms API.md allows. DialerRetries is 1 because
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
// one client sit in one Redis Cluster slot.
func (l *RateLimiter) Keys(policy ports.Policy, key string) [3]string {
	base := l.prefix + "{" + policy.Class() + ":" + key + "}:"
	return [3]string{base + "bucket", base + "lock", base + "strikes"}
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
	args := []any{policy.EmissionInterval().Microseconds(), policy.Quota(), 0}
	var cmd *goredis.Cmd
	if lockout, locks := policy.Lockout(); locks {
		args[2] = lockout.Base.Microseconds()
		args = append(args, lockout.Max.Microseconds(), lockout.Memory.Microseconds())
		cmd = rateLimitScript.Run(ctx, l.client, keys[:], args...)
	} else {
		// Without a lockout the script touches only the bucket; sending one
		// key and three arguments keeps Redis' work per call smaller.
		cmd = rateLimitScript.Run(ctx, l.client, keys[:1], args...)
	}
	reply, err := cmd.Int64Slice()
	if err != nil {
		return ports.Decision{}, errs.Wrap(errs.Unavailable, "rate_limiter_unavailable",
			fmt.Errorf("rate limit %s: %w", policy.Class(), err))
	}
	if len(reply) != 6 {
		return ports.Decision{}, errs.Wrap(errs.Unavailable, "rate_limiter_unavailable",
			fmt.Errorf("rate limit %s: script answered %d values, want 6", policy.Class(), len(reply)))
	}
	allowed, now, reset, wait, lockedUntil, remaining := reply[0] == 1, reply[1], reply[2], reply[3], reply[4], reply[5]
	d := ports.Decision{
		Allowed:    allowed,
		Limit:      policy.Quota(),
		Remaining:  int(remaining),
		Reset:      time.UnixMicro(reset).UTC(),
		ResetAfter: time.Duration(max(reset-now, 0)) * time.Microsecond,
	}
	if !allowed {
		d.RetryAfter = ports.RoundRetryAfter(time.Duration(wait) * time.Microsecond)
	}
	if lockedUntil > 0 {
		d.LockedUntil = time.UnixMicro(lockedUntil).UTC()
	}
	return d, nil
}
