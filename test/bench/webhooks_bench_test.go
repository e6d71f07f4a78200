package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/test/harness"
)

// BenchmarkWebhookIngest compares single-event ingest on two servers, each
// on its own PostgreSQL schema: one with a webhook endpoint subscribed to
// every type (a receiver on 127.0.0.1 answering 204), one with none. Rounds
// alternate between them so that the machine's drift hits both. Reported as
// with/without events/s (target ≥ 0.8).
func BenchmarkWebhookIngest(b *testing.B) {
	dsn := harness.Postgres(b)
	var delivered atomic.Int64
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		delivered.Add(1)
		w.WriteHeader(204)
	}))
	defer rc.Close()
	env := func() map[string]string {
		return map[string]string{
			"LINGO_DATABASE_DRIVER": "postgres", "LINGO_DATABASE_DSN": harness.FreshSchema(b, dsn),
			"LINGO_AUTH_JWT_SECRET":   "bench-secret-bench-secret-bench-secret-0",
			"LINGO_RATELIMIT_ENABLED": "false", "LINGO_WEBHOOKS_ALLOW_PRIVATE": "true",
			"LINGO_ADMIN_EMAIL": "root@bench.example", "LINGO_ADMIN_PASSWORD": "bench-password-1",
		}
	}
	client := Client()
	without, with := Start(b, env()), Start(b, env())
	admin := loginAs(b, client, with.URL, "root@bench.example", "bench-password-1")
	status, out := post(b, client, with.URL+"/api/admin/webhooks", admin, map[string]any{"url": rc.URL, "event_types": []string{"*"}})
	if status != 201 {
		b.Fatalf("create webhook: %d %s", status, out)
	}
	tokens := map[*Server][]string{}
	for _, s := range []*Server{without, with} {
		for range 4 {
			status, out := post(b, client, s.URL+"/api/auth/register", "", map[string]any{
				"email": uuid.NewString() + "@bench.example", "password": "bench-password-1", "display_name": "Bench"})
			if status != 201 {
				b.Fatalf("register: %d %s", status, out)
			}
			var env struct {
				Data struct {
					Tokens struct {
						AccessToken string `json:"access_token"`
					} `json:"tokens"`
				} `json:"data"`
			}
			_ = json.Unmarshal([]byte(out), &env)
			tokens[s] = append(tokens[s], env.Data.Tokens.AccessToken)
		}
	}
	const perRound, rounds, workers = 300, 4, 4
	elapsed := map[*Server]time.Duration{}
	b.ResetTimer()
	for range b.N {
		for r := range rounds {
			order := []*Server{without, with}
			if r%2 == 1 {
				order = []*Server{with, without}
			}
			for _, s := range order {
				elapsed[s] += ingest(b, client, s, tokens[s], perRound, workers)
			}
		}
	}
	b.StopTimer()
	n := float64(b.N * rounds * perRound)
	rateWithout, rateWith := n/elapsed[without].Seconds(), n/elapsed[with].Seconds()
	b.ReportMetric(rateWithout, "events/s-no-endpoint")
	b.ReportMetric(rateWith, "events/s-one-endpoint")
	b.ReportMetric(rateWith/rateWithout, "ratio")
	b.Logf("single-event ingest: %.0f events/s with no endpoint, %.0f with one subscribed to everything (%.2f×); %d deliveries so far",
		rateWithout, rateWith, rateWith/rateWithout, delivered.Load())
}

