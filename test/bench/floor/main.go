// Command floor is the floor of issue 18's benchmark: the least any HTTP
// service can do per request on this machine, for the write path's figures
// to be read against (docs/benchmarks.md). It runs on net/http alone (no
// router, middleware, token or rules) and FLOOR_MODE picks what a request
// does:
//   - insert: POST /events decodes an event's JSON and runs one transaction
//     in one round trip (a pgx batch of BEGIN, the baseline's one-row INSERT
//     into bench_events, COMMIT), then answers a small JSON;
//   - totals: the same, with an upsert of the learner's running total in the
//     batch, returned in the answer (the least an event with an effect
//     writes);
//   - batch: POST /batch decodes {"events": [...]} and inserts their rows
//     into bench_events with one INSERT of unnest arrays, in a transaction of
//     one round trip, and answers each event's id;
//   - redis: GET /live makes one EVALSHA on Redis (a script of a rate-limit
//     decision's shape) before it answers, as a limited request must;
//   - limiter: GET /live asks Lingo's own Redis limiter (adapters/redis,
//     with its client options) for a decision before it answers, without
//     the HTTP layer's middleware and headers;
//   - plain: GET /live answers at once.
//
// FLOOR_ADDR is where it listens, FLOOR_DSN the PostgreSQL schema (insert,
// totals, batch), FLOOR_REDIS the Redis address (redis, limiter).
package main

import (
	"context"
	"encoding/json"
	"log"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	goredis "github.com/redis/go-redis/v9"

	lingoredis "github.com/lingo-labs/lingo/adapters/redis"
	"github.com/lingo-labs/lingo/ports"
)

const insert = `INSERT INTO bench_events (id, user_id, event_id, event_type, category, occurred_at, received_at, local_date,
	session_id, exercise_id, duration_seconds, is_correct, device_type, platform, app_version, xp_awarded, body_hash, answer)
	VALUES ($1, $2, $3, $4, 'exercise', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 10, $15, $16)`

const batchInsert = `INSERT INTO bench_events (id, user_id, event_id, event_type, category, occurred_at, received_at, local_date,
	session_id, exercise_id, duration_seconds, is_correct, device_type, platform, app_version, xp_awarded, body_hash, answer)
	SELECT id, $2, event_id, event_type, 'exercise', occurred_at, $3, $4, session_id, exercise_id, duration_seconds, is_correct,
		device_type, platform, app_version, 10, 'hash', '{"xp":10}'
	FROM unnest($1::uuid[], $5::uuid[], $6::text[], $7::timestamptz[], $8::text[], $9::text[], $10::int[], $11::bool[],
		$12::text[], $13::text[], $14::text[])
		AS t(id, event_id, event_type, occurred_at, session_id, exercise_id, duration_seconds, is_correct, device_type, platform, app_version)`

const totals = `INSERT INTO floor_totals (user_id, xp, events) VALUES ($1, 10, 1)
	ON CONFLICT (user_id) DO UPDATE SET xp = floor_totals.xp + 10, events = floor_totals.events + 1 RETURNING xp, events`

// decision has a rate-limit decision's shape: a read of a key's TTL and a
// write of it, atomically on Redis.
var decision = goredis.NewScript(`
local t = redis.call('PTTL', KEYS[1])
if t < 0 then t = 0 end
redis.call('SET', KEYS[1], '', 'PX', t + 1)
return t`)

type event struct {
	EventID         string    `json:"event_id"`
	OccurredAt      time.Time `json:"occurred_at"`
	EventType       string    `json:"event_type"`
	IsCorrect       *bool     `json:"is_correct"`
	ExerciseID      string    `json:"exercise_id"`
	DurationSeconds int       `json:"duration_seconds"`
	DeviceType      string    `json:"device_type"`
	Platform        string    `json:"platform"`
	SessionID       string    `json:"session_id"`
	AppVersion      string    `json:"app_version"`
}

