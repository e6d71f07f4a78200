package faults_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/league"
	"github.com/lingo-labs/lingo/test/harness"
)

// TestLeagueCloseSurvivesKill: ten learners join one short league week in
// cohorts of four (three cohorts). The first process closes one cohort and
// is then held by LINGO_LEAGUE_TEST_PAUSE_AFTER_COHORTS and killed with
// SIGKILL, half-way through the close. A new process on the same database
// closes the rest: every learner has exactly one result for the week, with
// the rank of their cohort, and one league.week_closed message.
func TestLeagueCloseSurvivesKill(t *testing.T) {
	const period = 10 * time.Second // long enough for ten events and ten reads inside one week
	env := map[string]string{
		"LINGO_DATA_DIR": t.TempDir(), "LINGO_ADMIN_EMAIL": "root@lingo.example", "LINGO_ADMIN_PASSWORD": "a good password",
		"LINGO_AUTH_JWT_SECRET": "crash-test-secret-crash-test-secret-0123", "LINGO_RATELIMIT_ENABLED": "false",
		"LINGO_WEBHOOKS_ALLOW_PRIVATE": "true", "LINGO_JOBS_POLL_INTERVAL": "50ms", "LINGO_LOG_LEVEL": "error",
		"LINGO_LEAGUE_PERIOD": period.String(), "LINGO_LEAGUE_COHORT_SIZE": "4", "LINGO_LEAGUE_CLOSE_INTERVAL": "1s",
	}
	if dsn := os.Getenv("LINGO_TEST_POSTGRES_DSN"); dsn != "" {
		env["LINGO_DATABASE_DRIVER"], env["LINGO_DATABASE_DSN"] = "postgres", harness.FreshSchema(t, dsn)
	}
	var mu sync.Mutex
	seen := map[string]map[string]bool{} // user_id → webhook-ids of its week_closed
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m struct {
			Data map[string]any `json:"data"`
		}
		_ = json.Unmarshal(body, &m)
		user, _ := m.Data["user_id"].(string)
		mu.Lock()
		if seen[user] == nil {
			seen[user] = map[string]bool{}
		}
		seen[user][r.Header.Get("webhook-id")] = true
		mu.Unlock()
		w.WriteHeader(204)
	}))
	defer rc.Close()
	messages := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(seen)
	}

	pausing := map[string]string{"LINGO_LEAGUE_TEST_PAUSE_AFTER_COHORTS": "1"}
	for k, v := range env {
		pausing[k] = v
	}
	first := startProcess(t, pausing)
	admin := login(t, first.url, "root@lingo.example", "a good password")
	status, _ := call(t, first.url, "POST", "/api/admin/webhooks", admin,
		map[string]any{"url": rc.URL, "event_types": []string{"league.week_closed"}})
	require.Equal(t, 201, status)
	var tokens, ids []string
	for i := range 10 {
		status, body := call(t, first.url, "POST", "/api/auth/register", "", map[string]any{
			"email": fmt.Sprintf("league%d@lingo.example", i), "password": "a good password", "display_name": "League"})
		require.Equal(t, 201, status, "%s", body)
		var reg struct {
			Data struct {
				User   struct{ ID string } `json:"user"`
				Tokens struct {
					AccessToken string `json:"access_token"`
				} `json:"tokens"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(body, &reg))
		tokens, ids = append(tokens, reg.Data.Tokens.AccessToken), append(ids, reg.Data.User.ID)
	}
	// Everyone joins early in a fresh week, so that the week is the same.
	cal, err := league.NewCalendar(period)
	require.NoError(t, err)
	week := cal.WeekOf(time.Now())
	time.Sleep(time.Until(week.End().Add(200 * time.Millisecond)))
	week = cal.WeekOf(time.Now())
	for _, token := range tokens {
		status, body := call(t, first.url, "POST", "/api/analytics/events", token,
			map[string]any{"event_id": uuid.NewString(), "event_type": "practice_completed", "score": 100})
		require.Equal(t, 201, status, "%s", body)
	}
	for _, token := range tokens {
		status, body := call(t, first.url, "GET", "/api/leagues/current", token, nil)
		require.Equal(t, 200, status)
		var cur struct {
			Data struct {
				Week   struct{ ID string } `json:"week"`
				Joined bool                `json:"joined"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(body, &cur))
		require.True(t, cur.Data.Joined)
		require.Equal(t, week.ID(), cur.Data.Week.ID, "every learner joined the same week")
	}

	// The week ends; the first cohort closes and the process is held.
	require.True(t, harness.WaitFor(90*time.Second, func() bool { return messages() >= 4 }), "the first cohort never closed")
	time.Sleep(2 * time.Second)
	require.Equal(t, 4, messages(), "the close was held after one cohort")
	require.NoError(t, first.cmd.Process.Kill()) // SIGKILL: no shutdown hook runs
	_, _ = first.cmd.Process.Wait()

	second := startProcess(t, env)
	require.True(t, harness.WaitFor(90*time.Second, func() bool { return messages() >= 10 }), "the close never completed")
	time.Sleep(3 * time.Second) // a few more runs of the close, which must find nothing to do
	mu.Lock()
	for user, hooks := range seen {
		assert.Len(t, hooks, 1, "%s got %d league.week_closed messages", user, len(hooks))
	}
	assert.Len(t, seen, 10)
	mu.Unlock()
	ranks := map[int]int{}
	for i, token := range tokens {
		status, body := call(t, second.url, "GET", "/api/leagues/history", token, nil)
		require.Equal(t, 200, status)
		var h struct {
			Data struct {
				Items []struct {
					Week    struct{ ID string } `json:"week"`
					Rank    int                 `json:"rank"`
					Outcome string              `json:"outcome"`
				} `json:"items"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(body, &h))
		require.Len(t, h.Data.Items, 1, "learner %s has one result for the week, not %d", ids[i], len(h.Data.Items))
		assert.Equal(t, week.ID(), h.Data.Items[0].Week.ID)
		assert.Equal(t, "promoted", h.Data.Items[0].Outcome)
		assert.Equal(t, i%4+1, h.Data.Items[0].Rank, "joined in order, equal XP: rank by who reached it first")
		ranks[h.Data.Items[0].Rank]++
	}
	assert.Equal(t, map[int]int{1: 3, 2: 3, 3: 2, 4: 2}, ranks, "cohorts of 4, 4 and 2")
}
