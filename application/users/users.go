// Package users holds the account use cases after sign-in: the caller's own
// profile and password, the admin's user list and changes, and the
// bootstrap admin.
package users

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lingo-labs/lingo/application/auth"
	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/paging"
	"github.com/lingo-labs/lingo/ports"
)

// Paging limits of the admin user list.
const (
	DefaultLimit = paging.Default
	MaxLimit     = paging.Max
	maxSearchLen = 254
)

// Sessions is what this package needs from auth: starting a fresh session
// after a password change and ending all others.
type Sessions interface {
	StartSession(ctx context.Context, u account.User) (auth.Tokens, error)
	EndSessions(ctx context.Context, userID string) error
}

var _ Sessions = (*auth.Service)(nil)

// Deps are the ports the service uses.
type Deps struct {
	Users    ports.UserRepository
	Hasher   ports.PasswordHasher
	Sessions Sessions
	Clock    ports.Clock
	IDs      ports.IDGenerator
}

// Service runs the user use cases.
type Service struct{ d Deps }

// New returns the service.
func New(d Deps) *Service { return &Service{d: d} }

func (s *Service) now() time.Time { return s.d.Clock.Now().UTC().Truncate(time.Microsecond) }

// ErrSelfLockout refuses an admin demoting or deactivating themselves, which
// could leave the service with no admin at all.
var ErrSelfLockout = errs.E(errs.Conflict, errs.CodeSelfLockout, "You cannot remove your own admin role or deactivate yourself.")

// Me returns the user.
func (s *Service) Me(ctx context.Context, userID string) (account.User, error) {
	u, err := s.d.Users.ByID(ctx, userID)
	if err != nil {
		return account.User{}, fmt.Errorf("load user %s: %w", userID, err)
	}
	return u, nil
}

// UpdateProfile renames the user; updated_at moves only on a real change.
func (s *Service) UpdateProfile(ctx context.Context, userID string, name account.DisplayName) (account.User, error) {
	var out account.User
	err := s.d.Users.Update(ctx, userID, func(u *account.User) error {
		u.Rename(name, s.now())
		out = *u
		return nil
	})
	if err != nil {
		return account.User{}, fmt.Errorf("update profile of %s: %w", userID, err)
	}
	return out, nil
}

// ErrPasswordChanged reports that the password changed between the check of
// the current one and the update; the client may simply retry.
var ErrPasswordChanged = errs.E(errs.Conflict, errs.CodePasswordChanged, "The password was changed by another request; please try again.")

// ChangePassword checks the current password, stores a hash of the new one
// and ends every session: the token version moves on, so older access
// tokens stop, and every refresh token is revoked. It returns a fresh pair
// for the caller. A wrong current password is a validation problem on
// current_password (never Unauthorized: clients log out on a 401).
func (s *Service) ChangePassword(ctx context.Context, userID, current string, next account.Password) (auth.Tokens, error) {
	u, err := s.d.Users.ByID(ctx, userID)
	if err != nil {
		return auth.Tokens{}, fmt.Errorf("change password: load user %s: %w", userID, err)
	}
	ok, err := s.d.Hasher.Verify(ctx, current, u.PasswordHash())
	if err != nil {
		return auth.Tokens{}, fmt.Errorf("change password: verify: %w", err)
	}
	if !ok {
		return auth.Tokens{}, &errs.Error{
			Kind: errs.Invalid, Code: errs.CodeInvalidCurrentPassword,
			Fields: []errs.FieldError{errs.FieldCode("current_password", errs.CodeInvalidCurrentPassword, "is not the current password")},
		}
	}
	// Hashing runs outside the row lock: it takes tens of milliseconds, and
	// on SQLite a write transaction locks the whole database. The update
	// then checks nobody changed the hash meanwhile.
	hash, err := s.d.Hasher.Hash(ctx, next)
	if err != nil {
		return auth.Tokens{}, fmt.Errorf("change password: hash: %w", err)
	}
	verified := u.PasswordHash()
	var changed account.User
	err = s.d.Users.Update(ctx, userID, func(u *account.User) error {
		if u.PasswordHash() != verified {
			return ErrPasswordChanged
		}
		if err := u.ChangePasswordHash(hash, s.now()); err != nil {
			return err
		}
		changed = *u
		return nil
	})
	if err != nil {
		return auth.Tokens{}, fmt.Errorf("change password: store: %w", err)
	}
	// Revoke before starting the new session, so the new refresh token
	// survives and every older one does not.
	if err := s.d.Sessions.EndSessions(ctx, userID); err != nil {
		return auth.Tokens{}, fmt.Errorf("change password: %w", err)
	}
	return s.d.Sessions.StartSession(ctx, changed)
}

