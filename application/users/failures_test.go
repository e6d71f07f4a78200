package users_test

import (
	"context"
	"errors"
	"testing"

	"github.com/lingo-labs/lingo/application/internal/fakes"
	"github.com/lingo-labs/lingo/application/users"
	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
)

var errDown = errs.Wrap(errs.Unavailable, errs.CodeDatabaseUnavailable, errors.New("down"))

// failingUsers fails every read and write of the users it wraps.
type failingUsers struct{ *fakes.Users }

func (failingUsers) ByID(context.Context, string) (account.User, error) {
	return account.User{}, errDown
}
func (failingUsers) ByEmail(context.Context, account.Email) (account.User, error) {
	return account.User{}, errDown
}
func (failingUsers) Update(context.Context, string, func(*account.User) error) error { return errDown }

// failingHasher cannot hash or verify.
type failingHasher struct{ *fakes.Hasher }

func (failingHasher) Hash(context.Context, account.Password) (string, error) { return "", errDown }
func (failingHasher) Verify(context.Context, string, string) (bool, error)   { return false, errDown }

func TestMe(t *testing.T) {
	e := newEnv(t)
	s := e.register(t, "ana@example.com")
	u, err := e.svc.Me(context.Background(), s.User.ID())
	if err != nil || u.ID() != s.User.ID() {
		t.Fatalf("got %v, %v", u.ID(), err)
	}
	broken := users.New(users.Deps{Users: failingUsers{e.users}, Hasher: e.hasher, Sessions: e.auth, Clock: e.clock, IDs: &fakes.IDs{}})
	if _, err := broken.Me(context.Background(), s.User.ID()); !errors.Is(err, errDown) {
		t.Fatalf("got %v, want the store's failure passed on", err)
	}
}

func TestEnsureAdminPassesFailuresOn(t *testing.T) {
	ctx := context.Background()
	t.Run("looking the email up", func(t *testing.T) {
		e := newEnv(t)
		svc := users.New(users.Deps{Users: failingUsers{e.users}, Hasher: e.hasher, Sessions: e.auth, Clock: e.clock, IDs: &fakes.IDs{}})
		if _, err := svc.EnsureAdmin(ctx, "admin@example.com", "admin password"); !errors.Is(err, errDown) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("hashing a new admin's password", func(t *testing.T) {
		e := newEnv(t)
		svc := users.New(users.Deps{Users: e.users, Hasher: failingHasher{e.hasher}, Sessions: e.auth, Clock: e.clock, IDs: &fakes.IDs{}})
		if _, err := svc.EnsureAdmin(ctx, "admin@example.com", "admin password"); !errors.Is(err, errDown) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("verifying an existing account's password", func(t *testing.T) {
		e := newEnv(t)
		e.register(t, "admin@example.com")
		svc := users.New(users.Deps{Users: e.users, Hasher: failingHasher{e.hasher}, Sessions: e.auth, Clock: e.clock, IDs: &fakes.IDs{}})
		if _, err := svc.EnsureAdmin(ctx, "admin@example.com", "admin password"); !errors.Is(err, errDown) {
			t.Fatalf("got %v", err)
		}
	})
}
