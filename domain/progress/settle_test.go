package progress_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
)

// day0 is the first date of every pattern below.
var day0 = calendar.NewDate(2026, time.March, 1)

// activeFrom reads a pattern, one character a date from day0: 'a' is an
// active date, anything else is not.
func activeFrom(pattern string) []calendar.Date {
	var out []calendar.Date
	for i, c := range pattern {
		if c == 'a' {
			out = append(out, day0.AddDays(i))
		}
	}
	return out
}

// statuses writes a settlement's days as a pattern from day0: '-' none,
// 'a' active, 'f' frozen, 'r' repaired, 'm' missed.
func statuses(s progress.Settlement, today calendar.Date) string {
	byDate := map[calendar.Date]progress.Status{}
	for _, d := range s.Days {
		byDate[d.Date] = d.Status
	}
	var b strings.Builder
	for d := day0; d.Before(today); d = d.AddDays(1) {
		b.WriteByte(map[progress.Status]byte{0: '-', progress.StatusActive: 'a', progress.StatusFrozen: 'f',
			progress.StatusRepaired: 'r', progress.StatusMissed: 'm'}[byDate[d]])
	}
	return b.String()
}

func TestSettle(t *testing.T) {
	type grant struct{ day, count int }
	cases := []struct {
		name    string
		active  string // the dates from day0; today is the date after the pattern
		grants  []grant
		repairs []int
		max     int
		want    string
		// the streak now, the freezes held now and used in all
		current, longest, equipped, used int
	}{
		{name: "no freezes: a missed day ends the run", active: "aaa.aa", max: 0,
			want: "aaamaa", current: 2, longest: 3},
		{name: "seven days earn a freeze that saves the eighth", active: "aaaaaaa.aa", max: 2,
			want: "aaaaaaafaa", current: 9, longest: 9, equipped: 0, used: 1},
		{name: "two missed days with one freeze: the second ends the streak", active: "aaaaaaa..aa", max: 2,
			want: "aaaaaaafmaa", current: 2, longest: 7, used: 1},
		{name: "fourteen days earn two, both used on two missed days", active: "aaaaaaaaaaaaaa..a", max: 2,
			want: "aaaaaaaaaaaaaaffa", current: 15, longest: 15, used: 2},
		{name: "a freeze earned at the maximum is lost", active: "aaaaaaaaaaaaaaaaaaaaa...a", max: 2,
			want: "aaaaaaaaaaaaaaaaaaaaaffma", current: 1, longest: 21, used: 2},
		{name: "a granted freeze saves a missed day", active: "aa.a", grants: []grant{{0, 1}}, max: 2,
			want: "aafa", current: 3, longest: 3, used: 1},
		{name: "a grant protects its own date and later ones, never an earlier one", active: "aa.a.a", grants: []grant{{3, 1}}, max: 2,
			want: "aamafa", current: 2, longest: 2, used: 1},
		{name: "grants are capped at the maximum", active: "a....a", grants: []grant{{0, 10}}, max: 2,
			want: "affmma", current: 1, longest: 1, used: 2},
		{name: "a grant before the first active date is held", active: "..a.a", grants: []grant{{0, 1}}, max: 2,
			want: "--afa", current: 2, longest: 2, used: 1},
		{name: "a freeze is not used when no streak is alive", active: "a..a", grants: []grant{{0, 2}}, max: 2,
			want: "affa", current: 2, longest: 2, used: 2},
		{name: "a freeze held on a dead streak stays held", active: "a...a", grants: []grant{{2, 1}}, max: 2,
			want: "ammma", current: 1, longest: 1, equipped: 1},
		{name: "a repaired day bridges the run", active: "aa.aa", repairs: []int{2}, max: 0,
			want: "aaraa", current: 4, longest: 4},
		{name: "a repair on a date after the streak ended repairs only that date", active: "a..a", repairs: []int{2}, max: 0,
			want: "amra", current: 1, longest: 1},
		{name: "a held freeze comes before a repair", active: "a.a", grants: []grant{{0, 1}}, repairs: []int{1}, max: 2,
			want: "afa", current: 2, longest: 2, used: 1},
		{name: "today not active yet keeps the streak of yesterday", active: "aaa", max: 2,
			want: "aaa", current: 3, longest: 3},
		{name: "today active earns the seventh day's freeze now", active: "aaaaaa", max: 2,
			want: "aaaaaa", current: 6, longest: 6},
		{name: "a grant dated today is held now", active: "a", grants: []grant{{1, 1}}, max: 2,
			want: "a", current: 1, longest: 1, equipped: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			today := day0.AddDays(len(c.active))
			l := progress.Ledger{Active: activeFrom(c.active), Max: c.max}
			for _, g := range c.grants {
				l.Grants = append(l.Grants, progress.Grant{Date: day0.AddDays(g.day), Count: g.count})
			}
			for _, r := range c.repairs {
				l.Repairs = append(l.Repairs, day0.AddDays(r))
			}
			s := progress.Settle(progress.Checkpoint{}, l, today)
			assert.Equal(t, c.want, statuses(s, today))
			assert.Equal(t, c.current, s.Current, "current")
			assert.Equal(t, c.longest, s.Longest, "longest")
			assert.Equal(t, c.equipped, s.Equipped, "equipped")
			assert.Equal(t, c.used, s.Settled.UsedTotal, "used")
		})
	}
}

