package auth_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/application/auth"
	"github.com/lingo-labs/lingo/application/internal/fakes"
	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// errDown is a store or signer that fails; the use case must pass it on (as
// an internal error, wrapped with what it was doing), never as a refusal.
var errDown = errs.Wrap(errs.Unavailable, errs.CodeDatabaseUnavailable, errors.New("down"))

// broken fails the named calls of the fakes it wraps.
type broken struct {
	fail map[string]bool
}

func (b broken) err(name string) error {
	if b.fail[name] {
		return errDown
	}
	return nil
}

type brokenUsers struct {
	*fakes.Users
	broken
}

func (u brokenUsers) ByEmail(ctx context.Context, e account.Email) (account.User, error) {
	if err := u.err("ByEmail"); err != nil {
		return account.User{}, err
	}
	return u.Users.ByEmail(ctx, e)
}

func (u brokenUsers) ByID(ctx context.Context, id string) (account.User, error) {
	if err := u.err("ByID"); err != nil {
		return account.User{}, err
	}
	return u.Users.ByID(ctx, id)
}

func (u brokenUsers) Create(ctx context.Context, x account.User) error {
	if err := u.err("Create"); err != nil {
		return err
	}
	return u.Users.Create(ctx, x)
}

type brokenTokens struct {
	*fakes.RefreshTokens
	broken
}

func (s brokenTokens) Save(ctx context.Context, t account.RefreshToken) error {
	if err := s.err("Save"); err != nil {
		return err
	}
	return s.RefreshTokens.Save(ctx, t)
}

func (s brokenTokens) ByHash(ctx context.Context, h string) (account.RefreshToken, error) {
	if err := s.err("ByHash"); err != nil {
		return account.RefreshToken{}, err
	}
	return s.RefreshTokens.ByHash(ctx, h)
}

func (s brokenTokens) Rotate(ctx context.Context, h string, next account.RefreshToken, now time.Time) error {
	if err := s.err("Rotate"); err != nil {
		return err
	}
	return s.RefreshTokens.Rotate(ctx, h, next, now)
}

func (s brokenTokens) RevokeFamily(ctx context.Context, f string, now time.Time) error {
	if err := s.err("RevokeFamily"); err != nil {
		return err
	}
	return s.RefreshTokens.RevokeFamily(ctx, f, now)
}

func (s brokenTokens) Revoke(ctx context.Context, u, h string, now time.Time) error {
	if err := s.err("Revoke"); err != nil {
		return err
	}
	return s.RefreshTokens.Revoke(ctx, u, h, now)
}

func (s brokenTokens) RevokeUser(ctx context.Context, u string, now time.Time) error {
	if err := s.err("RevokeUser"); err != nil {
		return err
	}
	return s.RefreshTokens.RevokeUser(ctx, u, now)
}

type brokenHasher struct {
	*fakes.Hasher
	broken
}

func (h brokenHasher) Hash(ctx context.Context, p account.Password) (string, error) {
	if err := h.err("Hash"); err != nil {
		return "", err
	}
	return h.Hasher.Hash(ctx, p)
}

func (h brokenHasher) Verify(ctx context.Context, pw, enc string) (bool, error) {
	if err := h.err("Verify"); err != nil {
		return false, err
	}
	return h.Hasher.Verify(ctx, pw, enc)
}

type brokenIssuer struct {
	*fakes.Issuer
	broken
}

func (i brokenIssuer) Issue(u account.User) (ports.AccessToken, error) {
	if err := i.err("Issue"); err != nil {
		return ports.AccessToken{}, err
	}
	return i.Issuer.Issue(u)
}

func (i brokenIssuer) Verify(tok string) (ports.AccessClaims, error) {
	if err := i.err("Verify"); err != nil {
		return ports.AccessClaims{}, err
	}
	return i.Issuer.Verify(tok)
}

// withBroken is the env's service over the same stores, failing the named calls.
func (e *env) withBroken(calls ...string) *auth.Service {
	b := broken{fail: map[string]bool{}}
	for _, c := range calls {
		b.fail[c] = true
	}
	return auth.New(auth.Deps{Users: brokenUsers{e.users, b}, Tokens: brokenTokens{e.tokens, b},
		Hasher: brokenHasher{e.hasher, b}, Issuer: brokenIssuer{e.issuer, b}, Clock: e.clock, IDs: &otherIDs{}})
}

// otherIDs keeps a second service's ids apart from the env's (id-1, id-2, …).
type otherIDs struct{ n int }

func (g *otherIDs) NewID() string { g.n++; return fmt.Sprintf("other-%d", g.n) }

