package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// erasureTable is one table holding a learner's rows; count names the
// figure of ports.Erased its deleted rows add to ("" for none).
type erasureTable struct {
	name, column, count string
}

// ErasureTables is every table with rows of one learner, besides users
// itself: an erasure deletes the learner's rows of each, in this order, in
// its transaction. A feature that adds a table of learner rows adds it here
// (and to the memory store's erase), and the erasure suite of
// adapters/storetest checks that nothing of the learner is left.
var ErasureTables = []erasureTable{
	{"learning_events", "user_id", "events"},
	{"learner_progress", "user_id", ""},
	{"learner_days", "user_id", "days"},
	{"completed_lessons", "user_id", ""},
	{"completed_courses", "user_id", ""},
	{"learner_achievements", "user_id", "achievements"},
	{"learner_streaks", "user_id", ""},
	{"streak_marks", "user_id", ""},
	{"streak_grants", "user_id", ""},
	{"streak_repairs", "user_id", ""},
	{"reminder_schedule", "user_id", ""},
	{"reminder_log", "user_id", ""},
	{"user_preferences", "user_id", ""},
	{"refresh_tokens", "user_id", ""},
	{"data_exports", "user_id", "exports"},
	{"league_tiers", "user_id", ""},
	{"league_members", "user_id", ""},
	{"league_results", "user_id", ""},
}

// ErasureTableNames lists the tables of ErasureTables, for the suites that
// check an erasure left nothing.
func ErasureTableNames() []string {
	out := make([]string, len(ErasureTables))
	for i, t := range ErasureTables {
		out[i] = t.name
	}
	return out
}

// Lifecycle is the erasure and export store on the database.
type Lifecycle struct{ db *DB }

var (
	_ ports.ErasureStore = (*Lifecycle)(nil)
	_ ports.ExportStore  = (*Lifecycle)(nil)
	_ ports.EventReader  = (*Lifecycle)(nil)
)

// NewLifecycle makes the store.
func NewLifecycle(db *DB) *Lifecycle { return &Lifecycle{db: db} }

func (l *Lifecycle) DueForErasure(ctx context.Context, now time.Time, limit int) ([]string, error) {
	var ids []string
	err := l.db.Gorm(ctx).Raw(`SELECT id FROM users WHERE purge_after IS NOT NULL AND purge_after <= ?
		ORDER BY purge_after, id LIMIT ?`, now.UTC(), max(limit, 1)).Scan(&ids).Error
	if err != nil {
		return nil, Classify(err)
	}
	return ids, nil
}

func (l *Lifecycle) Erase(ctx context.Context, userID string, now time.Time, dueOnly bool, msgs []webhook.Message) (ports.Erased, error) {
	var out ports.Erased
	if !isUUID(userID) {
		return out, errs.E(errs.NotFound, errs.CodeNotFound, "No such user.")
	}
	userID = strings.ToLower(userID)
	err := l.db.Transaction(ctx, func(tx *gorm.DB) error {
		row, err := lockUserRow(tx, userID)
		if err != nil {
			return err
		}
		if dueOnly && (!row.PurgeAfter.Valid || row.PurgeAfter.Time.After(now)) {
			return errs.E(errs.NotFound, errs.CodeNotFound, "No user is due for erasure.")
		}
		out.AvatarKey = row.AvatarKey
		var files []string
		if err := tx.Raw(`SELECT file_key FROM data_exports WHERE user_id = ? AND file_key <> ''`, userID).Scan(&files).Error; err != nil {
			return Classify(err)
		}
		for _, t := range ErasureTables {
			res := tx.Exec(`DELETE FROM `+t.name+` WHERE `+t.column+` = ?`, userID)
			if res.Error != nil {
				return Classify(res.Error)
			}
			switch t.count {
			case "events":
				out.Events += int(res.RowsAffected)
			case "days":
				out.Days += int(res.RowsAffected)
			case "achievements":
				out.Achievements += int(res.RowsAffected)
			case "exports":
				out.Exports += int(res.RowsAffected)
			}
		}
		// Undelivered messages about the learner are never sent; the
		// delivery job finds them no longer pending and stops.
		if err := tx.Exec(`UPDATE webhook_deliveries SET status = 'exhausted', last_error = ?, next_attempt_at = NULL,
			updated_at = ? WHERE user_id = ? AND status = 'pending'`, "cancelled: the account was erased", l.db.at(now), userID).Error; err != nil {
			return Classify(err)
		}
		if err := tx.Exec(`DELETE FROM users WHERE id = ?`, userID).Error; err != nil {
			return Classify(err)
		}
		if err := tx.Exec(`INSERT INTO erased_users (user_id, erased_at) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING`,
			userID, l.db.at(now)).Error; err != nil {
			return Classify(err)
		}
		// Recorded even without files: the learner's Redis keys are
		// cleaned up from it too.
		{
			if err := tx.Exec(`INSERT INTO erasure_cleanups (user_id, avatar_key, file_keys, created_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (user_id) DO UPDATE SET avatar_key = excluded.avatar_key, file_keys = excluded.file_keys`,
				userID, out.AvatarKey, strings.Join(files, ","), l.db.at(now)).Error; err != nil {
				return Classify(err)
			}
		}
		out.FileKeys = files
		return l.db.publish(tx, msgs)
	})
	if err != nil {
		return ports.Erased{}, err
	}
	return out, nil
}

