package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

var _ ports.UserRepository = (*UserRepository)(nil)

// userRow is the users table (migration 00002). Times are written in UTC:
// SQLite keeps them as text, and text in one zone sorts as the instants do,
// which the (created_at, id) cursor relies on.
type userRow struct {
	ID           string       `gorm:"column:id;primaryKey"`
	Email        string       `gorm:"column:email"`
	DisplayName  string       `gorm:"column:display_name"`
	Role         string       `gorm:"column:role"`
	IsActive     bool         `gorm:"column:is_active"`
	PasswordHash string       `gorm:"column:password_hash"`
	TokenVersion int          `gorm:"column:token_version"`
	AvatarKey    string       `gorm:"column:avatar_key"`
	CreatedAt    time.Time    `gorm:"column:created_at;autoCreateTime:false"`
	UpdatedAt    time.Time    `gorm:"column:updated_at;autoUpdateTime:false"`
	PurgeAfter   sql.NullTime `gorm:"column:purge_after"` // migration 00060
}

func (userRow) TableName() string { return "users" }

func toUserRow(u account.User) userRow {
	s := u.Snapshot()
	return userRow{
		ID: s.ID, Email: s.Email, DisplayName: s.DisplayName, Role: s.Role, IsActive: s.Active,
		PasswordHash: s.PasswordHash, TokenVersion: s.TokenVersion, AvatarKey: s.AvatarKey,
		CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC(), PurgeAfter: nullTime(s.PurgeAfter),
	}
}

func (r userRow) user() (account.User, error) {
	u, err := account.RestoreUser(account.Snapshot{
		ID: r.ID, Email: r.Email, DisplayName: r.DisplayName, Role: r.Role, Active: r.IsActive,
		PasswordHash: r.PasswordHash, TokenVersion: r.TokenVersion, AvatarKey: r.AvatarKey,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, PurgeAfter: r.PurgeAfter.Time,
	})
	if err != nil {
		return account.User{}, errs.Wrap(errs.Internal, "", err)
	}
	return u, nil
}

// UserRepository is the UserRepository on GORM, for PostgreSQL and SQLite.
// Email uniqueness is the unique index on lower(email): the domain already
// lower-cases, and the index makes that a guarantee even for rows written
// by hand.
type UserRepository struct{ db *DB }

// NewUserRepository returns the repository on db.
func NewUserRepository(db *DB) *UserRepository { return &UserRepository{db: db} }

// Create inserts u; a taken email is Conflict email_taken.
func (r *UserRepository) Create(ctx context.Context, u account.User) error {
	row := toUserRow(u)
	if err := r.db.Gorm(ctx).Create(&row).Error; err != nil {
		if IsUniqueViolation(err) {
			return errs.E(errs.Conflict, errs.CodeEmailTaken, "An account with this email already exists.")
		}
		return dbError("create user", err)
	}
	return nil
}

// ByID loads a user.
func (r *UserRepository) ByID(ctx context.Context, id string) (account.User, error) {
	if !isUUID(id) { // PostgreSQL would refuse the comparison with a uuid column as an error
		return account.User{}, errs.E(errs.NotFound, errs.CodeNotFound, "The requested resource was not found.")
	}
	return r.first(ctx, "load user", "id = ?", id)
}

// ByEmail loads a user by normalised email.
func (r *UserRepository) ByEmail(ctx context.Context, email account.Email) (account.User, error) {
	return r.first(ctx, "load user by email", "lower(email) = ?", email.String())
}

func (r *UserRepository) first(ctx context.Context, what, where string, arg any) (account.User, error) {
	var row userRow
	err := r.db.Gorm(ctx).Where(where, arg).Limit(1).Find(&row).Error
	if err != nil {
		return account.User{}, dbError(what, err)
	}
	if row.ID == "" {
		return account.User{}, errs.E(errs.NotFound, errs.CodeNotFound, "The requested resource was not found.")
	}
	return row.user()
}

// Update runs fn on the user under a row lock (SELECT ... FOR UPDATE on
// PostgreSQL; SQLite serialises write transactions instead) and stores the
// result in the same transaction.
func (r *UserRepository) Update(ctx context.Context, id string, fn func(*account.User) error) error {
	if !isUUID(id) {
		return errs.E(errs.NotFound, errs.CodeNotFound, "The requested resource was not found.")
	}
	return r.db.Transaction(ctx, func(tx *gorm.DB) error {
		row, err := lockUserRow(tx, id)
		if err != nil {
			return err
		}
		u, err := row.user()
		if err != nil {
			return err
		}
		if err := fn(&u); err != nil {
			return err
		}
		return storeUser(tx, row, u)
	})
}

