package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

var _ ports.RefreshTokenStore = (*RefreshTokenStore)(nil)

// refreshTokenRow is the refresh_tokens table (migration 00002). Only the
// SHA-256 of a token is stored.
type refreshTokenRow struct {
	ID        string         `gorm:"column:id;primaryKey"`
	TokenHash string         `gorm:"column:token_hash"`
	UserID    string         `gorm:"column:user_id"`
	FamilyID  string         `gorm:"column:family_id"`
	ParentID  sql.NullString `gorm:"column:parent_id"`
	IssuedAt  time.Time      `gorm:"column:issued_at"`
	ExpiresAt time.Time      `gorm:"column:expires_at"`
	SpentAt   sql.NullTime   `gorm:"column:spent_at"`
	RevokedAt sql.NullTime   `gorm:"column:revoked_at"`
}

func (refreshTokenRow) TableName() string { return "refresh_tokens" }

func nullTime(t time.Time) sql.NullTime {
	if t.IsZero() {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC(), Valid: true}
}

func toRefreshRow(t account.RefreshToken) refreshTokenRow {
	s := t.Snapshot()
	return refreshTokenRow{
		ID: s.ID, TokenHash: s.Hash, UserID: s.UserID, FamilyID: s.FamilyID,
		ParentID: sql.NullString{String: s.ParentID, Valid: s.ParentID != ""},
		IssuedAt: s.IssuedAt.UTC(), ExpiresAt: s.ExpiresAt.UTC(), SpentAt: nullTime(s.SpentAt), RevokedAt: nullTime(s.RevokedAt),
	}
}

func (r refreshTokenRow) token() (account.RefreshToken, error) {
	t, err := account.RestoreRefreshToken(account.RefreshSnapshot{
		ID: r.ID, Hash: r.TokenHash, UserID: r.UserID, FamilyID: r.FamilyID, ParentID: r.ParentID.String,
		IssuedAt: r.IssuedAt, ExpiresAt: r.ExpiresAt, SpentAt: r.SpentAt.Time, RevokedAt: r.RevokedAt.Time,
	})
	if err != nil {
		return account.RefreshToken{}, errs.Wrap(errs.Internal, "", err)
	}
	return t, nil
}

// RefreshTokenStore is the RefreshTokenStore on GORM.
type RefreshTokenStore struct{ db *DB }

// NewRefreshTokenStore returns the store on db.
func NewRefreshTokenStore(db *DB) *RefreshTokenStore { return &RefreshTokenStore{db: db} }

func (s *RefreshTokenStore) Save(ctx context.Context, t account.RefreshToken) error {
	row := toRefreshRow(t)
	if err := s.db.Gorm(ctx).Create(&row).Error; err != nil {
		if IsUniqueViolation(err) {
			return errs.E(errs.Conflict, "", "refresh token exists")
		}
		return dbError("save refresh token", err)
	}
	return nil
}

func (s *RefreshTokenStore) ByHash(ctx context.Context, hash string) (account.RefreshToken, error) {
	var row refreshTokenRow
	if err := s.db.Gorm(ctx).Where("token_hash = ?", hash).Limit(1).Find(&row).Error; err != nil {
		return account.RefreshToken{}, dbError("load refresh token", err)
	}
	if row.ID == "" {
		return account.RefreshToken{}, errs.E(errs.NotFound, "", "no such refresh token")
	}
	return row.token()
}

// Rotation and revocation are serialised by design, not retried: each
// takes the owning user's row lock (SELECT ... FOR UPDATE on users) before it
// touches any refresh token, in its own transaction. Without it, PostgreSQL's
// READ COMMITTED let a revoking UPDATE run on a snapshot taken before a
// concurrent rotation committed: it waited for the parent row, revoked it, but
// never saw the child the rotation had just inserted, so the new token
// survived a password change or a reuse detection. With the lock, the two
// cannot interleave: a revocation that locks first commits before the
// rotation's conditional UPDATE runs (the parent is then revoked and the
// rotation stores nothing); a rotation that locks first commits its child
// before the revocation's UPDATE starts, and that statement's fresh snapshot
// sees the child. The user row is the one row every token of every family
// shares, so a password change (all families) and a reuse detection (one
// family) need no second lock order; Save needs none either, since its
// foreign-key check takes a KEY SHARE lock on the same row, which waits for
// FOR UPDATE. Rotations of one user queue behind each other, a cost nobody
// notices at a few refreshes an hour. SQLite runs one write transaction at a
// time, which gives the same order without a lock.
func (s *RefreshTokenStore) lockUser(tx *gorm.DB, userID string) error {
	if s.db.Dialect() != Postgres {
		return nil
	}
	var id []string
	if err := tx.Raw(`SELECT id FROM users WHERE id = ? FOR UPDATE`, userID).Scan(&id).Error; err != nil {
		return dbError("lock user of refresh tokens", err)
	}
	return nil
}