func TestStoreAndSignerFailuresArePassedOn(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		fail []string
		call func(e *env, svc *auth.Service, s auth.Session) error
	}{
		{"register: looking the email up", []string{"ByEmail"}, func(e *env, svc *auth.Service, _ auth.Session) error {
			r, _ := auth.ParseRegistration("new@example.com", "correct horse", "New")
			_, err := svc.Register(ctx, r)
			return err
		}},
		{"register: hashing", []string{"Hash"}, func(e *env, svc *auth.Service, _ auth.Session) error {
			r, _ := auth.ParseRegistration("new@example.com", "correct horse", "New")
			_, err := svc.Register(ctx, r)
			return err
		}},
		{"register: storing the user", []string{"Create"}, func(e *env, svc *auth.Service, _ auth.Session) error {
			r, _ := auth.ParseRegistration("new@example.com", "correct horse", "New")
			_, err := svc.Register(ctx, r)
			return err
		}},
		{"register: storing the refresh token", []string{"Save"}, func(e *env, svc *auth.Service, _ auth.Session) error {
			r, _ := auth.ParseRegistration("new@example.com", "correct horse", "New")
			_, err := svc.Register(ctx, r)
			return err
		}},
		{"login: looking the user up", []string{"ByEmail"}, func(e *env, svc *auth.Service, _ auth.Session) error {
			_, err := svc.Login(ctx, "ana@example.com", "correct horse")
			return err
		}},
		{"login: verifying the password", []string{"Verify"}, func(e *env, svc *auth.Service, _ auth.Session) error {
			_, err := svc.Login(ctx, "ana@example.com", "correct horse")
			return err
		}},
		{"login: issuing the access token", []string{"Issue"}, func(e *env, svc *auth.Service, _ auth.Session) error {
			_, err := svc.Login(ctx, "ana@example.com", "correct horse")
			return err
		}},
		{"refresh: looking the token up", []string{"ByHash"}, func(e *env, svc *auth.Service, s auth.Session) error {
			_, err := svc.Refresh(ctx, s.Tokens.RefreshToken)
			return err
		}},
		{"refresh: loading the user", []string{"ByID"}, func(e *env, svc *auth.Service, s auth.Session) error {
			_, err := svc.Refresh(ctx, s.Tokens.RefreshToken)
			return err
		}},
		{"refresh: rotating", []string{"Rotate"}, func(e *env, svc *auth.Service, s auth.Session) error {
			_, err := svc.Refresh(ctx, s.Tokens.RefreshToken)
			return err
		}},
		{"refresh: revoking the family of a reused token", []string{"RevokeFamily"}, func(e *env, svc *auth.Service, s auth.Session) error {
			if _, err := e.svc.Refresh(ctx, s.Tokens.RefreshToken); err != nil {
				return err
			}
			_, err := svc.Refresh(ctx, s.Tokens.RefreshToken)
			return err
		}},
		{"logout", []string{"Revoke"}, func(e *env, svc *auth.Service, s auth.Session) error {
			return svc.Logout(ctx, s.User.ID(), s.Tokens.RefreshToken)
		}},
		{"ending every session", []string{"RevokeUser"}, func(e *env, svc *auth.Service, s auth.Session) error {
			return svc.EndSessions(ctx, s.User.ID())
		}},
		{"loading the principal", []string{"ByID"}, func(e *env, svc *auth.Service, s auth.Session) error {
			c, err := e.svc.VerifyAccess(s.Tokens.AccessToken)
			if err != nil {
				return err
			}
			_, err = svc.Principal(ctx, c)
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			s := e.register(t, "ana@example.com", "correct horse")
			err := tc.call(e, e.withBroken(tc.fail...), s)
			if !errors.Is(err, errDown) {
				t.Fatalf("got %v, want the store's failure passed on", err)
			}
		})
	}
}

func TestVerifyAccessCallsAnyFailureUnauthorized(t *testing.T) {
	e := newEnv(t)
	s := e.register(t, "ana@example.com", "correct horse")
	_, err := e.withBroken("Verify").VerifyAccess(s.Tokens.AccessToken)
	wantCode(t, err, errs.Unauthorized, errs.CodeUnauthorized)
	if !errors.Is(err, errDown) {
		t.Fatalf("the cause is kept for the log: %v", err)
	}
}

// revokingTokens makes Rotate lose to a logout: the token is revoked between
// the look-up and the rotation.
type revokingTokens struct{ *fakes.RefreshTokens }

func (r revokingTokens) Rotate(ctx context.Context, hash string, next account.RefreshToken, now time.Time) error {
	if err := r.RefreshTokens.Revoke(ctx, next.UserID(), hash, now); err != nil {
		return err
	}
	return r.RefreshTokens.Rotate(ctx, hash, next, now)
}

func TestRefreshLosingToALogoutIsInvalid(t *testing.T) {
	e := newEnv(t)
	s := e.register(t, "ana@example.com", "correct horse")
	svc := auth.New(auth.Deps{Users: e.users, Tokens: revokingTokens{e.tokens}, Hasher: e.hasher, Issuer: e.issuer, Clock: e.clock, IDs: &fakes.IDs{}})
	_, err := svc.Refresh(context.Background(), s.Tokens.RefreshToken)
	wantCode(t, err, errs.Unauthorized, errs.CodeInvalidRefreshToken)
}

func TestRefreshOfADisabledUserIsInvalid(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := e.register(t, "ana@example.com", "correct horse")
	if err := e.users.Update(ctx, s.User.ID(), func(u *account.User) error { u.SetActive(false, t0); return nil }); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Refresh(ctx, s.Tokens.RefreshToken)
	wantCode(t, err, errs.Unauthorized, errs.CodeInvalidRefreshToken)
}
