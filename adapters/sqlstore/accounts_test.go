package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
	"github.com/lingo-labs/lingo/test/harness"
)

// databases opens a migrated database per dialect: SQLite always, and
// PostgreSQL (a fresh schema) when LINGO_TEST_POSTGRES_DSN is set. Every
// test below is the accounts contract, run against each.
func databases(t *testing.T) map[string]*sqlstore.DB {
	t.Helper()
	out := map[string]*sqlstore.DB{}
	open := func(name, driver, dsn string) {
		db, err := sqlstore.Open(sqlstore.Options{Driver: driver, DSN: dsn}, zap.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		if _, err := sqlstore.Migrate(context.Background(), db, zap.NewNop()); err != nil {
			t.Fatal(err)
		}
		out[name] = db
	}
	open("sqlite", "sqlite", config.SQLiteDSN(filepath.Join(t.TempDir(), "lingo.db")))
	if dsn := os.Getenv("LINGO_TEST_POSTGRES_DSN"); dsn != "" {
		open("postgres", "postgres", harness.FreshSchema(t, dsn))
	} else if os.Getenv("LINGO_TEST_REQUIRE_SERVICES") == "1" {
		t.Fatal("PostgreSQL is required here: set LINGO_TEST_POSTGRES_DSN")
	}
	return out
}

var t0 = time.Date(2026, 11, 26, 9, 30, 0, 123456000, time.UTC)

func newUser(t *testing.T, email, name string, created time.Time) account.User {
	t.Helper()
	e, err := account.ParseEmail(email)
	if err != nil {
		t.Fatal(err)
	}
	n, err := account.ParseDisplayName(name)
	if err != nil {
		t.Fatal(err)
	}
	u, err := account.NewUser(uuid.NewString(), e, n, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", account.RoleLearner, created)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func each(t *testing.T, run func(t *testing.T, users *sqlstore.UserRepository, tokens *sqlstore.RefreshTokenStore)) {
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			run(t, sqlstore.NewUserRepository(db), sqlstore.NewRefreshTokenStore(db))
		})
	}
}

func TestUserRepositoryRoundTrip(t *testing.T) {
	each(t, func(t *testing.T, users *sqlstore.UserRepository, _ *sqlstore.RefreshTokenStore) {
		ctx := context.Background()
		u := newUser(t, "ana@example.com", "Ana", t0)
		if err := users.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
		byID, err := users.ByID(ctx, u.ID())
		if err != nil {
			t.Fatal(err)
		}
		byEmail, err := users.ByEmail(ctx, u.Email())
		if err != nil {
			t.Fatal(err)
		}
		for _, got := range []account.User{byID, byEmail} {
			if got.Snapshot() != u.Snapshot() {
				t.Fatalf("got %+v, want %+v", got.Snapshot(), u.Snapshot())
			}
		}
		missing := []struct {
			name string
			get  func() error
		}{
			{"unknown id", func() error { _, err := users.ByID(ctx, uuid.NewString()); return err }},
			{"not a uuid", func() error { _, err := users.ByID(ctx, "nope"); return err }},
			{"unknown email", func() error {
				e, _ := account.ParseEmail("bob@example.com")
				_, err := users.ByEmail(ctx, e)
				return err
			}},
			{"update of an unknown id", func() error {
				return users.Update(ctx, uuid.NewString(), func(*account.User) error { return nil })
			}},
		}
		for _, m := range missing {
			t.Run(m.name, func(t *testing.T) {
				if err := m.get(); !errs.Is(err, errs.NotFound) {
					t.Fatalf("got %v, want not found", err)
				}
			})
		}
	})
}

func TestUserRepositoryEmailIsUniqueInAnyCase(t *testing.T) {
	each(t, func(t *testing.T, users *sqlstore.UserRepository, _ *sqlstore.RefreshTokenStore) {
		ctx := context.Background()
		if err := users.Create(ctx, newUser(t, "ana@example.com", "Ana", t0)); err != nil {
			t.Fatal(err)
		}
		err := users.Create(ctx, newUser(t, "ANA@example.com", "Other", t0))
		if !errs.Is(err, errs.Conflict) || errs.CodeOf(err) != errs.CodeEmailTaken {
			t.Fatalf("got %v, want conflict email_taken", err)
		}
	})
}

