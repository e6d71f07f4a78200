package bootstrap_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/lingo-labs/lingo/bootstrap"
	"github.com/lingo-labs/lingo/config"
)

// closedPort is a loopback port nobody listens on, so the app's connection
// attempts fail at once and their errors reach the logs.
func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return port
}

// TestLogsNeverShowDSNSecrets starts the app on DSNs of every form whose
// database cannot be reached (or whose text the driver refuses and echoes),
// and checks that no log line, however it was written, holds the secret.
func TestLogsNeverShowDSNSecrets(t *testing.T) {
	const secret = "Sup3r-s3cret"
	port := closedPort(t)
	dsns := map[string]string{
		"url userinfo":        fmt.Sprintf("postgres://lingo:%s@127.0.0.1:%d/lingo?sslmode=disable", secret, port),
		"url query password":  fmt.Sprintf("postgres://127.0.0.1:%d/lingo?user=lingo&password=%s&sslmode=disable", port, secret),
		"url query sslpass":   fmt.Sprintf("postgres://lingo@127.0.0.1:%d/lingo?sslmode=disable&sslpassword=%s", port, secret),
		"kv spaces":           fmt.Sprintf("host=127.0.0.1 port=%d user=lingo password = %s sslmode=disable", port, secret),
		"kv quoted":           fmt.Sprintf(`host=127.0.0.1 port=%d password='%s with \' quote' sslmode=disable`, port, secret),
		"kv refused by pgx":   fmt.Sprintf("host=127.0.0.1 port=not-a-port password = %s", secret),
		"url refused by pgx":  fmt.Sprintf("postgres://lingo:%s@127.0.0.1:not-a-port/lingo", secret),
		"kv sslpassword":      fmt.Sprintf("host=127.0.0.1 port=%d sslpassword=%s sslmode=disable", port, secret),
		"url encoded query":   fmt.Sprintf("postgres://127.0.0.1:%d/lingo?pass%%77ord=%s", port, secret),
		"kv quoted no escape": fmt.Sprintf("host=127.0.0.1 port=%d password='%s and more'", port, secret),
	}
	for name, dsn := range dsns {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{
				"LINGO_DATABASE_DRIVER": "postgres", "LINGO_DATABASE_DSN": dsn, "LINGO_HTTP_ADDR": "127.0.0.1:0",
				"LINGO_AUTH_JWT_SECRET": "0123456789abcdef0123456789abcdef", "LINGO_LOG_LEVEL": "debug",
				"LINGO_DATA_DIR": t.TempDir(),
			}
			cfg, err := config.Load(func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			core, logs := observer.New(zapcore.DebugLevel)
			app := bootstrap.New(cfg, bootstrap.Options{Logger: zap.New(core)})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := app.Start(ctx); err == nil {
				// Give background work (readiness, migrations retried) a moment to log.
				time.Sleep(300 * time.Millisecond)
				_ = app.Stop(ctx)
			}
			enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
			var all strings.Builder
			for _, e := range logs.All() {
				buf, err := enc.EncodeEntry(e.Entry, e.Context)
				if err != nil {
					t.Fatal(err)
				}
				all.Write(buf.Bytes())
			}
			if all.Len() == 0 {
				t.Fatal("nothing was logged")
			}
			if strings.Contains(all.String(), secret) {
				t.Fatalf("a log line shows the DSN secret:\n%s", all.String())
			}
		})
	}
}

// TestStartFailsOnAStepThatIsNotAnOutage: only an unreachable database lets
// the server start not ready; a bad bootstrap admin password still fails the
// start, as before start-up steps could be retried.
func TestStartFailsOnAStepThatIsNotAnOutage(t *testing.T) {
	env := map[string]string{"LINGO_DATA_DIR": t.TempDir(), "LINGO_HTTP_ADDR": "127.0.0.1:0",
		"LINGO_ADMIN_EMAIL": "root@lingo.example", "LINGO_ADMIN_PASSWORD": "short"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	app := bootstrap.New(cfg, bootstrap.Options{Logger: zap.NewNop()})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := app.Start(ctx); err == nil {
		_ = app.Stop(ctx)
		t.Fatal("the app started with an admin password it cannot use")
	}
}
