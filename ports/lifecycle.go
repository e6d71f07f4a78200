package ports

import (
	"context"
	"io"
	"time"

	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/webhook"
)

// Erased counts what an erasure removed.
type Erased struct {
	Events       int
	Days         int
	Achievements int
	Exports      int
	// AvatarKey and FileKeys are the avatar and export files the erasure
	// left to remove (recorded as an ErasureCleanup too).
	AvatarKey string
	FileKeys  []string
}

// ErasureCleanup is what an erasure still has to remove outside the
// database once its transaction committed: files and cache or limiter keys.
type ErasureCleanup struct {
	UserID    string
	AvatarKey string
	FileKeys  []string // export files
}

// ErasureStore removes a learner's data. Every table a learner has rows in
// is named in one place of each adapter (sqlstore.ErasureTables and the
// memory store's erase), so that a feature adding a table adds it there.
type ErasureStore interface {
	// DueForErasure returns up to limit ids of users whose deletion is
	// pending with purge_after at or before now, earliest first.
	DueForErasure(ctx context.Context, now time.Time, limit int) ([]string, error)
	// Erase removes the user and every row of theirs in one transaction:
	// the user row, preferences, refresh tokens, events, aggregates,
	// achievements, streaks, reminders and exports; it cancels their
	// undelivered webhook deliveries, keeps an erased_users row
	// {user_id, erased_at}, stores an ErasureCleanup for the files and keys,
	// and publishes msgs (built by msgs from the user id) after the
	// cancellation, in the same transaction. When dueOnly is set it erases
	// only a user whose purge_after is at or before now. NotFound when no
	// such user (erased already, restored, or never there), so of two
	// instances erasing one user exactly one succeeds.
	Erase(ctx context.Context, userID string, now time.Time, dueOnly bool, msgs []webhook.Message) (Erased, error)
	// Cleanups returns up to limit clean-ups not yet done, oldest first.
	Cleanups(ctx context.Context, limit int) ([]ErasureCleanup, error)
	// CleanupDone removes the clean-up record of the user.
	CleanupDone(ctx context.Context, userID string) error
	// WasErased reports whether the id belongs to an erased user.
	WasErased(ctx context.Context, userID string) (bool, time.Time, error)
}

// ExportStatus is the state of a data export.
type ExportStatus string

// The states of an export.
const (
	ExportPending ExportStatus = "pending"
	ExportReady   ExportStatus = "ready"
	ExportFailed  ExportStatus = "failed"
)

// Export is one data export request and, once ready, its file.
type Export struct {
	ID            string
	UserID        string
	Status        ExportStatus
	CreatedAt     time.Time
	CompletedAt   time.Time // zero until ready or failed
	ExpiresAt     time.Time // zero until ready
	FileKey       string
	DownloadToken string
	SizeBytes     int64
}

// ExportStore keeps data export requests.
type ExportStore interface {
	// CreateExport stores a pending export. Conflict with code
	// errs.CodeExportInProgress when the user has a pending one (a unique
	// index decides concurrent requests). It takes part in an
	// Outbox.Atomically transaction.
	CreateExport(ctx context.Context, e Export) error
	// Export returns the user's export, or NotFound (also for another
	// user's export).
	Export(ctx context.Context, userID, id string) (Export, error)
	// ExportByToken returns the ready export with that download token, or
	// NotFound.
	ExportByToken(ctx context.Context, token string) (Export, error)
	// PendingExports returns up to limit pending exports, oldest first.
	PendingExports(ctx context.Context, limit int) ([]Export, error)
	// ClaimExport takes or renews the lease of a pending export for holder
	// until until, and reports whether it holds it: it does when the export
	// is pending and nobody else holds an unexpired lease at now.
	ClaimExport(ctx context.Context, id, holder string, now, until time.Time) (bool, error)
	// FinishExport stores e's outcome (ready or failed, with its file) only
	// while the export is still pending, and reports whether it did: of two
	// builders of one export one wins, and an export whose user was erased
	// meanwhile is not brought back. Messages are published with it.
	FinishExport(ctx context.Context, e Export, msgs []webhook.Message) (bool, error)
	// ExpiredExports returns up to limit exports whose expires_at is at or
	// before now.
	ExpiredExports(ctx context.Context, now time.Time, limit int) ([]Export, error)
	// DeleteExport removes the export row; an absent one is not an error.
	DeleteExport(ctx context.Context, id string) error
}

// EventReader streams a learner's stored events, oldest received first, a
// page at a time, so that an export of a million events holds one page.
type EventReader interface {
	// EventsOldestFirst calls fn with each of the learner's events in
	// (received_at, id) order, reading pageSize rows at a time; fn's error
	// stops the walk and is returned.
	EventsOldestFirst(ctx context.Context, userID string, pageSize int, fn func(ExportedEvent) error) error
}

// ExportedEvent is one stored event as an export writes it; a voided one
// carries its voided_at (learning.Event.VoidedAt).
type ExportedEvent struct {
	Event learning.Event
}

// ExportFileInfo describes a stored export file.
type ExportFileInfo struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// ExportFiles keeps export archives under keys the server makes.
type ExportFiles interface {
	// Write stores the bytes write produces under key, streaming them to
	// storage; a reader sees no file or the whole file, never a part. It
	// returns the size written. Errors: Unavailable; write's own error.
	Write(ctx context.Context, key string, write func(w io.Writer) error) (int64, error)
	// Open returns the file; NotFound when there is none.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, ExportFileInfo, error)
	// Delete removes the file; an absent file is not an error.
	Delete(ctx context.Context, key string) error
	// SweepTemporary removes partial files last written before before,
	// which a process killed in the middle of a Write leaves behind.
	SweepTemporary(ctx context.Context, before time.Time) error
}

// CacheForgetter is a cache that can drop a whole namespace: the version
// token and every value stored under it.
type CacheForgetter interface {
	// ForgetNamespace deletes every key of namespace. Errors: Unavailable.
	ForgetNamespace(ctx context.Context, namespace string) error
}

// LimitForgetter is a rate limiter that can drop every entry of one client
// key (a user id), under every class.
type LimitForgetter interface {
	// ForgetKey deletes the key's buckets and lockouts. Errors: Unavailable.
	ForgetKey(ctx context.Context, key string) error
}

// LifecycleRunner is the use case of the periodic account lifecycle job.
type LifecycleRunner interface {
	// RunDue erases the accounts that are due, finishes erasure clean-ups,
	// builds pending exports and removes expired ones.
	RunDue(ctx context.Context) error
}
