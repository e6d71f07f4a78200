package league_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/domain/league"
)

func TestWeekOf(t *testing.T) {
	weekly, _ := league.NewCalendar(league.DefaultPeriod)
	short, _ := league.NewCalendar(5 * time.Second)
	cases := []struct {
		name      string
		cal       league.Calendar
		at        time.Time
		wantStart string
		wantEnd   string
	}{
		{"the origin opens week one", weekly, league.Origin, "2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z"},
		{"the last instant of a week", weekly, time.Date(2024, 1, 7, 23, 59, 59, 999, time.UTC), "2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z"},
		{"the end is the next week's start", weekly, time.Date(2024, 1, 8, 0, 0, 0, 0, time.UTC), "2024-01-08T00:00:00Z", "2024-01-15T00:00:00Z"},
		{"a later Monday", weekly, time.Date(2026, 12, 9, 13, 0, 0, 0, time.UTC), "2026-12-07T00:00:00Z", "2026-12-14T00:00:00Z"},
		{"before the origin", weekly, time.Date(2023, 12, 31, 12, 0, 0, 0, time.UTC), "2023-12-25T00:00:00Z", "2024-01-01T00:00:00Z"},
		{"another zone is the same instant", weekly, time.Date(2024, 1, 8, 1, 0, 0, 0, time.FixedZone("CET", 3600)), "2024-01-08T00:00:00Z", "2024-01-15T00:00:00Z"},
		{"a short period", short, league.Origin.Add(12 * time.Second), "2024-01-01T00:00:10Z", "2024-01-01T00:00:15Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := c.cal.WeekOf(c.at)
			if w.ID() != c.wantStart || w.End().Format(time.RFC3339) != c.wantEnd {
				t.Fatalf("WeekOf(%s) = [%s, %s), want [%s, %s)", c.at, w.ID(), w.End().Format(time.RFC3339), c.wantStart, c.wantEnd)
			}
			if !w.Contains(c.at) {
				t.Fatalf("week %s does not contain %s", w.ID(), c.at)
			}
		})
	}
}

func TestNewCalendarRefusesTinyPeriods(t *testing.T) {
	for _, p := range []time.Duration{0, -time.Hour, time.Millisecond} {
		if _, err := league.NewCalendar(p); err == nil {
			t.Errorf("NewCalendar(%s) accepted", p)
		}
	}
}

func TestTiers(t *testing.T) {
	cases := []struct {
		tier      league.Tier
		name      string
		promotion int
		up, down  league.Tier
	}{
		{league.Bronze, "bronze", 20, league.Silver, league.Bronze},
		{league.Silver, "silver", 15, league.Gold, league.Bronze},
		{league.Gold, "gold", 10, league.Sapphire, league.Silver},
		{league.Sapphire, "sapphire", 7, league.Ruby, league.Gold},
		{league.Ruby, "ruby", 7, league.Emerald, league.Sapphire},
		{league.Emerald, "emerald", 7, league.Amethyst, league.Ruby},
		{league.Amethyst, "amethyst", 7, league.Pearl, league.Emerald},
		{league.Pearl, "pearl", 7, league.Obsidian, league.Amethyst},
		{league.Obsidian, "obsidian", 5, league.Diamond, league.Pearl},
		{league.Diamond, "diamond", 0, league.Diamond, league.Obsidian},
	}
	if len(cases) != len(league.Tiers()) {
		t.Fatalf("%d tiers, the table has %d", len(league.Tiers()), len(cases))
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if league.Tiers()[i] != c.tier || c.tier.String() != c.name {
				t.Fatalf("tier %d is %s, want %s", i, league.Tiers()[i], c.name)
			}
			if p, err := league.ParseTier(c.name); err != nil || p != c.tier {
				t.Fatalf("ParseTier(%q) = %v, %v", c.name, p, err)
			}
			if got := c.tier.PromotionRank(); got != c.promotion {
				t.Fatalf("promotion rank %d, want %d", got, c.promotion)
			}
			if got := league.Promoted.After(c.tier); got != c.up {
				t.Fatalf("promoted to %s, want %s", got, c.up)
			}
			if got := league.Demoted.After(c.tier); got != c.down {
				t.Fatalf("demoted to %s, want %s", got, c.down)
			}
			if got := league.Stayed.After(c.tier); got != c.tier {
				t.Fatalf("stayed in %s", got)
			}
		})
	}
	for _, bad := range []string{"", "Bronze", "platinum", "invalid"} {
		if _, err := league.ParseTier(bad); err == nil {
			t.Errorf("ParseTier(%q) accepted", bad)
		}
	}
	var zero league.Tier
	if zero.Valid() {
		t.Error("the zero tier is valid")
	}
}

func TestDemotionRank(t *testing.T) {
	cases := []struct {
		name   string
		tier   league.Tier
		size   int
		rank   int
		exists bool
	}{
		{"bronze has none", league.Bronze, 30, 0, false},
		{"silver full cohort", league.Silver, 30, 24, true},
		{"exactly 24 members", league.Gold, 24, 24, true},
		{"23 members is smaller", league.Gold, 23, 0, false},
		{"diamond full cohort", league.Diamond, 30, 24, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, ok := c.tier.DemotionRank(c.size)
			if r != c.rank || ok != c.exists {
				t.Fatalf("DemotionRank(%d) = %d, %v; want %d, %v", c.size, r, ok, c.rank, c.exists)
			}
		})
	}
}

