package service_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/test/harness"
)

type leagueWeekOut struct {
	ID       string `json:"id"`
	StartsAt string `json:"starts_at"`
	EndsAt   string `json:"ends_at"`
}

type leagueStandingOut struct {
	Rank        int     `json:"rank"`
	UserID      string  `json:"user_id"`
	DisplayName string  `json:"display_name"`
	AvatarURL   *string `json:"avatar_url"`
	XP          int     `json:"xp"`
}

type leagueCurrentOut struct {
	Week          leagueWeekOut       `json:"week"`
	Tier          string              `json:"tier"`
	Joined        bool                `json:"joined"`
	CohortID      *string             `json:"cohort_id"`
	Rank          *int                `json:"rank"`
	XP            int                 `json:"xp"`
	PromotionRank int                 `json:"promotion_rank"`
	DemotionRank  *int                `json:"demotion_rank"`
	Standings     []leagueStandingOut `json:"standings"`
}

type leagueResultOut struct {
	Week    leagueWeekOut `json:"week"`
	Tier    string        `json:"tier"`
	Rank    int           `json:"rank"`
	XP      int           `json:"xp"`
	Outcome string        `json:"outcome"`
	NewTier string        `json:"new_tier"`
}

// leagueStart is 12:00 UTC, the start of a 10-minute league week (weeks of
// LINGO_LEAGUE_PERIOD follow each other from Monday 2024-01-01T00:00:00Z).
var leagueStart = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func leagueEnv(size int) map[string]string {
	return map[string]string{"LINGO_LEAGUE_PERIOD": "10m", "LINGO_LEAGUE_COHORT_SIZE": fmt.Sprint(size),
		"LINGO_LEAGUE_CLOSE_INTERVAL": "1s", "LINGO_AUTH_ACCESS_TTL": "6h"}
}

func (e *engineApp) current(t testing.TB, token string) leagueCurrentOut {
	t.Helper()
	r := e.get(t, token, "/api/leagues/current")
	require.Equal(t, 200, r.Status, "%s", r.Body)
	// Standings show only what the OpenAPI document lists of other learners.
	var raw struct {
		Standings []map[string]json.RawMessage `json:"standings"`
	}
	r.Decode(t, &raw)
	for _, s := range raw.Standings {
		keys := make([]string, 0, len(s))
		for k := range s {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		require.Equal(t, []string{"avatar_url", "display_name", "rank", "user_id", "xp"}, keys)
	}
	var c leagueCurrentOut
	r.Decode(t, &c)
	return c
}

func (e *engineApp) history(t testing.TB, token string) []leagueResultOut {
	t.Helper()
	r := e.get(t, token, "/api/leagues/history?limit=50")
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var page struct {
		Items []leagueResultOut `json:"items"`
	}
	r.Decode(t, &page)
	return page.Items
}

// practice posts a practice_completed worth 15 XP with a fresh event_id
// and returns the body, for a replay.
func (e *engineApp) practice(t testing.TB, token string) map[string]any {
	t.Helper()
	body := map[string]any{"event_id": uuid.NewString(), "event_type": "practice_completed", "score": 100}
	r := e.post(t, token, "/api/analytics/events", body)
	require.Equal(t, 201, r.Status, "%s", r.Body)
	return body
}

// leagueLearner is the test's model of one learner's week.
type leagueLearner struct {
	id, token string
	xp        int
	reached   time.Time
}

// expectedOrder is the standing order: more XP, then who reached it first,
// then user_id.
func expectedOrder(ls []*leagueLearner) []string {
	s := slices.Clone(ls)
	slices.SortFunc(s, func(a, b *leagueLearner) int {
		if a.xp != b.xp {
			return b.xp - a.xp
		}
		if c := a.reached.Compare(b.reached); c != 0 {
			return c
		}
		if a.id < b.id {
			return -1
		}
		return 1
	})
	out := make([]string, len(s))
	for i, l := range s {
		out[i] = l.id
	}
	return out
}

func standingIDs(ss []leagueStandingOut) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.UserID
	}
	return out
}

