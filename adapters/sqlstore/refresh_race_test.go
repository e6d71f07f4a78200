package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/adapters/storetest"
	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
)

// raceRounds and raceFamilies bound the revocation races below: each round
// starts raceFamilies rotations and one revocation together, which takes a
// few milliseconds, so a test stays well under a second per dialect.
const (
	raceRounds   = 25
	raceFamilies = 6
)

// rotationRace starts, per round, a rotation of the newest token of each of
// raceFamilies families of one user together with revoke, then checks that
// no token of any of those families is usable afterwards: whichever came
// first, a revocation must reach a token a concurrent rotation inserted, or
// the rotation must be refused.
func rotationRace(t *testing.T, users *sqlstore.UserRepository, tokens *sqlstore.RefreshTokenStore,
	revoke func(ctx context.Context, u account.User, families []string, at time.Time) error) {
	t.Helper()
	ctx := context.Background()
	for round := range raceRounds {
		u := storetest.NewUser(t, uuid.NewString()[:8]+"@example.com", "Racer", storetest.T0)
		if err := users.Create(ctx, u); err != nil {
			t.Fatal(err)
		}
		families := make([]string, raceFamilies)
		heads := make([]account.RefreshToken, raceFamilies)
		for i := range families {
			families[i] = uuid.NewString()
			first, _, _ := account.NewRefreshToken(uuid.NewString(), u.ID(), families[i], "", storetest.T0, time.Hour)
			if err := tokens.Save(ctx, first); err != nil {
				t.Fatal(err)
			}
			heads[i] = first
		}
		at := storetest.T0.Add(time.Minute)
		var children []string
		start := make(chan struct{})
		var wg sync.WaitGroup
		for _, head := range heads {
			next, _, _ := account.NewRefreshToken(uuid.NewString(), u.ID(), head.FamilyID(), head.ID(), at, time.Hour)
			children = append(children, next.Hash())
			wg.Go(func() {
				<-start
				err := tokens.Rotate(ctx, head.Hash(), next, at)
				if err != nil && errs.CodeOf(err) != errs.CodeTokenSpent {
					t.Errorf("rotate: %v", err)
				}
			})
		}
		wg.Go(func() {
			<-start
			if err := revoke(ctx, u, families, at); err != nil {
				t.Errorf("revoke: %v", err)
			}
		})
		close(start)
		wg.Wait()
		for i, h := range append(children, hashes(heads)...) {
			tok, err := tokens.ByHash(ctx, h)
			if errs.Is(err, errs.NotFound) {
				continue // a refused rotation stored nothing
			}
			if err != nil {
				t.Fatal(err)
			}
			if tok.State(at) == account.RefreshActive {
				t.Fatalf("round %d: token %d of a revoked family is still usable after a concurrent rotation", round, i)
			}
		}
	}
}

func hashes(ts []account.RefreshToken) []string {
	out := make([]string, len(ts))
	for i, x := range ts {
		out[i] = x.Hash()
	}
	return out
}

func TestRefreshTokenRevokeUserRacingRotation(t *testing.T) {
	each(t, func(t *testing.T, users *sqlstore.UserRepository, tokens *sqlstore.RefreshTokenStore) {
		rotationRace(t, users, tokens, func(ctx context.Context, u account.User, _ []string, at time.Time) error {
			return tokens.RevokeUser(ctx, u.ID(), at)
		})
	})
}

func TestRefreshTokenRevokeFamilyRacingRotation(t *testing.T) {
	each(t, func(t *testing.T, users *sqlstore.UserRepository, tokens *sqlstore.RefreshTokenStore) {
		rotationRace(t, users, tokens, func(ctx context.Context, _ account.User, families []string, at time.Time) error {
			var wg sync.WaitGroup
			errc := make(chan error, len(families))
			for _, f := range families {
				wg.Go(func() { errc <- tokens.RevokeFamily(ctx, f, at) })
			}
			wg.Wait()
			close(errc)
			for err := range errc {
				if err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// each runs fn on a fresh database of each dialect.
func each(t *testing.T, run func(t *testing.T, users *sqlstore.UserRepository, tokens *sqlstore.RefreshTokenStore)) {
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			run(t, sqlstore.NewUserRepository(db), sqlstore.NewRefreshTokenStore(db))
		})
	}
}
