package bootstrap

import (
	"context"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/application/analytics"
	appcatalog "github.com/lingo-labs/lingo/application/catalog"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/domain/league"
	"github.com/lingo-labs/lingo/ports"
)

// EngineModule is the progress engine: the catalog and analytics use cases
// over the sqlstore ports, and the demo catalog seeded at start when
// configured (the embedded default).
var EngineModule = fx.Module("engine",
	fx.Provide(newCatalogService, newAnalyticsService),
	engineRoutes,
	fx.Invoke(func(st *Startup, cfg config.Config, svc *appcatalog.Service, log *zap.Logger) {
		if !cfg.Database.SeedDemo {
			return
		}
		st.Add("demo catalog", func(ctx context.Context) error {
			n, err := svc.SeedDemo(ctx)
			if n > 0 {
				log.Info("demo catalog seeded", zap.Int("courses", n))
			}
			return err
		})
	}),
)

// newCatalogService serves the catalog reads through the read-through cache.
func newCatalogService(repo ports.CatalogRepository, ids ports.IDGenerator, cache ports.Cache, log *zap.Logger) *appcatalog.Service {
	return appcatalog.NewService(repo, ids, appcatalog.WithCache(cache, bumpFailed(log)))
}

// newAnalyticsService serves the progress reads through the read-through cache.
func newAnalyticsService(cat ports.CatalogRepository, events ports.EventStore, prog ports.ProgressStore,
	settings ports.LearnerSettings, clock ports.Clock, ids ports.IDGenerator, cache ports.Cache, log *zap.Logger,
	streaks ports.StreakStore, users ports.UserRepository, rebuilds ports.RebuildStore, cfg config.Config, cal league.Calendar) *analytics.Service {
	return analytics.NewService(cat, events, prog, settings, clock, ids, analytics.WithCache(cache, bumpFailed(log)),
		analytics.WithStreaks(streaks, users, cfg.Streak.FreezeMax), analytics.WithRebuild(rebuilds, users),
		analytics.WithLeagues(cal, cfg.League.CohortSize))
}

// bumpFailed logs a bump that failed after a committed write: the write
// stands, and the cached reads of the namespace may be stale until their TTL
// runs out, which an operator should be able to see.
func bumpFailed(log *zap.Logger) func(namespace string, err error) {
	return func(namespace string, err error) {
		log.Warn("cache bump failed after a committed write; cached reads may be stale until their TTL",
			zap.String("namespace", namespace), zap.Error(err))
	}
}

// engineRoutes mounts the catalog and analytics routes behind the accounts
// feature's authentication.
var engineRoutes = fx.Provide(
	httpapi.NewGate,
	httpapi.AsRoutes(httpapi.NewCatalogHandler),
	httpapi.AsRoutes(httpapi.NewAnalyticsHandler),
	httpapi.AsRoutes(httpapi.NewStreakHandler),
	httpapi.AsRoutes(httpapi.NewRebuildHandler),
)