// UpdateAsActor locks the actor's row and the user's row in one transaction,
// the lower id first: two admins changing each other at once then queue on
// the same first lock instead of deadlocking, and the second one's fn sees
// the first one's change to its own actor.
func (r *UserRepository) UpdateAsActor(ctx context.Context, actorID, id string, fn func(actor account.User, u *account.User) error) error {
	if !isUUID(id) {
		return errs.E(errs.NotFound, errs.CodeNotFound, "The requested resource was not found.")
	}
	if !isUUID(actorID) {
		return errs.E(errs.Forbidden, errs.CodeForbidden, "You don't have permission to access this resource.")
	}
	actorID, id = strings.ToLower(actorID), strings.ToLower(id)
	return r.db.Transaction(ctx, func(tx *gorm.DB) error {
		order := []string{actorID, id}
		if id < actorID {
			order = []string{id, actorID}
		}
		rows := map[string]userRow{}
		for _, x := range order {
			if _, done := rows[x]; done {
				continue
			}
			row, err := lockUserRow(tx, x)
			if errs.Is(err, errs.NotFound) && x == actorID {
				return errs.E(errs.Forbidden, errs.CodeForbidden, "You don't have permission to access this resource.")
			}
			if err != nil {
				return err
			}
			rows[x] = row
		}
		actor, err := rows[actorID].user()
		if err != nil {
			return err
		}
		u, err := rows[id].user()
		if err != nil {
			return err
		}
		if err := fn(actor, &u); err != nil {
			return err
		}
		return storeUser(tx, rows[id], u)
	})
}

func lockUserRow(tx *gorm.DB, id string) (userRow, error) {
	var row userRow
	if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Limit(1).Find(&row).Error; err != nil {
		return userRow{}, dbError("lock user", err)
	}
	if row.ID == "" {
		return userRow{}, errs.E(errs.NotFound, errs.CodeNotFound, "The requested resource was not found.")
	}
	return row, nil
}

// storeUser writes u over row, when anything changed.
func storeUser(tx *gorm.DB, row userRow, u account.User) error {
	if u.ID() != row.ID {
		return errs.Wrap(errs.Internal, "", errors.New("sqlstore: update changed the user id"))
	}
	next := toUserRow(u)
	if next == row {
		return nil
	}
	err := tx.Model(&userRow{}).Where("id = ?", row.ID).Updates(map[string]any{
		"email": next.Email, "display_name": next.DisplayName, "role": next.Role, "is_active": next.IsActive,
		"password_hash": next.PasswordHash, "token_version": next.TokenVersion, "avatar_key": next.AvatarKey,
		"updated_at": next.UpdatedAt, "purge_after": next.PurgeAfter,
	}).Error
	if err != nil {
		if IsUniqueViolation(err) {
			return errs.E(errs.Conflict, errs.CodeEmailTaken, "An account with this email already exists.")
		}
		return dbError("update user", err)
	}
	return nil
}

// List pages by (created_at, id). The search is a LIKE on lower(email) and
// lower(display_name) with the pattern's wildcards escaped; SQLite's lower()
// folds ASCII only, so non-ASCII names match case-insensitively on
// PostgreSQL alone.
func (r *UserRepository) List(ctx context.Context, q ports.UserListQuery) ([]account.User, error) {
	tx := r.db.Gorm(ctx).Model(&userRow{})
	if q.Search != "" {
		pattern := "%" + escapeLike(strings.ToLower(q.Search)) + "%"
		tx = tx.Where(`(lower(email) LIKE ? ESCAPE '\' OR lower(display_name) LIKE ? ESCAPE '\')`, pattern, pattern)
	}
	if q.After != nil {
		at := q.After.CreatedAt.UTC()
		tx = tx.Where("(created_at > ? OR (created_at = ? AND id > ?))", at, at, q.After.ID)
	}
	var rows []userRow
	if err := tx.Order("created_at ASC, id ASC").Limit(max(q.Limit, 1)).Find(&rows).Error; err != nil {
		return nil, dbError("list users", err)
	}
	out := make([]account.User, 0, len(rows))
	for _, row := range rows {
		u, err := row.user()
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// dbError classifies a driver error with Classify and says what was being
// done; the cause stays for the log only.
func dbError(what string, err error) error {
	return Classify(fmt.Errorf("%s: %w", what, err))
}

func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}
