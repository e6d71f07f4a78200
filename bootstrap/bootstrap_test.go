package bootstrap_test

import (
	"testing"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/bootstrap"
	"github.com/lingo-labs/lingo/config"
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
			if err := fx.ValidateApp(bootstrap.Graph(cfg, bootstrap.Options{Logger: zap.NewNop()})...); err != nil {
				t.Fatal(err)
			}
		})
	}
}