// TestUserRepositoryConcurrentRegistrations sends 20 creates of one address
// in 20 letter cases at once: the unique index lets exactly one through.
func TestUserRepositoryConcurrentRegistrations(t *testing.T) {
	each(t, func(t *testing.T, users *sqlstore.UserRepository, _ *sqlstore.RefreshTokenStore) {
		const n = 20
		var wins, taken atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			email := mixedCase("race.condition@example.com", i)
			u := newUser(t, email, "Racer", t0)
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				err := users.Create(context.Background(), u)
				switch {
				case err == nil:
					wins.Add(1)
				case errs.CodeOf(err) == errs.CodeEmailTaken:
					taken.Add(1)
				default:
					t.Errorf("create: %v", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if wins.Load() != 1 || taken.Load() != n-1 {
			t.Fatalf("%d created, %d email_taken; want 1 and %d", wins.Load(), taken.Load(), n-1)
		}
	})
}

// mixedCase spells s with the letters picked by i's bits in upper case; the
// domain lower-cases, so this checks the repository treats the stored form
// as the key whatever reached it. Twenty distinct spellings need only five
// letters.
func mixedCase(s string, i int) string {
	b := []byte(s)
	for bit, j := 0, 0; j < len(b) && bit < 5; j++ {
		if b[j] >= 'a' && b[j] <= 'z' {
			if i&(1<<bit) != 0 {
				b[j] -= 'a' - 'A'
			}
			bit++
		}
	}
	return string(b)
}

func TestUserRepositoryUpdate(t *testing.T) {
	each(t, func(t *testing.T, users *sqlstore.UserRepository, _ *sqlstore.RefreshTokenStore) {
		ctx := context.Background()
		u := newUser(t, "ana@example.com", "Ana", t0)
		if err := users.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
		later := t0.Add(time.Minute)
		err := users.Update(ctx, u.ID(), func(u *account.User) error {
			u.SetActive(false, later)
			_, err := u.SetRole(account.RoleAdmin, later)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := users.ByID(ctx, u.ID())
		if got.IsActive() || !got.IsAdmin() || got.TokenVersion() != 2 || !got.UpdatedAt().Equal(later) {
			t.Fatalf("got %+v", got.Snapshot())
		}
		refusal := errs.E(errs.Conflict, "nope", "no")
		err = users.Update(ctx, u.ID(), func(u *account.User) error {
			u.SetActive(true, later.Add(time.Minute))
			return refusal
		})
		if err != refusal {
			t.Fatalf("Update returned %v, want fn's error unchanged", err)
		}
		again, _ := users.ByID(ctx, u.ID())
		if again.IsActive() {
			t.Fatal("a refused update was stored")
		}
	})
}

// TestUserRepositoryConcurrentUpdates checks the row lock: 10 concurrent
// token-version bumps all land.
func TestUserRepositoryConcurrentUpdates(t *testing.T) {
	each(t, func(t *testing.T, users *sqlstore.UserRepository, _ *sqlstore.RefreshTokenStore) {
		ctx := context.Background()
		u := newUser(t, "ana@example.com", "Ana", t0)
		if err := users.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := users.Update(ctx, u.ID(), func(u *account.User) error {
					return u.ChangePasswordHash(fmt.Sprintf("$argon2id$%d", i), t0)
				})
				if err != nil {
					t.Errorf("update: %v", err)
				}
			}()
		}
		wg.Wait()
		got, _ := users.ByID(ctx, u.ID())
		if got.TokenVersion() != 11 {
			t.Fatalf("token version %d, want 11: updates were lost", got.TokenVersion())
		}
	})
}

func TestUserRepositoryList(t *testing.T) {
	each(t, func(t *testing.T, users *sqlstore.UserRepository, _ *sqlstore.RefreshTokenStore) {
		ctx := context.Background()
		specs := []struct{ email, name string }{
			{"ana@example.com", "Ana María"},
			{"bob@school.org", "Robert"},
			{"carla@example.com", "Carla ANA"},
			{"per_cent@example.com", "100% Dan"},
			{"eve@example.com", "Eve"},
		}
		var created []account.User
		for i, s := range specs {
			// Two users share each instant, so the id must break the tie.
			u := newUser(t, s.email, s.name, t0.Add(time.Duration(i/2)*time.Millisecond))
			if err := users.Create(ctx, u); err != nil {
				t.Fatal(err)
			}
			created = append(created, u)
		}
		searches := []struct {
			q    string
			want int
		}{
			{"ana", 2}, {"school", 1}, {"rob", 1}, {"example.com", 4}, {"%", 1}, {"_", 1}, {"zzz", 0}, {"", 5},
		}
		for _, s := range searches {
			t.Run("search "+s.q, func(t *testing.T) {
				got, err := users.List(ctx, ports.UserListQuery{Search: s.q, Limit: 50})
				if err != nil || len(got) != s.want {
					t.Fatalf("got %d, %v; want %d", len(got), err, s.want)
				}
			})
		}
		var walked []string
		var after *ports.UserCursor
		for range 10 {
			page, err := users.List(ctx, ports.UserListQuery{After: after, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range page {
				walked = append(walked, u.ID())
			}
			if len(page) < 2 {
				break
			}
			last := page[len(page)-1]
			after = &ports.UserCursor{CreatedAt: last.CreatedAt(), ID: last.ID()}
		}
		want := sortedIDs(created)
		if strings.Join(walked, ",") != strings.Join(want, ",") {
			t.Fatalf("walked %v, want %v", walked, want)
		}
	})
}

func sortedIDs(us []account.User) []string {
	type k struct {
		at time.Time
		id string
	}
	ks := make([]k, len(us))
	for i, u := range us {
		ks[i] = k{u.CreatedAt(), u.ID()}
	}
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if ks[j].at.Before(ks[i].at) || ks[j].at.Equal(ks[i].at) && ks[j].id < ks[i].id {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
	out := make([]string, len(ks))
	for i, x := range ks {
		out[i] = x.id
	}
	return out
}

func TestRefreshTokenStore(t *testing.T) {
	each(t, func(t *testing.T, users *sqlstore.UserRepository, tokens *sqlstore.RefreshTokenStore) {
		ctx := context.Background()
		u := newUser(t, "ana@example.com", "Ana", t0)
		other := newUser(t, "bob@example.com", "Bob", t0)
		for _, x := range []account.User{u, other} {
			if err := users.Create(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		family := uuid.NewString()
		first, secret, err := account.NewRefreshToken(uuid.NewString(), u.ID(), family, "", t0, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := tokens.Save(ctx, first); err != nil {
			t.Fatal(err)
		}
		got, err := tokens.ByHash(ctx, account.HashRefreshSecret(secret))
		if err != nil || got.Snapshot() != first.Snapshot() {
			t.Fatalf("got %+v, %v; want %+v", got.Snapshot(), err, first.Snapshot())
		}
		if _, err := tokens.ByHash(ctx, account.HashRefreshSecret("unknown")); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown hash: %v", err)
		}

		// Of 8 concurrent rotations of one token exactly one succeeds.
		var wins, spent atomic.Int32
		var wg sync.WaitGroup
		at := t0.Add(time.Minute)
		var children []string
		for range 8 {
			next, _, _ := account.NewRefreshToken(uuid.NewString(), u.ID(), family, first.ID(), at, time.Hour)
			children = append(children, next.Hash())
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := tokens.Rotate(ctx, first.Hash(), next, at)
				switch {
				case err == nil:
					wins.Add(1)
				case errs.Is(err, errs.Conflict) && errs.CodeOf(err) == errs.CodeTokenSpent:
					spent.Add(1)
				default:
					t.Errorf("rotate: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 || spent.Load() != 7 {
			t.Fatalf("%d rotations won, %d refused; want 1 and 7", wins.Load(), spent.Load())
		}
		old, _ := tokens.ByHash(ctx, first.Hash())
		if old.State(at) != account.RefreshSpent || !old.SpentAt().Equal(at) {
			t.Fatalf("old token %+v", old.Snapshot())
		}
		next, _, _ := account.NewRefreshToken(uuid.NewString(), u.ID(), family, first.ID(), at, time.Hour)
		if err := tokens.Rotate(ctx, account.HashRefreshSecret("unknown"), next, at); !errs.Is(err, errs.NotFound) {
			t.Fatalf("rotate unknown: %v", err)
		}

		// Revoke is scoped to the user and keeps its first mark.
		lone, _, _ := account.NewRefreshToken(uuid.NewString(), u.ID(), uuid.NewString(), "", t0, time.Hour)
		_ = tokens.Save(ctx, lone)
		if err := tokens.Revoke(ctx, other.ID(), lone.Hash(), at); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another user's revoke: %v", err)
		}
		if err := tokens.Revoke(ctx, u.ID(), lone.Hash(), at); err != nil {
			t.Fatal(err)
		}
		if err := tokens.Revoke(ctx, u.ID(), lone.Hash(), at.Add(time.Hour)); err != nil {
			t.Fatalf("second revoke: %v", err)
		}
		r, _ := tokens.ByHash(ctx, lone.Hash())
		if !r.RevokedAt().Equal(at) {
			t.Fatalf("revoked at %v, want %v", r.RevokedAt(), at)
		}
		if err := tokens.Rotate(ctx, lone.Hash(), next, at); errs.CodeOf(err) != errs.CodeTokenSpent {
			t.Fatalf("rotating a revoked token: %v", err)
		}

		// RevokeFamily reaches every member, RevokeUser every token of the user only.
		bobs, _, _ := account.NewRefreshToken(uuid.NewString(), other.ID(), uuid.NewString(), "", t0, time.Hour)
		_ = tokens.Save(ctx, bobs)
		if err := tokens.RevokeFamily(ctx, family, at); err != nil {
			t.Fatal(err)
		}
		members := 0
		for _, h := range append(children, first.Hash()) {
			x, err := tokens.ByHash(ctx, h)
			if errs.Is(err, errs.NotFound) {
				continue // a rotation that lost stored nothing
			}
			members++
			if x.RevokedAt().IsZero() {
				t.Fatal("RevokeFamily missed a member")
			}
		}
		if members != 2 {
			t.Fatalf("%d family members stored, want the first and the one rotation that won", members)
		}
		if err := tokens.RevokeUser(ctx, u.ID(), at); err != nil {
			t.Fatal(err)
		}
		b, _ := tokens.ByHash(ctx, bobs.Hash())
		if !b.RevokedAt().IsZero() {
			t.Fatal("RevokeUser reached another user")
		}
	})
}
