package account

import (
	"errors"
	"fmt"
	"time"
)

// User is one account. Fields are unexported so that every change goes
// through a method that keeps the rules: the token version moves whenever
// existing sessions must stop (a new password, a deactivation).
type User struct {
	id           string
	email        Email
	displayName  DisplayName
	role         Role
	active       bool
	passwordHash string
	tokenVersion int
	avatarKey    string
	createdAt    time.Time
	updatedAt    time.Time
	// purgeAfter is set while the account waits for its erasure (the
	// deletion's grace period); zero otherwise.
	purgeAfter time.Time
}

// NewUser makes an active user. passwordHash is the hasher's encoded string;
// the domain never sees how it was made.
func NewUser(id string, email Email, name DisplayName, passwordHash string, role Role, now time.Time) (User, error) {
	switch {
	case id == "":
		return User{}, errors.New("account: user id must not be empty")
	case email.IsZero():
		return User{}, errors.New("account: user email must be set")
	case name.IsZero():
		return User{}, errors.New("account: user display name must be set")
	case passwordHash == "":
		return User{}, errors.New("account: user password hash must be set")
	case !role.Valid():
		return User{}, fmt.Errorf("account: invalid role %v", role)
	case now.IsZero():
		return User{}, errors.New("account: creation time must be set")
	}
	return User{
		id: id, email: email, displayName: name, role: role, active: true,
		passwordHash: passwordHash, tokenVersion: 1, createdAt: now.UTC(), updatedAt: now.UTC(),
	}, nil
}

// Snapshot is a user as storage keeps it: plain values an adapter can map to
// its own tagged row, and back through RestoreUser.
type Snapshot struct {
	ID           string
	Email        string
	DisplayName  string
	Role         string
	Active       bool
	PasswordHash string
	TokenVersion int
	AvatarKey    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	PurgeAfter   time.Time // zero unless a deletion is pending
}

// RestoreUser rebuilds a stored user, checking every value again so that a
// row changed behind the service's back cannot smuggle in a broken user.
func RestoreUser(s Snapshot) (User, error) {
	email, err := ParseEmail(s.Email)
	if err != nil {
		return User{}, fmt.Errorf("account: restore user %s: email: %w", s.ID, err)
	}
	if email.String() != s.Email { // the unique index is on the normalised form; anything else is a stray row
		return User{}, fmt.Errorf("account: restore user %s: email is not normalised", s.ID)
	}
	name, err := parseDisplayName(s.DisplayName, false)
	if err != nil {
		return User{}, fmt.Errorf("account: restore user %s: display name: %w", s.ID, err)
	}
	role, err := ParseRole(s.Role)
	if err != nil {
		return User{}, fmt.Errorf("account: restore user %s: role: %w", s.ID, err)
	}
	switch {
	case s.ID == "":
		return User{}, errors.New("account: restore user: empty id")
	case s.PasswordHash == "":
		return User{}, fmt.Errorf("account: restore user %s: empty password hash", s.ID)
	case s.TokenVersion < 1:
		return User{}, fmt.Errorf("account: restore user %s: token version %d", s.ID, s.TokenVersion)
	}
	return User{
		id: s.ID, email: email, displayName: name, role: role, active: s.Active,
		passwordHash: s.PasswordHash, tokenVersion: s.TokenVersion, avatarKey: s.AvatarKey,
		createdAt: s.CreatedAt.UTC(), updatedAt: s.UpdatedAt.UTC(), purgeAfter: utcOrZero(s.PurgeAfter),
	}, nil
}

// Snapshot returns the user's values for storage.
func (u User) Snapshot() Snapshot {
	return Snapshot{
		ID: u.id, Email: u.email.String(), DisplayName: u.displayName.String(), Role: u.role.String(),
		Active: u.active, PasswordHash: u.passwordHash, TokenVersion: u.tokenVersion, AvatarKey: u.avatarKey,
		CreatedAt: u.createdAt, UpdatedAt: u.updatedAt, PurgeAfter: u.purgeAfter,
	}
}

