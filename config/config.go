// Package config holds Lingo's one typed configuration. Values come from
// defaults, then lingo.yaml (or the file named by LINGO_CONFIG), then LINGO_*
// environment variables; Load validates the result and names the variable
// that is wrong.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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
	Streak    Streak
	League    League
	Log       Log
	Avatar    Avatar
	Jobs      Jobs
	Lifecycle Lifecycle
	Version   string
}

type Avatar struct {
	// MemoryBudget bounds, in bytes, what the avatar uploads in progress may
	// cost together while their images are decoded and resized.
	MemoryBudget int64
}

type HTTP struct {
	Addr              string
	TrustedProxies    []string
	CORSOrigins       []string
	PublicBaseURL     string
	ShutdownTimeout   time.Duration
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that waits this long for
	// its next request (at most 2 minutes).
	IdleTimeout time.Duration
	// BodyTimeout is how long a request body may take to arrive whole (at
	// most 30 s).
	BodyTimeout time.Duration
	// RequestTimeout is each request's deadline: after it the request
	// answers 503 and its database work is cancelled.
	RequestTimeout time.Duration
}

type Database struct {
	Driver          string // sqlite, postgres or memory (DriverMemory)
	DSN             string
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	// Migrate applies pending migrations at start; `lingo migrate` applies them regardless.
	Migrate bool
	// SeedDemo fills an empty catalog with the demo courses (on by default for SQLite and memory).
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

// Streak is streak protection's configuration.
type Streak struct {
	FreezeMax int // the most streak freezes a learner holds (0: none)
}

// League is the weekly leagues' configuration.
type League struct {
	// Period is the length of a league week (weeks follow each other from
	// Monday 2024-01-01T00:00:00Z).
	Period time.Duration
	// CohortSize is how many learners a cohort holds.
	CohortSize int
	// CloseInterval is how often the leader looks for weeks to close.
	CloseInterval time.Duration
	// TestPauseAfterCohorts, when positive, stops the close after that many
	// cohorts in this process, for the fault test that kills a close
	// half-way; never set in production.
	TestPauseAfterCohorts int
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
	"http.addr":                       ":8080",
	"http.trusted_proxies":            "",
	"http.cors_origins":               "",
	"http.public_base_url":            "",
	"http.shutdown_timeout":           "15s",
	"http.read_header_timeout":        "10s",
	"http.idle_timeout":               "2m",
	"http.body_timeout":               "30s",
	"http.request_timeout":            "15s",
	"database.driver":                 "sqlite",
	"database.dsn":                    "",
	"database.max_open_conns":         0, // 0: chosen per driver
	"database.max_idle_conns":         0,
	"database.conn_max_lifetime":      "30m",
	"database.migrate":                true,
	"database.seed_demo":              "",
	"data_dir":                        "./data",
	"redis.addr":                      "",
	"redis.password":                  "",
	"redis.db":                        0,
	"redis.key_prefix":                "lingo:",
	"redis.cache_timeout":             "5ms",
	"auth.jwt_secret":                 "",
	"auth.algorithm":                  "HS256",
	"auth.issuer":                     "lingo",
	"auth.audience":                   "lingo-mobile",
	"auth.access_ttl":                 "15m",
	"auth.refresh_ttl":                "720h",
	"admin.email":                     "",
	"admin.password":                  "",
	"ratelimit.enabled":               true,
	"ratelimit.auth.limit":            5,
	"ratelimit.auth.window":           "60s",
	"ratelimit.auth.lockout":          "5m",
	"ratelimit.user.limit":            60,
	"ratelimit.user.window":           "60s",
	"ratelimit.analytics.limit":       100,
	"ratelimit.analytics.window":      "60s",
	"ratelimit.health.limit":          30,
	"ratelimit.health.window":         "60s",
	"ratelimit.general.limit":         120,
	"ratelimit.general.window":        "60s",
	"health.check_timeout":            "1s",
	"health.cache_ttl":                "1s",
	"streak.freeze_max":               2,
	"league.period":                   "168h",
	"league.cohort_size":              30,
	"league.close_interval":           "30s",
	"league.test_pause_after_cohorts": 0,
	"log.level":                       "info",
	"log.format":                      "json",
	"avatar.memory_budget":            "256MiB",
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
			IdleTimeout:       v.GetDuration("http.idle_timeout"),
			BodyTimeout:       v.GetDuration("http.body_timeout"),
			RequestTimeout:    v.GetDuration("http.request_timeout"),
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
		Avatar: Avatar{MemoryBudget: parseBytes(v.GetString("avatar.memory_budget"))},
		Health: Health{
			CheckTimeout: v.GetDuration("health.check_timeout"),
			CacheTTL:     v.GetDuration("health.cache_ttl"),
		},
		Streak: Streak{FreezeMax: v.GetInt("streak.freeze_max")},
		League: League{Period: v.GetDuration("league.period"), CohortSize: v.GetInt("league.cohort_size"),
			CloseInterval: v.GetDuration("league.close_interval"), TestPauseAfterCohorts: v.GetInt("league.test_pause_after_cohorts")},
		Log:     Log{Level: v.GetString("log.level"), Format: v.GetString("log.format")},
		Version: Version,
	}
	jobs, jobProblems := loadJobs(v)
	if len(jobProblems) > 0 {
		return Config{}, errors.New("invalid configuration: " + strings.Join(jobProblems, "; "))
	}
	c.Jobs = jobs
	life, lifeProblems := loadLifecycle(v)
	if len(lifeProblems) > 0 {
		return Config{}, errors.New("invalid configuration: " + strings.Join(lifeProblems, "; "))
	}
	c.Lifecycle = life
	seed := v.GetString("database.seed_demo")
	c.Database.SeedDemo = seed == "true" || (seed == "" && (c.Database.Driver == "sqlite" || c.Database.Driver == DriverMemory))

	if err := c.validate(); err != nil {
		return Config{}, err
	}
	if c.Database.Driver == "sqlite" && c.Database.DSN == "" {
		c.Database.DSN = sqliteDSN(filepath.Join(c.DataDir, "lingo.db"), min(sqliteBusyTimeout, c.HTTP.RequestTimeout))
	}
	if c.Auth.JWTSecret == "" && c.Database.Driver == DriverMemory {
		// Nothing else survives a restart either: a secret made per start.
		c.Auth.JWTSecret = randomSecret()
	}
	return c, nil
}

// DriverMemory keeps every storage port in the process's memory: for tests
// and demos, since nothing survives a restart.
const DriverMemory = "memory"

// Version is set at build time with -ldflags "-X .../config.Version=...".
var Version = "dev"

// SQLiteDSN is the connection string of a SQLite file with the pragmas Lingo
// needs: WAL so readers do not block the writer, foreign keys on, a busy
// timeout so concurrent writers wait instead of failing, and immediate
// transactions so a read-then-write transaction never deadlocks on upgrade.
func SQLiteDSN(path string) string { return sqliteDSN(path, sqliteBusyTimeout) }

// sqliteBusyTimeout is the longest a writer waits for SQLite's write lock.
// The embedded default waits at most the request deadline: the SQLite
// driver's busy wait does not watch a context, so a request stalled on the
// lock would otherwise outlive its deadline (the OpenAPI document, "Limits").
const sqliteBusyTimeout = 10 * time.Second

func sqliteDSN(path string, busy time.Duration) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(" +
		strconv.FormatInt(busy.Milliseconds(), 10) + ")&_pragma=synchronous(NORMAL)&_txlock=immediate"
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
