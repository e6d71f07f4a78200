package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
)

// RunRefreshTokens holds a ports.RefreshTokenStore to its contract.
func RunRefreshTokens(t *testing.T, fresh func(t *testing.T) Accounts) {
	ctx := context.Background()
	at := T0.Add(time.Minute)
	token := func(t *testing.T, userID, family, parent string) account.RefreshToken {
		tok, _, err := account.NewRefreshToken(uuid.NewString(), userID, family, parent, T0, time.Hour)
		require.NoError(t, err)
		return tok
	}

	t.Run("a saved token reads back by hash; an unknown hash is NotFound; a taken hash is Conflict", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		first, secret, err := account.NewRefreshToken(uuid.NewString(), u.ID(), uuid.NewString(), "", T0, time.Hour)
		require.NoError(t, err)
		require.NoError(t, s.Tokens.Save(ctx, first))
		got, err := s.Tokens.ByHash(ctx, account.HashRefreshSecret(secret))
		require.NoError(t, err)
		assert.Equal(t, first.Snapshot(), got.Snapshot())
		_, err = s.Tokens.ByHash(ctx, account.HashRefreshSecret("unknown"))
		assert.True(t, errs.Is(err, errs.NotFound), "%v", err)
		assert.True(t, errs.Is(s.Tokens.Save(ctx, first), errs.Conflict), "the same token saved twice")
	})

	t.Run("of 8 concurrent rotations of one token exactly one wins; the rest are Conflict token_spent", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		family := uuid.NewString()
		first := token(t, u.ID(), family, "")
		require.NoError(t, s.Tokens.Save(ctx, first))
		var wins, spent atomic.Int32
		var wg sync.WaitGroup
		var children []string
		for range 8 {
			next := token(t, u.ID(), family, first.ID())
			children = append(children, next.Hash())
			wg.Go(func() {
				err := s.Tokens.Rotate(ctx, first.Hash(), next, at)
				switch {
				case err == nil:
					wins.Add(1)
				case errs.Is(err, errs.Conflict) && errs.CodeOf(err) == errs.CodeTokenSpent:
					spent.Add(1)
				default:
					t.Errorf("rotate: %v", err)
				}
			})
		}
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load())
		assert.Equal(t, int32(7), spent.Load())
		old, _ := s.Tokens.ByHash(ctx, first.Hash())
		assert.Equal(t, account.RefreshSpent, old.State(at))
		assert.True(t, old.SpentAt().Equal(at))
		stored := 0
		for _, h := range children {
			if _, err := s.Tokens.ByHash(ctx, h); err == nil {
				stored++
			}
		}
		assert.Equal(t, 1, stored, "a rotation that lost stores nothing")

		err := s.Tokens.Rotate(ctx, account.HashRefreshSecret("unknown"), token(t, u.ID(), family, ""), at)
		assert.True(t, errs.Is(err, errs.NotFound), "rotating an unknown hash: %v", err)
	})

	t.Run("Revoke is scoped to the user, keeps its first mark, and a revoked token cannot rotate", func(t *testing.T) {
		s := fresh(t)
		u, other := StoredUser(t, s.Users, T0), StoredUser(t, s.Users, T0)
		lone := token(t, u.ID(), uuid.NewString(), "")
		require.NoError(t, s.Tokens.Save(ctx, lone))
		assert.True(t, errs.Is(s.Tokens.Revoke(ctx, other.ID(), lone.Hash(), at), errs.NotFound), "another user's revoke")
		require.NoError(t, s.Tokens.Revoke(ctx, u.ID(), lone.Hash(), at))
		require.NoError(t, s.Tokens.Revoke(ctx, u.ID(), lone.Hash(), at.Add(time.Hour)), "a second revoke")
		r, _ := s.Tokens.ByHash(ctx, lone.Hash())
		assert.True(t, r.RevokedAt().Equal(at), "revoked at %v, want the first mark %v", r.RevokedAt(), at)
		err := s.Tokens.Rotate(ctx, lone.Hash(), token(t, u.ID(), lone.FamilyID(), lone.ID()), at)
		assert.Equal(t, errs.CodeTokenSpent, errs.CodeOf(err), "rotating a revoked token: %v", err)
	})

	t.Run("RevokeFamily reaches every member; RevokeUser every token of that user only", func(t *testing.T) {
		s := fresh(t)
		u, other := StoredUser(t, s.Users, T0), StoredUser(t, s.Users, T0)
		family := uuid.NewString()
		first, outside := token(t, u.ID(), family, ""), token(t, u.ID(), uuid.NewString(), "")
		bobs := token(t, other.ID(), uuid.NewString(), "")
		for _, x := range []account.RefreshToken{first, outside, bobs} {
			require.NoError(t, s.Tokens.Save(ctx, x))
		}
		child := token(t, u.ID(), family, first.ID())
		require.NoError(t, s.Tokens.Rotate(ctx, first.Hash(), child, at))
		require.NoError(t, s.Tokens.RevokeFamily(ctx, family, at))
		for _, h := range []string{first.Hash(), child.Hash()} {
			x, _ := s.Tokens.ByHash(ctx, h)
			assert.False(t, x.RevokedAt().IsZero(), "RevokeFamily missed a member")
		}
		o, _ := s.Tokens.ByHash(ctx, outside.Hash())
		assert.True(t, o.RevokedAt().IsZero(), "RevokeFamily reached another family")

		require.NoError(t, s.Tokens.RevokeUser(ctx, u.ID(), at))
		o, _ = s.Tokens.ByHash(ctx, outside.Hash())
		assert.False(t, o.RevokedAt().IsZero(), "RevokeUser missed a token of the user")
		b, _ := s.Tokens.ByHash(ctx, bobs.Hash())
		assert.True(t, b.RevokedAt().IsZero(), "RevokeUser reached another user")
	})
}
