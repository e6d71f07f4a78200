package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/domain/league"
)

// BenchmarkLeagueStandings reads GET /api/leagues/current of a learner in a
// full 30-learner cohort on two servers, each on its own PostgreSQL schema:
// one with 1 000 learners in the week's leagues, one with 1 000 000
// (memberships inserted straight into the tables). Requests alternate
// between the two, so both see the same noise; the ratio big/small is the
// figure (target: about 1×, the standings read only their cohort's rows
// through the (cohort_id, standing order) index).
func BenchmarkLeagueStandings(b *testing.B) {
	// The fixtures are made once; only the sub-benchmark runs per b.N.
	small := leagueFixture(b, 1_000)
	big := leagueFixture(b, 1_000_000)
	b.Run("current", func(b *testing.B) {
		for range 50 { // warm connections, plans and caches
			small.f.do(b, "GET", "/api/leagues/current", small.token, nil, 200)
			big.f.do(b, "GET", "/api/leagues/current", big.token, nil, 200)
		}
		var smallNS, bigNS time.Duration
		b.ResetTimer()
		for range b.N {
			smallNS += small.f.do(b, "GET", "/api/leagues/current", small.token, nil, 200)
			bigNS += big.f.do(b, "GET", "/api/leagues/current", big.token, nil, 200)
		}
		b.StopTimer()
		b.ReportMetric(float64(smallNS.Nanoseconds())/float64(b.N), "ns/1k-learners")
		b.ReportMetric(float64(bigNS.Nanoseconds())/float64(b.N), "ns/1M-learners")
		b.ReportMetric(float64(bigNS)/float64(smallNS), "ratio")
	})
}

type leagueBench struct {
	f     *engineFixture
	token string
}

// leagueFixture is a server whose current league week holds learners
// memberships: a real cohort of 30 registered learners who earned XP over
// HTTP, and the rest inserted with SQL in cohorts of 30.
func leagueFixture(b *testing.B, learners int) leagueBench {
	b.Helper()
	f := newEngineFixture(b)
	var token string
	for i := range 30 {
		_, tok := f.learner(b)
		body, _ := json.Marshal(map[string]any{"event_id": uuid.NewString(), "event_type": "practice_completed", "score": 10 * (i % 10)})
		f.do(b, "POST", "/api/analytics/events", tok, body, 201)
		if i == 0 {
			token = tok
		}
	}
	cal, _ := league.NewCalendar(league.DefaultPeriod)
	w := cal.WeekOf(time.Now())
	seedLeague(b, f.db, w, learners-30)
	var c struct {
		Data struct {
			Standings []any `json:"standings"`
		} `json:"data"`
	}
	req, _ := http.NewRequest("GET", f.srv.URL+"/api/leagues/current", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := f.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || len(c.Data.Standings) != 30 {
		b.Fatalf("the measured cohort has %d learners (%v), want 30", len(c.Data.Standings), err)
	}
	return leagueBench{f: f, token: token}
}

// seedLeague inserts n memberships of week w in cohorts of 30, after the
// real cohort, with their cohorts and the week's join counter.
func seedLeague(b *testing.B, db *sqlstore.DB, w league.Week, n int) {
	b.Helper()
	g := db.Gorm(context.Background())
	start := time.Now()
	cohorts := (n + 29) / 30
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(g.Exec(`INSERT INTO league_cohorts (id, week_start, week_end, tier, seq)
		SELECT 'bench-' || s, ?, ?, 'bronze', s + 1 FROM generate_series(1, ?) s`, w.Start(), w.End(), cohorts).Error)
	const chunk = 100_000
	for from := 0; from < n; from += chunk {
		to := min(from+chunk, n) - 1
		must(g.Exec(`INSERT INTO league_members (week_start, user_id, cohort_id, xp, reached_at, joined_at)
			SELECT ?, gen_random_uuid(), 'bench-' || (s / 30 + 1), ((s::bigint * 7919) % 500)::int,
				?::timestamptz + s * interval '1 millisecond', ?::timestamptz
			FROM generate_series(?::int, ?::int) s`, w.Start(), w.Start(), w.Start(), from, to).Error)
	}
	must(g.Exec(`UPDATE league_pools SET joined = joined + ? WHERE week_start = ?`, n, w.Start()).Error)
	must(g.Exec(`ANALYZE league_members`).Error)
	must(g.Exec(`ANALYZE league_cohorts`).Error)
	b.Logf("seeded %d memberships in %s", n, time.Since(start).Round(time.Millisecond))
}
