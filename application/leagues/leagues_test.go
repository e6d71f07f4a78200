package leagues_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/application/internal/fakes"
	"github.com/lingo-labs/lingo/application/leagues"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/league"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// store is a LeagueStore that answers what the test sets and records the
// close's calls.
type store struct {
	standing ports.LeagueStanding
	results  []league.Result
	cohorts  []ports.LeagueCohort
	endedAt  []time.Time
	closed   map[string][]webhook.Message
}

func (s *store) Current(context.Context, string, league.Week) (ports.LeagueStanding, error) {
	return s.standing, nil
}

func (s *store) History(_ context.Context, _ string, before time.Time, limit int) ([]league.Result, error) {
	var out []league.Result
	for _, r := range s.results {
		if before.IsZero() || r.Week.Start().Before(before) {
			out = append(out, r)
		}
	}
	return out[:min(limit, len(out))], nil
}

func (s *store) EndedCohorts(_ context.Context, now time.Time, _ int) ([]string, error) {
	s.endedAt = append(s.endedAt, now)
	var ids []string
	for _, c := range s.cohorts {
		if _, done := s.closed[c.ID]; !done && !c.Week.End().After(now) {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}

func (s *store) CloseCohort(_ context.Context, id string, _ time.Time,
	rank func(ports.LeagueCohort) ([]league.Result, []webhook.Message, error)) (bool, error) {
	for _, c := range s.cohorts {
		if c.ID == id {
			_, msgs, err := rank(c)
			s.closed[id] = msgs
			return true, err
		}
	}
	return false, nil
}

var cal, _ = league.NewCalendar(time.Hour)

func member(id string, xp int) ports.LeagueMember {
	return ports.LeagueMember{Member: league.Member{UserID: id, XP: xp, ReachedAt: league.Origin}, DisplayName: id}
}

func TestCurrent(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 30, 0, 0, time.UTC)
	full := make([]ports.LeagueMember, 0, 24)
	for i := range 24 {
		full = append(full, member(fmt.Sprintf("u%02d", i), 100-i))
	}
	cases := []struct {
		name                   string
		standing               ports.LeagueStanding
		rank, xp, demotion     int
		promotion, standingLen int
	}{
		{"not joined", ports.LeagueStanding{Tier: league.Gold}, 0, 0, 0, 10, 0},
		{"silver, 24 members", ports.LeagueStanding{Tier: league.Silver, Joined: true, CohortID: "c", Members: full}, 4, 97, 24, 15, 24},
		{"silver, 23 members", ports.LeagueStanding{Tier: league.Silver, Joined: true, CohortID: "c", Members: full[:23]}, 4, 97, 0, 15, 23},
		{"bronze, 24 members", ports.LeagueStanding{Tier: league.Bronze, Joined: true, CohortID: "c", Members: full}, 4, 97, 0, 20, 24},
		{"diamond", ports.LeagueStanding{Tier: league.Diamond, Joined: true, CohortID: "c", Members: full}, 4, 97, 24, 0, 24},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			svc := leagues.New(leagues.Deps{Store: &store{standing: c.standing}, Clock: clock.NewFake(now), IDs: &fakes.IDs{}, Calendar: cal})
			got, err := svc.Current(context.Background(), "u03")
			require.NoError(t, err)
			assert.Equal(t, cal.WeekOf(now), got.Week)
			assert.Equal(t, c.rank, got.Rank)
			assert.Equal(t, c.xp, got.XP)
			assert.Equal(t, c.demotion, got.DemotionRank)
			assert.Equal(t, c.promotion, got.PromotionRank)
			require.Len(t, got.Standings, c.standingLen)
			for i, s := range got.Standings {
				assert.Equal(t, i+1, s.Rank)
			}
		})
	}
}

func TestHistoryPages(t *testing.T) {
	st := &store{}
	for i := range 5 {
		st.results = append(st.results, league.Result{Week: cal.WeekOf(league.Origin.Add(time.Duration(4-i) * time.Hour)), Rank: i + 1})
	}
	svc := leagues.New(leagues.Deps{Store: st, Clock: clock.NewFake(league.Origin), IDs: &fakes.IDs{}, Calendar: cal})
	ctx := context.Background()
	p, err := svc.History(ctx, "u", "", 2)
	require.NoError(t, err)
	require.Len(t, p.Results, 2)
	require.NotEmpty(t, p.NextCursor)
	var ranks []int
	for cursor := ""; ; {
		p, err := svc.History(ctx, "u", cursor, 2)
		require.NoError(t, err)
		for _, r := range p.Results {
			ranks = append(ranks, r.Rank)
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	assert.Equal(t, []int{1, 2, 3, 4, 5}, ranks)
	_, err = svc.History(ctx, "u", "not a cursor!", 2)
	e, ok := errs.As(err)
	require.True(t, ok, "%v", err)
	require.Len(t, e.Fields, 1)
	assert.Equal(t, errs.CodeInvalidCursor, e.Fields[0].Code)
}

func TestCloseEndedWaitsForTheGraceAndPublishesPerLearner(t *testing.T) {
	w := cal.WeekOf(league.Origin)
	st := &store{closed: map[string][]webhook.Message{}, cohorts: []ports.LeagueCohort{{ID: "c1", Week: w, Tier: league.Silver,
		Members: []league.Member{{UserID: "a", XP: 5, ReachedAt: league.Origin}, {UserID: "b", XP: 9, ReachedAt: league.Origin}}}}}
	clk := clock.NewFake(w.End().Add(time.Second))
	svc := leagues.New(leagues.Deps{Store: st, Clock: clk, IDs: &fakes.IDs{}, Calendar: cal})
	require.NoError(t, svc.CloseEnded(context.Background()))
	assert.Empty(t, st.closed, "an event received just before the end may still be committing")
	clk.Set(w.End().Add(time.Minute))
	require.NoError(t, svc.CloseEnded(context.Background()))
	msgs := st.closed["c1"]
	require.Len(t, msgs, 2)
	assert.Equal(t, webhook.LeagueWeekClosed, msgs[0].Type)
	assert.Equal(t, map[string]any{"user_id": "b", "week_id": w.ID(), "tier": "silver", "rank": 1, "xp": 9,
		"outcome": "promoted", "new_tier": "gold"}, msgs[0].Data)
	assert.Equal(t, "a", msgs[1].UserID)
}
