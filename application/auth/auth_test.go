package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/application/auth"
	"github.com/lingo-labs/lingo/application/internal/fakes"
	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
)

var t0 = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

type env struct {
	svc    *auth.Service
	users  *fakes.Users
	tokens *fakes.RefreshTokens
	hasher *fakes.Hasher
	issuer *fakes.Issuer
	clock  *clock.Fake
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{users: fakes.NewUsers(), tokens: fakes.NewRefreshTokens(), hasher: &fakes.Hasher{}, clock: clock.NewFake(t0)}
	e.issuer = &fakes.Issuer{Clock: e.clock, TTL: 15 * time.Minute}
	e.svc = auth.New(auth.Deps{Users: e.users, Tokens: e.tokens, Hasher: e.hasher, Issuer: e.issuer, Clock: e.clock, IDs: &fakes.IDs{}})
	return e
}

func (e *env) register(t *testing.T, email, password string) auth.Session {
	t.Helper()
	r, err := auth.ParseRegistration(email, password, "Ana")
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.svc.Register(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func wantCode(t *testing.T, err error, kind errs.Kind, code string) {
	t.Helper()
	if !errs.Is(err, kind) || errs.CodeOf(err) != code {
		t.Fatalf("got %v, want %v %s", err, kind, code)
	}
}

func TestParseRegistrationReportsEveryField(t *testing.T) {
	cases := []struct {
		name                   string
		email, password, name_ string
		wantFields             []string
	}{
		{"all bad", "nope", "short", "  ", []string{"email", "password", "display_name"}},
		{"email only", "a@b", "long enough", "Ana", []string{"email"}},
		{"password only", "ana@example.com", "1234567", "Ana", []string{"password"}},
		{"name only", "ana@example.com", "long enough", "Ana\x07", []string{"display_name"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := auth.ParseRegistration(c.email, c.password, c.name_)
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.Invalid {
				t.Fatalf("got %v", err)
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field)
			}
			if len(got) != len(c.wantFields) {
				t.Fatalf("fields %v, want %v", got, c.wantFields)
			}
			for i := range got {
				if got[i] != c.wantFields[i] {
					t.Fatalf("fields %v, want %v", got, c.wantFields)
				}
			}
		})
	}
}

func TestRegister(t *testing.T) {
	e := newEnv(t)
	s := e.register(t, "  Ana@Example.com ", "correct horse")
	if s.User.Email().String() != "ana@example.com" || s.User.Role() != account.RoleLearner || !s.User.IsActive() {
		t.Fatalf("user %+v", s.User.Snapshot())
	}
	if s.User.PasswordHash() == "correct horse" || e.hasher.Hashes.Load() != 1 {
		t.Fatal("the password was not hashed exactly once")
	}
	if s.Tokens.AccessToken == "" || s.Tokens.RefreshToken == "" || s.Tokens.AccessExpiresIn != 15*time.Minute || s.Tokens.RefreshExpiresIn != auth.DefaultRefreshTTL {
		t.Fatalf("tokens %+v", s.Tokens)
	}
	if _, err := e.svc.Refresh(context.Background(), s.Tokens.RefreshToken); err != nil {
		t.Fatalf("the refresh token from registration does not work: %v", err)
	}
}

func TestRegisterTakenEmail(t *testing.T) {
	cases := []struct {
		name  string
		again string
	}{
		{"same spelling", "ana@example.com"},
		{"other letter case", "ANA@Example.COM"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.register(t, "ana@example.com", "correct horse")
			r, _ := auth.ParseRegistration(c.again, "another pass", "Other")
			_, err := e.svc.Register(context.Background(), r)
			wantCode(t, err, errs.Conflict, errs.CodeEmailTaken)
			if e.hasher.Hashes.Load() != 1 {
				t.Fatal("a duplicate spent a hash")
			}
		})
	}
}

// raceUsers answers NotFound from ByEmail, as a concurrent registration
// would see before the other one commits, so Create's conflict decides.
type raceUsers struct{ *fakes.Users }

func (raceUsers) ByEmail(context.Context, account.Email) (account.User, error) {
	return account.User{}, errs.E(errs.NotFound, "", "not yet")
}

func TestRegisterLosesARace(t *testing.T) {
	e := newEnv(t)
	e.register(t, "ana@example.com", "correct horse")
	svc := auth.New(auth.Deps{Users: raceUsers{e.users}, Tokens: e.tokens, Hasher: e.hasher, Issuer: e.issuer, Clock: e.clock, IDs: &fakes.IDs{}})
	r, _ := auth.ParseRegistration("Ana@example.com", "another pass", "Other")
	_, err := svc.Register(context.Background(), r)
	wantCode(t, err, errs.Conflict, errs.CodeEmailTaken)
}