// leaguesScenario: an opted-out learner and 33 learners earn XP in order
// in one week, spread over the instances; the first 30 fill a cohort, the
// last 3 open a second. Every fifth learner earns a second time, later.
// Standings follow the standing order, the opted-out learner is never in
// them, a replay moves nothing; after the week ends every cohort closes
// once (one league.week_closed per learner, whatever the number of
// instances) by the bronze table, and history holds one entry per learner.
func leaguesScenario(t *testing.T, apps []*engineApp, clk *clock.Fake) {
	e := apps[0]
	rc := newReceiver(t, nil)
	e.hook(t, rc.URL, "league.week_closed")
	clk.Set(leagueStart)

	_, shyToken := e.learner(t)
	require.Equal(t, 200, e.Do(putPrefs(shyToken, map[string]any{"social": map[string]any{"leaderboards": false}})).Status)
	var prefs struct {
		Social struct {
			Leaderboards bool `json:"leaderboards"`
		} `json:"social"`
	}
	e.get(t, shyToken, "/api/users/me/preferences").Decode(t, &prefs)
	require.False(t, prefs.Social.Leaderboards)
	clk.Advance(time.Millisecond)
	e.practice(t, shyToken)

	var ls []*leagueLearner
	for range 33 {
		id, token := e.learner(t)
		ls = append(ls, &leagueLearner{id: id, token: token})
	}
	for i, l := range ls {
		clk.Advance(time.Millisecond)
		apps[i%len(apps)].practice(t, l.token)
		l.xp, l.reached = 15, clk.Now()
	}
	var replay map[string]any
	for i, l := range ls {
		if i%5 != 0 {
			continue
		}
		clk.Advance(time.Millisecond)
		replay = apps[i%len(apps)].practice(t, l.token)
		l.xp, l.reached = 30, clk.Now()
	}
	clk.Advance(time.Millisecond)
	r := e.post(t, ls[30].token, "/api/analytics/events", replay)
	require.Less(t, r.Status, 300, "%s", r.Body) // a replay of another learner's id is theirs: a new event
	ls[30].xp, ls[30].reached = 30, clk.Now()
	r = e.post(t, ls[30].token, "/api/analytics/events", replay)
	require.Equal(t, 200, r.Status, "a replay: %s", r.Body)

	first, second := ls[:30], ls[30:]
	shy := e.current(t, shyToken)
	assert.False(t, shy.Joined)
	assert.Nil(t, shy.CohortID)
	assert.Nil(t, shy.Rank)
	assert.Equal(t, 0, shy.XP)
	assert.Empty(t, shy.Standings)
	assert.Equal(t, "bronze", shy.Tier)

	for _, cohort := range [][]*leagueLearner{first, second} {
		want := expectedOrder(cohort)
		var cohortID string
		for _, l := range cohort {
			c := apps[0].current(t, l.token)
			require.True(t, c.Joined)
			require.NotNil(t, c.CohortID)
			if cohortID == "" {
				cohortID = *c.CohortID
			}
			assert.Equal(t, cohortID, *c.CohortID, "joined in order: one cohort")
			assert.Equal(t, want, standingIDs(c.Standings))
			assert.Equal(t, slices.Index(want, l.id)+1, *c.Rank)
			assert.Equal(t, l.xp, c.XP)
			assert.Equal(t, "bronze", c.Tier)
			assert.Equal(t, 20, c.PromotionRank)
			assert.Nil(t, c.DemotionRank, "bronze has no demotion")
			assert.Equal(t, leagueWeekOut{ID: "2026-11-26T12:00:00Z", StartsAt: "2026-11-26T12:00:00Z", EndsAt: "2026-11-26T12:10:00Z"}, c.Week)
			for i, s := range c.Standings {
				assert.Equal(t, i+1, s.Rank)
				assert.Equal(t, "Learner", s.DisplayName)
			}
		}
		if len(cohort) == len(first) {
			assert.NotEqual(t, cohortID, *apps[0].current(t, second[0].token).CohortID, "the 31st opens a new cohort")
		}
	}

	// The week ends; past the close's grace the cohorts close.
	clk.Set(leagueStart.Add(10*time.Minute + 30*time.Second))
	msgs := rc.await(t, "a week_closed per learner", func(ms []received) bool { return len(ms) >= 33 })
	// Another few runs of the close find nothing more to do.
	time.Sleep(2500 * time.Millisecond)
	msgs = rc.all()
	require.Len(t, msgs, 33)
	byUser := map[string]received{}
	for _, m := range msgs {
		byUser[m.Data["user_id"].(string)] = m
	}
	for _, cohort := range [][]*leagueLearner{first, second} {
		for rank, id := range expectedOrder(cohort) {
			m, ok := byUser[id]
			require.True(t, ok, "no message for %s", id)
			outcome, newTier := "stayed", "bronze"
			if rank+1 <= 20 {
				outcome, newTier = "promoted", "silver"
			}
			assert.Equal(t, map[string]any{"user_id": id, "week_id": "2026-11-26T12:00:00Z", "tier": "bronze",
				"rank": float64(rank + 1), "xp": m.Data["xp"], "outcome": outcome, "new_tier": newTier}, m.Data)
			var l *leagueLearner
			for _, x := range cohort {
				if x.id == id {
					l = x
				}
			}
			assert.EqualValues(t, l.xp, m.Data["xp"])
			h := e.history(t, l.token)
			require.Len(t, h, 1, "one entry per learner and week")
			assert.Equal(t, leagueResultOut{Week: leagueWeekOut{ID: "2026-11-26T12:00:00Z", StartsAt: "2026-11-26T12:00:00Z",
				EndsAt: "2026-11-26T12:10:00Z"}, Tier: "bronze", Rank: rank + 1, XP: l.xp, Outcome: outcome, NewTier: newTier}, h[0])
		}
	}
	assert.Empty(t, e.history(t, shyToken), "the opted-out learner played no week")
	// The next week is played in the new tier.
	e.practice(t, ls[1].token)
	next := e.current(t, ls[1].token)
	assert.Equal(t, "2026-11-26T12:10:00Z", next.Week.ID)
	assert.Equal(t, "silver", next.Tier)
	assert.Equal(t, 15, next.PromotionRank)
	assert.Equal(t, 15, next.XP)
}

