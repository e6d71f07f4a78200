package progress

import (
	"slices"

	"github.com/lingo-labs/lingo/domain/calendar"
)

// Streak is the learner's streak calendar: the set of active local dates. A
// date is active when it holds a lesson_completed or practice_completed that
// earned streak credit. Streak numbers are computed from the set rather than
// kept as counters, because a late event can fill any gap of the last seven
// days and join two runs; counters would have to be rebuilt then anyway.
type Streak struct {
	dates []calendar.Date // sorted, unique
	// protection is what settlement reads besides the dates (streak_ledger.go).
	protection protection
}

// NewStreak builds the calendar from stored active dates, in any order,
// duplicates ignored.
func NewStreak(active []calendar.Date) Streak {
	ds := slices.Clone(active)
	ds = slices.DeleteFunc(ds, calendar.Date.IsZero)
	slices.SortFunc(ds, calendar.Date.Compare)
	return Streak{dates: slices.Compact(ds)}
}

// Clone returns an independent copy, so that Apply never changes the
// caller's state.
func (s Streak) Clone() Streak {
	return Streak{dates: slices.Clone(s.dates), protection: s.protection.clone()}
}

func (s Streak) find(d calendar.Date) (int, bool) {
	return slices.BinarySearchFunc(s.dates, d, calendar.Date.Compare)
}

// Has reports whether d is active.
func (s Streak) Has(d calendar.Date) bool {
	_, ok := s.find(d)
	return ok
}

// RecordActiveDay makes d active and reports whether it was not before: the
// event "extended" the streak (the first day of a streak included).
func (s *Streak) RecordActiveDay(d calendar.Date) (extended bool) {
	i, ok := s.find(d)
	if ok || d.IsZero() {
		return false
	}
	s.dates = slices.Insert(s.dates, i, d)
	if s.protection.base != nil {
		s.protection.added++
	}
	return true
}

// RunEndingAt is the number of consecutive active days ending at d (0 when d
// is not active).
func (s Streak) RunEndingAt(d calendar.Date) int {
	i, ok := s.find(d)
	if !ok {
		return 0
	}
	n := 1
	for ; i > 0 && s.dates[i-1].DaysUntil(s.dates[i]) == 1; i-- {
		n++
	}
	return n
}

// Current is the active days of the run ending today, or ending yesterday
// when today is not active yet, else 0; frozen and repaired days bridge the
// run (Settle). Active dates after today (possible after the learner moved
// to a zone further west) do not count: the current streak looks back.
func (s Streak) Current(today calendar.Date) int { return s.Settle(today).Current }

// Longest is the longest run of consecutive active dates, frozen and
// repaired days not bridging; Settle's Longest is the streak rule's.
func (s Streak) Longest() int {
	longest, run := 0, 0
	for i, d := range s.dates {
		if i > 0 && s.dates[i-1].DaysUntil(d) == 1 {
			run++
		} else {
			run = 1
		}
		longest = max(longest, run)
	}
	return longest
}

// LastActive is the latest active date, and false when there is none.
func (s Streak) LastActive() (calendar.Date, bool) {
	if b := s.protection.base; b != nil {
		last := b.LastActive
		if n := len(s.dates); n > 0 && s.dates[n-1].After(last) {
			last = s.dates[n-1]
		}
		return last, !last.IsZero()
	}
	if len(s.dates) == 0 {
		return calendar.Date{}, false
	}
	return s.dates[len(s.dates)-1], true
}

// ActiveDays counts the active dates.
func (s Streak) ActiveDays() int {
	if b := s.protection.base; b != nil {
		return b.ActiveDays + s.protection.added
	}
	return len(s.dates)
}

// Dates returns the active dates, oldest first (a copy).
func (s Streak) Dates() []calendar.Date { return slices.Clone(s.dates) }
