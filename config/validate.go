package config

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

func (c Config) validate() error {
	var problems []string
	bad := func(env, format string, a ...any) {
		problems = append(problems, env+": "+fmt.Sprintf(format, a...))
	}
	switch c.Database.Driver {
	case "sqlite":
		if c.DataDir == "" && c.Database.DSN == "" {
			bad("LINGO_DATA_DIR", "must not be empty with the sqlite driver")
		}
	case "postgres":
		if c.Database.DSN == "" {
			bad("LINGO_DATABASE_DSN", "is required with LINGO_DATABASE_DRIVER=postgres")
		}
		if c.Auth.JWTSecret == "" {
			bad("LINGO_AUTH_JWT_SECRET", "is required with LINGO_DATABASE_DRIVER=postgres (instances must share one secret)")
		}
	case DriverMemory:
	default:
		bad("LINGO_DATABASE_DRIVER", "must be sqlite, postgres or memory, not %q", c.Database.Driver)
	}
	if c.Auth.JWTSecret != "" && len(c.Auth.JWTSecret) < 32 {
		bad("LINGO_AUTH_JWT_SECRET", "must be at least 32 characters")
	}
	if c.Auth.Algorithm != "HS256" && c.Auth.Algorithm != "HS384" && c.Auth.Algorithm != "HS512" {
		bad("LINGO_AUTH_ALGORITHM", "must be HS256, HS384 or HS512")
	}
	if c.Auth.AccessTTL <= 0 || c.Auth.RefreshTTL <= c.Auth.AccessTTL {
		bad("LINGO_AUTH_ACCESS_TTL", "must be positive and shorter than LINGO_AUTH_REFRESH_TTL")
	}
	if c.Streak.FreezeMax < 0 || c.Streak.FreezeMax > 100 {
		bad("LINGO_STREAK_FREEZE_MAX", "must be between 0 and 100")
	}
	if c.League.Period < time.Second {
		bad("LINGO_LEAGUE_PERIOD", "must be at least 1s")
	}
	if c.League.CohortSize < 1 || c.League.CohortSize > 1000 {
		bad("LINGO_LEAGUE_COHORT_SIZE", "must be between 1 and 1000")
	}
	if c.League.CloseInterval < time.Second || c.League.CloseInterval > 30*time.Second {
		bad("LINGO_LEAGUE_CLOSE_INTERVAL", "must be between 1s and 30s (weeks close within a minute)")
	}
	if (c.Admin.Email == "") != (c.Admin.Password == "") {
		bad("LINGO_ADMIN_EMAIL", "and LINGO_ADMIN_PASSWORD must be set together")
	}
	if strings.ContainsAny(c.Redis.KeyPrefix, "{}") {
		bad("LINGO_REDIS_KEY_PREFIX", "must not contain braces (they are the keys' hash tags)")
	}
	if c.Redis.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Redis.Addr); err != nil {
			bad("LINGO_REDIS_ADDR", "must be host:port, not %q", c.Redis.Addr)
		}
	}
	for _, p := range c.HTTP.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			bad("LINGO_HTTP_TRUSTED_PROXIES", "%q is not a CIDR or IP", p)
		}
	}
	if c.HTTP.IdleTimeout <= 0 || c.HTTP.IdleTimeout > 2*time.Minute {
		bad("LINGO_HTTP_IDLE_TIMEOUT", "must be positive and at most 2m")
	}
	if c.HTTP.BodyTimeout <= 0 || c.HTTP.BodyTimeout > 30*time.Second {
		bad("LINGO_HTTP_BODY_TIMEOUT", "must be positive and at most 30s")
	}
	if c.HTTP.RequestTimeout <= 0 {
		bad("LINGO_HTTP_REQUEST_TIMEOUT", "must be positive")
	}
	for name, q := range map[string]Quota{"AUTH": c.RateLimit.Auth, "USER": c.RateLimit.User,
		"ANALYTICS": c.RateLimit.Analytics, "HEALTH": c.RateLimit.Health, "GENERAL": c.RateLimit.General} {
		// At most one request per millisecond of the window: the limiter's
		// stores count whole milliseconds (ports.Policy).
		if q.Limit < 1 || q.Limit > 1_000_000 || q.Window < time.Second || int64(q.Limit) > q.Window.Milliseconds() {
			bad("LINGO_RATELIMIT_"+name+"_LIMIT", "must be 1 to 1000000, at most one per millisecond of LINGO_RATELIMIT_%s_WINDOW, with a window of at least 1s", name)
		}
	}
	if c.Health.CheckTimeout <= 0 {
		bad("LINGO_HEALTH_CHECK_TIMEOUT", "must be positive")
	}
	if c.Avatar.MemoryBudget < 64<<20 {
		bad("LINGO_AVATAR_MEMORY_BUDGET", "must be a size of at least 64MiB (what one upload may cost), such as 256MiB")
	}
	if len(problems) > 0 {
		return errors.New("invalid configuration: " + strings.Join(problems, "; "))
	}
	return nil
}