func (l *Lifecycle) Cleanups(ctx context.Context, limit int) ([]ports.ErasureCleanup, error) {
	rows, err := l.db.Gorm(ctx).Raw(`SELECT user_id, avatar_key, file_keys FROM erasure_cleanups ORDER BY created_at, user_id LIMIT ?`,
		max(limit, 1)).Rows()
	if err != nil {
		return nil, Classify(err)
	}
	defer rows.Close()
	var out []ports.ErasureCleanup
	for rows.Next() {
		var c ports.ErasureCleanup
		var files string
		if err := rows.Scan(&c.UserID, &c.AvatarKey, &files); err != nil {
			return nil, Classify(err)
		}
		if files != "" {
			c.FileKeys = strings.Split(files, ",")
		}
		out = append(out, c)
	}
	return out, Classify(rows.Err())
}

func (l *Lifecycle) CleanupDone(ctx context.Context, userID string) error {
	return Classify(l.db.Gorm(ctx).Exec(`DELETE FROM erasure_cleanups WHERE user_id = ?`, userID).Error)
}

func (l *Lifecycle) WasErased(ctx context.Context, userID string) (bool, time.Time, error) {
	if !isUUID(userID) {
		return false, time.Time{}, nil
	}
	var at sqlTime
	err := l.db.Gorm(ctx).Raw(`SELECT erased_at FROM erased_users WHERE user_id = ?`, strings.ToLower(userID)).Row().Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return false, time.Time{}, nil
	}
	if err != nil {
		return false, time.Time{}, Classify(err)
	}
	return true, at.Time, nil
}

const exportColumns = `id, user_id, status, created_at, completed_at, expires_at, file_key, download_token, size_bytes`

func scanExport(sc interface{ Scan(...any) error }) (ports.Export, error) {
	var (
		e                 ports.Export
		status            string
		created           sqlTime
		completed, expire sqlTime
		token             sql.NullString
		size              sql.NullInt64
	)
	if err := sc.Scan(&e.ID, &e.UserID, &status, &created, &completed, &expire, &e.FileKey, &token, &size); err != nil {
		return e, err
	}
	e.Status, e.CreatedAt, e.CompletedAt, e.ExpiresAt = ports.ExportStatus(status), created.Time, completed.Time, expire.Time
	e.DownloadToken, e.SizeBytes = token.String, size.Int64
	return e, nil
}

func (l *Lifecycle) CreateExport(ctx context.Context, e ports.Export) error {
	err := l.db.Gorm(ctx).Exec(`INSERT INTO data_exports (id, user_id, status, created_at) VALUES (?, ?, 'pending', ?)`,
		e.ID, e.UserID, l.db.at(e.CreatedAt)).Error
	if err != nil {
		if IsUniqueViolation(err) {
			return errs.E(errs.Conflict, errs.CodeExportInProgress, "An export is already being prepared.")
		}
		return Classify(err)
	}
	return nil
}

func (l *Lifecycle) exportWhere(ctx context.Context, where string, args ...any) (ports.Export, error) {
	e, err := scanExport(l.db.Gorm(ctx).Raw(`SELECT `+exportColumns+` FROM data_exports WHERE `+where, args...).Row())
	if errors.Is(err, sql.ErrNoRows) {
		return e, errs.E(errs.NotFound, errs.CodeNotFound, "No such export.")
	}
	return e, Classify(err)
}

func (l *Lifecycle) Export(ctx context.Context, userID, id string) (ports.Export, error) {
	if !isUUID(id) || !isUUID(userID) {
		return ports.Export{}, errs.E(errs.NotFound, errs.CodeNotFound, "No such export.")
	}
	return l.exportWhere(ctx, `id = ? AND user_id = ?`, strings.ToLower(id), strings.ToLower(userID))
}

