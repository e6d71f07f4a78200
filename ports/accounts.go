package ports

import (
	"context"
	"time"

	"github.com/lingo-labs/lingo/domain/account"
)

// UserRepository stores accounts. Emails are unique in their normalised
// form; the adapter enforces it with a unique index so that concurrent
// registrations cannot both win.
type UserRepository interface {
	// Create stores a new user. It returns an error of kind Conflict with code
	// errs.CodeEmailTaken when another user has the email.
	Create(ctx context.Context, u account.User) error
	// ByID returns the user, or an error of kind NotFound.
	ByID(ctx context.Context, id string) (account.User, error)
	// ByEmail returns the user with that email, or an error of kind NotFound.
	ByEmail(ctx context.Context, email account.Email) (account.User, error)
	// Update loads the user, calls fn on it and stores the result, all under
	// the row's lock in one transaction. When fn returns an error nothing is
	// stored and Update returns that error unchanged. NotFound when there is
	// no such user.
	Update(ctx context.Context, id string, fn func(*account.User) error) error
	// UpdateAsActor is Update for a change another user, the actor, makes:
	// the actor's row is locked in the same transaction as the user's (both
	// in id order, so two actors changing each other cannot deadlock), and
	// fn gets the actor as it stands under that lock, so it can refuse an
	// actor who lost their rights meanwhile. NotFound when there is no such
	// user; Forbidden when the actor no longer exists. The actor may be the
	// user; fn then gets the user twice.
	UpdateAsActor(ctx context.Context, actorID, id string, fn func(actor account.User, u *account.User) error) error
	// List returns up to q.Limit users in (created_at, id) ascending order,
	// strictly after q.After when it is set, filtered by q.Search. It returns
	// only errors of kind Internal or Unavailable.
	List(ctx context.Context, q UserListQuery) ([]account.User, error)
}

// UserListQuery selects a page of users.
type UserListQuery struct {
	// Search, when not empty, keeps users whose email or display name
	// contains it, compared case-insensitively.
	Search string
	// After is the position of the last user of the previous page.
	After *UserCursor
	// Limit is at least 1; the caller clamps it.
	Limit int
}

// UserCursor is a position in the (created_at, id) order.
type UserCursor struct {
	CreatedAt time.Time
	ID        string
}

// RefreshTokenStore keeps the hashed half of refresh tokens. A presented
// token is found by account.HashRefreshSecret of its text.
type RefreshTokenStore interface {
	// Save stores a new token (the first of a family). Conflict when a
	// token with the same id or hash exists.
	Save(ctx context.Context, t account.RefreshToken) error
	// ByHash returns the token with that hash, or an error of kind NotFound.
	ByHash(ctx context.Context, hash string) (account.RefreshToken, error)
	// Rotate marks the token with hash spentHash as spent at now and stores
	// next, in one transaction, but only if that token is neither spent nor
	// revoked at that moment. When it is (a concurrent rotation won, or the
	// family was revoked) it stores nothing and returns an error of kind
	// Conflict with code errs.CodeTokenSpent. NotFound when no token has the hash.
	Rotate(ctx context.Context, spentHash string, next account.RefreshToken, now time.Time) error
	// Revoke marks the user's token with that hash revoked at now (a token
	// revoked before keeps its first mark). NotFound when the user has no
	// token with that hash.
	Revoke(ctx context.Context, userID, hash string, now time.Time) error
	// RevokeFamily revokes every not yet revoked token of the family. It
	// returns only errors of kind Internal or Unavailable.
	RevokeFamily(ctx context.Context, familyID string, now time.Time) error
	// RevokeUser revokes every not yet revoked token of the user. It returns
	// only errors of kind Internal or Unavailable.
	RevokeUser(ctx context.Context, userID string, now time.Time) error
}

// PasswordHasher turns passwords into encoded hashes and checks them. It is
// deliberately slow; implementations bound how many hashes run at once.
type PasswordHasher interface {
	// Hash returns a self-describing encoded hash (salt and parameters
	// included). Errors: Unavailable when ctx ends while waiting for a slot,
	// Internal otherwise.
	Hash(ctx context.Context, p account.Password) (string, error)
	// Verify reports whether password matches encoded, comparing in
	// constant time. A mismatch is (false, nil). Errors: Internal when
	// encoded is not a hash this hasher reads, Unavailable as for Hash.
	Verify(ctx context.Context, password, encoded string) (bool, error)
	// VerifyDummy spends the work of one Verify against a fixed hash and
	// reports nothing, so that a login for an unknown email takes as long
	// as one with a wrong password.
	VerifyDummy(ctx context.Context, password string)
}

// AccessClaims are what an access token says about its bearer.
type AccessClaims struct {
	UserID       string
	Role         account.Role
	TokenVersion int
	TokenID      string
	IssuedAt     time.Time
	ExpiresAt    time.Time
}

// AccessToken is a signed access token and its expiry.
type AccessToken struct {
	Token     string
	ExpiresAt time.Time
	TTL       time.Duration
}

// TokenIssuer signs and checks access tokens. Checking is pure computation
// (no I/O), so it may run before the rate limiter.
type TokenIssuer interface {
	// Issue signs a token for u valid for the issuer's configured lifetime.
	// Errors are of kind Internal.
	Issue(u account.User) (AccessToken, error)
	// Verify checks signature, algorithm, issuer, audience and expiry and
	// returns the claims. Every refusal is an error of kind Unauthorized
	// with code "unauthorized"; the cause is wrapped for logs only.
	Verify(token string) (AccessClaims, error)
}
