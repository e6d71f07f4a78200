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
}

func (p protection) clone() protection {
	out := protection{grants: slices.Clone(p.grants), repairs: slices.Clone(p.repairs), stored: slices.Clone(p.stored), max: p.max}
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
// active dates, grants and repaired dates after base.Checkpoint.Through.
// Settling it walks only those dates.
func ResumeStreak(base StreakBase, active []calendar.Date, grants []Grant, repairs []calendar.Date) Streak {
	s := NewStreak(active)
	s.protection = protection{grants: slices.Clone(grants), repairs: slices.Clone(repairs), base: &base}
	return s
}

// FirstActive is the first active date (zero when there is none).
func (s Streak) FirstActive() calendar.Date {
	if b := s.protection.base; b != nil && !b.FirstActive.IsZero() {
		return b.FirstActive
	}
	if len(s.dates) == 0 {
		return calendar.Date{}
	}
	return s.dates[0]
}

// Resumed reports whether the streak resumes from a stored settlement.
func (s Streak) Resumed() bool { return s.protection.base != nil }

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
// the base at the end of yesterday, and every frozen and repaired date.
type StreakSave struct {
	Base  StreakBase
	Marks []SettledDay
	// FreezesUsed are the dates frozen by this settlement that the store
	// did not hold as frozen: where a streak.freeze_used is reported.
	FreezesUsed []calendar.Date
	// MarksChanged is false when Marks equal the marks the streak was
	// given (WithLedger): the store may leave its rows alone.
	MarksChanged bool
}

// Save settles the whole streak (not a resumed one: its Marks would miss
// the dates before the base) and says what a store keeps.
func (s Streak) Save(today calendar.Date) (StreakSave, Settlement) {
	full := s
	full.protection.base = nil
	set := full.Settle(today)
	last, _ := full.LastActive()
	sv := StreakSave{Base: StreakBase{Checkpoint: set.Settled, FirstActive: set.FirstActive, LastActive: last, ActiveDays: len(full.dates)},
		Marks: []SettledDay{}}
	if len(full.dates) > 0 {
		sv.Base.FirstActive = full.dates[0]
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
