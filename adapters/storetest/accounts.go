package storetest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// RunUsers holds a ports.UserRepository to its contract.
func RunUsers(t *testing.T, fresh func(t *testing.T) ports.UserRepository) {
	ctx := context.Background()

	t.Run("a user reads back by id and by email; unknown ones are NotFound", func(t *testing.T) {
		users := fresh(t)
		u := NewUser(t, "ana@example.com", "Ana", T0)
		require.NoError(t, users.Create(ctx, u))
		byID, err := users.ByID(ctx, u.ID())
		require.NoError(t, err)
		byEmail, err := users.ByEmail(ctx, u.Email())
		require.NoError(t, err)
		assert.Equal(t, u.Snapshot(), byID.Snapshot())
		assert.Equal(t, u.Snapshot(), byEmail.Snapshot())

		missing := map[string]func() error{
			"unknown id": func() error { _, err := users.ByID(ctx, uuid.NewString()); return err },
			"not a uuid": func() error { _, err := users.ByID(ctx, "nope"); return err },
			"unknown email": func() error {
				e, _ := account.ParseEmail("bob@example.com")
				_, err := users.ByEmail(ctx, e)
				return err
			},
			"update of an unknown id": func() error {
				return users.Update(ctx, uuid.NewString(), func(*account.User) error { return nil })
			},
		}
		for name, get := range missing {
			assert.True(t, errs.Is(get(), errs.NotFound), "%s: want NotFound", name)
		}
	})

	t.Run("an email is unique in any letter case: Conflict email_taken", func(t *testing.T) {
		users := fresh(t)
		require.NoError(t, users.Create(ctx, NewUser(t, "ana@example.com", "Ana", T0)))
		err := users.Create(ctx, NewUser(t, "ANA@example.com", "Other", T0))
		assert.True(t, errs.Is(err, errs.Conflict), "%v", err)
		assert.Equal(t, errs.CodeEmailTaken, errs.CodeOf(err))
	})

	t.Run("of 20 concurrent registrations of one address exactly one wins", func(t *testing.T) {
		users := fresh(t)
		const n = 20
		var wins, taken atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			u := NewUser(t, mixedCase("race.condition@example.com", i), "Racer", T0)
			wg.Go(func() {
				<-start
				err := users.Create(ctx, u)
				switch {
				case err == nil:
					wins.Add(1)
				case errs.CodeOf(err) == errs.CodeEmailTaken:
					taken.Add(1)
				default:
					t.Errorf("create: %v", err)
				}
			})
		}
		close(start)
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load())
		assert.Equal(t, int32(n-1), taken.Load())
	})

	t.Run("Update stores fn's change; fn's error is returned unchanged and stores nothing", func(t *testing.T) {
		users := fresh(t)
		u := NewUser(t, "ana@example.com", "Ana", T0)
		require.NoError(t, users.Create(ctx, u))
		later := T0.Add(time.Minute)
		require.NoError(t, users.Update(ctx, u.ID(), func(u *account.User) error {
			u.SetActive(false, later)
			_, err := u.SetRole(account.RoleAdmin, later)
			return err
		}))
		got, err := users.ByID(ctx, u.ID())
		require.NoError(t, err)
		assert.False(t, got.IsActive())
		assert.True(t, got.IsAdmin())
		assert.Equal(t, 2, got.TokenVersion())
		assert.True(t, got.UpdatedAt().Equal(later))

		refusal := errs.E(errs.Conflict, errs.CodeConflict, "no")
		err = users.Update(ctx, u.ID(), func(u *account.User) error {
			u.SetActive(true, later.Add(time.Minute))
			return refusal
		})
		assert.Same(t, refusal, err)
		again, _ := users.ByID(ctx, u.ID())
		assert.False(t, again.IsActive(), "a refused update was stored")
	})

	t.Run("concurrent updates of one user apply one after the other", func(t *testing.T) {
		users := fresh(t)
		u := NewUser(t, "ana@example.com", "Ana", T0)
		require.NoError(t, users.Create(ctx, u))
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Go(func() {
				err := users.Update(ctx, u.ID(), func(u *account.User) error {
					return u.ChangePasswordHash(fmt.Sprintf("$argon2id$%d", i), T0)
				})
				assert.NoError(t, err)
			})
		}
		wg.Wait()
		got, _ := users.ByID(ctx, u.ID())
		assert.Equal(t, 11, got.TokenVersion(), "updates were lost")
	})

	t.Run("List searches email and name and pages by (created_at, id)", func(t *testing.T) {
		users := fresh(t)
		specs := []struct{ email, name string }{
			{"ana@example.com", "Ana María"}, {"bob@school.org", "Robert"}, {"carla@example.com", "Carla ANA"},
			{"per_cent@example.com", "100% Dan"}, {"eve@example.com", "Eve"},
		}
		var created []account.User
		for i, s := range specs {
			// Two users share each instant, so the id must break the tie.
			u := NewUser(t, s.email, s.name, T0.Add(time.Duration(i/2)*time.Millisecond))
			require.NoError(t, users.Create(ctx, u))
			created = append(created, u)
		}
		for q, want := range map[string]int{"ana": 2, "school": 1, "rob": 1, "example.com": 4, "%": 1, "_": 1, "zzz": 0, "": 5} {
			got, err := users.List(ctx, ports.UserListQuery{Search: q, Limit: 50})
			require.NoError(t, err)
			assert.Len(t, got, want, "search %q", q)
		}
		var walked []string
		var after *ports.UserCursor
		for range 10 {
			page, err := users.List(ctx, ports.UserListQuery{After: after, Limit: 2})
			require.NoError(t, err)
			for _, u := range page {
				walked = append(walked, u.ID())
			}
			if len(page) < 2 {
				break
			}
			last := page[len(page)-1]
			after = &ports.UserCursor{CreatedAt: last.CreatedAt(), ID: last.ID()}
		}
		slices.SortFunc(created, func(a, b account.User) int {
			return cmp.Or(a.CreatedAt().Compare(b.CreatedAt()), strings.Compare(a.ID(), b.ID()))
		})
		var want []string
		for _, u := range created {
			want = append(want, u.ID())
		}
		assert.Equal(t, want, walked)
	})
}

// mixedCase spells s with the letters picked by i's bits in upper case; the
// domain lower-cases, so this checks the store keys on the stored form
// whatever reached it. Twenty distinct spellings need only five letters.
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

// Accounts are the ports the refresh-token suite needs.
type Accounts struct {
	Users  ports.UserRepository
	Tokens ports.RefreshTokenStore
}
