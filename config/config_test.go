package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/config"
)

func load(t *testing.T, env map[string]string) (config.Config, error) {
	t.Helper()
	if _, ok := env["LINGO_DATA_DIR"]; !ok {
		env["LINGO_DATA_DIR"] = t.TempDir()
	}
	return config.Load(func(k string) string { return env[k] })
}

func TestDefaults(t *testing.T) {
	c, err := load(t, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Addr != ":8080" || c.Database.Driver != "sqlite" || c.Redis.Addr != "" || !c.RateLimit.Enabled {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if !strings.Contains(c.Database.DSN, "lingo.db") || !c.Database.SeedDemo {
		t.Fatalf("sqlite default: dsn %q seed %v", c.Database.DSN, c.Database.SeedDemo)
	}
	if c.Auth.AccessTTL != 15*time.Minute || c.Auth.RefreshTTL != 30*24*time.Hour {
		t.Fatalf("token lifetimes: %v %v", c.Auth.AccessTTL, c.Auth.RefreshTTL)
	}
	if c.RateLimit.Auth.Limit != 5 || c.RateLimit.Auth.Lockout != 5*time.Minute || c.RateLimit.General.Limit != 120 {
		t.Fatalf("quotas: %+v", c.RateLimit)
	}
	if c.Streak.FreezeMax != 2 {
		t.Fatalf("streak freeze cap: %d", c.Streak.FreezeMax)
	}
}

func TestStreakFreezeMaxFromTheEnvironment(t *testing.T) {
	c, err := load(t, map[string]string{"LINGO_STREAK_FREEZE_MAX": "5"})
	if err != nil || c.Streak.FreezeMax != 5 {
		t.Fatalf("freeze cap %d, err %v", c.Streak.FreezeMax, err)
	}
}

// Loading the configuration writes nothing: the embedded default's signing
// secret is made by bootstrap at start (adapters/jwt.SecretFile).
func TestLoadWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	c, err := load(t, map[string]string{"LINGO_DATA_DIR": dir})
	if err != nil {
		t.Fatal(err)
	}
	if c.Auth.JWTSecret != "" {
		t.Fatal("no secret was configured, yet Load returned one")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("Load touched the data directory: %v", err)
	}
}

func TestEnvironmentOverridesFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "lingo.yaml")
	yaml := "http:\n  addr: \":9000\"\n  cors_origins: [\"https://a.example\", \"https://b.example\"]\nratelimit:\n  user:\n    limit: 7\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := load(t, map[string]string{"LINGO_CONFIG": file, "LINGO_RATELIMIT_USER_LIMIT": "9",
		"LINGO_HTTP_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Addr != ":9000" || c.RateLimit.User.Limit != 9 || len(c.HTTP.CORSOrigins) != 2 || len(c.HTTP.TrustedProxies) != 2 {
		t.Fatalf("got %+v %+v", c.HTTP, c.RateLimit.User)
	}
}

