package service_test

import (
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/bootstrap"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/domain/health"
	"github.com/lingo-labs/lingo/ports"
)

// countingProbe counts the database checks the health service runs.
type countingProbe struct {
	ports.HealthProbe
	calls *atomic.Int64
}

func (p countingProbe) Check(ctx context.Context) health.Check {
	p.calls.Add(1)
	return p.HealthProbe.Check(ctx)
}

// startForBench starts the whole app on the embedded default with the
// limiter off and a silent logger (the harness keeps every log line in
// memory, which a benchmark would mostly measure), counting database checks.
func startForBench(b *testing.B) (string, *atomic.Int64) {
	b.Helper()
	env := map[string]string{
		"LINGO_HTTP_ADDR": "127.0.0.1:0", "LINGO_DATA_DIR": b.TempDir(), "LINGO_RATELIMIT_ENABLED": "false",
		"LINGO_AUTH_JWT_SECRET": "bench-secret-bench-secret-bench-secret-0",
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		b.Fatal(err)
	}
	calls := new(atomic.Int64)
	var server *httpapi.Server
	app := bootstrap.New(cfg, bootstrap.Options{Logger: zap.NewNop(), FX: []fx.Option{
		fx.Populate(&server),
		fx.Decorate(fx.Annotate(func(probes []ports.HealthProbe) []ports.HealthProbe {
			out := make([]ports.HealthProbe, len(probes))
			for i, p := range probes {
				out[i] = p
				if p.Component() == "database" {
					out[i] = countingProbe{HealthProbe: p, calls: calls}
				}
			}
			return out
		}, fx.ParamTags(`group:"probes"`), fx.ResultTags(`group:"probes"`))),
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := app.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = app.Stop(context.Background()) })
	return "http://" + server.Addr(), calls
}

// load sends n GETs of path from workers parallel clients over kept-alive
// connections and returns how long they took.
func load(b *testing.B, client *http.Client, url string, n, workers int) time.Duration {
	b.Helper()
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				resp, err := client.Get(url)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d requests to %s failed", f, n, url)
	}
	return time.Since(start)
}

// BenchmarkHealthReadyVsLive drives /api/health/live and /api/health/ready
// with the same bounded load (b.N requests each from 8 parallel clients on
// loopback, in alternating rounds) and reports ready's throughput as a ratio of
// live's (target ≥ 0.8) and the database checks per second that ready
// caused (target ≤ 1: results are reused for LINGO_HEALTH_CACHE_TTL). The
// ready phase starts with a fresh result, as in steady state.
func BenchmarkHealthReadyVsLive(b *testing.B) {
	base, dbChecks := startForBench(b)
	const workers = 8
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers * 2}}
	// Warm up connections and the handlers.
	load(b, client, base+"/api/health/live", 200, workers)
	load(b, client, base+"/api/health/ready", 200, workers)

	b.ResetTimer()
	// The phases alternate in rounds, so that the other work on a shared
	// machine weighs on both alike rather than on whichever ran second.
	const rounds = 10
	var live, ready time.Duration
	start, before := time.Now(), dbChecks.Load()
	for i := range rounds {
		n := b.N/rounds + boolInt(i < b.N%rounds)
		if n == 0 {
			continue
		}
		live += load(b, client, base+"/api/health/live", n, workers)
		ready += load(b, client, base+"/api/health/ready", n, workers)
	}
	elapsed, checks := time.Since(start), dbChecks.Load()-before
	b.StopTimer()

	liveRPS := float64(b.N) / live.Seconds()
	readyRPS := float64(b.N) / ready.Seconds()
	b.ReportMetric(liveRPS, "live_req/s")
	b.ReportMetric(readyRPS, "ready_req/s")
	b.ReportMetric(readyRPS/liveRPS, "ready/live")
	b.ReportMetric(float64(checks)/elapsed.Seconds(), "db_checks/s")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
