package bootstrap_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/adapters/redis"
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
		"limiter off": {"LINGO_DATA_DIR": t.TempDir(), "LINGO_RATELIMIT_ENABLED": "false"},
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
