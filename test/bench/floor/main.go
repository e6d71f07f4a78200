// Command floor is the write path's floor for issue 18's benchmark: the
// least any HTTP service can do per event on this machine. It takes an
// event's JSON over net/http (no router, no auth, no rules) and runs one
// transaction in one round trip (a pgx batch of BEGIN, the statements,
// COMMIT), then answers a small JSON. FLOOR_MODE picks the statements:
//   - insert: the baseline's one-row INSERT into bench_events;
//   - totals: that INSERT and an upsert of the learner's running total,
//     returned in the answer (the least an event with an effect writes).
//
// BenchmarkWritePath runs it beside Lingo, against the same baseline, so
// that docs/benchmarks.md can say how much of the target any server leaves.
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
)

const insert = `INSERT INTO bench_events (id, user_id, event_id, event_type, category, occurred_at, received_at, local_date,
	session_id, exercise_id, duration_seconds, is_correct, device_type, platform, app_version, xp_awarded, body_hash, answer)
	VALUES ($1, $2, $3, $4, 'exercise', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 10, $15, $16)`

const totals = `INSERT INTO floor_totals (user_id, xp, events) VALUES ($1, 10, 1)
	ON CONFLICT (user_id) DO UPDATE SET xp = floor_totals.xp + 10, events = floor_totals.events + 1 RETURNING xp, events`

type event struct {
	EventID         string `json:"event_id"`
	EventType       string `json:"event_type"`
	IsCorrect       *bool  `json:"is_correct"`
	ExerciseID      string `json:"exercise_id"`
	DurationSeconds int    `json:"duration_seconds"`
	DeviceType      string `json:"device_type"`
	Platform        string `json:"platform"`
	SessionID       string `json:"session_id"`
	AppVersion      string `json:"app_version"`
}

func main() {
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
	withTotals := os.Getenv("FLOOR_MODE") == "totals"
	if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS floor_totals (user_id uuid PRIMARY KEY, xp bigint NOT NULL, events bigint NOT NULL)`); err != nil {
		log.Fatal(err)
	}
	var users sync.Map // token → the learner's id
	mux := http.NewServeMux()
	mux.HandleFunc("GET /live", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("POST /events", func(w http.ResponseWriter, r *http.Request) {
		var ev event
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		tok := r.Header.Get("Authorization")
		id, ok := users.Load(tok)
		if !ok {
			id, _ = users.LoadOrStore(tok, uuid.NewString())
		}
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
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"event_id": ev.EventID, "xp_awarded": 10, "total_xp": xp, "events": n}})
	})
	log.Fatal(http.ListenAndServe(os.Getenv("FLOOR_ADDR"), mux))
}
