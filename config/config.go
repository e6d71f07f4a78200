// Package config holds Lingo's one typed configuration. Values come from
// defaults, then lingo.yaml (or the file named by LINGO_CONFIG), then LINGO_*
// environment variables; Load validates the result and names the variable
// that is wrong.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/viper"
)

// Config is everything Lingo reads at start.
type Config struct {
	HTTP      HTTP
	Database  Database
	DataDir   string
	Redis     Redis
	Auth      Auth
	Admin     Admin
	RateLimit RateLimit
	Health    Health
	Log       Log
	Jobs      Jobs
	Version   string
}

type HTTP struct {
	Addr              string
	TrustedProxies    []string
	CORSOrigins       []string
	PublicBaseURL     string
	ShutdownTimeout   time.Duration
	ReadHeaderTimeout time.Duration
}

type Database struct {
	Driver          string // sqlite or postgres
	DSN             string
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	// Migrate applies pending migrations at start; `lingo migrate` applies them regardless.
	Migrate bool
	// SeedDemo fills an empty catalog with the demo courses (on by default for SQLite).
	SeedDemo bool
}

type Redis struct {
	Addr     string // empty: in-process adapters
	Password string
	DB       int
	// KeyPrefix starts every key Lingo writes, so several deployments (or
	// test runs) can share one Redis.
	KeyPrefix string
	// CacheTimeout bounds each cache lookup; one that takes longer is a miss.
	CacheTimeout time.Duration
}

type Auth struct {
	JWTSecret  string
	Algorithm  string
	Issuer     string
	Audience   string
	AccessTTL  time.Duration
	RefreshTTL time.Duration
}

type Admin struct {
	Email    string
	Password string
}

// Quota is one rate-limit class's allowance.
type Quota struct {
	Limit   int
	Window  time.Duration
	Lockout time.Duration // 0: no lockout
}

type RateLimit struct {
	Enabled   bool
	Auth      Quota
	User      Quota
	Analytics Quota
	Health    Quota
	General   Quota
}

type Health struct {
	CheckTimeout time.Duration
	CacheTTL     time.Duration
}

type Log struct {
	Level  string
	Format string // json or console
}

// Getenv reads one environment variable; tests pass a map's lookup.
type Getenv func(string) string

// keys lists every key with its default. viper's AutomaticEnv only sees keys
// that have a default, so every key must be here, even the empty ones.
var keys = map[string]any{
	"http.addr":                  ":8080",
	"http.trusted_proxies":       "",
	"http.cors_origins":          "",
	"http.public_base_url":       "",
	"http.shutdown_timeout":      "15s",
	"http.read_header_timeout":   "10s",
	"database.driver":            "sqlite",
	"database.dsn":               "",
	"database.max_open_conns":    0, // 0: chosen per driver
	"database.max_idle_conns":    0,
	"database.conn_max_lifetime": "30m",
	"database.migrate":           true,
	"database.seed_demo":         "",
	"data_dir":                   "./data",
	"redis.addr":                 "",
	"redis.password":             "",
	"redis.db":                   0,
	"redis.key_prefix":           "lingo:",
	"redis.cache_timeout":        "5ms",
	"auth.jwt_secret":            "",
	"auth.algorithm":             "HS256",
	"auth.issuer":                "lingo",
	"auth.audience":              "lingo-mobile",
	"auth.access_ttl":            "15m",
	"auth.refresh_ttl":           "720h",
	"admin.email":                "",
	"admin.password":             "",
	"ratelimit.enabled":          true,
	"ratelimit.auth.limit":       5,
	"ratelimit.auth.window":      "60s",
	"ratelimit.auth.lockout":     "5m",
	"ratelimit.user.limit":       60,
	"ratelimit.user.window":      "60s",
	"ratelimit.analytics.limit":  100,
	"ratelimit.analytics.window": "60s",
	"ratelimit.health.limit":     30,
	"ratelimit.health.window":    "60s",
	"ratelimit.general.limit":    120,
	"ratelimit.general.window":   "60s",
	"health.check_timeout":       "1s",
	"health.cache_ttl":           "1s",
	"log.level":                  "info",
	"log.format":                 "json",
}

