package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

func TestPrincipal(t *testing.T) {
	cases := []struct {
		name   string
		change func(e *env, u account.User) ports.AccessClaims
		ok     bool
	}{
		{"current", func(_ *env, u account.User) ports.AccessClaims { return claimsOf(u) }, true},
		{"deleted user", func(_ *env, u account.User) ports.AccessClaims {
			c := claimsOf(u)
			c.UserID = "gone"
			return c
		}, false},
		{"disabled user", func(e *env, u account.User) ports.AccessClaims {
			c := claimsOf(u)
			_ = e.users.Update(context.Background(), u.ID(), func(u *account.User) error { u.SetActive(false, t0); return nil })
			return c
		}, false},
		{"disabled and enabled again: old tokens stay dead", func(e *env, u account.User) ports.AccessClaims {
			c := claimsOf(u)
			_ = e.users.Update(context.Background(), u.ID(), func(u *account.User) error {
				u.SetActive(false, t0)
				u.SetActive(true, t0)
				return nil
			})
			return c
		}, false},
		{"password changed since", func(e *env, u account.User) ports.AccessClaims {
			c := claimsOf(u)
			_ = e.users.Update(context.Background(), u.ID(), func(u *account.User) error { return u.ChangePasswordHash("fakehash:new", t0) })
			return c
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			s := e.register(t, "ana@example.com", "correct horse")
			got, err := e.svc.Principal(context.Background(), c.change(e, s.User))
			if c.ok {
				if err != nil || got.ID() != s.User.ID() {
					t.Fatalf("got %v, %v", got.ID(), err)
				}
				return
			}
			wantCode(t, err, errs.Unauthorized, errs.CodeUnauthorized)
		})
	}
}

func claimsOf(u account.User) ports.AccessClaims {
	return ports.AccessClaims{UserID: u.ID(), Role: u.Role(), TokenVersion: u.TokenVersion()}
}

func TestVerifyAccess(t *testing.T) {
	e := newEnv(t)
	s := e.register(t, "ana@example.com", "correct horse")
	if c, err := e.svc.VerifyAccess(s.Tokens.AccessToken); err != nil || c.UserID != s.User.ID() {
		t.Fatalf("got %+v, %v", c, err)
	}
	e.clock.Advance(15 * time.Minute)
	_, err := e.svc.VerifyAccess(s.Tokens.AccessToken)
	wantCode(t, err, errs.Unauthorized, errs.CodeUnauthorized)
}