// ingest posts n single events from workers clients and returns the time taken.
func ingest(b *testing.B, client *http.Client, s *Server, tokens []string, n, workers int) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := tokens[w%len(tokens)]
			for next.Add(1) <= int64(n) {
				status, out := post(b, client, s.URL+"/api/analytics/events", tok, map[string]any{"event_id": uuid.NewString(),
					"event_type": "exercise_attempted", "is_correct": true, "exercise_id": "ex-1", "duration_seconds": 5})
				if status != 201 {
					b.Errorf("ingest: %d %s", status, out)
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

func post(b *testing.B, client *http.Client, url, token string, body any) (int, string) {
	buf, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(buf))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		b.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func loginAs(b *testing.B, client *http.Client, base, email, password string) string {
	status, out := post(b, client, base+"/api/auth/login", "", map[string]any{"email": email, "password": password})
	if status != 200 {
		b.Fatalf("login: %d %s", status, out)
	}
	var env struct {
		Data struct {
			Tokens struct {
				AccessToken string `json:"access_token"`
			} `json:"tokens"`
		} `json:"data"`
	}
	_ = json.Unmarshal([]byte(out), &env)
	return env.Data.Tokens.AccessToken
}

// BenchmarkReminderDue seeds 1 000 000 learners with their three reminder
// rows on PostgreSQL, due times spread over a week at minute resolution (about
// 300 rows a minute), and measures the minute job's query for the due rows:
// through the index on next_due_at, against the same query forced to scan the
// table (what a per-minute pass over every learner costs), reported as a
// ratio; and the cost per due row beside 1 000 learners (where the fixed
// cost of a query dominates, so few rows are due a minute). It logs the
// query plan, which docs/benchmarks.md shows.
func BenchmarkReminderDue(b *testing.B) {
	dsn := harness.Postgres(b)
	ctx := context.Background()
	start := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	type result struct {
		perPass, perRow, scan time.Duration
		plan                  string
	}
	measure := func(learners int) result {
		schema := harness.FreshSchema(b, dsn)
		db, err := sqlstore.Open(sqlstore.Options{Driver: "postgres", DSN: schema, MaxOpenConns: 1}, zap.NewNop())
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		if _, err := sqlstore.Migrate(ctx, db, zap.NewNop()); err != nil {
			b.Fatal(err)
		}
		seed := []string{
			fmt.Sprintf(`INSERT INTO users (id, email, display_name, role, password_hash, created_at, updated_at)
				SELECT gen_random_uuid(), 'r' || i || '@bench.example', 'R', 'learner', 'x', now(), now()
				FROM generate_series(1, %d) i`, learners),
			`INSERT INTO reminder_schedule (user_id, kind, next_due_at)
				SELECT u.id, k.kind, '2026-11-26T00:00:00Z'::timestamptz + ((hashtext(u.id::text || k.kind) & 2147483647) % 10080) * interval '1 minute'
				FROM users u CROSS JOIN (VALUES ('reminder.daily'), ('reminder.streak_at_risk'), ('summary.weekly')) k(kind)`,
			`ANALYZE reminder_schedule`,
		}
		for _, q := range seed {
			if _, err := db.SQL().ExecContext(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		const query = `SELECT user_id, kind, next_due_at FROM reminder_schedule WHERE next_due_at <= $1 ORDER BY next_due_at LIMIT 500`
		var r result
		var plan strings.Builder
		rows, err := db.SQL().QueryContext(ctx, `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) `+query, start.Add(600*time.Minute))
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var line string
			_ = rows.Scan(&line)
			plan.WriteString(line + "\n")
		}
		rows.Close()
		r.plan = plan.String()
		// Each minute's pass as the job makes it: the due rows, each moved
		// on a day, until none is left due.
		store := sqlstore.NewReminderStore(db)
		var total time.Duration
		rowsDue := 0
		const passes = 30
		for i := range passes {
			at := start.Add(time.Duration(i) * time.Minute)
			t0 := time.Now()
			due, err := store.Due(ctx, at, 500)
			total += time.Since(t0)
			if err != nil {
				b.Fatal(err)
			}
			rowsDue += len(due)
			for _, d := range due {
				_, _ = store.Move(ctx, d.UserID, d.Kind, d.DueAt, d.DueAt.Add(24*time.Hour))
			}
		}
		r.perPass, r.perRow = total/passes, total/time.Duration(max(rowsDue, 1))
		// The same question without the index: a scan of every row.
		conn, err := db.SQL().Conn(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		for _, q := range []string{`SET enable_indexscan = off`, `SET enable_bitmapscan = off`, `SET enable_indexonlyscan = off`} {
			_, _ = conn.ExecContext(ctx, q)
		}
		t0 := time.Now()
		const scans = 3
		for range scans {
			rows, err := conn.QueryContext(ctx, query, start.Add(40*time.Minute))
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
			}
			rows.Close()
		}
		r.scan = time.Since(t0) / scans
		return r
	}
	for range b.N {
		small, large := measure(1_000), measure(1_000_000)
		b.ReportMetric(float64(large.perPass.Microseconds()), "us/pass-1M")
		b.ReportMetric(float64(large.scan.Microseconds()), "us/scan-1M")
		b.ReportMetric(float64(large.scan)/float64(large.perPass), "scan/index")
		b.ReportMetric(float64(large.perRow)/float64(small.perRow), "per-row-1M/1k")
		b.Logf("1M learners: %v per minute pass through the index, %v for a full scan (%.0f× slower); per due row %v on 1M vs %v on 1k (%.2f×)\nplan on 1M learners:\n%s",
			large.perPass, large.scan, float64(large.scan)/float64(large.perPass), large.perRow, small.perRow,
			float64(large.perRow)/float64(small.perRow), large.plan)
	}
}
