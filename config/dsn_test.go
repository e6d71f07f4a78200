package config_test

import (
	"strings"
	"testing"

	"github.com/lingo-labs/lingo/config"
)

func TestRedactDSN(t *testing.T) {
	cases := []struct {
		name, dsn, want string
		secrets         []string
	}{
		{"url userinfo", "postgres://lingo:pa55word@db:5432/lingo?sslmode=disable",
			"postgres://lingo:[redacted]@db:5432/lingo?sslmode=disable", []string{"pa55word"}},
		{"url percent-encoded password", "postgresql://lingo:p%40ss%20word@db/lingo",
			"postgresql://lingo:[redacted]@db/lingo", []string{"p%40ss%20word", "p@ss word"}},
		{"url unencoded @ in password", "postgres://lingo:p@ss@db/lingo",
			"postgres://lingo:[redacted]@db/lingo", []string{"p@ss"}},
		{"url query password", "postgres://db/lingo?user=lingo&password=qu3ry-secret&sslmode=require",
			"postgres://db/lingo?user=lingo&password=[redacted]&sslmode=require", []string{"qu3ry-secret"}},
		{"url query sslpassword in capitals", "postgres://u@db/lingo?sslkey=/k.pem&SSLPASSWORD=k3y-pass",
			"postgres://u@db/lingo?sslkey=/k.pem&SSLPASSWORD=[redacted]", []string{"k3y-pass"}},
		{"url encoded key", "postgres://db/lingo?pass%77ord=enc0ded",
			"postgres://db/lingo?pass%77ord=[redacted]", []string{"enc0ded"}},
		{"url both", "postgres://u:one-secret@db/x?password=two-secret",
			"postgres://u:[redacted]@db/x?password=[redacted]", []string{"one-secret", "two-secret"}},
		{"url no password", "postgres://u@db/x?sslmode=disable", "postgres://u@db/x?sslmode=disable", nil},
		{"kv plain", "host=db user=lingo password=pa55 dbname=x",
			"host=db user=lingo password=[redacted] dbname=x", []string{"pa55"}},
		{"kv spaces around =", "host=db password = x dbname=x",
			"host=db password = [redacted] dbname=x", []string{"x"}},
		{"kv quoted with space", "host=db password='a b' dbname=x",
			"host=db password=[redacted] dbname=x", []string{"'a b'", "a b"}},
		{"kv quoted with escaped quote", `host=db password='it\'s se cret' user=u`,
			"host=db password=[redacted] user=u", []string{`'it\'s se cret'`, "it's se cret"}},
		{"kv unquoted escape", `password=back\ slash host=db`,
			"password=[redacted] host=db", []string{`back\ slash`, "back slash"}},
		{"kv sslpassword", "host=db sslkey=/k.pem sslpassword=k3y-pass",
			"host=db sslkey=/k.pem sslpassword=[redacted]", []string{"k3y-pass"}},
		{"kv upper-case key", "PASSWORD=Upper1 host=db", "PASSWORD=[redacted] host=db", []string{"Upper1"}},
		{"kv unterminated quote", "host=db password='never ends", "[redacted]", nil},
		{"kv garbage", "host db password secret", "[redacted]", nil},
		{"sqlite file", "file:/data/lingo.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)",
			"file:/data/lingo.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := config.RedactDSN(c.dsn); got != c.want {
				t.Errorf("RedactDSN = %q, want %q", got, c.want)
			}
			got := config.DSNSecrets(c.dsn)
			for _, s := range c.secrets {
				if !contains(got, s) {
					t.Errorf("DSNSecrets = %q, missing %q", got, s)
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestRedactorReplacesEverySecret(t *testing.T) {
	c := config.Config{}
	c.Database.DSN = `host=127.0.0.1 password = 'dsn \'quoted\' secret' sslpassword=key-passphrase`
	c.Redis.Password = "redis-secret"
	c.Auth.JWTSecret = "jwt-secret-jwt-secret"
	c.Admin.Password = "admin-secret"
	r := config.NewRedactor(c)
	text := "cannot parse `" + c.Database.DSN + "`: dsn 'quoted' secret, key-passphrase, redis-secret, " +
		`jwt-secret-jwt-secret, admin-secret, {"p":"dsn 'quoted' secret"}`
	got := r.Redact(text)
	for _, s := range []string{"quoted", "key-passphrase", "redis-secret", "jwt-secret", "admin-secret"} {
		if strings.Contains(got, s) {
			t.Errorf("%q survived: %s", s, got)
		}
	}
	if !strings.Contains(got, "host=127.0.0.1") {
		t.Errorf("redaction took more than the secrets: %s", got)
	}
}
