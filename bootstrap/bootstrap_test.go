package bootstrap_test

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"go.uber.org/fx"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/adapters/redis"
	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/application/avatars"
	"github.com/lingo-labs/lingo/application/preferences"
	"github.com/lingo-labs/lingo/bootstrap"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/ports"
)

// TestGraphsValidate checks that every configuration's dependency graph is
// complete, without starting anything.
func TestGraphsValidate(t *testing.T) {
	cases := map[string]map[string]string{
		"embedded default":             {"LINGO_DATA_DIR": t.TempDir()},
		"embedded database with redis": {"LINGO_DATA_DIR": t.TempDir(), "LINGO_REDIS_ADDR": "127.0.0.1:6379"},
		"postgres without redis": {
			"LINGO_DATABASE_DRIVER": "postgres", "LINGO_DATABASE_DSN": "postgres://lingo@127.0.0.1:5432/lingo",
			"LINGO_AUTH_JWT_SECRET": "0123456789abcdef0123456789abcdef",
		},
		"limiter off":             {"LINGO_DATA_DIR": t.TempDir(), "LINGO_RATELIMIT_ENABLED": "false"},
		"memory store":            {"LINGO_DATA_DIR": t.TempDir(), "LINGO_DATABASE_DRIVER": "memory"},
		"memory store with redis": {"LINGO_DATA_DIR": t.TempDir(), "LINGO_DATABASE_DRIVER": "memory", "LINGO_REDIS_ADDR": "127.0.0.1:6379"},
		"postgres and redis": {
			"LINGO_DATABASE_DRIVER": "postgres", "LINGO_DATABASE_DSN": "postgres://lingo@127.0.0.1:5432/lingo",
			"LINGO_REDIS_ADDR": "127.0.0.1:6379", "LINGO_AUTH_JWT_SECRET": "0123456789abcdef0123456789abcdef",
		},
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			cfg, err := config.Load(func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			// The invoke names what the settings module (issue 4) must provide,
			// so a missing binding fails here rather than at the first upload.
			settings := fx.Invoke(func(ports.PreferencesRepository, ports.AvatarStore, ports.ImageProcessor,
				*avatars.Service, *preferences.Service) {
			})
			opts := bootstrap.Options{Logger: zap.NewNop(), FX: []fx.Option{settings}}
			if err := fx.ValidateApp(bootstrap.Graph(cfg, opts)...); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCacheSelection checks which adapters serve the cache ports for each
// value of LINGO_REDIS_ADDR. Building the graph connects to nothing: the
// Redis client dials on its first command.
func TestCacheSelection(t *testing.T) {
	cases := []struct {
		name          string
		redisAddr     string
		wantCache     any
		wantInspector any
	}{
		{"no address: in-process", "", &memory.Cache{}, &memory.Cache{}},
		{"an address: Redis", "127.0.0.1:1", &redis.Cache{}, &redis.Probe{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{"LINGO_DATA_DIR": t.TempDir(), "LINGO_REDIS_ADDR": c.redisAddr, "LINGO_HTTP_ADDR": "127.0.0.1:0"}
			cfg, err := config.Load(func(k string) string { return env[k] })
			require.NoError(t, err)
			var (
				cache     ports.Cache
				inspector ports.CacheInspector
				probes    []ports.HealthProbe
			)
			app := fx.New(append(bootstrap.Graph(cfg, bootstrap.Options{Logger: zap.NewNop()}),
				fx.Populate(&cache, &inspector), fx.Invoke(fx.Annotate(func(p []ports.HealthProbe) { probes = p }, fx.ParamTags(`group:"probes"`))))...)
			require.NoError(t, app.Err())
			assert.IsType(t, c.wantCache, cache)
			assert.IsType(t, c.wantInspector, inspector)
			var names []string
			for _, p := range probes {
				names = append(names, p.Component())
			}
			assert.ElementsMatch(t, []string{"database", "redis", "avatar_storage", "job_engine"}, names)
		})
	}
}

// TestStorageSelection checks which adapter serves every storage port for
// each LINGO_DATABASE_DRIVER, and that the memory store says at start that
// nothing survives a restart.
func TestStorageSelection(t *testing.T) {
	cases := []struct {
		driver    string
		wantUsers any
		wantPool  any
	}{
		{"sqlite", &sqlstore.UserRepository{}, &sqlstore.DB{}},
		{"memory", memory.Users{}, &memory.Store{}},
	}
	for _, c := range cases {
		t.Run(c.driver, func(t *testing.T) {
			env := map[string]string{"LINGO_DATA_DIR": t.TempDir(), "LINGO_DATABASE_DRIVER": c.driver, "LINGO_HTTP_ADDR": "127.0.0.1:0"}
			cfg, err := config.Load(func(k string) string { return env[k] })
			require.NoError(t, err)
			core, logs := observer.New(zapcore.InfoLevel)
			var (
				users    ports.UserRepository
				tokens   ports.RefreshTokenStore
				prefs    ports.PreferencesRepository
				settings ports.LearnerSettings
				cat      ports.CatalogRepository
				events   ports.EventStore
				prog     ports.ProgressStore
				pool     ports.DatabasePool
				outbox   ports.Outbox
				hooks    ports.WebhookStore
				rem      ports.ReminderStore
			)
			app := fx.New(append(bootstrap.Graph(cfg, bootstrap.Options{Logger: zap.New(core)}),
				fx.Populate(&users, &tokens, &prefs, &settings, &cat, &events, &prog, &pool, &outbox, &hooks, &rem))...)
			require.NoError(t, app.Err())
			assert.IsType(t, c.wantUsers, users)
			assert.IsType(t, c.wantPool, pool)
			// The job engine's storage too (issue 14), on every driver.
			for _, p := range []any{tokens, prefs, settings, cat, events, prog, outbox, hooks, rem} {
				assert.Equal(t, pkgOf(c.wantUsers), pkgOf(p), "%T comes from another adapter", p)
			}
			warned := logs.FilterMessageSnippet("nothing survives a restart").Len() > 0
			assert.Equal(t, c.driver == "memory", warned)
		})
	}
}

func pkgOf(v any) string {
	t := reflect.TypeOf(v)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.PkgPath()
}
