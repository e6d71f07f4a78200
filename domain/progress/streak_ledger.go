package progress

import (
	"slices"

	"github.com/lingo-labs/lingo/domain/calendar"
)

// protection is what a Streak settles with besides its active dates.
type protection struct {
	grants  []Grant
	repairs []calendar.Date
	stored  []SettledDay // the frozen and repaired dates a store keeps (to tell what changed)
	max     int
	// base, when set, is a stored settlement the streak resumes from; the
	// streak's dates are then only those after base.Checkpoint.Through.
	base *StreakBase
	// added counts the dates RecordActiveDay made active in a resumed
	// streak: base.ActiveDays counted every active date when it was saved,
	// so it does not count these.
	added int
}

func (p protection) clone() protection {
	out := protection{grants: slices.Clone(p.grants), repairs: slices.Clone(p.repairs), stored: slices.Clone(p.stored), max: p.max,
		added: p.added}
	if p.base != nil {
		b := *p.base
		out.base = &b
	}
	return out
}

// StreakBase is the settlement a store keeps per learner so that reads walk
// only the dates after it: the checkpoint at the end of the last settled
// date, and the active-date facts that only writes change.
type StreakBase struct {
	Checkpoint  Checkpoint
	FirstActive calendar.Date
	LastActive  calendar.Date
	ActiveDays  int
}

// WithLedger returns the streak with the learner's grants, repaired dates
// and the marks a store keeps (every frozen and repaired date it holds, as
// StreakSave.Marks left them).
func (s Streak) WithLedger(grants []Grant, repairs []calendar.Date, stored []SettledDay) Streak {
	out := s.Clone()
	out.protection.grants = slices.Clone(grants)
	out.protection.repairs = slices.Clone(repairs)
	out.protection.stored = slices.Clone(stored)
	return out
}

// WithFreezeMax returns the streak with the most freezes a learner holds
// (LINGO_STREAK_FREEZE_MAX); a streak without one holds none.
func (s Streak) WithFreezeMax(n int) Streak {
	out := s.Clone()
	out.protection.max = max(0, n)
	return out
}

// ResumeStreak is a streak read from a stored settlement: base, and the
// active dates, grants, repaired dates and stored marks (as WithLedger's)
// after base.Checkpoint.Through. Settling it walks only those dates, and so
// does saving it, so a write's cost follows the days since the learner's
// last write, not their history. Such a streak takes only dates after its
// base (SettledBefore).
func ResumeStreak(base StreakBase, active []calendar.Date, grants []Grant, repairs []calendar.Date, stored []SettledDay) Streak {
	s := NewStreak(active)
	s.protection = protection{grants: slices.Clone(grants), repairs: slices.Clone(repairs), stored: slices.Clone(stored), base: &base}
	return s
}

// FirstActive is the first active date (zero when there is none).
func (s Streak) FirstActive() calendar.Date {
	var first calendar.Date
	if len(s.dates) > 0 {
		first = s.dates[0]
	}
	// A base that settled no date yet leaves every date to the streak, so
	// an event may come before the first one it knew.
	if b := s.protection.base; b != nil && !b.FirstActive.IsZero() && (first.IsZero() || b.FirstActive.Before(first)) {
		first = b.FirstActive
	}
	return first
}

// Resumed reports whether the streak resumes from a stored settlement.
func (s Streak) Resumed() bool { return s.protection.base != nil }

// SettledBefore reports whether the streak can settle and save from date d
// on: always for a whole streak; for a resumed one when its base ends
// before d, since the dates up to the base's end are settled for good.
func (s Streak) SettledBefore(d calendar.Date) bool {
	b := s.protection.base
	return b == nil || b.Checkpoint.Through.IsZero() || b.Checkpoint.Through.Before(d)
}

// FreezeMax is the cap the streak settles with.
func (s Streak) FreezeMax() int { return s.protection.max }

// Settle settles the streak's calendar up to yesterday (Settle).
func (s Streak) Settle(today calendar.Date) Settlement {
	var start Checkpoint
	if b := s.protection.base; b != nil {
		start = b.Checkpoint
	}
	return Settle(start, Ledger{Active: s.dates, Grants: s.protection.grants, Repairs: s.protection.repairs, Max: s.protection.max}, today)
}

// StreakSave is what a store keeps after a write that changed the ledger:
// the base at the end of yesterday, and the frozen and repaired dates.
type StreakSave struct {
	Base StreakBase
	// Marks are every frozen and repaired date after MarksAfter (every one
	// when MarksAfter is zero); the stored marks up to MarksAfter stay.
	Marks      []SettledDay
	MarksAfter calendar.Date
	// FreezesUsed are the dates frozen by this settlement that the store
	// did not hold as frozen: where a streak.freeze_used is reported.
	FreezesUsed []calendar.Date
	// MarksChanged is false when Marks equal the marks the streak was
	// given (WithLedger, ResumeStreak): the store may leave its rows alone.
	MarksChanged bool
}

// Save settles the streak and says what a store keeps. A whole streak is
// settled from its first active date; a resumed one from its base, which
// gives the same days after the base (the dates up to it cannot change:
// every write that changes the ledger saves, and a store resumes only for
// dates after the base), so its Marks are those after the base.
func (s Streak) Save(today calendar.Date) (StreakSave, Settlement) {
	set := s.Settle(today)
	last, _ := s.LastActive()
	sv := StreakSave{Base: StreakBase{Checkpoint: set.Settled, FirstActive: s.FirstActive(), LastActive: last, ActiveDays: s.ActiveDays()},
		Marks: []SettledDay{}}
	if b := s.protection.base; b != nil {
		sv.MarksAfter = b.Checkpoint.Through
	}
	for _, d := range set.Days {
		if d.Status == StatusFrozen || d.Status == StatusRepaired {
			sv.Marks = append(sv.Marks, d)
		}
	}
	var frozen []calendar.Date
	for _, m := range s.protection.stored {
		if m.Status == StatusFrozen {
			frozen = append(frozen, m.Date)
		}
	}
	stored := slices.Clone(s.protection.stored)
	slices.SortFunc(stored, func(a, b SettledDay) int { return a.Date.Compare(b.Date) })
	sv.FreezesUsed = NewlyFrozen(frozen, set.Frozen())
	sv.MarksChanged = !slices.Equal(stored, sv.Marks)
	return sv, set
}