func (l *Lifecycle) ExportByToken(ctx context.Context, token string) (ports.Export, error) {
	if token == "" {
		return ports.Export{}, errs.E(errs.NotFound, errs.CodeNotFound, "No such export.")
	}
	return l.exportWhere(ctx, `download_token = ? AND status = 'ready'`, token)
}

func (l *Lifecycle) list(ctx context.Context, where string, args ...any) ([]ports.Export, error) {
	rows, err := l.db.Gorm(ctx).Raw(`SELECT `+exportColumns+` FROM data_exports WHERE `+where, args...).Rows()
	if err != nil {
		return nil, Classify(err)
	}
	defer rows.Close()
	var out []ports.Export
	for rows.Next() {
		e, err := scanExport(rows)
		if err != nil {
			return nil, Classify(err)
		}
		out = append(out, e)
	}
	return out, Classify(rows.Err())
}

func (l *Lifecycle) PendingExports(ctx context.Context, limit int) ([]ports.Export, error) {
	return l.list(ctx, `status = 'pending' ORDER BY created_at, id LIMIT ?`, max(limit, 1))
}

func (l *Lifecycle) ExpiredExports(ctx context.Context, now time.Time, limit int) ([]ports.Export, error) {
	return l.list(ctx, `expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at, id LIMIT ?`, l.db.at(now), max(limit, 1))
}

func (l *Lifecycle) ClaimExport(ctx context.Context, id, holder string, now, until time.Time) (bool, error) {
	res := l.db.Gorm(ctx).Exec(`UPDATE data_exports SET claimed_by = ?, claimed_until = ? WHERE id = ? AND status = 'pending'
		AND (claimed_until IS NULL OR claimed_until < ? OR claimed_by = ?)`, holder, l.db.at(until), id, l.db.at(now), holder)
	if res.Error != nil {
		return false, Classify(res.Error)
	}
	return res.RowsAffected == 1, nil
}

func (l *Lifecycle) FinishExport(ctx context.Context, e ports.Export, msgs []webhook.Message) (bool, error) {
	var done bool
	err := l.db.Transaction(ctx, func(tx *gorm.DB) error {
		var token, expires, completed any
		if e.DownloadToken != "" {
			token = e.DownloadToken
		}
		if !e.ExpiresAt.IsZero() {
			expires = l.db.at(e.ExpiresAt)
		}
		completed = l.db.at(e.CompletedAt)
		res := tx.Exec(`UPDATE data_exports SET status = ?, completed_at = ?, expires_at = ?, file_key = ?, download_token = ?,
			size_bytes = ? WHERE id = ? AND status = 'pending'`, string(e.Status), completed, expires, e.FileKey, token, e.SizeBytes, e.ID)
		if res.Error != nil {
			return Classify(res.Error)
		}
		if done = res.RowsAffected == 1; !done {
			return nil
		}
		return l.db.publish(tx, msgs)
	})
	return done, err
}

func (l *Lifecycle) DeleteExport(ctx context.Context, id string) error {
	if !isUUID(id) {
		return nil
	}
	return Classify(l.db.Gorm(ctx).Exec(`DELETE FROM data_exports WHERE id = ?`, strings.ToLower(id)).Error)
}

// EventsOldestFirst pages by (occurred_at, id) ascending: the
// (user_id, occurred_at DESC, id DESC) index read backwards, so each page
// is one index range however many events the learner has.
func (l *Lifecycle) EventsOldestFirst(ctx context.Context, userID string, pageSize int, fn func(ports.ExportedEvent) error) error {
	pageSize = max(pageSize, 1)
	var (
		after   bool
		lastAt  time.Time
		lastID  string
		columns = eventColumns
	)
	for {
		q := `SELECT ` + columns + ` FROM learning_events WHERE user_id = ?`
		args := []any{userID}
		if after {
			t := l.db.at(lastAt)
			// occurred_at >= t bounds the index range; the OR only
			// filters the rows of that one instant.
			q += ` AND occurred_at >= ? AND (occurred_at > ? OR id > ?)`
			args = append(args, t, t, lastID)
		}
		q += ` ORDER BY occurred_at ASC, id ASC LIMIT ?`
		args = append(args, pageSize)
		page, err := l.page(ctx, q, args)
		if err != nil {
			return err
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(page) < pageSize {
			return nil
		}
		last := page[len(page)-1].Event
		after, lastAt, lastID = true, last.OccurredAt(), last.ID()
	}
}

func (l *Lifecycle) page(ctx context.Context, q string, args []any) ([]ports.ExportedEvent, error) {
	events, err := queryEvents(l.db.Gorm(ctx), q, args...)
	out := make([]ports.ExportedEvent, len(events))
	for i, e := range events {
		out[i] = ports.ExportedEvent{Event: e}
	}
	return out, err
}