func TestSettleTodayActiveEarnsAFreezeAtOnce(t *testing.T) {
	l := progress.Ledger{Active: activeFrom("aaaaaaa"), Max: 2}
	s := progress.Settle(progress.Checkpoint{}, l, day0.AddDays(6))
	assert.Equal(t, 7, s.Current)
	assert.Equal(t, 1, s.Equipped)
	assert.True(t, s.ActiveToday)
}

// A late event that fills a frozen date gives the freeze back, and the
// freeze then protects the next missed date; a late event elsewhere never
// takes back a freeze used on a date whose settlement did not change.
func TestSettleLateEvents(t *testing.T) {
	today := day0.AddDays(6)
	grant := []progress.Grant{{Date: day0, Count: 1}}
	before := progress.Settle(progress.Checkpoint{}, progress.Ledger{Active: activeFrom("a.a.a."), Grants: grant, Max: 2}, today)
	assert.Equal(t, "afamam", statuses(before, today))

	filled := progress.Settle(progress.Checkpoint{}, progress.Ledger{Active: activeFrom("aaa.a."), Grants: grant, Max: 2}, today)
	assert.Equal(t, "aaafam", statuses(filled, today), "the freeze came back and saved the next missed date")
	assert.Equal(t, 1, filled.Settled.UsedTotal)

	later := progress.Settle(progress.Checkpoint{}, progress.Ledger{Active: activeFrom("a.a.aa"), Grants: grant, Max: 2}, today)
	assert.Equal(t, "afamaa", statuses(later, today), "the freeze used on day 1 stays used")
}

// Settling from a checkpoint gives exactly what settling everything does,
// whatever the ledger: what lets a store keep the settled prefix.
func TestSettleResumesFromACheckpoint(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 500 {
		days := 5 + r.IntN(60)
		var l progress.Ledger
		l.Max = r.IntN(4)
		for i := range days {
			if r.IntN(10) < 7 {
				l.Active = append(l.Active, day0.AddDays(i))
			}
			if r.IntN(15) == 0 {
				l.Grants = append(l.Grants, progress.Grant{Date: day0.AddDays(i), Count: 1 + r.IntN(3)})
			}
			if r.IntN(15) == 0 {
				l.Repairs = append(l.Repairs, day0.AddDays(i))
			}
		}
		today := day0.AddDays(days)
		whole := progress.Settle(progress.Checkpoint{}, l, today)
		cut := day0.AddDays(r.IntN(days))
		head := progress.Settle(progress.Checkpoint{}, l, cut)
		tail := progress.Settle(head.Settled, l, today)
		require.Equal(t, whole.Settled, tail.Settled, "case %d", n)
		require.Equal(t, whole.Current, tail.Current, "case %d", n)
		require.Equal(t, whole.Longest, tail.Longest, "case %d", n)
		require.Equal(t, whole.Equipped, tail.Equipped, "case %d", n)
		require.Equal(t, statuses(whole, today), statuses(progress.Settlement{Days: append(head.Days, tail.Days...)}, today), "case %d", n)
	}
}

// Settlement reads dates only: it gives the same answer whichever day it
// runs on, as long as it is asked about the same dates.
func TestSettleIgnoresWhenItRuns(t *testing.T) {
	l := progress.Ledger{Active: activeFrom("aaaaaaa.aa"), Max: 2}
	a := progress.Settle(progress.Checkpoint{}, l, day0.AddDays(10))
	b := progress.Settle(progress.Checkpoint{}, l, day0.AddDays(10))
	assert.Equal(t, a, b)
	// Settled later, the same dates settle the same way.
	c := progress.Settle(progress.Checkpoint{}, l, day0.AddDays(12))
	assert.Equal(t, statuses(a, day0.AddDays(10)), statuses(c, day0.AddDays(12))[:10])
}

// creditDate is the local date an event earns credit on, or false when it
// earns none (it is older than the 7-day credit window).
func creditDate(t *testing.T, occurred, received time.Time, z calendar.Zone) (calendar.Date, bool) {
	t.Helper()
	in := learning.EventInput{EventType: "practice_completed", OccurredAt: &occurred, Score: ptr(50)}
	e, err := learning.NewEvent("id", "u", in, received, z)
	require.NoError(t, err)
	return e.LocalDate(), e.EarnsCredit()
}