// ListQuery asks for one page of the admin user list.
type ListQuery struct {
	Cursor string // opaque, from the previous page's NextCursor
	Limit  int    // 0 means DefaultLimit; otherwise clamped to 1..MaxLimit
	Search string // matches email or display name, case-insensitively
}

// Page is one page of users; NextCursor is "" exactly when nothing follows.
type Page struct {
	Users      []account.User
	Limit      int
	NextCursor string
}

// ListUsers pages through users oldest first (created_at, then id). Asking
// for one row more than the limit tells whether another page follows
// without a count query.
func (s *Service) ListUsers(ctx context.Context, q ListQuery) (Page, error) {
	limit := paging.Limit(q.Limit)
	search := strings.ToLower(strings.TrimSpace(q.Search))
	if utf8.RuneCountInString(search) > maxSearchLen {
		return Page{}, errs.Validation(errs.Field("q", fmt.Sprintf("must be at most %d characters", maxSearchLen)))
	}
	query := ports.UserListQuery{Search: search, Limit: limit + 1}
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor)
		if err != nil {
			return Page{}, errs.Validation(errs.FieldCode("cursor", errs.CodeInvalidCursor, "is not a cursor this server issued"))
		}
		query.After = &c
	}
	list, err := s.d.Users.List(ctx, query)
	if err != nil {
		return Page{}, fmt.Errorf("list users: %w", err)
	}
	page := Page{Users: list, Limit: limit}
	if len(list) > limit {
		page.Users = list[:limit]
		last := page.Users[limit-1]
		page.NextCursor = encodeCursor(ports.UserCursor{CreatedAt: last.CreatedAt(), ID: last.ID()})
	}
	return page, nil
}

// A cursor is "<unix microseconds>|<id>" in base64url: opaque to clients,
// exact to the storage's precision.
func encodeCursor(c ports.UserCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.CreatedAt.UnixMicro(), 10) + "|" + c.ID))
}

// maxCursorMicros is the end of year 9999 in Unix microseconds: no user is
// created later, and PostgreSQL's timestamp range ends soon after it.
const maxCursorMicros = 253402300800000000

// decodeCursor reads a cursor encodeCursor made. A forged one is refused
// here, whatever it holds: an id that is not a UUID or an instant outside
// [1970, 9999] would otherwise reach the database and fail there.
func decodeCursor(s string) (ports.UserCursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return ports.UserCursor{}, err
	}
	micros, id, ok := strings.Cut(string(raw), "|")
	if !ok || !learning.IsUUID(id) {
		return ports.UserCursor{}, errors.New("malformed cursor")
	}
	us, err := strconv.ParseInt(micros, 10, 64)
	if err != nil {
		return ports.UserCursor{}, err
	}
	if us < 0 || us >= maxCursorMicros {
		return ports.UserCursor{}, errors.New("cursor instant out of range")
	}
	return ports.UserCursor{CreatedAt: time.UnixMicro(us).UTC(), ID: strings.ToLower(id)}, nil
}

// Change is an admin's PATCH of a user; nil fields stay as they are.
type Change struct {
	Role   *account.Role
	Active *bool
}

// ErrNotAdmin refuses a change by an actor who is no longer an active admin
// when the change runs: their role was read when the request was
// authenticated, and another admin may have demoted them since.
var ErrNotAdmin = errs.E(errs.Forbidden, errs.CodeForbidden, "You don't have permission to access this resource.")

