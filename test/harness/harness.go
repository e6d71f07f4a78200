// Package harness starts the whole Lingo app in-process for black-box
// service tests and checks every response it receives against the OpenAPI
// document and the envelope, so code and contract cannot drift.
//
// The backend follows the environment: SQLite in a temporary directory by
// default (started from a copy of a database migrated once per process,
// template.go); PostgreSQL when LINGO_TEST_POSTGRES_DSN is set (a fresh schema per
// app, dropped afterwards); the in-memory store when LINGO_TEST_STORE=memory
// (it wins over the DSN); and Redis when LINGO_TEST_REDIS_ADDR is set.
package harness

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/bootstrap"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/ports"
)

// Options adjust one app.
type Options struct {
	// Env overrides LINGO_* variables for this app.
	Env map[string]string
	// Clock replaces the system clock.
	Clock ports.Clock
	// FX adds fx options (test-only routes, decorated adapters).
	FX []fx.Option
	// Unchecked skips the OpenAPI check for responses (only for test-only routes).
	Unchecked bool
}

// App is one running Lingo.
type App struct {
	t      testing.TB
	URL    string
	Config config.Config
	Logs   *observer.ObservedLogs
	HTTP   *http.Client
	opts   Options
	app    *fx.App
	server *httpapi.Server
}

// Postgres returns the DSN of the integration database, or skips the test
// naming the variable to set. Under LINGO_TEST_REQUIRE_SERVICES=1 (make
// test-integration) a missing service fails instead of skipping.
func Postgres(t testing.TB) string {
	return require(t, "LINGO_TEST_POSTGRES_DSN", "PostgreSQL")
}

// Redis returns the address of the integration Redis, or skips as Postgres does.
func Redis(t testing.TB) string {
	return require(t, "LINGO_TEST_REDIS_ADDR", "Redis")
}

// OnMemoryStore reports whether this run's apps keep their data in memory
// (LINGO_TEST_STORE=memory).
func OnMemoryStore() bool { return os.Getenv("LINGO_TEST_STORE") == "memory" }

// SQLStore skips a test that reaches the SQL database behind the app's back
// (to close it, to read a table) when this run is on the memory store.
func SQLStore(t testing.TB) {
	t.Helper()
	if OnMemoryStore() {
		t.Skip("reaches the SQL database behind the app; this run is LINGO_TEST_STORE=memory")
	}
}

func require(t testing.TB, env, what string) string {
	t.Helper()
	v := os.Getenv(env)
	if v == "" {
		if os.Getenv("LINGO_TEST_REQUIRE_SERVICES") == "1" {
			t.Fatalf("%s is required here: set %s", what, env)
		}
		t.Skipf("needs %s: set %s to run it", what, env)
	}
	return v
}

// Start runs an app until the test ends and waits until it is ready.
func Start(t testing.TB, opts Options) *App {
	t.Helper()
	env := map[string]string{
		"LINGO_HTTP_ADDR":             "127.0.0.1:0",
		"LINGO_DATA_DIR":              t.TempDir(),
		"LINGO_AUTH_JWT_SECRET":       "test-secret-test-secret-test-secret-0123",
		"LINGO_LOG_LEVEL":             "debug",
		"LINGO_HTTP_SHUTDOWN_TIMEOUT": "10s",
		// Suites that send many requests would trip the quotas; the rate-limit
		// suites turn the limiter on explicitly.
		"LINGO_RATELIMIT_ENABLED": "false",
		// A prefix per app keeps reruns and parallel tests apart on a shared Redis.
		"LINGO_REDIS_KEY_PREFIX": "lingo-test-" + randomHex(6) + ":",
		// Under -race on a shared machine a Redis lookup can take longer than
		// production's 5 ms; the suites check results, test/faults the budget.
		"LINGO_REDIS_CACHE_TIMEOUT": "250ms",
	}
	switch store := os.Getenv("LINGO_TEST_STORE"); store {
	case "memory":
		env["LINGO_DATABASE_DRIVER"] = config.DriverMemory
	case "", "sql":
		if dsn := os.Getenv("LINGO_TEST_POSTGRES_DSN"); dsn != "" {
			env["LINGO_DATABASE_DRIVER"] = "postgres"
			env["LINGO_DATABASE_DSN"] = FreshSchema(t, dsn)
		}
	default:
		t.Fatalf("LINGO_TEST_STORE=%q: want memory, sql or nothing", store)
	}
	if addr := os.Getenv("LINGO_TEST_REDIS_ADDR"); addr != "" {
		env["LINGO_REDIS_ADDR"] = addr
	}
	for k, v := range opts.Env {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	seedSQLite(t, cfg)
	core, logs := observer.New(zapcore.DebugLevel)
	log := zap.New(core)
	a := &App{t: t, Config: cfg, Logs: logs, opts: opts, HTTP: &http.Client{Timeout: 30 * time.Second}}
	fxopts := append([]fx.Option{fx.Populate(&a.server)}, opts.FX...)
	a.app = bootstrap.New(cfg, bootstrap.Options{Logger: log, Clock: opts.Clock, FX: fxopts})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.app.Start(ctx); err != nil {
		t.Fatalf("start app: %v", err)
	}
	t.Cleanup(func() { a.Stop() })
	// Start returns once every OnStart hook ran: migrations are applied and
	// the listener is bound. No readiness poll, which would spend quota in
	// the rate-limit suites.
	a.URL = "http://" + a.server.Addr()
	return a
}

var stopOnce sync.Map

// Stop stops the app (once) and reports whether it stopped cleanly.
func (a *App) Stop() error {
	once, _ := stopOnce.LoadOrStore(a, &sync.Once{})
	var err error
	once.(*sync.Once).Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = a.app.Stop(ctx)
	})
	return err
}

