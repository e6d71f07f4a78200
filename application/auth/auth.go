// Package auth holds the sign-up, sign-in and session use cases: register,
// login, refresh-token rotation with reuse detection, logout, and resolving
// the user behind an access token.
package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// DefaultRefreshTTL is how long a refresh token lives. Each rotation issues
// a token with the full lifetime, so a phone used once a month stays
// signed in.
const DefaultRefreshTTL = 30 * 24 * time.Hour

// The errors a client sees. Login answers one error for an unknown email
// and a wrong password, so the answer does not tell which.
var (
	ErrInvalidCredentials = errs.E(errs.Unauthorized, errs.CodeInvalidCredentials, "Invalid email or password.")
	ErrAccountDisabled    = errs.E(errs.Forbidden, errs.CodeAccountDisabled, "This account has been disabled.")
	ErrInvalidRefresh     = errs.E(errs.Unauthorized, errs.CodeInvalidRefreshToken, "The refresh token is invalid or expired.")
	ErrTokenReused        = errs.E(errs.Unauthorized, errs.CodeTokenReused, "The refresh token was already used; please log in again.")
	ErrUnauthorized       = errs.E(errs.Unauthorized, errs.CodeUnauthorized, "Authentication required. Please log in to continue.")
	ErrEmailTaken         = errs.E(errs.Conflict, errs.CodeEmailTaken, "An account with this email already exists.")
)

// ErrPendingDeletion is the login answer of an account waiting for its
// erasure (the OpenAPI document's "Account lifecycle"): 403 with details
// {purge_after}, told only after the password was right.
func ErrPendingDeletion(purgeAfter time.Time) error {
	return errs.E(errs.Forbidden, errs.CodeAccountPendingDeletion,
		"This account is scheduled for deletion; restore it to sign in again.").
		WithDetails(map[string]any{"purge_after": purgeAfter.UTC().Format("2006-01-02T15:04:05.000Z")})
}

// Deps are the ports the service uses.
type Deps struct {
	Users      ports.UserRepository
	Tokens     ports.RefreshTokenStore
	Hasher     ports.PasswordHasher
	Issuer     ports.TokenIssuer
	Clock      ports.Clock
	IDs        ports.IDGenerator
	RefreshTTL time.Duration // DefaultRefreshTTL when zero
	// Outbox, when set, publishes user.registered in the registration's
	// transaction, and Joined runs in it too (the reminder schedule).
	Outbox ports.Outbox
	Joined func(ctx context.Context, u account.User) error
}

// Service runs the auth use cases.
type Service struct{ d Deps }

// New returns the service.
func New(d Deps) *Service {
	if d.RefreshTTL <= 0 {
		d.RefreshTTL = DefaultRefreshTTL
	}
	return &Service{d: d}
}

// Tokens is a fresh access and refresh token pair.
type Tokens struct {
	AccessToken      string
	RefreshToken     string
	AccessExpiresIn  time.Duration
	RefreshExpiresIn time.Duration
}

// Session is a user with a fresh token pair.
type Session struct {
	User   account.User
	Tokens Tokens
}

// Registration is a valid sign-up request.
type Registration struct {
	Email       account.Email
	Password    account.Password
	DisplayName account.DisplayName
}

// ParseRegistration checks the three fields and reports every problem at
// once, each on its JSON field.
func ParseRegistration(email, password, displayName string) (Registration, error) {
	var r Registration
	var problems []errs.FieldError
	collect := func(field string, err error) {
		if e, ok := errs.As(errs.Prefix(field, err)); ok {
			problems = append(problems, e.Fields...)
		}
	}
	var err error
	if r.Email, err = account.ParseEmail(email); err != nil {
		collect("email", err)
	}
	if r.Password, err = account.ParsePassword(password); err != nil {
		collect("password", err)
	}
	if r.DisplayName, err = account.ParseDisplayName(displayName); err != nil {
		collect("display_name", err)
	}
	if err := errs.Validation(problems...); err != nil {
		return Registration{}, err
	}
	return r, nil
}

// now is the service's time, cut to microseconds because that is what
// PostgreSQL keeps: a value read back must equal the one written, or cursors
// built from it would skip or repeat rows.
func (s *Service) now() time.Time { return s.d.Clock.Now().UTC().Truncate(time.Microsecond) }