func TestOutcomeOf(t *testing.T) {
	cases := []struct {
		tier league.Tier
		rank int
		size int
		want league.Outcome
	}{
		{league.Bronze, 1, 30, league.Promoted},
		{league.Bronze, 20, 30, league.Promoted},
		{league.Bronze, 21, 30, league.Stayed},
		{league.Bronze, 30, 30, league.Stayed}, // nothing below bronze
		{league.Silver, 15, 30, league.Promoted},
		{league.Silver, 16, 30, league.Stayed},
		{league.Silver, 23, 30, league.Stayed},
		{league.Silver, 24, 30, league.Demoted},
		{league.Silver, 30, 30, league.Demoted},
		{league.Silver, 20, 20, league.Stayed}, // too small a cohort to demote
		{league.Gold, 10, 30, league.Promoted},
		{league.Gold, 11, 30, league.Stayed},
		{league.Sapphire, 7, 30, league.Promoted},
		{league.Pearl, 8, 30, league.Stayed},
		{league.Obsidian, 5, 30, league.Promoted},
		{league.Obsidian, 6, 30, league.Stayed},
		{league.Obsidian, 24, 24, league.Demoted},
		{league.Diamond, 1, 30, league.Stayed}, // nothing above diamond
		{league.Diamond, 24, 30, league.Demoted},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s rank %d of %d", c.tier, c.rank, c.size), func(t *testing.T) {
			if got := league.OutcomeOf(c.tier, c.rank, c.size); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
	for _, o := range []league.Outcome{league.Promoted, league.Demoted, league.Stayed} {
		if p, err := league.ParseOutcome(o.String()); err != nil || p != o {
			t.Errorf("ParseOutcome(%q) = %v, %v", o, p, err)
		}
	}
}

func TestCohortOf(t *testing.T) {
	cases := []struct{ n, size, want int }{
		{1, 30, 1}, {30, 30, 1}, {31, 30, 2}, {33, 30, 2}, {60, 30, 2}, {61, 30, 3},
		{1, 1, 1}, {2, 1, 2}, {0, 30, 0}, {5, 0, 0},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("learner %d in cohorts of %d", c.n, c.size), func(t *testing.T) {
			if got := league.CohortOf(c.n, c.size); got != c.want {
				t.Fatalf("got %d, want %d", got, c.want)
			}
		})
	}
}

func TestStandingOrder(t *testing.T) {
	t0 := league.Origin
	cases := []struct {
		name    string
		members []league.Member
		want    []string
	}{
		{"more XP first",
			[]league.Member{{"a", 10, t0}, {"b", 30, t0}, {"c", 20, t0}},
			[]string{"b", "c", "a"}},
		{"equal XP: who reached it first",
			[]league.Member{{"a", 10, t0.Add(2 * time.Second)}, {"b", 10, t0.Add(time.Second)}, {"c", 10, t0.Add(3 * time.Second)}},
			[]string{"b", "a", "c"}},
		{"equal XP and instant: user_id ascending",
			[]league.Member{{"c", 10, t0}, {"a", 10, t0}, {"b", 10, t0}},
			[]string{"a", "b", "c"}},
		{"XP beats an earlier instant",
			[]league.Member{{"a", 10, t0}, {"b", 11, t0.Add(time.Hour)}},
			[]string{"b", "a"}},
		{"zero XP still ranks",
			[]league.Member{{"a", 0, t0}, {"b", 5, t0}},
			[]string{"b", "a"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := league.Order(c.members)
			for i, m := range got {
				if m.UserID != c.want[i] {
					t.Fatalf("order %v, want %v", ids(got), c.want)
				}
			}
		})
	}
}

func ids(ms []league.Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.UserID
	}
	return out
}

func TestClose(t *testing.T) {
	cal, _ := league.NewCalendar(league.DefaultPeriod)
	w := cal.WeekOf(league.Origin)
	var ms []league.Member
	for i := range 30 {
		ms = append(ms, league.Member{UserID: fmt.Sprintf("u%02d", i), XP: 100 - i, ReachedAt: league.Origin})
	}
	cases := []struct {
		tier                      league.Tier
		promoted, stayed, demoted int
		promotedTier, demotedTier league.Tier
	}{
		{league.Bronze, 20, 10, 0, league.Silver, league.Bronze},
		{league.Silver, 15, 8, 7, league.Gold, league.Bronze},
		{league.Gold, 10, 13, 7, league.Sapphire, league.Silver},
		{league.Ruby, 7, 16, 7, league.Emerald, league.Sapphire},
		{league.Obsidian, 5, 18, 7, league.Diamond, league.Pearl},
		{league.Diamond, 0, 23, 7, league.Diamond, league.Obsidian},
	}
	for _, c := range cases {
		t.Run(c.tier.String(), func(t *testing.T) {
			rs := league.Close(w, c.tier, ms)
			count := map[league.Outcome]int{}
			for i, r := range rs {
				if r.Rank != i+1 || r.UserID != fmt.Sprintf("u%02d", i) || r.Tier != c.tier || r.Week != w {
					t.Fatalf("result %d is %+v", i, r)
				}
				count[r.Outcome]++
				switch r.Outcome {
				case league.Promoted:
					if r.NewTier != c.promotedTier {
						t.Fatalf("promoted to %s", r.NewTier)
					}
				case league.Demoted:
					if r.NewTier != c.demotedTier {
						t.Fatalf("demoted to %s", r.NewTier)
					}
				case league.Stayed:
					if r.NewTier != c.tier {
						t.Fatalf("stayed in %s", r.NewTier)
					}
				}
			}
			if count[league.Promoted] != c.promoted || count[league.Stayed] != c.stayed || count[league.Demoted] != c.demoted {
				t.Fatalf("outcomes %v", count)
			}
		})
	}
}