// Load reads the configuration. getenv is the process environment in
// production and a fake in tests, so tests never touch os.Environ.
func Load(getenv Getenv) (Config, error) {
	v := viper.New()
	for k, d := range keys {
		v.SetDefault(k, d)
	}
	v.SetEnvPrefix("LINGO")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	// viper reads the real environment; copy the injected one into its
	// overrides so a test's getenv wins and nothing leaks in from the shell.
	for k := range keys {
		env := "LINGO_" + strings.ToUpper(strings.ReplaceAll(k, ".", "_"))
		if val := getenv(env); val != "" {
			v.Set(k, val)
		}
	}

	file := getenv("LINGO_CONFIG")
	explicit := file != ""
	if !explicit {
		file = "lingo.yaml"
	}
	if _, err := os.Stat(file); err == nil || explicit {
		v.SetConfigFile(file)
		if err := v.MergeInConfig(); err != nil {
			return Config{}, fmt.Errorf("read config file %s (LINGO_CONFIG): %w", file, err)
		}
		// The environment still wins over the file.
		for k := range keys {
			env := "LINGO_" + strings.ToUpper(strings.ReplaceAll(k, ".", "_"))
			if val := getenv(env); val != "" {
				v.Set(k, val)
			}
		}
	}

	c := Config{
		HTTP: HTTP{
			Addr:              v.GetString("http.addr"),
			TrustedProxies:    list(v.Get("http.trusted_proxies")),
			CORSOrigins:       list(v.Get("http.cors_origins")),
			PublicBaseURL:     strings.TrimRight(v.GetString("http.public_base_url"), "/"),
			ShutdownTimeout:   v.GetDuration("http.shutdown_timeout"),
			ReadHeaderTimeout: v.GetDuration("http.read_header_timeout"),
		},
		Database: Database{
			Driver:          strings.ToLower(v.GetString("database.driver")),
			DSN:             v.GetString("database.dsn"),
			MaxOpenConns:    v.GetInt("database.max_open_conns"),
			MaxIdleConns:    v.GetInt("database.max_idle_conns"),
			ConnMaxLifetime: v.GetDuration("database.conn_max_lifetime"),
			Migrate:         v.GetBool("database.migrate"),
		},
		DataDir: v.GetString("data_dir"),
		Redis: Redis{
			Addr:         v.GetString("redis.addr"),
			Password:     v.GetString("redis.password"),
			DB:           v.GetInt("redis.db"),
			KeyPrefix:    v.GetString("redis.key_prefix"),
			CacheTimeout: v.GetDuration("redis.cache_timeout"),
		},
		Auth: Auth{
			JWTSecret:  v.GetString("auth.jwt_secret"),
			Algorithm:  v.GetString("auth.algorithm"),
			Issuer:     v.GetString("auth.issuer"),
			Audience:   v.GetString("auth.audience"),
			AccessTTL:  v.GetDuration("auth.access_ttl"),
			RefreshTTL: v.GetDuration("auth.refresh_ttl"),
		},
		Admin: Admin{Email: v.GetString("admin.email"), Password: v.GetString("admin.password")},
		RateLimit: RateLimit{
			Enabled:   v.GetBool("ratelimit.enabled"),
			Auth:      Quota{v.GetInt("ratelimit.auth.limit"), v.GetDuration("ratelimit.auth.window"), v.GetDuration("ratelimit.auth.lockout")},
			User:      Quota{Limit: v.GetInt("ratelimit.user.limit"), Window: v.GetDuration("ratelimit.user.window")},
			Analytics: Quota{Limit: v.GetInt("ratelimit.analytics.limit"), Window: v.GetDuration("ratelimit.analytics.window")},
			Health:    Quota{Limit: v.GetInt("ratelimit.health.limit"), Window: v.GetDuration("ratelimit.health.window")},
			General:   Quota{Limit: v.GetInt("ratelimit.general.limit"), Window: v.GetDuration("ratelimit.general.window")},
		},
		Health: Health{
			CheckTimeout: v.GetDuration("health.check_timeout"),
			CacheTTL:     v.GetDuration("health.cache_ttl"),
		},
		Log:     Log{Level: v.GetString("log.level"), Format: v.GetString("log.format")},
		Version: Version,
	}
	jobs, jobProblems := loadJobs(v)
	if len(jobProblems) > 0 {
		return Config{}, errors.New("invalid configuration: " + strings.Join(jobProblems, "; "))
	}
	c.Jobs = jobs
	seed := v.GetString("database.seed_demo")
	c.Database.SeedDemo = seed == "true" || (seed == "" && c.Database.Driver == "sqlite")

	if err := c.validate(); err != nil {
		return Config{}, err
	}
	if c.Database.Driver == "sqlite" && c.Database.DSN == "" {
		c.Database.DSN = SQLiteDSN(filepath.Join(c.DataDir, "lingo.db"))
	}
	if c.Auth.JWTSecret == "" { // only the embedded default gets here (validate)
		secret, err := embeddedSecret(c.DataDir)
		if err != nil {
			return Config{}, err
		}
		c.Auth.JWTSecret = secret
	}
	return c, nil
}

