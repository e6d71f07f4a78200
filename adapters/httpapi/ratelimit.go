package httpapi

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// RateLimitPolicies is one policy per class of adapters/ratelimittest/SEMANTICS.md.
type RateLimitPolicies struct {
	Auth, User, Analytics, Health, General ports.Policy
}

// of is the policy of a class; ok is false for a class that is not limited.
func (p RateLimitPolicies) of(class Class) (ports.Policy, bool) {
	switch class {
	case ClassAuth:
		return p.Auth, true
	case ClassUser:
		return p.User, true
	case ClassAnalytics:
		return p.Analytics, true
	case ClassHealth:
		return p.Health, true
	case ClassGeneral:
		return p.General, true
	}
	return ports.Policy{}, false
}

// LimiterObserver counts decisions and store failures (Prometheus in
// production; nil is allowed).
type LimiterObserver interface {
	LimiterDecision(class, outcome string)
	LimiterFailure(class string)
}

// limiterBudget bounds what the limiter may add to a request when its store
// is ill (adapters/ratelimittest/SEMANTICS.md: a dead Redis adds at most 50 ms). 40 ms leaves room
// for scheduling on a busy machine.
const limiterBudget = 40 * time.Millisecond

// RateLimit makes the rate-limit step of each route from the route's class
// (the router binds one step per route, so the class is the matched route's
// and never depends on how the path was spelled). The key is the user when Identify found a valid token, else the client IP;
// the auth class always keys by IP, so that a stolen token cannot buy a
// second login quota. When the store fails the request goes on (fail-open):
// limiting is a protection, not a dependency.
func RateLimit(limiter ports.RateLimiter, policies RateLimitPolicies, obs LimiterObserver, log *zap.Logger) RouteLimiter {
	var lastLog atomic.Int64 // unix nanos of the last failure logged
	fixed := map[ports.Policy]*fixedLimitHeaders{}
	for _, p := range []ports.Policy{policies.Auth, policies.User, policies.Analytics, policies.Health, policies.General} {
		fixed[p] = newFixedLimitHeaders(p)
	}
	return func(class Class) gin.HandlerFunc {
		policy, ok := policies.of(class)
		if !ok {
			// The router mounts this step only for limited classes.
			panic(fmt.Sprintf("rate limit: no policy for class %q", class))
		}
		return limitStep(limiter, policy, fixed[policy], policies.Auth.Class(), obs, log, &lastLog)
	}
}

// limitStep asks the limiter about one request under policy.
func limitStep(limiter ports.RateLimiter, policy ports.Policy, fixed *fixedLimitHeaders, authClass string, obs LimiterObserver,
	log *zap.Logger, lastLog *atomic.Int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		key := "ip:" + c.ClientIP()
		if sub, ok := TokenSubject(c); ok && policy.Class() != authClass {
			key = "user:" + sub
		}
		ctx, cancel := context.WithTimeout(c.Request.Context(), limiterBudget)
		d, err := limiter.Allow(ctx, policy, key)
		cancel()
		if err != nil {
			if obs != nil {
				obs.LimiterFailure(policy.Class())
			}
			// At most one log line a second, however many requests fail open.
			now := time.Now().UnixNano()
			if last := lastLog.Load(); now-last > int64(time.Second) && lastLog.CompareAndSwap(last, now) {
				log.Warn("rate limiter unavailable; failing open", zap.String("class", policy.Class()), zap.Error(err))
			}
			c.Next()
			return
		}
		setRateLimitHeaders(c.Writer.Header(), fixed, d)
		if obs != nil {
			outcome := "allowed"
			if !d.Allowed {
				outcome = "refused"
			}
			obs.LimiterDecision(policy.Class(), outcome)
		}
		if d.Allowed {
			c.Next()
			return
		}
		retry := int(d.RetryAfter / time.Second)
		if retry < 1 {
			retry = 1
		}
		c.Header("Retry-After", strconv.Itoa(retry))
		info := map[string]any{
			"limit": d.Limit, "window_seconds": int(policy.Window() / time.Second), "remaining": 0,
			"reset_time": FormatTime(d.Reset), "retry_after_seconds": retry,
		}
		if d.Locked() {
			info["locked_until"] = FormatTime(d.LockedUntil)
		}
		FailWith(c, errs.E(errs.RateLimited, errs.CodeRateLimitExceeded,
			fmt.Sprintf("Too many requests. Try again in %d seconds.", retry)),
			map[string]any{"endpoint_type": policy.Class(), "rate_limit": info})
	}
}

// The rate-limit headers' names as http.Header keeps them (canonical), so
// that a response's map is written directly: http.Header.Set would
// canonicalise, and allocate, each name on every limited response. The wire
// form is the same either way; header names are case-insensitive.
const (
	hdrLimit     = "X-Ratelimit-Limit"
	hdrRemaining = "X-Ratelimit-Remaining"
	hdrReset     = "X-Ratelimit-Reset"
	hdrWindow    = "X-Ratelimit-Window"
	hdrType      = "X-Ratelimit-Type"
	hdrPolicy    = "Ratelimit-Policy"
	hdrRateLimit = "Ratelimit"
)

// fixedLimitHeaders are the values of one policy's rate-limit headers that
// never change, formatted once. Each is a one-element slice shared by every
// response of the policy: nothing writes into a header's value slice
// (Header.Set replaces it, Header.Add appends past its capacity), so sharing
// is safe, and it spares four allocations a request. The limiter's header
// cost showed in docs/benchmarks.md (issue 18): the seven headers were about
// a sixth of the server's CPU on a limited health check.
type fixedLimitHeaders struct {
	limit, window, class, policy []string
	quota                        int
	rateLimitPrefix              string // `"<class>";r=`
}

func newFixedLimitHeaders(p ports.Policy) *fixedLimitHeaders {
	window := int(p.Window() / time.Second)
	return &fixedLimitHeaders{
		limit:           []string{strconv.Itoa(p.Quota())},
		window:          []string{strconv.Itoa(window)},
		class:           []string{p.Class()},
		policy:          []string{fmt.Sprintf("%q;q=%d;w=%d", p.Class(), p.Quota(), window)},
		quota:           p.Quota(),
		rateLimitPrefix: `"` + p.Class() + `";r=`,
	}
}

// setRateLimitHeaders writes the API's rate-limit headers of decision d.
func setRateLimitHeaders(h http.Header, f *fixedLimitHeaders, d ports.Decision) {
	resetAfter := int(math.Ceil(d.ResetAfter.Seconds()))
	if resetAfter < 0 {
		resetAfter = 0
	}
	resetUnix := int64(math.Ceil(float64(d.Reset.UnixNano()) / float64(time.Second)))
	remaining := strconv.Itoa(d.Remaining)
	// The three values that change share one backing array.
	vary := []string{remaining, strconv.FormatInt(resetUnix, 10), f.rateLimitPrefix + remaining + ";t=" + strconv.Itoa(resetAfter)}
	h[hdrRemaining] = vary[0:1:1]
	h[hdrReset] = vary[1:2:2]
	h[hdrRateLimit] = vary[2:3:3]
	if d.Limit == f.quota {
		h[hdrLimit] = f.limit
	} else {
		h[hdrLimit] = []string{strconv.Itoa(d.Limit)}
	}
	h[hdrWindow] = f.window
	h[hdrType] = f.class
	h[hdrPolicy] = f.policy
}