// Register makes a learner and signs them in. A taken email (in any letter
// case) is a Conflict with code email_taken.
func (s *Service) Register(ctx context.Context, r Registration) (Session, error) {
	// A cheap look first spares an argon2id hash on the common duplicate; the
	// unique index still decides races.
	if _, err := s.d.Users.ByEmail(ctx, r.Email); err == nil {
		return Session{}, ErrEmailTaken
	} else if !errs.Is(err, errs.NotFound) {
		return Session{}, fmt.Errorf("register: look up email: %w", err)
	}
	hash, err := s.d.Hasher.Hash(ctx, r.Password)
	if err != nil {
		return Session{}, fmt.Errorf("register: hash password: %w", err)
	}
	u, err := account.NewUser(s.d.IDs.NewID(), r.Email, r.DisplayName, hash, account.RoleLearner, s.now())
	if err != nil {
		return Session{}, fmt.Errorf("register: %w", err)
	}
	if err := s.create(ctx, u); err != nil {
		if errs.Is(err, errs.Conflict) {
			return Session{}, ErrEmailTaken
		}
		return Session{}, fmt.Errorf("register: store user: %w", err)
	}
	tokens, err := s.StartSession(ctx, u)
	if err != nil {
		return Session{}, err
	}
	return Session{User: u, Tokens: tokens}, nil
}

// create stores the new learner with what registration publishes, all in
// one transaction when there is an outbox.
func (s *Service) create(ctx context.Context, u account.User) error {
	if s.d.Outbox == nil {
		return s.d.Users.Create(ctx, u)
	}
	return s.d.Outbox.Atomically(ctx, func(ctx context.Context) error {
		if err := s.d.Users.Create(ctx, u); err != nil {
			return err
		}
		if s.d.Joined != nil {
			if err := s.d.Joined(ctx, u); err != nil {
				return err
			}
		}
		m, err := webhook.NewMessage(s.d.IDs.NewID(), webhook.UserRegistered, u.CreatedAt(), u.ID(), nil)
		if err != nil {
			return errs.Wrap(errs.Internal, "", err)
		}
		return s.d.Outbox.Publish(ctx, m)
	})
}

// Login checks the password and signs the user in. An email that is
// malformed or unknown still costs one password verification, and answers
// exactly as a wrong password does. A disabled account is told so only
// after its password was right, so the answer leaks nothing to a guesser.
func (s *Service) Login(ctx context.Context, email, password string) (Session, error) {
	addr, err := account.ParseEmail(email)
	if err != nil {
		s.d.Hasher.VerifyDummy(ctx, password)
		return Session{}, ErrInvalidCredentials
	}
	u, err := s.d.Users.ByEmail(ctx, addr)
	if errs.Is(err, errs.NotFound) {
		s.d.Hasher.VerifyDummy(ctx, password)
		return Session{}, ErrInvalidCredentials
	}
	if err != nil {
		return Session{}, fmt.Errorf("login: look up user: %w", err)
	}
	ok, err := s.d.Hasher.Verify(ctx, password, u.PasswordHash())
	if err != nil {
		return Session{}, fmt.Errorf("login: verify password of user %s: %w", u.ID(), err)
	}
	if !ok {
		return Session{}, ErrInvalidCredentials
	}
	if at, pending := u.PendingDeletion(); pending {
		return Session{}, ErrPendingDeletion(at)
	}
	if !u.IsActive() {
		return Session{}, ErrAccountDisabled
	}
	tokens, err := s.StartSession(ctx, u)
	if err != nil {
		return Session{}, err
	}
	return Session{User: u, Tokens: tokens}, nil
}

// StartSession issues a token pair whose refresh token starts a new family.
// users.ChangePassword uses it for the pair it hands back.
func (s *Service) StartSession(ctx context.Context, u account.User) (Tokens, error) {
	rt, secret, err := account.NewRefreshToken(s.d.IDs.NewID(), u.ID(), s.d.IDs.NewID(), "", s.now(), s.d.RefreshTTL)
	if err != nil {
		return Tokens{}, fmt.Errorf("start session: %w", err)
	}
	if err := s.d.Tokens.Save(ctx, rt); err != nil {
		return Tokens{}, fmt.Errorf("start session: store refresh token: %w", err)
	}
	return s.pair(u, secret)
}

func (s *Service) pair(u account.User, refreshSecret string) (Tokens, error) {
	at, err := s.d.Issuer.Issue(u)
	if err != nil {
		return Tokens{}, fmt.Errorf("issue access token: %w", err)
	}
	return Tokens{AccessToken: at.Token, RefreshToken: refreshSecret, AccessExpiresIn: at.TTL, RefreshExpiresIn: s.d.RefreshTTL}, nil
}

