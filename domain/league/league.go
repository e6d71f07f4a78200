// Package league holds weekly leagues: the week calendar, the ten tiers and
// their promotion and demotion table, cohort placement, the standing order
// and the outcome of a closed week (the OpenAPI document's Leagues tag).
package league

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Origin is the start of the first league week, a Monday at midnight UTC;
// weeks follow each other from it without gaps.
var Origin = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

const (
	// DefaultPeriod is the length of a league week.
	DefaultPeriod = 7 * 24 * time.Hour
	// DefaultCohortSize is how many learners a cohort holds before the
	// next one of its week and tier opens.
	DefaultCohortSize = 30
	// DemotionRank is the first rank that moves down, in a cohort that has
	// that many members at least.
	DemotionRank = 24
)

// Tier is a league tier; its zero value is no tier.
type Tier int

// The tiers, lowest first. A new learner is Bronze.
const (
	Bronze Tier = iota + 1
	Silver
	Gold
	Sapphire
	Ruby
	Emerald
	Amethyst
	Pearl
	Obsidian
	Diamond
)

var tierNames = [...]string{"", "bronze", "silver", "gold", "sapphire", "ruby", "emerald", "amethyst", "pearl", "obsidian", "diamond"}

// promotions is how many of a cohort move up, by tier.
var promotions = [...]int{0, 20, 15, 10, 7, 7, 7, 7, 7, 5, 0}

// Tiers lists every tier, lowest first.
func Tiers() []Tier {
	out := make([]Tier, 0, Diamond)
	for t := Bronze; t <= Diamond; t++ {
		out = append(out, t)
	}
	return out
}

// ParseTier accepts a tier's name.
func ParseTier(s string) (Tier, error) {
	for t := Bronze; t <= Diamond; t++ {
		if tierNames[t] == s {
			return t, nil
		}
	}
	return 0, fmt.Errorf("unknown league tier %q", s)
}

// Valid reports whether t is one of the ten tiers.
func (t Tier) Valid() bool { return t >= Bronze && t <= Diamond }

func (t Tier) String() string {
	if !t.Valid() {
		return "invalid"
	}
	return tierNames[t]
}

// PromotionRank is the last rank that moves up (0 in diamond: nobody).
func (t Tier) PromotionRank() int {
	if !t.Valid() {
		return 0
	}
	return promotions[t]
}

// DemotionRank is the first rank that moves down in a cohort of size
// members; false in bronze, which has nothing below, and in a cohort
// smaller than DemotionRank, which has no such rank.
func (t Tier) DemotionRank(size int) (int, bool) {
	if t == Bronze || size < DemotionRank {
		return 0, false
	}
	return DemotionRank, true
}

// Outcome is what a closed week did to a learner's tier.
type Outcome int

// The outcomes; the zero value is none.
const (
	Promoted Outcome = iota + 1
	Demoted
	Stayed
)

func (o Outcome) String() string {
	switch o {
	case Promoted:
		return "promoted"
	case Demoted:
		return "demoted"
	case Stayed:
		return "stayed"
	}
	return "invalid"
}

// ParseOutcome accepts an outcome's name.
func ParseOutcome(s string) (Outcome, error) {
	for _, o := range []Outcome{Promoted, Demoted, Stayed} {
		if o.String() == s {
			return o, nil
		}
	}
	return 0, fmt.Errorf("unknown league outcome %q", s)
}

// OutcomeOf is the outcome of rank in a closed cohort of size members of
// tier t: ranks up to the promotion rank move up, ranks from the demotion
// rank move down, the rest stay.
func OutcomeOf(t Tier, rank, size int) Outcome {
	if rank <= t.PromotionRank() {
		return Promoted
	}
	if d, ok := t.DemotionRank(size); ok && rank >= d {
		return Demoted
	}
	return Stayed
}

// After is the tier an outcome leads to from t.
func (o Outcome) After(t Tier) Tier {
	switch {
	case o == Promoted && t < Diamond:
		return t + 1
	case o == Demoted && t > Bronze:
		return t - 1
	}
	return t
}

// Calendar cuts time into league weeks of one period from Origin.
type Calendar struct{ period time.Duration }

// NewCalendar makes the calendar of weeks of period (at least a second).
func NewCalendar(period time.Duration) (Calendar, error) {
	if period < time.Second {
		return Calendar{}, fmt.Errorf("league period %s is shorter than a second", period)
	}
	return Calendar{period: period}, nil
}

// Period is the length of a week.
func (c Calendar) Period() time.Duration { return c.period }

// WeekOf is the week that holds the instant t. Instants before Origin fall
// in the weeks before it, counted the same way.
func (c Calendar) WeekOf(t time.Time) Week {
	d := t.Sub(Origin)
	n := d / c.period
	if d < 0 && d%c.period != 0 {
		n--
	}
	start := Origin.Add(n * c.period)
	return Week{start: start, end: start.Add(c.period)}
}

// Week is one league week, [Start, End).
type Week struct{ start, end time.Time }

// RestoreWeek is a stored week.
func RestoreWeek(start, end time.Time) (Week, error) {
	if !end.After(start) {
		return Week{}, fmt.Errorf("league week ends %s before it starts %s", end, start)
	}
	return Week{start: start.UTC(), end: end.UTC()}, nil
}

// ID is the week's start as RFC 3339, its name in the API and the store.
func (w Week) ID() string       { return w.start.UTC().Format(time.RFC3339) }
func (w Week) Start() time.Time { return w.start }
func (w Week) End() time.Time   { return w.end }

// Contains reports whether t falls in the week.
func (w Week) Contains(t time.Time) bool { return !t.Before(w.start) && t.Before(w.end) }

// IsZero reports whether w is no week.
func (w Week) IsZero() bool { return w.start.IsZero() && w.end.IsZero() }

// CohortOf is the 1-based number of the cohort that the n-th learner (from
// 1) to join a week's tier is placed in, cohorts holding size learners in
// join order.
func CohortOf(n, size int) int {
	if n < 1 || size < 1 {
		return 0
	}
	return (n-1)/size + 1
}

// Member is a learner's standing in a cohort: their league XP and when
// they reached it.
type Member struct {
	UserID    string
	XP        int
	ReachedAt time.Time
}

// Compare is the standing order: more XP first; equal XP, whoever reached
// it first; then user_id ascending.
func Compare(a, b Member) int {
	if c := cmp.Compare(b.XP, a.XP); c != 0 {
		return c
	}
	if c := a.ReachedAt.Compare(b.ReachedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.UserID, b.UserID)
}

// Order returns the members in standing order, rank i+1 at index i.
func Order(ms []Member) []Member {
	out := slices.Clone(ms)
	slices.SortFunc(out, Compare)
	return out
}

// Result is one learner's closed week.
type Result struct {
	Week    Week
	UserID  string
	Tier    Tier
	Rank    int
	XP      int
	Outcome Outcome
	NewTier Tier
}

// Close ranks a cohort of tier t at its week's end and gives each member's
// result, rank 1 first.
func Close(w Week, t Tier, ms []Member) []Result {
	ordered := Order(ms)
	out := make([]Result, len(ordered))
	for i, m := range ordered {
		o := OutcomeOf(t, i+1, len(ordered))
		out[i] = Result{Week: w, UserID: m.UserID, Tier: t, Rank: i + 1, XP: m.XP, Outcome: o, NewTier: o.After(t)}
	}
	return out
}