// Rotate spends the old token with a conditional UPDATE (only while it is
// neither spent nor revoked) and inserts the next one in one transaction,
// under the user's lock (see lockUser); of two concurrent rotations exactly
// one sees a row affected.
func (s *RefreshTokenStore) Rotate(ctx context.Context, spentHash string, next account.RefreshToken, now time.Time) error {
	return s.db.Transaction(ctx, func(tx *gorm.DB) error {
		if err := s.lockUser(tx, next.UserID()); err != nil {
			return err
		}
		res := tx.Model(&refreshTokenRow{}).
			Where("token_hash = ? AND user_id = ? AND spent_at IS NULL AND revoked_at IS NULL", spentHash, next.UserID()).
			Update("spent_at", now.UTC())
		if res.Error != nil {
			return dbError("spend refresh token", res.Error)
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.Model(&refreshTokenRow{}).Where("token_hash = ?", spentHash).Count(&n).Error; err != nil {
				return dbError("look up refresh token", err)
			}
			if n == 0 {
				return errs.E(errs.NotFound, "", "no such refresh token")
			}
			return errs.E(errs.Conflict, errs.CodeTokenSpent, "refresh token already spent or revoked")
		}
		row := toRefreshRow(next)
		if err := tx.Create(&row).Error; err != nil {
			return dbError("save rotated refresh token", err)
		}
		return nil
	})
}

func (s *RefreshTokenStore) Revoke(ctx context.Context, userID, hash string, now time.Time) error {
	return s.db.Transaction(ctx, func(tx *gorm.DB) error {
		if err := s.lockUser(tx, userID); err != nil {
			return err
		}
		res := tx.Model(&refreshTokenRow{}).
			Where("token_hash = ? AND user_id = ? AND revoked_at IS NULL", hash, userID).
			Update("revoked_at", now.UTC())
		if res.Error != nil {
			return dbError("revoke refresh token", res.Error)
		}
		if res.RowsAffected > 0 {
			return nil
		}
		var n int64
		if err := tx.Model(&refreshTokenRow{}).Where("token_hash = ? AND user_id = ?", hash, userID).Count(&n).Error; err != nil {
			return dbError("look up refresh token", err)
		}
		if n == 0 {
			return errs.E(errs.NotFound, "", "no such refresh token")
		}
		return nil
	})
}

// RevokeFamily finds the family's user (a family never changes hands), takes
// that user's lock and revokes the family under it (see lockUser).
func (s *RefreshTokenStore) RevokeFamily(ctx context.Context, familyID string, now time.Time) error {
	return s.db.Transaction(ctx, func(tx *gorm.DB) error {
		var owner []string
		if err := tx.Model(&refreshTokenRow{}).Where("family_id = ?", familyID).Limit(1).Pluck("user_id", &owner).Error; err != nil {
			return dbError("look up refresh token family", err)
		}
		if len(owner) == 0 {
			return nil
		}
		if err := s.lockUser(tx, owner[0]); err != nil {
			return err
		}
		err := tx.Model(&refreshTokenRow{}).
			Where("family_id = ? AND revoked_at IS NULL", familyID).Update("revoked_at", now.UTC()).Error
		if err != nil {
			return dbError("revoke refresh token family", err)
		}
		return nil
	})
}

func (s *RefreshTokenStore) RevokeUser(ctx context.Context, userID string, now time.Time) error {
	return s.db.Transaction(ctx, func(tx *gorm.DB) error {
		if err := s.lockUser(tx, userID); err != nil {
			return err
		}
		err := tx.Model(&refreshTokenRow{}).
			Where("user_id = ? AND revoked_at IS NULL", userID).Update("revoked_at", now.UTC()).Error
		if err != nil {
			return dbError("revoke refresh tokens of user", err)
		}
		return nil
	})
}