// Refresh spends a refresh token and issues a new pair in the same family.
// A spent token presented again means it was copied: the whole family is
// revoked (the thief's and the owner's newest token alike) and the answer
// is token_reused. Unknown, revoked and expired tokens, and tokens of users
// who are gone or disabled, answer invalid_refresh_token.
func (s *Service) Refresh(ctx context.Context, secret string) (Tokens, error) {
	if secret == "" {
		return Tokens{}, ErrInvalidRefresh
	}
	hash := account.HashRefreshSecret(secret)
	old, err := s.d.Tokens.ByHash(ctx, hash)
	if errs.Is(err, errs.NotFound) {
		return Tokens{}, ErrInvalidRefresh
	}
	if err != nil {
		return Tokens{}, fmt.Errorf("refresh: look up token: %w", err)
	}
	now := s.now()
	switch old.State(now) {
	case account.RefreshSpent:
		return Tokens{}, s.reused(ctx, old, now)
	case account.RefreshActive:
	default:
		return Tokens{}, ErrInvalidRefresh
	}
	u, err := s.d.Users.ByID(ctx, old.UserID())
	if errs.Is(err, errs.NotFound) {
		return Tokens{}, ErrInvalidRefresh
	}
	if err != nil {
		return Tokens{}, fmt.Errorf("refresh: load user: %w", err)
	}
	if _, pending := u.PendingDeletion(); pending || !u.IsActive() {
		return Tokens{}, ErrInvalidRefresh
	}
	next, nextSecret, err := account.NewRefreshToken(s.d.IDs.NewID(), u.ID(), old.FamilyID(), old.ID(), now, s.d.RefreshTTL)
	if err != nil {
		return Tokens{}, fmt.Errorf("refresh: %w", err)
	}
	if err := s.d.Tokens.Rotate(ctx, hash, next, now); err != nil {
		if !errs.Is(err, errs.Conflict) {
			return Tokens{}, fmt.Errorf("refresh: rotate: %w", err)
		}
		// Someone spent or revoked the token between the look-up and the
		// rotation. Read it again to tell reuse (a concurrent rotation won)
		// from a revocation (logout, password change).
		again, rerr := s.d.Tokens.ByHash(ctx, hash)
		if rerr != nil {
			return Tokens{}, fmt.Errorf("refresh: re-read token: %w", rerr)
		}
		if again.State(now) == account.RefreshSpent {
			return Tokens{}, s.reused(ctx, again, now)
		}
		return Tokens{}, ErrInvalidRefresh
	}
	return s.pair(u, nextSecret)
}

func (s *Service) reused(ctx context.Context, t account.RefreshToken, now time.Time) error {
	if err := s.d.Tokens.RevokeFamily(ctx, t.FamilyID(), now); err != nil {
		return fmt.Errorf("refresh: revoke family after reuse: %w", err)
	}
	return ErrTokenReused
}

// Logout revokes the caller's refresh token. It is idempotent: a token that
// is unknown, already revoked or another user's answers success and changes
// nothing, since in every case the caller's token no longer works.
func (s *Service) Logout(ctx context.Context, userID, secret string) error {
	if secret == "" {
		return nil
	}
	err := s.d.Tokens.Revoke(ctx, userID, account.HashRefreshSecret(secret), s.now())
	if err != nil && !errs.Is(err, errs.NotFound) {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

// EndSessions revokes every refresh token of the user.
func (s *Service) EndSessions(ctx context.Context, userID string) error {
	if err := s.d.Tokens.RevokeUser(ctx, userID, s.now()); err != nil {
		return fmt.Errorf("end sessions of user %s: %w", userID, err)
	}
	return nil
}

// VerifyAccess checks an access token without any I/O, so the HTTP adapter
// can key its rate limiter by user before touching the database.
func (s *Service) VerifyAccess(token string) (ports.AccessClaims, error) {
	c, err := s.d.Issuer.Verify(token)
	if err != nil {
		if errs.Is(err, errs.Unauthorized) {
			return ports.AccessClaims{}, err
		}
		return ports.AccessClaims{}, errs.Wrap(errs.Unauthorized, errs.CodeUnauthorized, err)
	}
	return c, nil
}

// Principal loads the user a verified token speaks for and refuses, with
// Unauthorized, a user who is gone, disabled, or whose token version moved
// on since the token was issued (a password change or a deactivation).
func (s *Service) Principal(ctx context.Context, c ports.AccessClaims) (account.User, error) {
	u, err := s.d.Users.ByID(ctx, c.UserID)
	switch {
	case errs.Is(err, errs.NotFound):
		return account.User{}, wrapUnauthorized("user no longer exists")
	case err != nil:
		return account.User{}, fmt.Errorf("load principal: %w", err)
	}
	if why := u.Standing().Refusal(c.TokenVersion); why != "" {
		return account.User{}, wrapUnauthorized(why)
	}
	return u, nil
}

func wrapUnauthorized(why string) error {
	e := *ErrUnauthorized
	e.Err = errors.New(why)
	return &e
}
