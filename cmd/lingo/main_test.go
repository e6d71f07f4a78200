package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/adapters/sqlstore"
)

type slowRoute struct{ entered chan struct{} }

func (s slowRoute) Routes() []httpapi.Route {
	return []httpapi.Route{{Method: http.MethodGet, Path: "/test/slow", Class: httpapi.ClassGeneral, Access: httpapi.Public,
		Handler: func(c *gin.Context) {
			close(s.entered)
			time.Sleep(700 * time.Millisecond)
			c.String(http.StatusOK, "done")
		}}}
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// TestShutdownDrainsInFlightRequest cancels run's context, which is what
// SIGTERM does through signal.NotifyContext, while a slow request is in
// flight: the request completes and run returns nil (exit 0).
func TestShutdownDrainsInFlightRequest(t *testing.T) {
	addr := freeAddr(t)
	env := envOf(map[string]string{"LINGO_HTTP_ADDR": addr, "LINGO_DATA_DIR": t.TempDir(), "LINGO_LOG_LEVEL": "error"})
	route := slowRoute{entered: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, env, os.Stderr,
			fx.Provide(httpapi.AsRoutes(func() slowRoute { return route })))
	}()
	waitUp(t, "http://"+addr)

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/api/test/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b := make([]byte, 16)
		n, _ := resp.Body.Read(b)
		got <- result{status: resp.StatusCode, body: string(b[:n])}
	}()
	<-route.entered
	cancel()

	r := <-got
	if r.err != nil || r.status != 200 || r.body != "done" {
		t.Fatalf("in-flight request: %+v", r)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return after shutdown")
	}
}

// TestSIGTERMExitsZero runs the real binary and sends it SIGTERM.
func TestSIGTERMExitsZero(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "lingo")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "LINGO_HTTP_ADDR="+addr, "LINGO_DATA_DIR="+t.TempDir(), "LINGO_LOG_LEVEL=error",
		"LINGO_DATABASE_DRIVER=sqlite", "LINGO_DATABASE_DSN=", "LINGO_REDIS_ADDR=")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitUp(t, "http://"+addr)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
	}
}

func TestUnknownCommand(t *testing.T) {
	if err := run(context.Background(), []string{"frobnicate"}, envOf(nil), os.Stderr); err == nil {
		t.Fatal("unknown command accepted")
	}
}

func TestPostgresWithoutSecretRefusesToStart(t *testing.T) {
	err := run(context.Background(), []string{"serve"}, envOf(map[string]string{
		"LINGO_DATABASE_DRIVER": "postgres", "LINGO_DATABASE_DSN": "postgres://x@127.0.0.1:1/x"}), os.Stderr)
	if err == nil || !strings.Contains(err.Error(), "LINGO_AUTH_JWT_SECRET") {
		t.Fatalf("err = %v, want one naming LINGO_AUTH_JWT_SECRET", err)
	}
}

func waitUp(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/api/health/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("server did not come up")
}

// migrateIn runs `lingo migrate` with driver and a data directory of its
// own, and returns that directory.
func migrateIn(t *testing.T, driver string) string {
	t.Helper()
	dir := t.TempDir()
	err := run(context.Background(), []string{"migrate"}, envOf(map[string]string{
		"LINGO_DATABASE_DRIVER": driver, "LINGO_DATA_DIR": dir, "LINGO_LOG_LEVEL": "error"}), os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestMigrateOnMemoryIsANoOp: the memory store has no schema, so `lingo
// migrate` has nothing to do and says so instead of failing to open a
// database.
func TestMigrateOnMemoryIsANoOp(t *testing.T) {
	dir := migrateIn(t, "memory")
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("migrate on memory wrote %v", entries)
	}
}

// TestMigrateAppliesTheJobEnginesTablesToo: `lingo migrate` leaves a
// database that a server started with LINGO_DATABASE_MIGRATE=false runs on,
// River's tables included (without them no webhook or reminder job could be
// inserted).
func TestMigrateAppliesTheJobEnginesTablesToo(t *testing.T) {
	dir := migrateIn(t, "sqlite")
	db, err := sqlstore.Open(sqlstore.Options{Driver: "sqlite", DSN: filepath.Join(dir, "lingo.db")}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, table := range []string{"learning_events", "river_job", "river_leader"} {
		var n int
		if err := db.SQL().QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("after lingo migrate there is no table %s", table)
		}
	}
}

// TestStartErrorHidesDSNSecret: main prints run's error, and a DSN the
// driver refuses comes back inside it, in the driver's own partly redacted
// form.
func TestStartErrorHidesDSNSecret(t *testing.T) {
	const secret = "Sup3r-s3cret"
	env := envOf(map[string]string{
		"LINGO_DATABASE_DRIVER": "postgres", "LINGO_DATABASE_DSN": "host=127.0.0.1 port=not-a-port password = " + secret,
		"LINGO_AUTH_JWT_SECRET": "0123456789abcdef0123456789abcdef", "LINGO_HTTP_ADDR": freeAddr(t),
		"LINGO_LOG_LEVEL": "fatal", "LINGO_DATA_DIR": t.TempDir(),
	})
	err := run(context.Background(), []string{"migrate"}, env, io.Discard)
	if err == nil {
		t.Fatal("a DSN with a bad port was accepted")
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatalf("the error shows the secret: %v", err)
	}
}