func main() {
	mux := http.NewServeMux()
	switch mode := os.Getenv("FLOOR_MODE"); mode {
	case "insert", "totals":
		mux.HandleFunc("GET /live", func(w http.ResponseWriter, _ *http.Request) {})
		mux.HandleFunc("POST /events", events(connect(), mode == "totals"))
	case "batch":
		mux.HandleFunc("GET /live", func(w http.ResponseWriter, _ *http.Request) {})
		mux.HandleFunc("POST /batch", batch(connect()))
	case "redis":
		rdb := goredis.NewClient(&goredis.Options{Addr: os.Getenv("FLOOR_REDIS"), MaxRetries: -1,
			DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second})
		mux.HandleFunc("GET /live", func(w http.ResponseWriter, r *http.Request) {
			if err := decision.Run(r.Context(), rdb, []string{"floor:" + r.RemoteAddr}).Err(); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
		})
	case "limiter":
		limiter := lingoredis.NewRateLimiter(lingoredis.NewLimiterClient(os.Getenv("FLOOR_REDIS")), lingoredis.WithKeyPrefix("floor:"))
		policy, err := ports.NewPolicy("health", 1_000_000, 24*time.Hour)
		if err != nil {
			log.Fatal(err)
		}
		mux.HandleFunc("GET /live", func(w http.ResponseWriter, r *http.Request) {
			if _, err := limiter.Allow(r.Context(), policy, r.RemoteAddr); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
		})
	case "plain":
		mux.HandleFunc("GET /live", func(w http.ResponseWriter, _ *http.Request) {})
	default:
		log.Fatalf("FLOOR_MODE %q: insert, totals, batch, redis, limiter or plain", mode)
	}
	log.Fatal(http.ListenAndServe(os.Getenv("FLOOR_ADDR"), mux))
}

// learners gives each bearer token a learner id of its own (the floor
// checks no token).
type learners struct{ ids sync.Map }

func (l *learners) of(r *http.Request) any {
	tok := r.Header.Get("Authorization")
	if id, ok := l.ids.Load(tok); ok {
		return id
	}
	id, _ := l.ids.LoadOrStore(tok, uuid.NewString())
	return id
}

// decode reads the request's JSON body into v, answering 400 when it
// cannot.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

// connect opens the pool on FLOOR_DSN and makes the totals' table.
func connect() *pgxpool.Pool {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(os.Getenv("FLOOR_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	cfg.MaxConns = 32
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS floor_totals (user_id uuid PRIMARY KEY, xp bigint NOT NULL, events bigint NOT NULL)`); err != nil {
		log.Fatal(err)
	}
	return pool
}

// events is POST /events: the event's row (and the running total) in one
// transaction of one round trip.
func events(pool *pgxpool.Pool, withTotals bool) http.HandlerFunc {
	var users learners
	return func(w http.ResponseWriter, r *http.Request) {
		var ev event
		if !decode(w, r, &ev) {
			return
		}
		id := users.of(r)
		now := time.Now().UTC()
		b := &pgx.Batch{}
		b.Queue("BEGIN")
		b.Queue(insert, uuid.NewString(), id, ev.EventID, ev.EventType, now, now, now.Format(time.DateOnly), ev.SessionID,
			ev.ExerciseID, ev.DurationSeconds, ev.IsCorrect, ev.DeviceType, ev.Platform, ev.AppVersion, "hash", `{"xp":10}`)
		var xp, n int64
		if withTotals {
			b.Queue(totals, id).QueryRow(func(row pgx.Row) error { return row.Scan(&xp, &n) })
		}
		b.Queue("COMMIT")
		if err := pool.SendBatch(r.Context(), b).Close(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"event_id": ev.EventID, "xp_awarded": 10,
			"total_xp": xp, "events": n}})
	}
}

// batch is POST /batch: the events' rows in one INSERT, in a transaction of
// one round trip.
func batch(pool *pgxpool.Pool) http.HandlerFunc {
	var users learners
	return func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Events []event `json:"events"`
		}
		if !decode(w, r, &body) {
			return
		}
		id := users.of(r)
		n := len(body.Events)
		var (
			ids, eventIDs, types, sessions, exercises, devices, platforms, versions = make([]string, n), make([]string, n),
				make([]string, n), make([]string, n), make([]*string, n), make([]string, n), make([]string, n), make([]string, n)
			at       = make([]time.Time, n)
			duration = make([]int, n)
			correct  = make([]*bool, n)
		)
		for i, ev := range body.Events {
			ids[i], eventIDs[i], types[i], at[i], sessions[i] = uuid.NewString(), ev.EventID, ev.EventType, ev.OccurredAt, ev.SessionID
			if ev.ExerciseID != "" {
				exercises[i] = &ev.ExerciseID
			}
			duration[i], correct[i], devices[i], platforms[i], versions[i] = ev.DurationSeconds, ev.IsCorrect, ev.DeviceType, ev.Platform, ev.AppVersion
		}
		now := time.Now().UTC()
		b := &pgx.Batch{}
		b.Queue("BEGIN")
		b.Queue(batchInsert, ids, id, now, now.Format(time.DateOnly), eventIDs, types, at, sessions, exercises, duration, correct,
			devices, platforms, versions)
		b.Queue("COMMIT")
		if err := pool.SendBatch(r.Context(), b).Close(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		results := make([]map[string]any, n)
		for i, ev := range body.Events {
			results[i] = map[string]any{"event_id": ev.EventID, "status": "created", "xp_awarded": 10}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"results": results}})
	}
}