func TestValidationNamesTheVariable(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"postgres needs a secret", map[string]string{"LINGO_DATABASE_DRIVER": "postgres", "LINGO_DATABASE_DSN": "postgres://x@h/db"}, "LINGO_AUTH_JWT_SECRET"},
		{"postgres needs a dsn", map[string]string{"LINGO_DATABASE_DRIVER": "postgres", "LINGO_AUTH_JWT_SECRET": strings.Repeat("s", 32)}, "LINGO_DATABASE_DSN"},
		{"unknown driver", map[string]string{"LINGO_DATABASE_DRIVER": "oracle"}, "LINGO_DATABASE_DRIVER"},
		{"bad redis address", map[string]string{"LINGO_REDIS_ADDR": "localhost"}, "LINGO_REDIS_ADDR"},
		{"bad proxy", map[string]string{"LINGO_HTTP_TRUSTED_PROXIES": "not-a-cidr"}, "LINGO_HTTP_TRUSTED_PROXIES"},
		{"admin half set", map[string]string{"LINGO_ADMIN_EMAIL": "a@b.co"}, "LINGO_ADMIN_PASSWORD"},
		{"short secret", map[string]string{"LINGO_AUTH_JWT_SECRET": "short"}, "LINGO_AUTH_JWT_SECRET"},
		{"zero quota", map[string]string{"LINGO_RATELIMIT_USER_LIMIT": "0"}, "LINGO_RATELIMIT_USER_LIMIT"},
		{"negative freeze cap", map[string]string{"LINGO_STREAK_FREEZE_MAX": "-1"}, "LINGO_STREAK_FREEZE_MAX"},
		{"more than a request per millisecond", map[string]string{"LINGO_RATELIMIT_USER_LIMIT": "60001"}, "LINGO_RATELIMIT_USER_WINDOW"},
		{"idle connections kept over 2 minutes", map[string]string{"LINGO_HTTP_IDLE_TIMEOUT": "3m"}, "LINGO_HTTP_IDLE_TIMEOUT"},
		{"bodies given over 30 s", map[string]string{"LINGO_HTTP_BODY_TIMEOUT": "31s"}, "LINGO_HTTP_BODY_TIMEOUT"},
		{"no request deadline", map[string]string{"LINGO_HTTP_REQUEST_TIMEOUT": "-1s"}, "LINGO_HTTP_REQUEST_TIMEOUT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := load(t, c.env)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one naming %s", err, c.want)
			}
		})
	}
}

func TestRedactedHidesSecrets(t *testing.T) {
	c, err := load(t, map[string]string{"LINGO_DATABASE_DRIVER": "postgres",
		"LINGO_DATABASE_DSN":    "postgres://lingo:pa55word@db:5432/lingo",
		"LINGO_AUTH_JWT_SECRET": "super-secret-super-secret-super-secret", "LINGO_ADMIN_EMAIL": "root@lingo.app",
		"LINGO_ADMIN_PASSWORD": "hunter22hunter22"})
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Join(func() []string {
		var out []string
		for _, v := range c.Redacted() {
			out = append(out, toString(v))
		}
		return out
	}(), " ")
	for _, secret := range []string{"pa55word", "super-secret", "hunter22"} {
		if strings.Contains(s, secret) {
			t.Fatalf("redacted config shows %q: %s", secret, s)
		}
	}
	if got := config.RedactDSN("host=db user=lingo password=pa55 dbname=x"); strings.Contains(got, "pa55") {
		t.Fatalf("key=value DSN not redacted: %s", got)
	}
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []string:
		return strings.Join(x, ",")
	}
	return ""
}

// TestMemoryDriver: LINGO_DATABASE_DRIVER=memory needs no DSN or secret,
// seeds the demo catalog and writes nothing to the data directory, since
// nothing it keeps survives a restart.
func TestMemoryDriver(t *testing.T) {
	dir := t.TempDir()
	c, err := load(t, map[string]string{"LINGO_DATABASE_DRIVER": "MEMORY", "LINGO_DATA_DIR": dir})
	if err != nil {
		t.Fatal(err)
	}
	if c.Database.Driver != config.DriverMemory || !c.Database.SeedDemo || c.Database.DSN != "" || len(c.Auth.JWTSecret) < 32 {
		t.Fatalf("memory: %+v, secret of %d characters", c.Database, len(c.Auth.JWTSecret))
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("the memory driver wrote %v to the data directory", entries)
	}
	off, err := load(t, map[string]string{"LINGO_DATABASE_DRIVER": "memory", "LINGO_DATABASE_SEED_DEMO": "false"})
	if err != nil || off.Database.SeedDemo {
		t.Fatalf("seed off: %v %v", off.Database.SeedDemo, err)
	}
	if _, err := load(t, map[string]string{"LINGO_DATABASE_DRIVER": "mysql"}); err == nil ||
		!strings.Contains(err.Error(), "sqlite, postgres or memory") {
		t.Fatalf("an unknown driver: %v", err)
	}
}
