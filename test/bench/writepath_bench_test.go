package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/test/harness"
)

// window is how long each side of a figure is measured, in three
// alternating windows (alternate). Every figure is a fixed-time load, not
// b.N iterations, so a run of the whole benchmark takes the same
// bounded time whatever -benchtime says (each sub-benchmark runs once: it
// lasts longer than make bench's -benchtime).
const window = 3 * time.Second

// load is what one fixed-time load measured.
type load struct {
	n        int
	elapsed  time.Duration
	p50, p99 time.Duration
	cpu      cpuUse // what the processes spent meanwhile (set by measured)
}

func (l load) rate() float64 { return float64(l.n) / l.elapsed.Seconds() }

// run drives op from clients goroutines for d and collects each call's
// latency; op's n is how many events the call carried.
func run(tb testing.TB, clients int, d time.Duration, op func(worker int) (n int, err error)) load {
	tb.Helper()
	var (
		mu    sync.Mutex
		lat   []time.Duration
		total int
		wg    sync.WaitGroup
		first error
	)
	start := time.Now()
	stop := start.Add(d)
	for w := range clients {
		wg.Go(func() {
			var mine []time.Duration
			n := 0
			for time.Now().Before(stop) {
				t0 := time.Now()
				k, err := op(w)
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
				n += k
			}
			mu.Lock()
			lat = append(lat, mine...)
			total += n
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if first != nil {
		tb.Fatal(first)
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	return load{n: total, elapsed: elapsed, p50: pct(0.50), p99: pct(0.99)}
}

// measured runs a load and records the CPU time that the servers,
// PostgreSQL, Redis and this process spent while it ran.
func measured(servers []*Server, f func() load) load {
	before := readCPU(servers...)
	l := f()
	l.cpu = readCPU(servers...).since(before)
	return l
}

// report prints the figure's line (name, ratio, events/s, p50, p99 of both
// sides) and, when both loads were measured, a second one with each
// process's CPU time per event; it records the ratio and rates as
// benchmark metrics.
func report(b *testing.B, name string, got, base load) { reportSide(b, name, "lingo", got, base) }

// reportSide is report with another name than lingo for the measured side
// (the floor server's figures).
func reportSide(b *testing.B, name, side string, got, base load) {
	ratio := got.rate() / base.rate()
	line := fmt.Sprintf("WRITEPATH %-28s ratio %.2f | %s %7.0f ev/s p50 %6.2fms p99 %6.2fms | baseline %7.0f ev/s p50 %6.2fms p99 %6.2fms",
		name, ratio, side, got.rate(), ms(got.p50), ms(got.p99), base.rate(), ms(base.p50), ms(base.p99))
	b.Log(line)
	fmt.Fprintln(os.Stderr, line)
	if got.cpu.ok && base.cpu.ok {
		// Where the time goes: each process's CPU per event, on both sides.
		cpu := fmt.Sprintf("WRITEPATH %-28s cpu ms/event | %s %s | baseline %s", name, side, got.cpu.perEvent(got.n), base.cpu.perEvent(base.n))
		b.Log(cpu)
		fmt.Fprintln(os.Stderr, cpu)
	}
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(got.rate(), "events/s")
	b.ReportMetric(base.rate(), "baseline-events/s")
	b.ReportMetric(ms(got.p50), "p50-ms")
	b.ReportMetric(ms(got.p99), "p99-ms")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// post sends one request with a bearer token and checks its status.
func postJSON(client *http.Client, url, token string, body []byte, want int) error {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("POST %s: status %d: %.300s", url, resp.StatusCode, out)
	}
	return nil
}

// singleBody is one exercise_attempted as a mobile app sends it.
func singleBody() []byte {
	body, _ := json.Marshal(map[string]any{"event_id": uuid.NewString(), "event_type": "exercise_attempted",
		"is_correct": true, "exercise_id": "ex-1", "duration_seconds": 5, "device_type": "phone", "platform": "ios",
		"session_id": "bench-session", "app_version": "1.4.2"})
	return body
}

// oneRowInserts is the single-event baseline: one transaction per event
// (BEGIN, one INSERT of one row of learning_events' shape, COMMIT) into
// table, from clients connections.
func oneRowInserts(b *testing.B, db *sqlstore.DB, table string, clients int, d time.Duration) load {
	row := storedRows(b, uuid.NewString(), batchItems(1, time.Now().UTC()), time.Now().UTC())[0]
	cols := strings.Join(strings.Fields(strings.ReplaceAll(`id, user_id, event_id, event_type, category, occurred_at, received_at, local_date,
	session_id, course_id, lesson_id, exercise_id, duration_seconds, score, is_correct,
	device_type, platform, app_version, metadata, xp_awarded, body_hash, answer`, ",", " ")), ", ")
	marks := "$1" + strings.Repeat(", $x", 21)
	for i := 2; i <= 22; i++ {
		marks = strings.Replace(marks, "$x", fmt.Sprintf("$%d", i), 1)
	}
	if db.Dialect() == sqlstore.SQLite {
		marks = "?" + strings.Repeat(", ?", 21)
	}
	q := `INSERT INTO ` + table + ` (` + cols + `) VALUES (` + marks + `)`
	r := row.Event.Record()
	at := func(t time.Time) any {
		if db.Dialect() == sqlstore.SQLite {
			return t.UTC().Format("2006-01-02T15:04:05.000000Z")
		}
		return t
	}
	ctx := context.Background()
	return run(b, clients, d, func(int) (int, error) {
		tx, err := db.SQL().BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, q, uuid.NewString(), r.UserID, uuid.NewString(), r.EventType, "exercise",
			at(r.OccurredAt), at(r.ReceivedAt), r.LocalDate.String(), "bench-session", nil, nil, "ex-1", 5, nil, true,
			"phone", "ios", "1.4.2", nil, 0, row.BodyHash, string(row.Answer)); err != nil {
			_ = tx.Rollback()
			return 0, err
		}
		return 1, tx.Commit()
	})
}

// BenchmarkWritePath measures the write path of issue 18 on PostgreSQL,
// each figure against its baseline taken in the same run on the same
// database (run alone: go test ./test/bench -run '^$' -bench WritePath):
//   - single-event POST /api/analytics/events at 4 and 16 clients over many
//     learners, and at 4 clients all on one learner (the row lock
//     serialises them), against one-row INSERT transactions into a table
//     of learning_events' shape at as many connections (target ≥ 0.5),
//     and at 4 clients on learners with 1 000 active days each (reported);
//   - batch of 100 over HTTP against multi-row INSERTs of the same rows
//     (target ≥ 0.85);
//   - the floor (test/bench/floor): the least HTTP service on the same
//     single-event load and baseline, with the event's row alone and with
//     a running total, and on the same batches, reported;
//   - the SQLite default's single-event ratio, reported;
//   - the Redis limiter on against off at 8 and 32 connections (target ≥ 0.6),
//     the in-process limiter on against off, and the floor's one EVALSHA
//     per request against none, reported.
func BenchmarkWritePath(b *testing.B) {
	b.Run("pg", func(b *testing.B) {
		f := newEngineFixture(b)
		// The baseline table: learning_events' columns, types, defaults and
		// indexes, outside the engine.
		if err := f.db.Gorm(context.Background()).Exec(`CREATE TABLE bench_events (LIKE learning_events INCLUDING ALL)`).Error; err != nil {
			b.Fatal(err)
		}
		f.db.SQL().SetMaxOpenConns(32)
		f.db.SQL().SetMaxIdleConns(32)
		tokens := make([]string, 64)
		for i := range tokens {
			_, tokens[i] = f.learner(b)
		}
		url := f.srv.URL + "/api/analytics/events"
		// The single-event baseline at c connections, for sub-benchmark b.
		inserts := func(b *testing.B, c int) func(d time.Duration) load {
			return func(d time.Duration) load { return oneRowInserts(b, f.db, "bench_events", c, d) }
		}
		for _, c := range []int{4, 16} {
			b.Run(fmt.Sprintf("single-c%d", c), func(b *testing.B) {
				warm(b, f.client, url, tokens)
				got, base := alternate([]*Server{f.srv}, inserts(b, c), manyLearners(b, f.client, url, tokens, c))
				report(b, fmt.Sprintf("pg single c%d", c), got, base)
			})
		}
		// The floor: what the least HTTP service makes of the same load and
		// baseline (test/bench/floor), reported so that the single-event
		// target can be read against it (docs/benchmarks.md, issue 18).
		for _, mode := range []string{"insert", "totals"} {
			for _, c := range []int{4, 16} {
				b.Run(fmt.Sprintf("floor-%s-c%d", mode, c), func(b *testing.B) {
					fl := startFloor(b, mode, "FLOOR_DSN="+f.dsn)
					furl := fl.URL + "/events"
					warm(b, f.client, furl, tokens)
					got, base := alternate([]*Server{fl}, inserts(b, c), manyLearners(b, f.client, furl, tokens, c))
					reportSide(b, fmt.Sprintf("pg floor %s c%d", mode, c), "floor", got, base)
				})
			}
		}
		// Long histories: the same load on learners with 1 000 active days
		// each (seeded by SQL as BenchmarkStreakReads does, with their
		// stored settlement), reported: an event resumes from the
		// settlement, so its cost should not follow the learner's history
		// (docs/streaks.md, docs/benchmarks.md issue 18).
		b.Run("single-c4-long-history", func(b *testing.B) {
			old := make([]string, 64)
			for i := range old {
				var id string
				id, old[i] = f.learner(b)
				f.seed(b, id, 1_000, 1_000)
				settle(b, f.db, id)
			}
			warm(b, f.client, url, old)
			got, base := alternate([]*Server{f.srv}, inserts(b, 4), manyLearners(b, f.client, url, old, 4))
			report(b, "pg single c4 1000 days", got, base)
		})
		b.Run("single-c4-one-learner", func(b *testing.B) {
			got, base := alternate([]*Server{f.srv}, inserts(b, 4), func(d time.Duration) load {
				return run(b, 4, d, func(int) (int, error) { return 1, postJSON(f.client, url, tokens[0], singleBody(), 201) })
			})
			report(b, "pg single c4 one learner", got, base)
		})
		// One client each, as BenchmarkEngine does: a batch is one learner's,
		// serialised by its lock.
		baseUser := uuid.NewString()
		rows := func(b *testing.B) func(d time.Duration) load {
			return func(d time.Duration) load {
				return run(b, 1, d, func(int) (int, error) {
					now := time.Now().UTC().Add(-time.Minute)
					return 100, f.db.InsertEvents(f.db.Gorm(context.Background()), storedRows(b, baseUser, batchItems(100, now), now))
				})
			}
		}
		batches := func(b *testing.B, url, token string) func(d time.Duration) load {
			return func(d time.Duration) load {
				return run(b, 1, d, func(int) (int, error) {
					body, _ := json.Marshal(map[string]any{"events": batchItems(100, time.Now().UTC().Add(-time.Minute))})
					return 100, postJSON(f.client, url, token, body, 200)
				})
			}
		}
		b.Run("batch-100", func(b *testing.B) {
			_, token := f.learner(b)
			burl := f.srv.URL + "/api/analytics/events/batch"
			for range 3 { // warm
				body, _ := json.Marshal(map[string]any{"events": batchItems(100, time.Now().UTC().Add(-time.Minute))})
				if err := postJSON(f.client, burl, token, body, 200); err != nil {
					b.Fatal(err)
				}
			}
			got, base := alternate([]*Server{f.srv}, rows(b), batches(b, burl, token))
			report(b, "pg batch 100", got, base)
		})
		b.Run("floor-batch-100", func(b *testing.B) {
			fl := startFloor(b, "batch", "FLOOR_DSN="+f.dsn)
			got, base := alternate([]*Server{fl}, rows(b), batches(b, fl.URL+"/batch", tokens[0]))
			reportSide(b, "pg floor batch 100", "floor", got, base)
		})
	})
	b.Run("sqlite-single-c4", func(b *testing.B) {
		srv := Start(b, map[string]string{"LINGO_AUTH_JWT_SECRET": "bench-secret-bench-secret-bench-secret-0",
			"LINGO_RATELIMIT_ENABLED": "false"})
		client := Client()
		tokens := make([]string, 16)
		for i := range tokens {
			_, tokens[i] = register(b, client, srv.URL, fmt.Sprintf("sqlite%d@example.com", i))
		}
		db, err := sqlstore.Open(sqlstore.Options{Driver: "sqlite", DSN: config.SQLiteDSN(filepath.Join(b.TempDir(), "base.db"))}, zap.NewNop())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = db.Close() })
		if _, err := sqlstore.Migrate(context.Background(), db, zap.NewNop()); err != nil {
			b.Fatal(err)
		}
		url := srv.URL + "/api/analytics/events"
		warm(b, client, url, tokens)
		got, base := alternate([]*Server{srv}, func(d time.Duration) load {
			return oneRowInserts(b, db, "learning_events", 4, d)
		}, manyLearners(b, client, url, tokens, 4))
		report(b, "sqlite single c4", got, base)
	})
	b.Run("limiter", func(b *testing.B) {
		addr := harness.Redis(b)
		on := map[string]string{"LINGO_RATELIMIT_ENABLED": "true", "LINGO_RATELIMIT_HEALTH_LIMIT": "1000000",
			"LINGO_RATELIMIT_USER_LIMIT": "1000000", "LINGO_RATELIMIT_HEALTH_WINDOW": "24h", "LINGO_RATELIMIT_USER_WINDOW": "24h"}
		off := map[string]string{"LINGO_RATELIMIT_ENABLED": "false"}
		prefix := "lingo-wp-" + time.Now().Format("150405.000000") + ":"
		for _, env := range []map[string]string{on, off} {
			env["LINGO_REDIS_ADDR"], env["LINGO_REDIS_KEY_PREFIX"] = addr, prefix
			env["LINGO_AUTH_JWT_SECRET"] = "bench-secret-bench-secret-bench-secret-0"
		}
		limited, plain := Start(b, on), Start(b, off)
		// The same limiter in process (the embedded default's, no Redis):
		// what the decision's HTTP side (the middleware, the seven headers
		// the load generator reads) costs without a round trip, so that
		// Redis' part of the figure can be told from the contract's.
		inProcess := map[string]string{}
		for k, v := range on {
			inProcess[k] = v
		}
		delete(inProcess, "LINGO_REDIS_ADDR")
		local := Start(b, inProcess)
		// The floor's pair: one EVALSHA per request against none, on the
		// least HTTP service (test/bench/floor).
		floorRedis, floorPlain := startFloor(b, "redis", "FLOOR_REDIS="+addr), startFloor(b, "plain")
		floorLimiter := startFloor(b, "limiter", "FLOOR_REDIS="+addr)
		client := Client()
		get := func(url string) func(int) (int, error) {
			return func(int) (int, error) {
				resp, err := client.Get(url)
				if err != nil {
					return 0, err
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					return 0, fmt.Errorf("status %d", resp.StatusCode)
				}
				return 1, nil
			}
		}
		pairs := []struct {
			name, side, on, off string
			servers             []*Server
		}{
			{"redis limiter live", "lingo", limited.URL + "/api/health/live", plain.URL + "/api/health/live", []*Server{limited, plain}},
			{"memory limiter live", "lingo-memory", local.URL + "/api/health/live", plain.URL + "/api/health/live", []*Server{local, plain}},
			{"floor redis live", "floor", floorRedis.URL + "/live", floorPlain.URL + "/live", []*Server{floorRedis, floorPlain}},
			{"floor limiter live", "floor-limiter", floorLimiter.URL + "/live", floorPlain.URL + "/live", []*Server{floorLimiter, floorPlain}},
		}
		for _, c := range []int{8, 32} {
			for _, p := range pairs {
				b.Run(fmt.Sprintf("%s-c%d", p.side, c), func(b *testing.B) {
					run(b, c, 300*time.Millisecond, get(p.on))
					run(b, c, 300*time.Millisecond, get(p.off))
					gotL, baseL := alternate(p.servers, func(d time.Duration) load {
						return run(b, c, d, get(p.off))
					}, func(d time.Duration) load {
						return run(b, c, d, get(p.on))
					})
					reportSide(b, fmt.Sprintf("%s c%d", p.name, c), p.side, gotL, baseL)
				})
			}
		}
	})
}

// manyLearners is the single-event load: clients clients, each cycling
// over its own share of the learners' tokens, posting one event at a time
// to url.
func manyLearners(b *testing.B, client *http.Client, url string, tokens []string, clients int) func(d time.Duration) load {
	next := make([]int, clients)
	return func(d time.Duration) load {
		return run(b, clients, d, func(w int) (int, error) {
			tok := tokens[(w+clients*next[w])%len(tokens)]
			next[w]++
			return 1, postJSON(client, url, tok, singleBody(), 201)
		})
	}
}

// alternate measures the baseline and Lingo's side in three alternating
// windows of window/3 each, so that both see the same machine: on a shared
// virtual machine the CPU a process gets moves by tens of per cent within a
// minute (docs/benchmarks.md, issue 18), and two back-to-back loads of 3 s
// each measured it as much as the code.
func alternate(servers []*Server, base, got func(d time.Duration) load) (gotL, baseL load) {
	for range 3 {
		baseL = merge(baseL, measured(servers, func() load { return base(window / 3) }))
		gotL = merge(gotL, measured(servers, func() load { return got(window / 3) }))
	}
	return gotL, baseL
}

// merge adds two loads' counts and times; the percentiles kept are the
// worse of the two (a conservative summary of alternating windows).
func merge(a, b load) load {
	if a == (load{}) { // the first of the windows
		return b
	}
	return load{n: a.n + b.n, elapsed: a.elapsed + b.elapsed, p50: max(a.p50, b.p50), p99: max(a.p99, b.p99), cpu: a.cpu.plus(b.cpu)}
}

// warm sends a few events per learner so connections, plans and caches are
// warm before a measured load.
func warm(b *testing.B, client *http.Client, url string, tokens []string) {
	for _, tok := range tokens {
		if err := postJSON(client, url, tok, singleBody(), 201); err != nil {
			b.Fatal(err)
		}
	}
}

// register makes a learner with that email on the server at url and
// returns its id and access token.
func register(tb testing.TB, client *http.Client, url, email string) (string, string) {
	tb.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": "bench-password-1", "display_name": "Bench"})
	resp, err := client.Post(url+"/api/auth/register", "application/json", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Data struct {
			User struct {
				ID string `json:"id"`
			} `json:"user"`
			Tokens struct {
				AccessToken string `json:"access_token"`
			} `json:"tokens"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || resp.StatusCode != 201 {
		tb.Fatalf("register: %d %v", resp.StatusCode, err)
	}
	return env.Data.User.ID, env.Data.Tokens.AccessToken
}
