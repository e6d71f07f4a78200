package account_test

import (
	"errors"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/domain/account"
)

var t0 = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

func mustUser(t *testing.T) account.User {
	t.Helper()
	email, err := account.ParseEmail("ana@example.com")
	if err != nil {
		t.Fatal(err)
	}
	name, err := account.ParseDisplayName("Ana")
	if err != nil {
		t.Fatal(err)
	}
	u, err := account.NewUser("u1", email, name, "$argon2id$hash", account.RoleLearner, t0)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestNewUserStartsActiveAtVersionOne(t *testing.T) {
	u := mustUser(t)
	if !u.IsActive() || u.TokenVersion() != 1 || u.Role() != account.RoleLearner || !u.CreatedAt().Equal(t0) || !u.UpdatedAt().Equal(t0) {
		t.Fatalf("got %+v", u.Snapshot())
	}
}

func TestNewUserRefuses(t *testing.T) {
	email, _ := account.ParseEmail("ana@example.com")
	name, _ := account.ParseDisplayName("Ana")
	cases := []struct {
		name  string
		id    string
		email account.Email
		dn    account.DisplayName
		hash  string
		role  account.Role
		now   time.Time
	}{
		{"no id", "", email, name, "h", account.RoleLearner, t0},
		{"zero email", "u", account.Email{}, name, "h", account.RoleLearner, t0},
		{"zero name", "u", email, account.DisplayName{}, "h", account.RoleLearner, t0},
		{"no hash", "u", email, name, "", account.RoleLearner, t0},
		{"zero role", "u", email, name, "h", 0, t0},
		{"no time", "u", email, name, "h", account.RoleLearner, time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := account.NewUser(c.id, c.email, c.dn, c.hash, c.role, c.now); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestUserChanges(t *testing.T) {
	later := t0.Add(time.Minute)
	newName, _ := account.ParseDisplayName("Ana M")
	cases := []struct {
		name        string
		change      func(u *account.User) bool
		wantChanged bool
		wantVersion int
		check       func(t *testing.T, u account.User)
	}{
		{"rename", func(u *account.User) bool { return u.Rename(newName, later) }, true, 1,
			func(t *testing.T, u account.User) {
				if u.DisplayName() != newName {
					t.Fatal("name not set")
				}
			}},
		{"rename to the same name", func(u *account.User) bool {
			same, _ := account.ParseDisplayName("Ana")
			return u.Rename(same, later)
		}, false, 1, nil},
		{"new password ends sessions", func(u *account.User) bool { return u.ChangePasswordHash("$argon2id$new", later) == nil }, true, 2,
			func(t *testing.T, u account.User) {
				if u.PasswordHash() != "$argon2id$new" {
					t.Fatal("hash not set")
				}
			}},
		{"deactivation ends sessions", func(u *account.User) bool { return u.SetActive(false, later) }, true, 2,
			func(t *testing.T, u account.User) {
				if u.IsActive() {
					t.Fatal("still active")
				}
			}},
		{"activating an active user", func(u *account.User) bool { return u.SetActive(true, later) }, false, 1, nil},
		{"promotion keeps sessions", func(u *account.User) bool {
			changed, err := u.SetRole(account.RoleAdmin, later)
			return err == nil && changed
		}, true, 1, func(t *testing.T, u account.User) {
			if !u.IsAdmin() {
				t.Fatal("not admin")
			}
		}},
		{"same role", func(u *account.User) bool {
			changed, _ := u.SetRole(account.RoleLearner, later)
			return changed
		}, false, 1, nil},
		{"avatar", func(u *account.User) bool { return u.SetAvatarKey("k1", later) }, true, 1, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := mustUser(t)
			if got := c.change(&u); got != c.wantChanged {
				t.Fatalf("changed = %v, want %v", got, c.wantChanged)
			}
			if u.TokenVersion() != c.wantVersion {
				t.Fatalf("token version %d, want %d", u.TokenVersion(), c.wantVersion)
			}
			wantUpdated := t0
			if c.wantChanged {
				wantUpdated = later
			}
			if !u.UpdatedAt().Equal(wantUpdated) {
				t.Fatalf("updated_at %v, want %v", u.UpdatedAt(), wantUpdated)
			}
			if c.check != nil {
				c.check(t, u)
			}
		})
	}
}

func TestUserRefusesBadChanges(t *testing.T) {
	u := mustUser(t)
	if _, err := u.SetRole(0, t0); err == nil {
		t.Fatal("SetRole accepted the zero role")
	}
	if err := u.ChangePasswordHash("", t0); err == nil {
		t.Fatal("ChangePasswordHash accepted an empty hash")
	}
}

func TestRestoreUserRoundTrip(t *testing.T) {
	u := mustUser(t)
	u.SetActive(false, t0.Add(time.Hour))
	got, err := account.RestoreUser(u.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if got.Snapshot() != u.Snapshot() {
		t.Fatalf("got %+v, want %+v", got.Snapshot(), u.Snapshot())
	}
}

// TestRestoreUserKeepsAnInvisibleName: a name stored before the
// visible-character rule still loads, so that its user can sign in and
// choose another.
func TestRestoreUserKeepsAnInvisibleName(t *testing.T) {
	s := mustUser(t).Snapshot()
	s.DisplayName = "\u200b"
	if _, err := account.RestoreUser(s); err != nil {
		t.Fatal(err)
	}
}

func TestRestoreUserRefusesBrokenRows(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(s *account.Snapshot)
	}{
		{"bad email", func(s *account.Snapshot) { s.Email = "not an email" }},
		{"upper-case email", func(s *account.Snapshot) { s.Email = "Ana@example.com" }},
		{"empty name", func(s *account.Snapshot) { s.DisplayName = "" }},
		{"unknown role", func(s *account.Snapshot) { s.Role = "root" }},
		{"empty id", func(s *account.Snapshot) { s.ID = "" }},
		{"empty hash", func(s *account.Snapshot) { s.PasswordHash = "" }},
		{"version zero", func(s *account.Snapshot) { s.TokenVersion = 0 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := mustUser(t).Snapshot()
			c.break_(&s)
			if _, err := account.RestoreUser(s); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestDeletionRequestStopsTokensAndCanBeCancelled(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	email, _ := account.ParseEmail("ana@example.com")
	name, _ := account.ParseDisplayName("Ana")
	u, err := account.NewUser("u1", email, name, "hash", account.RoleLearner, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, pending := u.PendingDeletion(); pending {
		t.Fatal("a new user is not pending deletion")
	}
	if err := u.RequestDeletion(now.Add(-time.Second), now); err == nil {
		t.Fatal("an erasure instant in the past is refused")
	}
	version := u.TokenVersion()
	if err := u.RequestDeletion(now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
	if at, pending := u.PendingDeletion(); !pending || !at.Equal(now.Add(time.Hour)) {
		t.Fatalf("pending %v at %v", pending, at)
	}
	if u.TokenVersion() != version+1 {
		t.Fatal("a deletion request must stop every access token")
	}
	if err := u.RequestDeletion(now.Add(2*time.Hour), now); !errors.Is(err, account.ErrDeletionPending) {
		t.Fatalf("second request: %v", err)
	}
	back, err := account.RestoreUser(u.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if at, pending := back.PendingDeletion(); !pending || !at.Equal(now.Add(time.Hour)) {
		t.Fatal("the pending deletion survives storage")
	}
	if !u.CancelDeletion(now) || u.CancelDeletion(now) {
		t.Fatal("cancel reports a change once")
	}
	if _, pending := u.PendingDeletion(); pending {
		t.Fatal("cancelled")
	}
}