// The same instants fall on other dates for learners far east and far west:
// settlement follows the learner's dates, not UTC's.
func TestSettleFarEastAndFarWest(t *testing.T) {
	received := time.Date(2026, 3, 10, 10, 30, 0, 0, time.UTC)
	instants := []time.Time{received.Add(-72 * time.Hour), received.Add(-48 * time.Hour), received}
	for _, c := range []struct {
		zone  string
		today string
		want  string // statuses of the two days before today
	}{
		{zone: "Pacific/Kiritimati", today: "2026-03-11", want: "af"}, // UTC+14: 00:30 on the 8th, 9th and 11th
		{zone: "Pacific/Pago_Pago", today: "2026-03-09", want: "af"},  // UTC−11: 23:30 on the 6th, 7th and 9th
	} {
		t.Run(c.zone, func(t *testing.T) {
			z := zone(t, c.zone)
			var active []calendar.Date
			for _, at := range instants {
				d, ok := creditDate(t, at, received, z)
				require.True(t, ok)
				active = append(active, d)
			}
			today := date(t, c.today)
			require.Equal(t, today, z.Today(received))
			l := progress.Ledger{Active: active, Max: 2, Grants: []progress.Grant{{Date: today.AddDays(-3), Count: 1}}}
			s := progress.Settle(progress.Checkpoint{}, l, today)
			var got strings.Builder
			for _, d := range s.Days[len(s.Days)-2:] {
				got.WriteString(d.Status.String()[:1])
			}
			assert.Equal(t, c.want, got.String())
			assert.Equal(t, 3, s.Current, "frozen day bridges, today counts")
		})
	}
}

// A learner who moves zone keeps the dates their past events had; a move
// east can skip a date (frozen or missed like any other), a move west can
// give two events the same date.
func TestSettleAcrossATimeZoneChange(t *testing.T) {
	berlin, tokyo := zone(t, "Europe/Berlin"), zone(t, "Asia/Tokyo")
	// Active on the 1st and 2nd in Berlin at 22:00 local (21:00 UTC).
	d1, _ := creditDate(t, time.Date(2026, 3, 1, 21, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 21, 0, 0, 0, time.UTC), berlin)
	d2, _ := creditDate(t, time.Date(2026, 3, 2, 21, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 21, 0, 0, 0, time.UTC), berlin)
	// Then in Tokyo, 23:30 UTC on the 3rd is the 4th already: the 3rd
	// passes without activity.
	at := time.Date(2026, 3, 3, 23, 30, 0, 0, time.UTC)
	d4, _ := creditDate(t, at, at, tokyo)
	require.Equal(t, "2026-03-04", d4.String())
	today := tokyo.Today(at)

	none := progress.Settle(progress.Checkpoint{}, progress.Ledger{Active: []calendar.Date{d1, d2, d4}, Max: 2}, today)
	assert.Equal(t, 1, none.Current, "the 3rd, unprotected, ended the streak")
	held := progress.Settle(progress.Checkpoint{}, progress.Ledger{Active: []calendar.Date{d1, d2, d4}, Max: 2,
		Grants: []progress.Grant{{Date: d2, Count: 1}}}, today)
	assert.Equal(t, 3, held.Current, "a held freeze saved the 3rd")
	assert.Equal(t, []calendar.Date{date(t, "2026-03-03")}, held.Frozen())
}

// A DST day is one date like any other, 23 or 25 hours long: events at both
// ends of it give one active date, and the days around it settle by date.
func TestSettleOnDSTDays(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	for _, day := range []string{"2026-03-29", "2026-10-25"} {
		d := date(t, day)
		start := d.Start(berlin.Location())
		end := d.AddDays(1).Start(berlin.Location()).Add(-time.Minute)
		a, _ := creditDate(t, start, end, berlin)
		b, _ := creditDate(t, end, end, berlin)
		require.Equal(t, d, a)
		require.Equal(t, d, b)
		prev, _ := creditDate(t, start.Add(-time.Minute), end, berlin)
		require.Equal(t, d.AddDays(-1), prev)
		l := progress.Ledger{Active: []calendar.Date{d.AddDays(-2), d}, Max: 2, Grants: []progress.Grant{{Date: d.AddDays(-2), Count: 1}}}
		s := progress.Settle(progress.Checkpoint{}, l, d.AddDays(1))
		assert.Equal(t, []calendar.Date{d.AddDays(-1)}, s.Frozen(), day)
		assert.Equal(t, 2, s.Current, day)
	}
}

