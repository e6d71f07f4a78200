package ports

import (
	"context"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/progress"
)

// StreakTx is one learner's streak protection inside the transaction that
// holds the learner's lock (the lock of ProgressStore.Update). Its errors are
// Unavailable or Internal.
type StreakTx interface {
	// Streak returns every active date of the learner with the grants, the
	// repaired dates and the dates kept as frozen (progress.Streak.WithLedger);
	// the freeze cap is the caller's to set.
	Streak() (progress.Streak, error)
	// AddGrant records a grant made at the instant at.
	AddGrant(g progress.Grant, at time.Time) error
	// AddRepairs records dates an admin repaired (already recorded ones are
	// kept as they are).
	AddRepairs(dates []calendar.Date, at time.Time) error
	// Save replaces the learner's settled streak (what
	// progress.Outcome.StreakSave says for event writes), and the marks
	// after s.MarksAfter. A transaction that adds a grant or repairs a date
	// saves too: reads (Snapshot) and events (LearnerTx.State) resume from
	// the stored settlement and read only the ledger after it.
	Save(s progress.StreakSave, at time.Time) error
}

// StreakStore keeps learners' streak protection beside their progress.
type StreakStore interface {
	// Update runs fn in one transaction holding the learner's lock, as
	// ProgressStore.Update does; fn's error rolls everything back.
	Update(ctx context.Context, userID string, fn func(StreakTx) error) error
	// Marks returns the frozen and repaired dates kept for the learner in
	// [from, to], oldest first; dates after the stored settlement have none.
	Marks(ctx context.Context, userID string, from, to calendar.Date) ([]progress.SettledDay, error)
}
