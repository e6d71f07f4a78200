package bootstrap

import (
	"context"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/application/analytics"
	appcatalog "github.com/lingo-labs/lingo/application/catalog"
	"github.com/lingo-labs/lingo/config"
)

// EngineModule is the progress engine: the catalog and analytics use cases
// over the sqlstore ports, and the demo catalog seeded at start when
// configured (the embedded default).
var EngineModule = fx.Module("engine",
	fx.Provide(appcatalog.NewService, analytics.NewService),
	engineRoutes,
	fx.Invoke(func(lc fx.Lifecycle, cfg config.Config, svc *appcatalog.Service, log *zap.Logger) {
		if !cfg.Database.SeedDemo {
			return
		}
		// The hook runs after sqlstore's migration hook, which was
		// registered first.
		lc.Append(fx.Hook{OnStart: func(ctx context.Context) error {
			n, err := svc.SeedDemo(ctx)
			if n > 0 {
				log.Info("demo catalog seeded", zap.Int("courses", n))
			}
			return err
		}})
	}),
)

// engineRoutes mounts the catalog and analytics routes behind the accounts
// feature's authentication.
var engineRoutes = fx.Provide(
	httpapi.NewGate,
	httpapi.AsRoutes(httpapi.NewCatalogHandler),
	httpapi.AsRoutes(httpapi.NewAnalyticsHandler),
)