// UpdateUser applies an admin's change. Deactivation bumps the token
// version, so the user's access tokens stop on their next request, and
// revokes every refresh token. An admin cannot demote or deactivate
// themselves (ErrSelfLockout). The actor is read again under its row lock in
// the change's transaction: of two admins demoting each other at once, the
// second finds itself demoted and is refused (ErrNotAdmin), so one admin
// always remains.
func (s *Service) UpdateUser(ctx context.Context, actorID, userID string, c Change) (account.User, error) {
	if actorID == userID && (c.Role != nil && *c.Role != account.RoleAdmin || c.Active != nil && !*c.Active) {
		return account.User{}, ErrSelfLockout
	}
	var out account.User
	var deactivated bool
	err := s.d.Users.UpdateAsActor(ctx, actorID, userID, func(actor account.User, u *account.User) error {
		if actor.Role() != account.RoleAdmin || !actor.IsActive() {
			return ErrNotAdmin
		}
		now := s.now()
		if c.Role != nil {
			if _, err := u.SetRole(*c.Role, now); err != nil {
				return errs.Validation(errs.Field("role", err.Error()))
			}
		}
		if c.Active != nil && u.SetActive(*c.Active, now) && !*c.Active {
			deactivated = true
		}
		out = *u
		return nil
	})
	if err != nil {
		return account.User{}, fmt.Errorf("update user %s: %w", userID, err)
	}
	if deactivated {
		if err := s.d.Sessions.EndSessions(ctx, userID); err != nil {
			return account.User{}, fmt.Errorf("update user %s: %w", userID, err)
		}
	}
	return out, nil
}

// EnsureAdmin makes sure an active admin with this email and password
// exists, for LINGO_ADMIN_EMAIL/LINGO_ADMIN_PASSWORD at start. While they are
// set the configured password is authoritative: an existing account with
// the email is promoted, activated, and given the configured password if it
// has another one (which also ends its sessions), so that nobody can take
// the admin's email first and keep their own password. It reports whether
// anything changed.
func (s *Service) EnsureAdmin(ctx context.Context, email, password string) (bool, error) {
	addr, err := account.ParseEmail(email)
	if err != nil {
		return false, fmt.Errorf("bootstrap admin: email: %w", errs.Prefix("admin_email", err))
	}
	pw, err := account.ParsePassword(password)
	if err != nil {
		return false, fmt.Errorf("bootstrap admin: password: %w", errs.Prefix("admin_password", err))
	}
	for attempt := 0; attempt < 2; attempt++ {
		u, err := s.d.Users.ByEmail(ctx, addr)
		if errs.Is(err, errs.NotFound) {
			created, cerr := s.createAdmin(ctx, addr, pw)
			if errs.Is(cerr, errs.Conflict) {
				continue // another instance created it first; fix that one up
			}
			return created, cerr
		}
		if err != nil {
			return false, fmt.Errorf("bootstrap admin: look up: %w", err)
		}
		return s.fixAdmin(ctx, u, pw)
	}
	return false, errors.New("bootstrap admin: the account kept changing under us")
}

func (s *Service) createAdmin(ctx context.Context, email account.Email, pw account.Password) (bool, error) {
	hash, err := s.d.Hasher.Hash(ctx, pw)
	if err != nil {
		return false, fmt.Errorf("bootstrap admin: hash: %w", err)
	}
	name, _ := account.ParseDisplayName("Administrator")
	u, err := account.NewUser(s.d.IDs.NewID(), email, name, hash, account.RoleAdmin, s.now())
	if err != nil {
		return false, fmt.Errorf("bootstrap admin: %w", err)
	}
	if err := s.d.Users.Create(ctx, u); err != nil {
		return false, err
	}
	return true, nil
}

func (s *Service) fixAdmin(ctx context.Context, u account.User, pw account.Password) (bool, error) {
	ok, err := s.d.Hasher.Verify(ctx, pw.Reveal(), u.PasswordHash())
	if err != nil {
		return false, fmt.Errorf("bootstrap admin: verify: %w", err)
	}
	var newHash string
	if !ok {
		if newHash, err = s.d.Hasher.Hash(ctx, pw); err != nil {
			return false, fmt.Errorf("bootstrap admin: hash: %w", err)
		}
	}
	var changed, passwordChanged bool
	err = s.d.Users.Update(ctx, u.ID(), func(u *account.User) error {
		now := s.now()
		if r, _ := u.SetRole(account.RoleAdmin, now); r {
			changed = true
		}
		if u.SetActive(true, now) {
			changed = true
		}
		if newHash != "" {
			if err := u.ChangePasswordHash(newHash, now); err != nil {
				return err
			}
			changed, passwordChanged = true, true
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("bootstrap admin: update: %w", err)
	}
	if passwordChanged {
		if err := s.d.Sessions.EndSessions(ctx, u.ID()); err != nil {
			return false, fmt.Errorf("bootstrap admin: %w", err)
		}
	}
	return changed, nil
}
