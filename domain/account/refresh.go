package account

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// refreshSecretBytes is the entropy of a refresh token: 256 bits, so
// guessing one is hopeless and a plain SHA-256 (no salt, no stretching) is
// enough to store it.
const refreshSecretBytes = 32

// HashRefreshSecret is how a presented refresh token is looked up: the
// SHA-256 of its text, hex-encoded. Only hashes are stored, so a leaked
// table does not hand out sessions.
func HashRefreshSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// RefreshState is where a refresh token stands at an instant.
type RefreshState int

const (
	RefreshActive  RefreshState = iota + 1
	RefreshSpent                // used once already; presenting it again is reuse
	RefreshRevoked              // cut off by logout, reuse detection or a password change
	RefreshExpired
)

func (s RefreshState) String() string {
	switch s {
	case RefreshActive:
		return "active"
	case RefreshSpent:
		return "spent"
	case RefreshRevoked:
		return "revoked"
	case RefreshExpired:
		return "expired"
	}
	return fmt.Sprintf("RefreshState(%d)", int(s))
}

// RefreshToken is the stored half of a refresh token. A family is every
// token descended from one login; parentID links a rotated token to the one
// it was issued from ("" for the first of a family).
type RefreshToken struct {
	id        string
	hash      string
	userID    string
	familyID  string
	parentID  string
	issuedAt  time.Time
	expiresAt time.Time
	spentAt   time.Time
	revokedAt time.Time
}

// NewRefreshToken makes a token and its secret. The secret is returned once,
// for the client; only its hash stays in the token.
func NewRefreshToken(id, userID, familyID, parentID string, now time.Time, ttl time.Duration) (RefreshToken, string, error) {
	switch {
	case id == "" || userID == "" || familyID == "":
		return RefreshToken{}, "", errors.New("account: refresh token needs id, user and family")
	case ttl <= 0:
		return RefreshToken{}, "", errors.New("account: refresh token lifetime must be positive")
	}
	b := make([]byte, refreshSecretBytes)
	if _, err := rand.Read(b); err != nil {
		return RefreshToken{}, "", fmt.Errorf("account: refresh token entropy: %w", err)
	}
	secret := base64.RawURLEncoding.EncodeToString(b)
	now = now.UTC()
	return RefreshToken{
		id: id, hash: HashRefreshSecret(secret), userID: userID, familyID: familyID, parentID: parentID,
		issuedAt: now, expiresAt: now.Add(ttl),
	}, secret, nil
}

// RefreshSnapshot is a refresh token as storage keeps it. Zero times mean
// "not spent" and "not revoked".
type RefreshSnapshot struct {
	ID        string
	Hash      string
	UserID    string
	FamilyID  string
	ParentID  string
	IssuedAt  time.Time
	ExpiresAt time.Time
	SpentAt   time.Time
	RevokedAt time.Time
}

// RestoreRefreshToken rebuilds a stored token.
func RestoreRefreshToken(s RefreshSnapshot) (RefreshToken, error) {
	if s.ID == "" || len(s.Hash) != 2*sha256.Size || s.UserID == "" || s.FamilyID == "" || s.ExpiresAt.IsZero() {
		return RefreshToken{}, fmt.Errorf("account: restore refresh token %q: incomplete row", s.ID)
	}
	return RefreshToken{
		id: s.ID, hash: s.Hash, userID: s.UserID, familyID: s.FamilyID, parentID: s.ParentID,
		issuedAt: s.IssuedAt.UTC(), expiresAt: s.ExpiresAt.UTC(), spentAt: utcOrZero(s.SpentAt), revokedAt: utcOrZero(s.RevokedAt),
	}, nil
}

func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// Snapshot returns the token's values for storage.
func (t RefreshToken) Snapshot() RefreshSnapshot {
	return RefreshSnapshot{
		ID: t.id, Hash: t.hash, UserID: t.userID, FamilyID: t.familyID, ParentID: t.parentID,
		IssuedAt: t.issuedAt, ExpiresAt: t.expiresAt, SpentAt: t.spentAt, RevokedAt: t.revokedAt,
	}
}

func (t RefreshToken) ID() string           { return t.id }
func (t RefreshToken) Hash() string         { return t.hash }
func (t RefreshToken) UserID() string       { return t.userID }
func (t RefreshToken) FamilyID() string     { return t.familyID }
func (t RefreshToken) ParentID() string     { return t.parentID }
func (t RefreshToken) IssuedAt() time.Time  { return t.issuedAt }
func (t RefreshToken) ExpiresAt() time.Time { return t.expiresAt }
func (t RefreshToken) SpentAt() time.Time   { return t.spentAt }
func (t RefreshToken) RevokedAt() time.Time { return t.revokedAt }

// State says where the token stands at now. Spent wins over revoked and
// expired: a spent token presented again is reuse whatever else happened to
// it, and reuse must always be reported and answered.
func (t RefreshToken) State(now time.Time) RefreshState {
	switch {
	case !t.spentAt.IsZero():
		return RefreshSpent
	case !t.revokedAt.IsZero():
		return RefreshRevoked
	case !now.Before(t.expiresAt):
		return RefreshExpired
	}
	return RefreshActive
}