// FreshSchema makes a new PostgreSQL schema for one app and returns a DSN
// whose search_path points at it, so reruns and parallel tests never share
// tables. The schema is dropped when the test ends.
func FreshSchema(t testing.TB, dsn string) string {
	t.Helper()
	schema := "t_" + randomHex(6)
	if err := execPostgres(dsn, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() { _ = execPostgres(dsn, "DROP SCHEMA "+schema+" CASCADE") })
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	if !strings.Contains(dsn, "://") {
		return dsn + " search_path=" + schema
	}
	return dsn + sep + "search_path=" + schema
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Response is one answer, its body read and its envelope decoded.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	Env    Envelope
}

// Envelope is the decoded envelope, data kept raw for the test to decode.
type Envelope struct {
	Success   bool            `json:"success"`
	Data      json.RawMessage `json:"data"`
	Message   string          `json:"message"`
	Errors    []ErrorItem     `json:"errors"`
	Metadata  map[string]any  `json:"metadata"`
	Timestamp string          `json:"timestamp"`
	RequestID string          `json:"request_id"`
}

// ErrorItem is one entry of errors.
type ErrorItem struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Field   *string        `json:"field"`
	Details map[string]any `json:"details"`
}

// Fields lists the field paths of the errors.
func (r *Response) Fields() []string {
	var out []string
	for _, e := range r.Env.Errors {
		if e.Field != nil {
			out = append(out, *e.Field)
		}
	}
	return out
}

// Decode decodes data into v.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Env.Data, v); err != nil {
		t.Fatalf("decode data %s: %v", r.Env.Data, err)
	}
}

// Request is one call.
type Request struct {
	Method string
	Path   string
	Token  string
	Body   any // marshalled to JSON unless []byte or io.Reader
	Header map[string]string
}

// Do sends r and checks the answer against the document.
func (a *App) Do(r Request) *Response {
	a.t.Helper()
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	case string:
		body = strings.NewReader(b)
	case io.Reader:
		body = b
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		body = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(r.Method, a.URL+r.Path, body)
	if err != nil {
		a.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	return a.Send(req)
}

// Send sends a prepared request and checks the answer.
func (a *App) Send(req *http.Request) *Response {
	a.t.Helper()
	resp, err := a.HTTP.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatalf("read body: %v", err)
	}
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
	if isEnveloped(req.URL.Path) {
		if err := json.Unmarshal(b, &out.Env); err != nil {
			a.t.Fatalf("%s %s answered %d with a body that is not the envelope: %v\n%s", req.Method, req.URL.Path, resp.StatusCode, err, b)
		}
		checkEnvelope(a.t, req, out)
	}
	if !a.opts.Unchecked {
		if err := CheckContract(req, resp.StatusCode, resp.Header, b); err != nil {
			a.t.Errorf("%s %s → %d breaks the OpenAPI document: %v\nbody: %.2000s", req.Method, req.URL.Path, resp.StatusCode, err, b)
		}
	}
	return out
}

func isEnveloped(path string) bool {
	return strings.HasPrefix(path, "/api") && !strings.HasPrefix(path, "/api/avatars/") && !strings.HasPrefix(path, "/api/exports/") &&
		!strings.HasPrefix(path, "/api/openapi.") && !strings.HasPrefix(path, "/api/docs")
}

func checkEnvelope(t testing.TB, req *http.Request, r *Response) {
	t.Helper()
	where := fmt.Sprintf("%s %s → %d", req.Method, req.URL.Path, r.Status)
	if got := r.Header.Get("X-Request-ID"); got == "" || got != r.Env.RequestID {
		t.Errorf("%s: X-Request-ID %q differs from request_id %q", where, got, r.Env.RequestID)
	}
	if got := r.Header.Get("X-Timestamp"); got == "" || got != r.Env.Timestamp {
		t.Errorf("%s: X-Timestamp %q differs from timestamp %q", where, got, r.Env.Timestamp)
	}
	if r.Header.Get("X-API-Version") != "v1" {
		t.Errorf("%s: X-API-Version is %q", where, r.Header.Get("X-API-Version"))
	}
	if r.Env.Success != (r.Status < 400) {
		t.Errorf("%s: success=%v", where, r.Env.Success)
	}
	if r.Status >= 400 {
		if len(r.Env.Errors) == 0 {
			t.Errorf("%s: an error answer without errors", where)
		}
		if sc, _ := r.Env.Metadata["status_code"].(float64); int(sc) != r.Status {
			t.Errorf("%s: metadata.status_code is %v", where, r.Env.Metadata["status_code"])
		}
	}
}
