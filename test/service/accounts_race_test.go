package service_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/test/harness"
)

// These races run on whatever backend the harness picks; under make
// test-integration that is PostgreSQL, where READ COMMITTED snapshots made
// them fail. Each runs a fixed number of rounds of two requests sent together.

// parallel sends the requests at once and returns their responses in order.
func parallel(app *accountsApp, reqs ...harness.Request) []*harness.Response {
	out := make([]*harness.Response, len(reqs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, r := range reqs {
		wg.Go(func() {
			<-start
			out[i] = app.Do(r)
		})
	}
	close(start)
	wg.Wait()
	return out
}

// TestPasswordChangeRacingRefresh has a thief rotate a copied session in a
// loop while its owner changes the password: whatever the thief holds
// afterwards must be refused.
func TestPasswordChangeRacingRefresh(t *testing.T) {
	t.Parallel()
	app := startAccounts(t)
	const rounds = 6
	for round := range rounds {
		email := fmt.Sprintf("racer%d@example.com", round)
		s := app.register(t, email, "correct horse", "Racer")
		current := app.loginOK(t, email, "correct horse").Tokens.RefreshToken // the session a thief copied
		var changed atomic.Bool
		var wg sync.WaitGroup
		wg.Go(func() {
			for !changed.Load() {
				r := app.refresh(t, current)
				if r.Status != 200 {
					return
				}
				var got struct {
					Tokens tokensDTO `json:"tokens"`
				}
				r.Decode(t, &got)
				current = got.Tokens.RefreshToken
			}
		})
		r := app.Do(harness.Request{Method: "POST", Path: "/api/users/me/password", Token: s.Tokens.AccessToken,
			Body: map[string]any{"current_password": "correct horse", "new_password": "battery staple"}})
		changed.Store(true)
		wg.Wait()
		require.Equal(t, 200, r.Status, "%s", r.Body)
		assert.Equal(t, 401, app.refresh(t, current).Status,
			"round %d: a refresh token rotated during a password change outlived it", round)
	}
}

func TestReuseDetectionRacingRefresh(t *testing.T) {
	t.Parallel()
	app := startAccounts(t)
	s := app.register(t, "ana@example.com", "correct horse", "Ana")
	const rounds = 20
	for round := range rounds {
		session := app.loginOK(t, "ana@example.com", "correct horse")
		// The owner rotates once; the thief holds the spent first token.
		r := app.refresh(t, session.Tokens.RefreshToken)
		require.Equal(t, 200, r.Status)
		var owner struct {
			Tokens tokensDTO `json:"tokens"`
		}
		r.Decode(t, &owner)
		rs := parallel(app,
			harness.Request{Method: "POST", Path: "/api/auth/refresh", Body: map[string]any{"refresh_token": owner.Tokens.RefreshToken}},
			harness.Request{Method: "POST", Path: "/api/auth/refresh", Body: map[string]any{"refresh_token": session.Tokens.RefreshToken}},
		)
		require.Equal(t, 401, rs[1].Status)
		require.Equal(t, "token_reused", errorCode(rs[1]))
		if rs[0].Status != 200 {
			continue
		}
		var next struct {
			Tokens tokensDTO `json:"tokens"`
		}
		rs[0].Decode(t, &next)
		assert.Equal(t, 401, app.refresh(t, next.Tokens.RefreshToken).Status,
			"round %d: a refresh token rotated during a reuse detection outlived its family's revocation", round)
	}
	_ = s
}

func TestAdminsDemotingEachOther(t *testing.T) {
	t.Parallel()
	app := startAccounts(t)
	root := app.loginOK(t, adminEmail, adminPassword)
	const rounds = 8
	for round := range rounds {
		var admins [2]sessionDTO
		for i := range admins {
			email := fmt.Sprintf("admin%d-%d@example.com", round, i)
			s := app.register(t, email, "correct horse", "Admin")
			r := app.Do(harness.Request{Method: "PATCH", Path: "/api/admin/users/" + s.User.ID, Token: root.Tokens.AccessToken,
				Body: map[string]any{"role": "admin"}})
			require.Equal(t, 200, r.Status, "%s", r.Body)
			admins[i] = app.loginOK(t, email, "correct horse")
		}
		rs := parallel(app,
			harness.Request{Method: "PATCH", Path: "/api/admin/users/" + admins[1].User.ID, Token: admins[0].Tokens.AccessToken,
				Body: map[string]any{"role": "learner"}},
			harness.Request{Method: "PATCH", Path: "/api/admin/users/" + admins[0].User.ID, Token: admins[1].Tokens.AccessToken,
				Body: map[string]any{"role": "learner"}},
		)
		ok := 0
		for _, r := range rs {
			switch r.Status {
			case 200:
				ok++
			case 403:
				assert.Equal(t, "forbidden", errorCode(r))
			default:
				t.Fatalf("round %d: %d %s", round, r.Status, r.Body)
			}
		}
		require.Equal(t, 1, ok, "round %d: exactly one of two admins demoting each other wins", round)
	}
}