func TestLogin(t *testing.T) {
	cases := []struct {
		name        string
		email       string
		password    string
		deactivate  bool
		wantKind    errs.Kind
		wantCode    string
		wantVerify  int64
		wantDummies int64
	}{
		{"right password", "ana@example.com", "correct horse", false, 0, "", 1, 0},
		{"email in another case", " ANA@example.com", "correct horse", false, 0, "", 1, 0},
		{"wrong password", "ana@example.com", "wrong horse", false, errs.Unauthorized, errs.CodeInvalidCredentials, 1, 0},
		{"unknown email spends one dummy hash", "bob@example.com", "correct horse", false, errs.Unauthorized, errs.CodeInvalidCredentials, 0, 1},
		{"malformed email spends one dummy hash", "not-an-email", "correct horse", false, errs.Unauthorized, errs.CodeInvalidCredentials, 0, 1},
		{"disabled, right password", "ana@example.com", "correct horse", true, errs.Forbidden, errs.CodeAccountDisabled, 1, 0},
		{"disabled, wrong password tells nothing", "ana@example.com", "wrong horse", true, errs.Unauthorized, errs.CodeInvalidCredentials, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			s := e.register(t, "ana@example.com", "correct horse")
			if c.deactivate {
				_ = e.users.Update(context.Background(), s.User.ID(), func(u *account.User) error { u.SetActive(false, t0); return nil })
			}
			got, err := e.svc.Login(context.Background(), c.email, c.password)
			if c.wantCode == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got.User.ID() != s.User.ID() || got.Tokens.AccessToken == "" {
					t.Fatalf("session %+v", got)
				}
			} else {
				wantCode(t, err, c.wantKind, c.wantCode)
			}
			if v, d := e.hasher.Verifies.Load(), e.hasher.Dummies.Load(); v != c.wantVerify || d != c.wantDummies {
				t.Fatalf("verifies %d dummies %d, want %d and %d", v, d, c.wantVerify, c.wantDummies)
			}
		})
	}
}

func TestLoginAnswersUnknownEmailAsWrongPassword(t *testing.T) {
	e := newEnv(t)
	e.register(t, "ana@example.com", "correct horse")
	_, wrong := e.svc.Login(context.Background(), "ana@example.com", "wrong horse")
	_, unknown := e.svc.Login(context.Background(), "bob@example.com", "wrong horse")
	if wrong.Error() != unknown.Error() || !errors.Is(wrong, auth.ErrInvalidCredentials) || !errors.Is(unknown, auth.ErrInvalidCredentials) {
		t.Fatalf("wrong password: %v; unknown email: %v", wrong, unknown)
	}
	if e.hasher.Spent() != 2 {
		t.Fatalf("%d password checks, want one per login", e.hasher.Spent())
	}
}

