package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/ports"
	"github.com/lingo-labs/lingo/test/harness"
)

// engineFixture is one server on a fresh PostgreSQL schema, a direct handle
// on the same schema (for seeding and the INSERT baseline) and a client.
type engineFixture struct {
	srv    *Server
	db     *sqlstore.DB
	client *http.Client
	dsn    string // the fresh schema's
	seq    atomic.Int64
}

// newEngineFixture starts a server on a fresh PostgreSQL schema (limiter off,
// demo catalog seeded) and opens the same schema directly, for seeding.
func newEngineFixture(b *testing.B) *engineFixture { return newEngineFixtureWith(b, nil) }

// newEngineFixtureWith is newEngineFixture with more LINGO_* settings for
// the server.
func newEngineFixtureWith(b *testing.B, extra map[string]string) *engineFixture {
	dsn := harness.Postgres(b)
	schemaDSN := harness.FreshSchema(b, dsn)
	f := &engineFixture{client: Client(), dsn: schemaDSN}
	env := map[string]string{
		"LINGO_DATABASE_DRIVER": "postgres", "LINGO_DATABASE_DSN": schemaDSN,
		"LINGO_AUTH_JWT_SECRET":   "bench-secret-bench-secret-bench-secret-0",
		"LINGO_RATELIMIT_ENABLED": "false", "LINGO_DATABASE_SEED_DEMO": "true",
	}
	for k, v := range extra {
		env[k] = v
	}
	f.srv = Start(b, env)
	db, err := sqlstore.Open(sqlstore.Options{Driver: "postgres", DSN: schemaDSN, MaxOpenConns: 4}, zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	f.db = db
	return f
}

// BenchmarkEngine measures the progress engine on PostgreSQL against
// baselines taken in the same run, reported as ratios:
//   - progress and user-stats: a learner with 1 000 events against one with
//     1 000 000 (target: the larger costs at most 1.5× the smaller);
//   - batch ingest over HTTP in 100-event batches against plain multi-row
//     INSERTs of the same rows into learning_events (target ≥ 0.5×);
//   - single-event POST throughput.
func BenchmarkEngine(b *testing.B) {
	f := newEngineFixture(b)

	b.Run("reads", func(b *testing.B) { f.reads(b) })
	b.Run("batch-ingest", func(b *testing.B) { f.batchIngest(b) })
	b.Run("single-event", func(b *testing.B) { f.singleEvent(b) })
}

// learner registers a learner and returns its id and access token.
func (f *engineFixture) learner(tb testing.TB) (string, string) {
	return register(tb, f.client, f.srv.URL, fmt.Sprintf("engine%d@example.com", f.seq.Add(1)))
}

// do sends one request and returns its duration; a status other than want
// fails the benchmark.
func (f *engineFixture) do(tb testing.TB, method, path, token string, body []byte, want int) time.Duration {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, _ := http.NewRequest(method, f.srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := f.client.Do(req)
	if err != nil {
		tb.Error(err)
		return 0
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if resp.StatusCode != want {
		tb.Errorf("%s %s: status %d: %.300s", method, path, resp.StatusCode, out)
	}
	return d
}

// seed writes events straight into learning_events for one learner (every
// tenth slot a practice_completed worth 10 XP, the rest exercise_attempted,
// spread over days days ending today), then the aggregates that match them,
// as the engine would have left them had it received each event on time.
func (f *engineFixture) seed(tb testing.TB, userID string, events, days int) {
	tb.Helper()
	ctx := context.Background()
	g := f.db.Gorm(ctx)
	now := time.Now().UTC().Truncate(time.Second)
	// One INSERT ... SELECT per 100 000 rows keeps each statement's memory small.
	const chunk = 100_000
	for start := 0; start < events; start += chunk {
		end := min(start+chunk, events) - 1
		if err := g.Exec(`INSERT INTO learning_events (id, user_id, event_id, event_type, category, occurred_at, received_at,
				local_date, duration_seconds, score, is_correct, device_type, platform, xp_awarded)
			SELECT gen_random_uuid(), ?::uuid, gen_random_uuid(), t.typ,
				CASE WHEN t.typ = 'practice_completed' THEN 'learning' ELSE 'exercise' END, t.at, t.at,
				to_char(t.at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), 30,
				CASE WHEN t.typ = 'practice_completed' THEN 50 END,
				CASE WHEN t.typ = 'exercise_attempted' THEN t.g % 3 <> 0 END,
				'phone', 'ios', CASE WHEN t.typ = 'practice_completed' THEN 10 ELSE 0 END
			FROM (SELECT g,
					CASE WHEN (g / ?) % 10 = 0 THEN 'practice_completed' ELSE 'exercise_attempted' END AS typ,
					?::timestamptz - (g % ?) * interval '1 day' - (g / ?) * interval '1 second' AS at
				FROM generate_series(?::int, ?::int) AS g) t`,
			userID, days, now, days, days, start, end).Error; err != nil {
			tb.Fatalf("seed events: %v", err)
		}
	}
	for _, q := range []string{
		`INSERT INTO learner_days (user_id, local_date, xp, credited_xp, goal_xp, goal_met, active, lessons_completed, time_spent_seconds)
		 SELECT user_id, local_date, SUM(xp_awarded), SUM(xp_awarded), SUM(xp_awarded), SUM(xp_awarded) >= 20,
			bool_or(event_type = 'practice_completed'), 0, SUM(duration_seconds)
		 FROM learning_events WHERE user_id = ? GROUP BY user_id, local_date`,
		`INSERT INTO learner_progress (user_id, total_xp, practice_sessions, exercises_attempted, exercises_correct, time_spent_seconds, sessions, updated_at)
		 SELECT user_id, SUM(xp_awarded), COUNT(*) FILTER (WHERE event_type = 'practice_completed'),
			COUNT(*) FILTER (WHERE event_type = 'exercise_attempted'), COUNT(*) FILTER (WHERE is_correct),
			SUM(duration_seconds), 0, now()
		 FROM learning_events WHERE user_id = ? GROUP BY user_id`,
		`INSERT INTO learner_achievements (user_id, code, unlocked_at)
		 SELECT ?::uuid, code, now() FROM unnest(ARRAY['streak_3', 'streak_7', 'streak_30']) AS code`,
	} {
		if err := g.Exec(q, userID).Error; err != nil {
			tb.Fatalf("seed aggregates: %v", err)
		}
	}
	if err := g.Exec(`ANALYZE`).Error; err != nil {
		tb.Fatal(err)
	}
}

// reads compares progress and user-stats of a learner with 1 000 events
// and one with 1 000 000, both active every day of the last 365, requests
// interleaved so both see the same machine noise. Both reads cost
// O(active days + courses) by design; holding the days equal isolates what
// the issue asks about, the number of events.
func (f *engineFixture) reads(b *testing.B) {
	smallID, small := f.learner(b)
	bigID, big := f.learner(b)
	start := time.Now()
	f.seed(b, smallID, 1_000, 365)
	f.seed(b, bigID, 1_000_000, 365)
	b.Logf("seeded 1 001 000 events in %s", time.Since(start).Round(time.Millisecond))
	for _, p := range []struct{ name, path string }{
		{"progress", "/api/analytics/progress"},
		{"user-stats", "/api/analytics/user-stats?days=30&include_history=true"},
	} {
		b.Run(p.name, func(b *testing.B) {
			for range 100 { // warm connections, plans and caches
				f.do(b, "GET", p.path, small, nil, 200)
				f.do(b, "GET", p.path, big, nil, 200)
			}
			var smallNS, bigNS time.Duration
			b.ResetTimer()
			for range b.N {
				smallNS += f.do(b, "GET", p.path, small, nil, 200)
				bigNS += f.do(b, "GET", p.path, big, nil, 200)
			}
			b.StopTimer()
			n := float64(b.N)
			ratio := float64(bigNS) / float64(smallNS)
			b.ReportMetric(float64(smallNS)/n, "ns/req-1k-events")
			b.ReportMetric(float64(bigNS)/n, "ns/req-1M-events")
			b.ReportMetric(ratio, "1M/1k-ratio")
			b.Logf("%s: 1k events %s, 1M events %s, ratio %.2f", p.path,
				time.Duration(float64(smallNS)/n), time.Duration(float64(bigNS)/n), ratio)
		})
	}
}

// batchItems makes n client events like a practice session sends: mostly
// exercise attempts, a practice completion and an app_opened.
func batchItems(n int, at time.Time) []map[string]any {
	items := make([]map[string]any, n)
	for i := range items {
		it := map[string]any{"event_id": uuid.NewString(), "session_id": "bench-session", "device_type": "phone",
			"platform": "ios", "app_version": "1.4.2", "duration_seconds": 12,
			"occurred_at": at.Add(time.Duration(i) * time.Millisecond).Format(time.RFC3339Nano)}
		switch i % 10 {
		case 0:
			it["event_type"] = "app_opened"
		case 9:
			it["event_type"], it["score"] = "practice_completed", 80
		default:
			it["event_type"], it["is_correct"], it["exercise_id"] = "exercise_attempted", i%3 != 0, fmt.Sprintf("ex-%d", i)
		}
		items[i] = it
	}
	return items
}

// storedRows turns the same items into the rows the engine would store, for
// the baseline: same columns, a body hash and an answer of the usual size.
func storedRows(tb testing.TB, userID string, items []map[string]any, received time.Time) []ports.StoredEvent {
	answer := []byte(`{"Effects":{"XPAwarded":10,"TotalXP":1234,"Level":2,"LeveledUp":false,"Streak":{"Current":3,"Longest":9,"Extended":false},` +
		`"DailyGoal":{"GoalXP":20,"TodayXP":40,"Met":true,"JustMet":false},"AchievementsUnlocked":[]}}`)
	out := make([]ports.StoredEvent, len(items))
	for i, it := range items {
		id, at := it["event_id"].(string), mustTime(tb, it["occurred_at"].(string))
		str := func(k string) *string {
			if v, ok := it[k].(string); ok {
				return &v
			}
			return nil
		}
		in := learning.EventInput{EventID: &id, EventType: it["event_type"].(string), OccurredAt: &at,
			SessionID: str("session_id"), ExerciseID: str("exercise_id"), DeviceType: str("device_type"),
			Platform: str("platform"), AppVersion: str("app_version")}
		d := 12
		in.DurationSeconds = &d
		if s, ok := it["score"].(int); ok {
			in.Score = &s
		}
		if c, ok := it["is_correct"].(bool); ok {
			in.IsCorrect = &c
		}
		ev, err := learning.NewEvent(uuid.NewString(), userID, in, received, calendar.UTC)
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = ports.StoredEvent{Event: ev, BodyHash: strings.Repeat("ab", 32), Answer: answer}
	}
	return out
}

func mustTime(tb testing.TB, s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// batchIngest alternates one 100-event batch over HTTP with one multi-row
// INSERT of 100 rows of the same shape into the same table, and reports
// each one's events/s and their ratio (target ≥ 0.5).
func (f *engineFixture) batchIngest(b *testing.B) {
	_, token := f.learner(b)
	baseUser := uuid.NewString()
	ctx := context.Background()
	var httpNS, sqlNS time.Duration
	one := func(measure bool) {
		now := time.Now().UTC().Add(-time.Minute)
		items := batchItems(100, now)
		body, _ := json.Marshal(map[string]any{"events": items})
		d := f.do(b, "POST", "/api/analytics/events/batch", token, body, 200)
		rows := storedRows(b, baseUser, batchItems(100, now), now)
		start := time.Now()
		if err := f.db.InsertEvents(f.db.Gorm(ctx), rows); err != nil {
			b.Fatal(err)
		}
		if measure {
			sqlNS += time.Since(start)
			httpNS += d
		}
	}
	for range 5 {
		one(false)
	}
	b.ResetTimer()
	for range b.N {
		one(true)
	}
	b.StopTimer()
	events := float64(100 * b.N)
	httpRate, sqlRate := events/httpNS.Seconds(), events/sqlNS.Seconds()
	b.ReportMetric(httpRate, "events/s-http-batch")
	b.ReportMetric(sqlRate, "events/s-insert-baseline")
	b.ReportMetric(httpRate/sqlRate, "http/baseline-ratio")
	b.Logf("batch of 100 over HTTP: %.0f events/s; multi-row INSERT baseline: %.0f events/s; ratio %.2f", httpRate, sqlRate, httpRate/sqlRate)
}

// singleEvent posts one exercise_attempted per request from several
// learners in parallel (one learner's events are serialised by its lock, so
// parallel load comes from many learners).
func (f *engineFixture) singleEvent(b *testing.B) {
	tokens := make([]string, 8)
	for i := range tokens {
		_, tokens[i] = f.learner(b)
	}
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	b.SetParallelism(2)
	b.RunParallel(func(pb *testing.PB) {
		tok := tokens[int(next.Add(1)-1)%len(tokens)]
		for pb.Next() {
			body, _ := json.Marshal(map[string]any{"event_id": uuid.NewString(), "event_type": "exercise_attempted",
				"is_correct": true, "exercise_id": "ex-1", "duration_seconds": 5, "device_type": "phone", "platform": "ios"})
			f.do(b, "POST", "/api/analytics/events", tok, body, 201)
		}
	})
	b.StopTimer()
	rate := float64(b.N) / time.Since(start).Seconds()
	b.ReportMetric(rate, "events/s")
	b.Logf("single-event POST: %.0f events/s with %d parallel clients", rate, 2*runtime.GOMAXPROCS(0))
}