func TestLeaguesWeek(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(leagueStart)
	leaguesScenario(t, []*engineApp{startWebhooksAt(t, leagueEnv(30), clk)}, clk)
}

// TestLeaguesTwoInstancesOnePostgres runs the scenario on two instances on
// one PostgreSQL database (and Redis, when the harness has it): each week
// closes once.
func TestLeaguesTwoInstancesOnePostgres(t *testing.T) {
	t.Parallel()
	harnessPostgres(t)
	clk := clock.NewFake(leagueStart)
	first := startWebhooksAt(t, leagueEnv(30), clk)
	env := leagueEnv(30)
	env["LINGO_DATABASE_DSN"], env["LINGO_DATABASE_SEED_DEMO"] = first.Config.Database.DSN, "false"
	second := startWebhooksAt(t, env, clk)
	leaguesScenario(t, []*engineApp{first, second}, clk)
}

// TestLeaguesDemote: 28 learners in cohorts of 24 send 24 to silver; their
// silver week of one full cohort promotes the first 15, demotes rank 24 and
// keeps the rest.
func TestLeaguesDemote(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(leagueStart)
	e := startWebhooksAt(t, leagueEnv(24), clk)
	var ls []*leagueLearner
	for range 28 {
		id, token := e.learner(t)
		ls = append(ls, &leagueLearner{id: id, token: token})
	}
	for _, l := range ls {
		clk.Advance(time.Millisecond)
		e.practice(t, l.token)
	}
	clk.Set(leagueStart.Add(10*time.Minute + 30*time.Second))
	var silver []*leagueLearner
	for _, l := range ls {
		require.True(t, harness.WaitFor(30*time.Second, func() bool { return len(e.history(t, l.token)) == 1 }))
		if e.history(t, l.token)[0].NewTier == "silver" {
			silver = append(silver, l)
		}
	}
	require.Len(t, silver, 24, "20 of the first cohort and the 4 of the second")
	for i, l := range silver {
		clk.Advance(time.Millisecond)
		for range len(silver) - i { // distinct XP: the first earns most
			e.practice(t, l.token)
		}
	}
	c := e.current(t, silver[0].token)
	assert.Equal(t, "silver", c.Tier)
	require.NotNil(t, c.DemotionRank)
	assert.Equal(t, 24, *c.DemotionRank)
	assert.Equal(t, 15, c.PromotionRank)
	clk.Set(leagueStart.Add(20*time.Minute + 30*time.Second))
	for i, l := range silver {
		var h []leagueResultOut
		require.True(t, harness.WaitFor(30*time.Second, func() bool { h = e.history(t, l.token); return len(h) == 2 }))
		want := map[bool]string{true: "promoted", false: "stayed"}[i < 15]
		tier := map[bool]string{true: "gold", false: "silver"}[i < 15]
		if i == 23 {
			want, tier = "demoted", "bronze"
		}
		assert.Equal(t, i+1, h[0].Rank)
		assert.Equal(t, "silver", h[0].Tier)
		assert.Equal(t, want, h[0].Outcome, "rank %d", i+1)
		assert.Equal(t, tier, h[0].NewTier, "rank %d", i+1)
		assert.Equal(t, "2026-11-26T12:10:00Z", h[0].Week.ID, "newest first")
	}
}

// TestLeaguesParallelJoinsStayExact: 50 learners earning at once, three
// events each, fill a cohort of 30 and one of 20, each with exactly the XP
// of their events.
func TestLeaguesParallelJoinsStayExact(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(leagueStart)
	e := startWebhooksAt(t, leagueEnv(30), clk)
	var ls []*leagueLearner
	for range 50 {
		id, token := e.learner(t)
		ls = append(ls, &leagueLearner{id: id, token: token})
	}
	var wg sync.WaitGroup
	for _, l := range ls {
		wg.Go(func() {
			for range 3 {
				body := map[string]any{"event_id": uuid.NewString(), "event_type": "practice_completed", "score": 100}
				r := e.post(t, l.token, "/api/analytics/events", body)
				assert.Equal(t, 201, r.Status, "%s", r.Body)
			}
		})
	}
	wg.Wait()
	sizes := map[string]int{}
	for _, l := range ls {
		c := e.current(t, l.token)
		require.True(t, c.Joined)
		assert.Equal(t, 45, c.XP)
		sizes[*c.CohortID] = len(c.Standings)
	}
	var got []int
	for _, n := range sizes {
		got = append(got, n)
	}
	sort.Ints(got)
	assert.Equal(t, []int{20, 30}, got)
}
