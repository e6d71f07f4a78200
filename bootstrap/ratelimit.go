package bootstrap

import (
	"context"
	"time"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/adapters/memory"
	lredis "github.com/lingo-labs/lingo/adapters/redis"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/ports"
)

// RateLimitModule provides the limiter (in-process, or Redis shared by every
// instance when LINGO_REDIS_ADDR is set), the class policies from config and
// the step the router binds to each route's class.
var RateLimitModule = fx.Module("ratelimit",
	fx.Provide(
		newRateLimiter,
		newRateLimitPolicies,
		newRateLimitMiddleware,
	),
)

// newRateLimiter picks the adapter. The Redis one has its own client with
// 50 ms timeouts and no retries, so that an ill Redis costs a request at
// most that much before the middleware fails open.
func newRateLimiter(lc fx.Lifecycle, cfg config.Config, clk ports.Clock, log *zap.Logger) ports.RateLimiter {
	if cfg.Redis.Addr == "" {
		return memory.NewRateLimiter(clk)
	}
	opts := lredis.LimiterClientOptions(cfg.Redis.Addr)
	opts.Password, opts.DB = cfg.Redis.Password, cfg.Redis.DB
	client := newRedisClient(opts, log)
	lc.Append(fx.StopHook(func(context.Context) error { return client.Close() }))
	return lredis.NewRateLimiter(client, lredis.WithKeyPrefix(cfg.Redis.KeyPrefix+"rl:"), lredis.WithClock(clk))
}

func newRateLimitPolicies(cfg config.Config) (httpapi.RateLimitPolicies, error) {
	rl := cfg.RateLimit
	auth, err := ports.NewLockoutPolicy("auth", rl.Auth.Limit, rl.Auth.Window,
		ports.Lockout{Base: rl.Auth.Lockout, Max: time.Hour, Memory: 24 * time.Hour})
	if err != nil {
		return httpapi.RateLimitPolicies{}, err
	}
	p := httpapi.RateLimitPolicies{Auth: auth}
	for _, c := range []struct {
		name string
		q    config.Quota
		dst  *ports.Policy
	}{
		{"user", rl.User, &p.User}, {"analytics", rl.Analytics, &p.Analytics},
		{"health", rl.Health, &p.Health}, {"general", rl.General, &p.General},
	} {
		if *c.dst, err = ports.NewPolicy(c.name, c.q.Limit, c.q.Window); err != nil {
			return p, err
		}
	}
	return p, nil
}

type rateLimitParams struct {
	fx.In
	Limiter  ports.RateLimiter
	Policies httpapi.RateLimitPolicies
	Observer httpapi.LimiterObserver `optional:"true"`
	Log      *zap.Logger
}

func newRateLimitMiddleware(p rateLimitParams) httpapi.RouteLimiter {
	return httpapi.RateLimit(p.Limiter, p.Policies, p.Observer, p.Log)
}