// Version is set at build time with -ldflags "-X .../config.Version=...".
var Version = "dev"

// SQLiteDSN is the connection string of a SQLite file with the pragmas Lingo
// needs: WAL so readers do not block the writer, foreign keys on, a busy
// timeout so concurrent writers wait instead of failing, and immediate
// transactions so a read-then-write transaction never deadlocks on upgrade.
func SQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
}

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
	default:
		bad("LINGO_DATABASE_DRIVER", "must be sqlite or postgres, not %q", c.Database.Driver)
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
	if len(problems) > 0 {
		return errors.New("invalid configuration: " + strings.Join(problems, "; "))
	}
	return nil
}

// embeddedSecret reads the signing secret kept in the data directory, making
// it on first start, so tokens survive restarts of the embedded default.
func embeddedSecret(dir string) (string, error) {
	path := filepath.Join(dir, "jwt_secret")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return strings.TrimSpace(string(b)), nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create data directory %s (LINGO_DATA_DIR): %w", dir, err)
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	secret := hex.EncodeToString(buf)
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s (LINGO_DATA_DIR): %w", path, err)
	}
	return secret, nil
}

func list(v any) []string {
	var raw []string
	switch x := v.(type) {
	case string:
		raw = strings.Split(x, ",")
	case []any:
		for _, e := range x {
			raw = append(raw, fmt.Sprint(e))
		}
	case []string:
		raw = x
	}
	var out []string
	for _, s := range raw {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Redacted is the configuration as it may be logged: secrets replaced.
func (c Config) Redacted() map[string]any {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "[redacted]"
	}
	return map[string]any{
		"http_addr": c.HTTP.Addr, "trusted_proxies": c.HTTP.TrustedProxies, "cors_origins": c.HTTP.CORSOrigins,
		"database_driver": c.Database.Driver, "database_dsn": RedactDSN(c.Database.DSN), "data_dir": c.DataDir,
		"redis_addr": c.Redis.Addr, "redis_password": mask(c.Redis.Password), "jwt_secret": mask(c.Auth.JWTSecret),
		"admin_email": c.Admin.Email, "admin_password": mask(c.Admin.Password), "ratelimit_enabled": c.RateLimit.Enabled,
		"version": c.Version,
	}
}

// RedactDSN hides a password in a URL or key=value connection string.
func RedactDSN(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		rest := dsn[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if colon := strings.Index(rest[:at], ":"); colon >= 0 {
				return dsn[:i+3] + rest[:colon] + ":[redacted]" + rest[at:]
			}
		}
	}
	fields := strings.Fields(dsn)
	for i, f := range fields {
		if strings.HasPrefix(strings.ToLower(f), "password=") {
			fields[i] = "password=[redacted]"
		}
	}
	if len(fields) > 1 {
		return strings.Join(fields, " ")
	}
	return dsn
}
