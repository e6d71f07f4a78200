package ports

import (
	"context"
	"time"

	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
)

// Replacement is what a rebuild writes over a learner's aggregates, in the
// transaction that read them.
type Replacement struct {
	Aggregates progress.Aggregates
	// Streak is the settlement to keep (progress.Streak.Save).
	Streak progress.StreakSave
	// DropServer are ids of server-recorded events to delete; AddServer are
	// new ones to insert.
	DropServer []string
	AddServer  []learning.Event
	// XPChanges set the xp_awarded of client event rows.
	XPChanges []progress.XPChange
	At        time.Time
}

// RebuildTx is one learner's events and aggregates inside the transaction
// that holds the learner's lock (the lock of ProgressStore.Update), as a
// void or a rebuild needs them. Its errors are Unavailable or Internal
// unless said.
type RebuildTx interface {
	LearnerTx
	// Void sets voided_at of the learner's event row id to at, unless it is
	// voided already, and returns the event as stored afterwards.
	Void(rowID string, at time.Time) (learning.Event, error)
	// ClientEvents calls fn with the learner's client events that are not
	// voided, in the order they were stored, pageSize at a time (the last
	// page may be shorter): memory stays bounded whatever their number. fn's
	// error stops the walk and is returned.
	ClientEvents(pageSize int, fn func([]learning.Event) error) error
	// ServerEvents returns the learner's server-recorded events.
	ServerEvents() ([]learning.Event, error)
	// Aggregates reads the learner's stored aggregates.
	Aggregates() (progress.Aggregates, error)
	// Ledger returns the learner's grants and repairs with their instants,
	// and the frozen and repaired dates kept.
	Ledger() ([]progress.TimedGrant, []progress.TimedRepair, []progress.SettledDay, error)
	// Replace writes r over the learner's aggregates.
	Replace(r Replacement) error
}

// RebuildStore opens the learner's rebuild transaction.
type RebuildStore interface {
	// Update runs fn in one transaction holding the learner's lock, as
	// ProgressStore.Update does; fn's error rolls everything back and is
	// returned as is.
	Update(ctx context.Context, userID string, fn func(RebuildTx) error) error
}