// An event older than the 7-day credit window makes no date active, so it
// cannot fill a frozen or missed date; one just inside it does.
func TestSettleCreditWindow(t *testing.T) {
	received := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	old, ok := creditDate(t, received.Add(-168*time.Hour-time.Second), received, calendar.UTC)
	assert.False(t, ok, "older than 168 hours")
	inside, ok := creditDate(t, received.Add(-168*time.Hour), received, calendar.UTC)
	assert.True(t, ok)
	assert.Equal(t, old, inside, "both on the 3rd")

	today := calendar.DateOf(received, time.UTC)
	base := []calendar.Date{today.AddDays(-8), today.AddDays(-6), today.AddDays(-5), today.AddDays(-4),
		today.AddDays(-3), today.AddDays(-2), today.AddDays(-1)}
	l := progress.Ledger{Active: base, Max: 2, Grants: []progress.Grant{{Date: today.AddDays(-8), Count: 1}}}
	before := progress.Settle(progress.Checkpoint{}, l, today)
	assert.Equal(t, []calendar.Date{today.AddDays(-7)}, before.Frozen())
	l.Active = append(base, inside)
	after := progress.Settle(progress.Checkpoint{}, l, today)
	assert.Empty(t, after.Frozen(), "the late event filled the frozen date and gave the freeze back")
	assert.Equal(t, 2, after.Equipped, "the freeze given back, and one earned on the seventh day")
}

func TestStreakSaveReportsNewlyFrozenDates(t *testing.T) {
	today := day0.AddDays(6)
	s := progress.NewStreak(activeFrom("a.a.a.")).WithFreezeMax(2).
		WithLedger([]progress.Grant{{Date: day0, Count: 2}}, nil, []progress.SettledDay{{Date: day0.AddDays(1), Status: progress.StatusFrozen}})
	sv, set := s.Save(today)
	assert.Equal(t, []calendar.Date{day0.AddDays(1), day0.AddDays(3)}, set.Frozen())
	assert.Equal(t, []calendar.Date{day0.AddDays(3)}, sv.FreezesUsed, "day 1 was frozen before")
	assert.True(t, sv.MarksChanged)
	again, _ := s.WithLedger([]progress.Grant{{Date: day0, Count: 2}}, nil, sv.Marks).Save(today)
	assert.False(t, again.MarksChanged)
	assert.Empty(t, again.FreezesUsed)
	assert.Equal(t, 3, sv.Base.ActiveDays)
	assert.Equal(t, day0, sv.Base.FirstActive)
	assert.Equal(t, day0.AddDays(4), sv.Base.LastActive)
	assert.Equal(t, today.AddDays(-1), sv.Base.Checkpoint.Through)

	resumed := progress.ResumeStreak(sv.Base, nil, nil, nil, nil).WithFreezeMax(2)
	assert.Equal(t, set.Current, resumed.Current(today))
	assert.Equal(t, 3, resumed.ActiveDays())
}

func TestStatusNames(t *testing.T) {
	for _, n := range []string{"none", "active", "frozen", "repaired", "missed", "pending"} {
		s, err := progress.ParseStatus(n)
		require.NoError(t, err)
		assert.Equal(t, n, s.String())
	}
	_, err := progress.ParseStatus("lost")
	assert.Error(t, err)
	assert.Equal(t, "", progress.Status(0).String())
}

// The long-streak achievements count the bridged run: 99 days with a frozen
// one among them, and today's practice, make streak_100 with a day to spare.
func TestApplyUnlocksLongStreaksAcrossFrozenDays(t *testing.T) {
	today := calendar.DateOf(t0, time.UTC)
	for _, c := range []struct {
		days int
		want progress.Achievement
	}{{100, progress.Streak100}, {365, progress.Streak365}} {
		var active []calendar.Date
		for i := 1; i <= c.days; i++ { // days-1 active days before today, one of them frozen
			if i != 50 {
				active = append(active, today.AddDays(-i))
			}
		}
		st := progress.State{Day: progress.NewDay(today), Today: progress.NewDay(today),
			Streak: progress.NewStreak(active).WithFreezeMax(2).WithLedger([]progress.Grant{{Date: today.AddDays(-c.days), Count: 1}}, nil, nil)}
		e, err := learning.NewEvent("id", "u", practice(50, t0), t0, calendar.UTC)
		require.NoError(t, err)
		o, err := progress.Apply(st, e, progress.Facts{Now: t0, Today: today, DailyXPGoal: 20})
		require.NoError(t, err)
		assert.Equal(t, c.days, o.Streak.Current)
		assert.Contains(t, o.AchievementCodes(), c.want.String())
		require.NotNil(t, o.StreakSave, "a new active date stores the settlement")
		assert.Equal(t, []calendar.Date{today.AddDays(-50)}, o.StreakSave.FreezesUsed)
	}
}
