package memory

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// ledger is one learner's streak protection, what the SQL store keeps in
// learner_streaks, streak_marks, streak_grants and streak_repairs.
type ledger struct {
	base    *progress.StreakBase  // the stored settlement; nil while none was saved
	marks   []progress.SettledDay // frozen and repaired dates, oldest first
	grants  []progress.Grant      // in the order granted
	repairs []calendar.Date       // oldest first, each once
	// grantedAt[i] is when grants[i] was made; repairedAt when each
	// repaired date was (a rebuild replays them in time).
	grantedAt  []time.Time
	repairedAt map[calendar.Date]time.Time
}

func (l ledger) clone() ledger {
	out := ledger{marks: slices.Clone(l.marks), grants: slices.Clone(l.grants), repairs: slices.Clone(l.repairs),
		grantedAt: slices.Clone(l.grantedAt), repairedAt: maps.Clone(l.repairedAt)}
	if l.base != nil {
		b := *l.base
		out.base = &b
	}
	return out
}

// since reports whether d is after the date after (zero: every date), as
// the SQL store compares dates with the settled_through column (” for none).
func since(d, after calendar.Date) bool { return after.IsZero() || d.After(after) }

// fullStreak is every active date with the whole ledger (StreakTx.Streak,
// LearnerTx.State).
func (l *learner) fullStreak() progress.Streak {
	return progress.NewStreak(l.activeDates()).WithLedger(l.streak.grantsAfter(calendar.Date{}), l.streak.repairs, l.streak.marks)
}

// grantsAfter returns the grants dated after the date after, oldest first.
func (l ledger) grantsAfter(after calendar.Date) []progress.Grant {
	var out []progress.Grant
	for _, g := range l.grants {
		if since(g.Date, after) {
			out = append(out, g)
		}
	}
	slices.SortStableFunc(out, func(a, b progress.Grant) int { return a.Date.Compare(b.Date) })
	return out
}

// readStreak is the streak a read or an event settles, as the SQL store's
// readStreak: resumed from the stored settlement, with the marks after it,
// when it ends before the date before (a read's today, an event's date or
// today if earlier), or read whole when there is none or it does not
// (after a move to a zone further west).
func (l *learner) readStreak(before calendar.Date) progress.Streak {
	b := l.streak.base
	if b == nil || !b.Checkpoint.Through.Before(before) {
		return l.fullStreak()
	}
	after := b.Checkpoint.Through
	var active, repairs []calendar.Date
	for _, d := range l.activeDates() {
		if since(d, after) {
			active = append(active, d)
		}
	}
	for _, d := range l.streak.repairs {
		if since(d, after) {
			repairs = append(repairs, d)
		}
	}
	var marks []progress.SettledDay
	for _, m := range l.streak.marks {
		if since(m.Date, after) {
			marks = append(marks, m)
		}
	}
	return progress.ResumeStreak(*b, active, l.streak.grantsAfter(after), repairs, marks)
}

// save replaces the settled streak: the base always, the marks after
// s.MarksAfter only when the settlement changed them.
func (l *learner) save(s progress.StreakSave) {
	b := s.Base
	l.streak.base = &b
	if s.MarksChanged {
		kept := slices.DeleteFunc(slices.Clone(l.streak.marks), func(m progress.SettledDay) bool { return since(m.Date, s.MarksAfter) })
		l.streak.marks = append(kept, s.Marks...)
		slices.SortFunc(l.streak.marks, func(a, b progress.SettledDay) int { return a.Date.Compare(b.Date) })
	}
}

// Streaks is the store as ports.StreakStore.
type Streaks struct{ s *Store }

// NewStreaks gives the store as the streak store.
func NewStreaks(s *Store) Streaks { return Streaks{s} }

// Update holds the learner's lock, the one Progress.Update takes, so that
// grants, repairs and events of one learner settle one after the other; fn
// works on a copy that replaces the learner only when fn returns nil.
func (st Streaks) Update(ctx context.Context, userID string, fn func(ports.StreakTx) error) error {
	return Progress{st.s}.update(ctx, userID, func(committed *learner) (*learner, []ports.StoredEvent, error) {
		tx := &streakTx{work: committed.aggregates()}
		return tx.work, nil, fn(tx)
	}, nil)
}

func (st Streaks) Marks(_ context.Context, userID string, from, to calendar.Date) ([]progress.SettledDay, error) {
	st.s.mu.RLock()
	defer st.s.mu.RUnlock()
	var out []progress.SettledDay
	if l := st.s.learners[userID]; l != nil {
		for _, m := range l.streak.marks {
			if !m.Date.Before(from) && !m.Date.After(to) {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// streakTx is ports.StreakTx over the transaction's copy of the learner.
type streakTx struct{ work *learner }

func (t *streakTx) Streak() (progress.Streak, error) { return t.work.fullStreak(), nil }

// AddGrant refuses a count outside 1..10 as the SQL store's CHECK does: an
// Internal error, since callers validate the count first.
func (t *streakTx) AddGrant(g progress.Grant, at time.Time) error {
	if g.Count < 1 || g.Count > 10 {
		return errs.E(errs.Internal, "", "a grant of 1 to 10 freezes is stored")
	}
	t.work.streak.grants = append(t.work.streak.grants, g)
	t.work.streak.grantedAt = append(t.work.streak.grantedAt, at.UTC().Truncate(time.Microsecond))
	return nil
}

func (t *streakTx) AddRepairs(dates []calendar.Date, at time.Time) error {
	for _, d := range dates {
		if i, found := slices.BinarySearchFunc(t.work.streak.repairs, d, calendar.Date.Compare); !found {
			t.work.streak.repairs = slices.Insert(t.work.streak.repairs, i, d)
			if t.work.streak.repairedAt == nil {
				t.work.streak.repairedAt = map[calendar.Date]time.Time{}
			}
			t.work.streak.repairedAt[d] = at.UTC().Truncate(time.Microsecond)
		}
	}
	return nil
}

func (t *streakTx) Save(s progress.StreakSave, _ time.Time) error {
	t.work.save(s)
	return nil
}
