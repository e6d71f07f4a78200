package users_test

import (
	"context"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/application/auth"
	"github.com/lingo-labs/lingo/application/internal/fakes"
	"github.com/lingo-labs/lingo/application/users"
	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
)

var t0 = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

type env struct {
	auth   *auth.Service
	svc    *users.Service
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
	ids := &fakes.IDs{}
	e.auth = auth.New(auth.Deps{Users: e.users, Tokens: e.tokens, Hasher: e.hasher, Issuer: e.issuer, Clock: e.clock, IDs: ids})
	e.svc = users.New(users.Deps{Users: e.users, Hasher: e.hasher, Sessions: e.auth, Clock: e.clock, IDs: ids})
	return e
}

func (e *env) register(t *testing.T, email string) auth.Session {
	t.Helper()
	r, err := auth.ParseRegistration(email, "correct horse", "Ana")
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.auth.Register(context.Background(), r)
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

func password(t *testing.T, s string) account.Password {
	t.Helper()
	p, err := account.ParsePassword(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUpdateProfile(t *testing.T) {
	cases := []struct {
		name        string
		newName     string
		wantUpdated bool
	}{
		{"new name", "Ana María", true},
		{"same name", "Ana", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			s := e.register(t, "ana@example.com")
			e.clock.Advance(time.Minute)
			n, _ := account.ParseDisplayName(c.newName)
			u, err := e.svc.UpdateProfile(context.Background(), s.User.ID(), n)
			if err != nil {
				t.Fatal(err)
			}
			if u.DisplayName() != n || u.UpdatedAt().After(t0) != c.wantUpdated {
				t.Fatalf("name %q updated %v", u.DisplayName(), u.UpdatedAt())
			}
			me, _ := e.svc.Me(context.Background(), s.User.ID())
			if me.DisplayName() != n {
				t.Fatal("the change was not stored")
			}
		})
	}
	e := newEnv(t)
	n, _ := account.ParseDisplayName("X")
	_, err := e.svc.UpdateProfile(context.Background(), "nobody", n)
	if !errs.Is(err, errs.NotFound) {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestChangePassword(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.register(t, "ana@example.com")
	phone, err := e.auth.Login(ctx, "ana@example.com", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := e.svc.ChangePassword(ctx, s.User.ID(), "correct horse", password(t, "battery staple"))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		run  func() error
		ok   bool
	}{
		{"the fresh refresh token works", func() error { _, err := e.auth.Refresh(ctx, fresh.RefreshToken); return err }, true},
		{"the fresh access token works", func() error { return principal(e, fresh.AccessToken) }, true},
		{"the old access token is refused", func() error { return principal(e, s.Tokens.AccessToken) }, false},
		{"another device's access token is refused", func() error { return principal(e, phone.Tokens.AccessToken) }, false},
		{"the old refresh token is refused", func() error { _, err := e.auth.Refresh(ctx, s.Tokens.RefreshToken); return err }, false},
		{"another device's refresh token is refused", func() error { _, err := e.auth.Refresh(ctx, phone.Tokens.RefreshToken); return err }, false},
		{"the old password is refused", func() error { _, err := e.auth.Login(ctx, "ana@example.com", "correct horse"); return err }, false},
		{"the new password works", func() error { _, err := e.auth.Login(ctx, "ana@example.com", "battery staple"); return err }, true},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if err := c.run(); (err == nil) != c.ok {
				t.Fatalf("got %v, want ok=%v", err, c.ok)
			}
		})
	}
}

func principal(e *env, token string) error {
	c, err := e.auth.VerifyAccess(token)
	if err != nil {
		return err
	}
	_, err = e.auth.Principal(context.Background(), c)
	return err
}

func TestChangePasswordWrongCurrent(t *testing.T) {
	e := newEnv(t)
	s := e.register(t, "ana@example.com")
	_, err := e.svc.ChangePassword(context.Background(), s.User.ID(), "wrong horse", password(t, "battery staple"))
	e2, ok := errs.As(err)
	if !ok || e2.Kind != errs.Invalid || len(e2.Fields) != 1 || e2.Fields[0].Field != "current_password" || e2.Fields[0].Code != errs.CodeInvalidCurrentPassword {
		t.Fatalf("got %#v", err)
	}
	if err := principal(e, s.Tokens.AccessToken); err != nil {
		t.Fatalf("a failed change ended the session: %v", err)
	}
}

// changingUsers swaps the hash in between the check and the update, as a
// concurrent password change would.
type changingUsers struct{ *fakes.Users }

func (c changingUsers) Update(ctx context.Context, id string, fn func(*account.User) error) error {
	_ = c.Users.Update(ctx, id, func(u *account.User) error { return u.ChangePasswordHash("fakehash:meanwhile", t0) })
	return c.Users.Update(ctx, id, fn)
}

func TestChangePasswordRace(t *testing.T) {
	e := newEnv(t)
	s := e.register(t, "ana@example.com")
	svc := users.New(users.Deps{Users: changingUsers{e.users}, Hasher: e.hasher, Sessions: e.auth, Clock: e.clock, IDs: &fakes.IDs{}})
	_, err := svc.ChangePassword(context.Background(), s.User.ID(), "correct horse", password(t, "battery staple"))
	wantCode(t, err, errs.Conflict, errs.CodePasswordChanged)
}

func TestUpdateUser(t *testing.T) {
	admin, learner := account.RoleAdmin, account.RoleLearner
	no, yes := false, true
	cases := []struct {
		name          string
		self          bool
		change        users.Change
		wantRole      account.Role
		wantActive    bool
		sessionsEnded bool
	}{
		{"promote", false, users.Change{Role: &admin}, account.RoleAdmin, true, false},
		{"deactivate ends sessions", false, users.Change{Active: &no}, account.RoleLearner, false, true},
		{"activate an active user", false, users.Change{Active: &yes}, account.RoleLearner, true, false},
		{"empty change", false, users.Change{}, account.RoleLearner, true, false},
		{"admin keeps own role", true, users.Change{Role: &learner}, 0, false, false},
		{"admin cannot deactivate self", true, users.Change{Active: &no}, 0, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			actor := e.register(t, "root@example.com")
			makeAdmin(t, e, actor.User.ID())
			target := e.register(t, "ana@example.com")
			id := target.User.ID()
			if c.self {
				id = actor.User.ID()
			}
			u, err := e.svc.UpdateUser(ctx, actor.User.ID(), id, c.change)
			if c.wantRole == 0 {
				wantCode(t, err, errs.Conflict, errs.CodeSelfLockout)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.Role() != c.wantRole || u.IsActive() != c.wantActive {
				t.Fatalf("role %v active %v", u.Role(), u.IsActive())
			}
			_, rerr := e.auth.Refresh(ctx, target.Tokens.RefreshToken)
			aerr := principal(e, target.Tokens.AccessToken)
			if ended := rerr != nil && aerr != nil; ended != c.sessionsEnded {
				t.Fatalf("refresh: %v, access: %v; want sessions ended = %v", rerr, aerr, c.sessionsEnded)
			}
		})
	}
	e := newEnv(t)
	a := e.register(t, "root@example.com")
	makeAdmin(t, e, a.User.ID())
	if _, err := e.svc.UpdateUser(context.Background(), a.User.ID(), "nobody", users.Change{Role: &admin}); !errs.Is(err, errs.NotFound) {
		t.Fatalf("unknown user: %v", err)
	}
}

func makeAdmin(t *testing.T, e *env, id string) {
	t.Helper()
	err := e.users.Update(context.Background(), id, func(u *account.User) error {
		_, err := u.SetRole(account.RoleAdmin, t0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUpdateUserByDemotedActor: the actor's role is the one stored when the
// change runs, not the one their access token was issued with.
func TestUpdateUserByDemotedActor(t *testing.T) {
	admin := account.RoleAdmin
	e := newEnv(t)
	actor := e.register(t, "root@example.com") // a learner by now, whatever their token said
	target := e.register(t, "ana@example.com")
	_, err := e.svc.UpdateUser(context.Background(), actor.User.ID(), target.User.ID(), users.Change{Role: &admin})
	wantCode(t, err, errs.Forbidden, errs.CodeForbidden)
	u, _ := e.users.ByID(context.Background(), target.User.ID())
	if u.Role() != account.RoleLearner {
		t.Fatal("a refused change was stored")
	}
}

func TestEnsureAdmin(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name        string
		prepare     func(t *testing.T, e *env) *auth.Session
		wantChanged bool
		sessionsEnd bool
	}{
		{"creates", func(*testing.T, *env) *auth.Session { return nil }, true, false},
		{"already there", func(t *testing.T, e *env) *auth.Session {
			if _, err := e.svc.EnsureAdmin(ctx, "admin@example.com", "admin password"); err != nil {
				t.Fatal(err)
			}
			return nil
		}, false, false},
		{"promotes a learner with the same password", func(t *testing.T, e *env) *auth.Session {
			r, _ := auth.ParseRegistration("admin@example.com", "admin password", "Early")
			s, err := e.auth.Register(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			return &s
		}, true, false},
		{"takes the email back from a squatter", func(t *testing.T, e *env) *auth.Session {
			r, _ := auth.ParseRegistration("Admin@Example.com", "squatter pass", "Squatter")
			s, err := e.auth.Register(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			return &s
		}, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			before := c.prepare(t, e)
			changed, err := e.svc.EnsureAdmin(ctx, "admin@example.com", "admin password")
			if err != nil {
				t.Fatal(err)
			}
			if changed != c.wantChanged {
				t.Fatalf("changed = %v, want %v", changed, c.wantChanged)
			}
			s, err := e.auth.Login(ctx, "admin@example.com", "admin password")
			if err != nil {
				t.Fatalf("the admin cannot log in: %v", err)
			}
			if !s.User.IsAdmin() || !s.User.IsActive() {
				t.Fatalf("role %v active %v", s.User.Role(), s.User.IsActive())
			}
			if before != nil {
				ended := principal(e, before.Tokens.AccessToken) != nil
				if ended != c.sessionsEnd {
					t.Fatalf("earlier sessions ended = %v, want %v", ended, c.sessionsEnd)
				}
			}
		})
	}
}

func TestEnsureAdminRefusesBadConfiguration(t *testing.T) {
	cases := []struct{ name, email, password string }{
		{"bad email", "admin", "admin password"},
		{"short password", "admin@example.com", "short"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := newEnv(t).svc.EnsureAdmin(context.Background(), c.email, c.password); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
