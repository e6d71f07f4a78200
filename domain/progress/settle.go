package progress

import (
	"fmt"
	"slices"

	"github.com/lingo-labs/lingo/domain/calendar"
)

// DefaultFreezeMax is how many streak freezes a learner holds at most when
// the configuration says nothing.
const DefaultFreezeMax = 2

// FreezeEvery is the streak length whose every multiple earns a freeze.
const FreezeEvery = 7

// Status is what a date of the learner's calendar is. The zero value is not
// a status.
type Status int

const (
	// StatusNone is a date before the first active date.
	StatusNone Status = iota + 1
	// StatusActive is a date holding streak credit.
	StatusActive
	// StatusFrozen is a missed date a held freeze protected.
	StatusFrozen
	// StatusRepaired is a missed date an admin repaired.
	StatusRepaired
	// StatusMissed is a past date that ended the streak (or followed its end).
	StatusMissed
	// StatusPending is today while it is not active yet.
	StatusPending
)

var statusNames = []string{"", "none", "active", "frozen", "repaired", "missed", "pending"}

// String is the status as the calendar shows it.
func (s Status) String() string {
	if s < StatusNone || s > StatusPending {
		return ""
	}
	return statusNames[s]
}

// ParseStatus accepts the exact names the calendar shows.
func ParseStatus(s string) (Status, error) {
	for i, n := range statusNames[1:] {
		if n == s {
			return Status(i + 1), nil
		}
	}
	return 0, fmt.Errorf("%q is not a day status", s)
}

// Grant is freezes an admin granted, dated by the learner's local date at
// the instant of the grant: they are held from the start of that date on, so
// they protect that date and later ones, never an earlier one (an earlier
// missed date is what a repair is for).
type Grant struct {
	Date  calendar.Date
	Count int
}

// Checkpoint is the settlement at the end of a date: what a store keeps so
// that the next settlement walks only the dates after it.
type Checkpoint struct {
	// Through is the last settled date; zero while no active date was
	// settled yet (then nothing else is set but Equipped, which a
	// settlement from zero recomputes anyway).
	Through   calendar.Date
	Run       int // active days of the live streak at the end of Through (0: no live streak)
	Longest   int // the longest run settled so far, in active days
	Equipped  int // freezes held at the end of Through
	UsedTotal int // freezes used so far
	LastUsed  calendar.Date
}

// Ledger is what settlement reads: the active dates, the grants and the
// repaired dates (admin repairs of dates that were missed). Given with a
// non-zero Checkpoint it needs to hold only what is dated after
// Checkpoint.Through; anything earlier is ignored.
type Ledger struct {
	Active  []calendar.Date
	Grants  []Grant
	Repairs []calendar.Date
	// Max is LINGO_STREAK_FREEZE_MAX: the most freezes held at once. 0
	// means no freezes at all.
	Max int
}

// SettledDay is a past date with its status.
type SettledDay struct {
	Date   calendar.Date
	Status Status
}

// Settlement is the learner's calendar settled up to yesterday, and the
// streak as it stands today.
type Settlement struct {
	// Days has every date walked, oldest first: from the day after the
	// start checkpoint (or the first active date) to yesterday.
	Days []SettledDay
	// Settled is the checkpoint at the end of yesterday (the start one when
	// nothing was walked).
	Settled Checkpoint
	// FirstActive is the first active date the walk met (zero when the walk
	// began from a checkpoint or met none).
	FirstActive calendar.Date
	// Current and Longest count active days of runs that frozen and
	// repaired days bridge; today counts when it is active.
	Current, Longest int
	// Equipped is the freezes held now: today's grants and a freeze earned
	// today included.
	Equipped    int
	ActiveToday bool
}

// Frozen lists the walked dates that were frozen.
func (s Settlement) Frozen() []calendar.Date {
	var out []calendar.Date
	for _, d := range s.Days {
		if d.Status == StatusFrozen {
			out = append(out, d.Date)
		}
	}
	return out
}

