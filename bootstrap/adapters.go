package bootstrap

import (
	"context"
	"path/filepath"

	goredis "github.com/redis/go-redis/v9"
	"go.uber.org/fx"

	"github.com/lingo-labs/lingo/adapters/filestore"
	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/adapters/metrics"
	"github.com/lingo-labs/lingo/adapters/redis"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/ports"
)

// probe puts a constructor's result into the "probes" group the health
// service runs.
func probe(f any) any {
	return fx.Annotate(f, fx.As(new(ports.HealthProbe)), fx.ResultTags(`group:"probes"`))
}

// CacheModule selects the read-through cache and its probe: Redis when
// LINGO_REDIS_ADDR is set, else the in-process cache with the "embedded"
// probe in the redis slot.
func CacheModule(cfg config.Config) fx.Option {
	if cfg.Redis.Addr != "" {
		return fx.Module("cache.redis",
			// The client is private to this module: the limiter builds its
			// own with 50 ms timeouts, and neither should get the other's.
			fx.Provide(fx.Private, func(lc fx.Lifecycle) *goredis.Client {
				c := redis.NewClient(redis.Options{Addr: cfg.Redis.Addr, Password: cfg.Redis.Password, DB: cfg.Redis.DB})
				lc.Append(fx.StopHook(func(context.Context) error { return c.Close() }))
				return c
			}),
			fx.Provide(
				func(c *goredis.Client) ports.Cache {
					return redis.NewCache(c, cfg.Redis.KeyPrefix+"cache:", cfg.Redis.CacheTimeout)
				},
				// A health call waits on Redis no longer than a cache lookup.
				func(c *goredis.Client, clk ports.Clock, cache ports.Cache) *redis.Probe {
					return redis.NewProbe(c, clk, cache).AnswerWithin(cfg.Redis.CacheTimeout, cfg.Health.CheckTimeout)
				},
				func(p *redis.Probe) ports.CacheInspector { return p },
				probe(func(p *redis.Probe) *redis.Probe { return p }),
			),
		)
	}
	return fx.Module("cache.memory",
		fx.Provide(
			func(clk ports.Clock) *memory.Cache { return memory.NewCache(clk, memory.CacheOptions{}) },
			func(c *memory.Cache) ports.Cache { return c },
			func(c *memory.Cache) ports.CacheInspector { return c },
			probe(memory.NewCacheProbe),
		),
	)
}

// StorageProbeModule checks the avatar directory, <data dir>/avatars.
var StorageProbeModule = fx.Module("storage.probe",
	fx.Provide(probe(func(cfg config.Config, clk ports.Clock) *filestore.Probe {
		return filestore.NewProbe(filepath.Join(cfg.DataDir, "avatars"), clk)
	})),
)

// ObservabilityModule is the Prometheus metrics (also for other adapters:
// the limiter middleware takes *metrics.Metrics), the "observe" middleware
// and the /metrics route.
var ObservabilityModule = fx.Module("observability",
	fx.Provide(
		func(cfg config.Config, cache ports.Cache, pool ports.DatabasePool) *metrics.Metrics {
			return metrics.New(metrics.Options{Version: cfg.Version, Cache: cache, Pool: pool})
		},
		func(m *metrics.Metrics) ports.TrafficStats { return m },
		func(m *metrics.Metrics) httpapi.LimiterObserver { return m },
		fx.Annotate(httpapi.NewObserve, fx.ResultTags(`name:"observe"`)),
		fx.Annotate(httpapi.MetricsRoute, fx.ResultTags(`group:"engine_routes"`)),
	),
)