func (u User) ID() string               { return u.id }
func (u User) Email() Email             { return u.email }
func (u User) DisplayName() DisplayName { return u.displayName }
func (u User) Role() Role               { return u.role }
func (u User) IsActive() bool           { return u.active }
func (u User) IsAdmin() bool            { return u.role == RoleAdmin }
func (u User) PasswordHash() string     { return u.passwordHash }
func (u User) AvatarKey() string        { return u.avatarKey }
func (u User) CreatedAt() time.Time     { return u.createdAt }
func (u User) UpdatedAt() time.Time     { return u.updatedAt }

// TokenVersion is carried in every access token; a token whose version is
// not the user's current one was issued before sessions were cut off.
func (u User) TokenVersion() int { return u.tokenVersion }

// Rename sets the display name; it reports whether anything changed so that
// updated_at moves only on a real change.
func (u *User) Rename(name DisplayName, now time.Time) bool {
	if name.IsZero() || name == u.displayName {
		return false
	}
	u.displayName = name
	u.touch(now)
	return true
}

// ChangePasswordHash stores a new hash and ends every session: access tokens
// issued before carry the old token version and stop working.
func (u *User) ChangePasswordHash(hash string, now time.Time) error {
	if hash == "" {
		return errors.New("account: password hash must not be empty")
	}
	u.passwordHash = hash
	u.tokenVersion++
	u.touch(now)
	return nil
}

// SetRole changes the role and reports whether it changed. Access tokens
// keep working: authorisation reads the role from the loaded user, not the
// token, so a demotion takes effect on the next request anyway.
func (u *User) SetRole(r Role, now time.Time) (bool, error) {
	if !r.Valid() {
		return false, fmt.Errorf("account: invalid role %v", r)
	}
	if r == u.role {
		return false, nil
	}
	u.role = r
	u.touch(now)
	return true, nil
}

// SetActive switches the active flag and reports whether it changed. A
// deactivation bumps the token version so that access tokens stop at once.
func (u *User) SetActive(active bool, now time.Time) bool {
	if active == u.active {
		return false
	}
	u.active = active
	if !active {
		u.tokenVersion++
	}
	u.touch(now)
	return true
}

// PendingDeletion returns the instant after which the account is erased,
// and whether a deletion is pending at all.
func (u User) PendingDeletion() (time.Time, bool) { return u.purgeAfter, !u.purgeAfter.IsZero() }

// ErrDeletionPending refuses a second deletion request of one account.
var ErrDeletionPending = errors.New("account: a deletion is already pending")

// RequestDeletion starts the grace period that ends at purgeAfter. It bumps
// the token version, so every access token stops at once, as a deactivation
// does; the caller also revokes the refresh tokens.
func (u *User) RequestDeletion(purgeAfter, now time.Time) error {
	if !u.purgeAfter.IsZero() {
		return ErrDeletionPending
	}
	if purgeAfter.IsZero() || purgeAfter.Before(now) {
		return errors.New("account: the erasure instant must not be before now")
	}
	u.purgeAfter = purgeAfter.UTC()
	u.tokenVersion++
	u.touch(now)
	return nil
}

// CancelDeletion ends a pending deletion (a restore) and reports whether
// one was pending.
func (u *User) CancelDeletion(now time.Time) bool {
	if u.purgeAfter.IsZero() {
		return false
	}
	u.purgeAfter = time.Time{}
	u.touch(now)
	return true
}

// SetAvatarKey records the stored avatar's key ("" removes it).
func (u *User) SetAvatarKey(key string, now time.Time) bool {
	if key == u.avatarKey {
		return false
	}
	u.avatarKey = key
	u.touch(now)
	return true
}

func (u *User) touch(now time.Time) {
	if now = now.UTC(); now.After(u.updatedAt) {
		u.updatedAt = now
	}
}