// Settle settles every date from the one after start.Through (or, from a
// zero checkpoint, from the first active date) up to yesterday, and reads
// today without settling it. It depends only on its arguments: settling
// again, in any order of the writes that built the ledger, gives the same
// days. A start checkpoint at or after today is refused by returning the
// settlement of an empty walk; callers then settle from zero.
//
// Each date, oldest first: the grants dated on it are added (capped at
// Max); then the date is active (the run grows; a run reaching a multiple
// of FreezeEvery earns a freeze, lost when Max are held), else frozen when
// the streak is alive and a freeze is held (one is used), else repaired
// when l.Repairs holds it (the streak, alive or not, stays as it is), else
// missed (the streak ends).
func Settle(start Checkpoint, l Ledger, today calendar.Date) Settlement {
	st := start
	after := func(d calendar.Date) bool { return start.Through.IsZero() || d.After(start.Through) }
	// The active dates to walk, sorted: a walk steps through them with an
	// index instead of building a set (a write settles on every event).
	active := make([]calendar.Date, 0, len(l.Active))
	for _, d := range l.Active {
		if !d.IsZero() && after(d) {
			active = append(active, d)
		}
	}
	if !slices.IsSortedFunc(active, calendar.Date.Compare) {
		slices.SortFunc(active, calendar.Date.Compare)
	}
	var first calendar.Date
	if len(active) > 0 {
		first = active[0]
	}
	next := 0 // active[next] is the first active date not walked yet
	isActive := func(d calendar.Date) bool {
		for next < len(active) && active[next].Before(d) {
			next++
		}
		return next < len(active) && active[next] == d
	}
	grants := map[calendar.Date]int{}
	var grantDates []calendar.Date
	for _, g := range l.Grants {
		if g.Count <= 0 || g.Date.IsZero() || !after(g.Date) {
			continue
		}
		if _, ok := grants[g.Date]; !ok {
			grantDates = append(grantDates, g.Date)
		}
		grants[g.Date] += g.Count
	}
	slices.SortFunc(grantDates, calendar.Date.Compare)
	repaired := map[calendar.Date]bool{}
	for _, d := range l.Repairs {
		repaired[d] = true
	}
	add := func(eq, n int) int { return max(0, min(l.Max, eq+n)) }

	out := Settlement{}
	walk := !start.Through.IsZero()
	begin := start.Through.AddDays(1)
	if start.Through.IsZero() {
		st = Checkpoint{}
		walk = !first.IsZero() && first.Before(today)
		// Grants dated before the walk begins (before the first active
		// date, or before today when nothing is walked) are held from their
		// dates on; nothing can use them before the first active date.
		upTo := today
		if walk {
			begin, upTo, out.FirstActive = first, first, first
		}
		for _, d := range grantDates {
			if d.Before(upTo) {
				st.Equipped = add(st.Equipped, grants[d])
			}
		}
	} else if !start.Through.Before(today) {
		return Settlement{Settled: start, Current: start.Run, Longest: start.Longest, Equipped: start.Equipped}
	}
	for d := begin; walk && d.Before(today); d = d.AddDays(1) {
		st.Equipped = add(st.Equipped, grants[d])
		var s Status
		switch {
		case isActive(d):
			s = StatusActive
			st.Run++
			st.Longest = max(st.Longest, st.Run)
			if st.Run%FreezeEvery == 0 {
				st.Equipped = add(st.Equipped, 1)
			}
		case st.Run > 0 && st.Equipped > 0:
			// The one place a freeze is used: a missed date of a live
			// streak. Whoever reports freezes used (streak.freeze_used)
			// reads them from Settlement.Days, diffed with what was stored
			// before (NewlyFrozen).
			s = StatusFrozen
			st.Equipped--
			st.UsedTotal++
			st.LastUsed = d
		case repaired[d]:
			s = StatusRepaired
		default:
			s = StatusMissed
			st.Run = 0
		}
		out.Days = append(out.Days, SettledDay{Date: d, Status: s})
		st.Through = d
	}
	out.Settled = st

	// Today: grants dated today or later are held now; today's activity
	// counts, its absence ends nothing yet.
	eq := st.Equipped
	for _, d := range grantDates {
		if !d.Before(today) {
			eq = add(eq, grants[d])
		}
	}
	out.Current = st.Run
	if isActive(today) {
		out.ActiveToday = true
		out.Current = st.Run + 1
		if out.Current%FreezeEvery == 0 {
			eq = add(eq, 1)
		}
	}
	out.Longest = max(st.Longest, out.Current)
	out.Equipped = eq
	return out
}

// NewlyFrozen lists the dates of after that were not frozen before: the
// freezes a settlement used that no earlier one had reported.
func NewlyFrozen(before, after []calendar.Date) []calendar.Date {
	var out []calendar.Date
	for _, d := range after {
		if !slices.Contains(before, d) {
			out = append(out, d)
		}
	}
	return out
}
