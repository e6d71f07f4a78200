package bootstrap_test

import (
	"testing"

	"go.uber.org/fx"
	"go.uber.org/zap"

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
		"embedded default": {"LINGO_DATA_DIR": t.TempDir()},
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
