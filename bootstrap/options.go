package bootstrap

import (
	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/adapters/imaging"
	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/config"
)

// The configuration is read once, by config.Load; these map it into each
// adapter's own options, so that no adapter depends on config.Config.

// SQLStoreOptions is the database the configuration names.
func SQLStoreOptions(cfg config.Config) sqlstore.Options {
	d := cfg.Database
	return sqlstore.Options{Driver: d.Driver, DSN: d.DSN, MaxOpenConns: d.MaxOpenConns, MaxIdleConns: d.MaxIdleConns,
		ConnMaxLifetime: d.ConnMaxLifetime, Migrate: d.Migrate}
}

// HTTPOptions is the HTTP adapter's part of the configuration.
func HTTPOptions(cfg config.Config) httpapi.Options {
	backend := "memory"
	if cfg.Redis.Addr != "" {
		backend = "redis"
	}
	return httpapi.Options{
		Addr: cfg.HTTP.Addr, ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout, ShutdownTimeout: cfg.HTTP.ShutdownTimeout,
		RequestTimeout: cfg.HTTP.RequestTimeout, BodyTimeout: cfg.HTTP.BodyTimeout, IdleTimeout: cfg.HTTP.IdleTimeout,
		TrustedProxies: cfg.HTTP.TrustedProxies, CORSOrigins: cfg.HTTP.CORSOrigins, PublicBaseURL: cfg.HTTP.PublicBaseURL,
		RateLimitEnabled: cfg.RateLimit.Enabled, LimiterBackend: backend, HealthCheckTimeout: cfg.Health.CheckTimeout,
	}
}

// ImagingOptions is the avatar processor's part of the configuration.
func ImagingOptions(cfg config.Config) imaging.Options {
	return imaging.Options{MemoryBudget: cfg.Avatar.MemoryBudget}
}