func TestRefreshRotates(t *testing.T) {
	e := newEnv(t)
	s := e.register(t, "ana@example.com", "correct horse")
	e.clock.Advance(time.Hour)
	next, err := e.svc.Refresh(context.Background(), s.Tokens.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if next.RefreshToken == s.Tokens.RefreshToken || next.AccessToken == s.Tokens.AccessToken {
		t.Fatal("refresh did not issue a new pair")
	}
	old, _ := e.tokens.ByHash(context.Background(), account.HashRefreshSecret(s.Tokens.RefreshToken))
	cur, _ := e.tokens.ByHash(context.Background(), account.HashRefreshSecret(next.RefreshToken))
	if old.State(e.clock.Now()) != account.RefreshSpent || cur.FamilyID() != old.FamilyID() || cur.ParentID() != old.ID() {
		t.Fatalf("old %+v new %+v", old.Snapshot(), cur.Snapshot())
	}
	if !cur.ExpiresAt().Equal(e.clock.Now().Add(auth.DefaultRefreshTTL)) {
		t.Fatal("the rotated token does not get the full lifetime")
	}
	if _, err := e.svc.Refresh(context.Background(), next.RefreshToken); err != nil {
		t.Fatalf("the rotated token does not work: %v", err)
	}
}

func TestRefreshReuseRevokesTheFamily(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := e.register(t, "ana@example.com", "correct horse")
	other, err := e.svc.Login(ctx, "ana@example.com", "correct horse") // another device, another family
	if err != nil {
		t.Fatal(err)
	}
	child, err := e.svc.Refresh(ctx, s.Tokens.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Refresh(ctx, s.Tokens.RefreshToken)
	wantCode(t, err, errs.Unauthorized, errs.CodeTokenReused)
	_, err = e.svc.Refresh(ctx, child.RefreshToken)
	wantCode(t, err, errs.Unauthorized, errs.CodeInvalidRefreshToken)
	_, err = e.svc.Refresh(ctx, s.Tokens.RefreshToken)
	wantCode(t, err, errs.Unauthorized, errs.CodeTokenReused)
	if _, err := e.svc.Refresh(ctx, other.Tokens.RefreshToken); err != nil {
		t.Fatalf("reuse in one family revoked another: %v", err)
	}
}

// racingTokens makes Rotate lose to a concurrent rotation: the token is
// spent between the look-up and the rotation.
type racingTokens struct{ *fakes.RefreshTokens }

func (r racingTokens) Rotate(ctx context.Context, hash string, next account.RefreshToken, now time.Time) error {
	winner, _, _ := account.NewRefreshToken("winner", next.UserID(), next.FamilyID(), "", now, time.Hour)
	if err := r.RefreshTokens.Rotate(ctx, hash, winner, now); err != nil {
		return err
	}
	return r.RefreshTokens.Rotate(ctx, hash, next, now)
}

func TestRefreshLosingARaceIsReuse(t *testing.T) {
	e := newEnv(t)
	s := e.register(t, "ana@example.com", "correct horse")
	svc := auth.New(auth.Deps{Users: e.users, Tokens: racingTokens{e.tokens}, Hasher: e.hasher, Issuer: e.issuer, Clock: e.clock, IDs: &fakes.IDs{}})
	_, err := svc.Refresh(context.Background(), s.Tokens.RefreshToken)
	wantCode(t, err, errs.Unauthorized, errs.CodeTokenReused)
	w, _ := e.tokens.ByHash(context.Background(), account.HashRefreshSecret(s.Tokens.RefreshToken))
	if w.RevokedAt().IsZero() {
		t.Fatal("the family was not revoked")
	}
}

func TestRefreshRefuses(t *testing.T) {
	cases := []struct {
		name    string
		prepare func(t *testing.T, e *env, s auth.Session) string
	}{
		{"empty", func(*testing.T, *env, auth.Session) string { return "" }},
		{"unknown", func(*testing.T, *env, auth.Session) string { return "bm90IGEgdG9rZW4" }},
		{"the access token", func(_ *testing.T, _ *env, s auth.Session) string { return s.Tokens.AccessToken }},
		{"expired", func(_ *testing.T, e *env, s auth.Session) string {
			e.clock.Advance(auth.DefaultRefreshTTL)
			return s.Tokens.RefreshToken
		}},
		{"logged out", func(t *testing.T, e *env, s auth.Session) string {
			if err := e.svc.Logout(context.Background(), s.User.ID(), s.Tokens.RefreshToken); err != nil {
				t.Fatal(err)
			}
			return s.Tokens.RefreshToken
		}},
		{"all sessions ended", func(t *testing.T, e *env, s auth.Session) string {
			if err := e.svc.EndSessions(context.Background(), s.User.ID()); err != nil {
				t.Fatal(err)
			}
			return s.Tokens.RefreshToken
		}},
		{"user disabled", func(_ *testing.T, e *env, s auth.Session) string {
			_ = e.users.Update(context.Background(), s.User.ID(), func(u *account.User) error { u.SetActive(false, t0); return nil })
			return s.Tokens.RefreshToken
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			s := e.register(t, "ana@example.com", "correct horse")
			_, err := e.svc.Refresh(context.Background(), c.prepare(t, e, s))
			wantCode(t, err, errs.Unauthorized, errs.CodeInvalidRefreshToken)
		})
	}
}

func TestLogout(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	ana := e.register(t, "ana@example.com", "correct horse")
	bob := e.register(t, "bob@example.com", "correct horse")
	cases := []struct {
		name, userID, token string
	}{
		{"unknown token", ana.User.ID(), "bm90IGEgdG9rZW4"},
		{"empty token", ana.User.ID(), ""},
		{"another user's token is not touched", ana.User.ID(), bob.Tokens.RefreshToken},
		{"own token", ana.User.ID(), ana.Tokens.RefreshToken},
		{"own token again", ana.User.ID(), ana.Tokens.RefreshToken},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := e.svc.Logout(ctx, c.userID, c.token); err != nil {
				t.Fatal(err)
			}
		})
	}
	_, err := e.svc.Refresh(ctx, ana.Tokens.RefreshToken)
	wantCode(t, err, errs.Unauthorized, errs.CodeInvalidRefreshToken)
	if _, err := e.svc.Refresh(ctx, bob.Tokens.RefreshToken); err != nil {
		t.Fatalf("Bob's token was revoked by Ana's logout: %v", err)
	}
}
