package service_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/test/harness"
)

func TestProfile(t *testing.T) {
	t.Parallel()
	app := startAccounts(t)
	s := app.register(t, "ana@example.com", "correct horse", "Ana")
	app.clock.Advance(time.Minute)
	r := app.Do(harness.Request{Method: "PATCH", Path: "/api/users/me", Token: s.Tokens.AccessToken, Body: map[string]any{"display_name": " Ana M "}})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var u userDTO
	r.Decode(t, &u)
	assert.Equal(t, "Ana M", u.DisplayName)
	assert.NotEqual(t, s.User.UpdatedAt, u.UpdatedAt)

	var me userDTO
	app.me(t, s.Tokens.AccessToken).Decode(t, &me)
	assert.Equal(t, u, me)

	for name, body := range map[string]any{
		"empty name":    map[string]any{"display_name": "  "},
		"null name":     map[string]any{"display_name": nil},
		"unknown field": map[string]any{"display_name": "X", "email": "x@example.com"},
	} {
		t.Run(name, func(t *testing.T) {
			r := app.Do(harness.Request{Method: "PATCH", Path: "/api/users/me", Token: s.Tokens.AccessToken, Body: body})
			require.Equal(t, 422, r.Status, "%s", r.Body)
		})
	}
}

func TestPasswordChange(t *testing.T) {
	t.Parallel()
	app := startAccounts(t)
	s := app.register(t, "ana@example.com", "correct horse", "Ana")
	phone := app.loginOK(t, "ana@example.com", "correct horse")

	t.Run("a wrong current password is 422, not 401", func(t *testing.T) {
		r := app.Do(harness.Request{Method: "POST", Path: "/api/users/me/password", Token: s.Tokens.AccessToken,
			Body: map[string]any{"current_password": "wrong horse", "new_password": "battery staple"}})
		require.Equal(t, 422, r.Status)
		assert.Equal(t, "invalid_current_password", errorCode(r))
		assert.Equal(t, []string{"current_password"}, r.Fields())
	})
	t.Run("a short new password is 422 on new_password", func(t *testing.T) {
		r := app.Do(harness.Request{Method: "POST", Path: "/api/users/me/password", Token: s.Tokens.AccessToken,
			Body: map[string]any{"current_password": "correct horse", "new_password": "short"}})
		require.Equal(t, 422, r.Status)
		assert.Equal(t, []string{"new_password"}, r.Fields())
	})

	r := app.Do(harness.Request{Method: "POST", Path: "/api/users/me/password", Token: s.Tokens.AccessToken,
		Body: map[string]any{"current_password": "correct horse", "new_password": "battery staple"}})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var fresh struct{ Tokens tokensDTO }
	r.Decode(t, &fresh)

	assert.Equal(t, 200, app.me(t, fresh.Tokens.AccessToken).Status, "the fresh access token works")
	for name, tok := range map[string]string{"this device": s.Tokens.AccessToken, "another device": phone.Tokens.AccessToken} {
		r := app.me(t, tok)
		assert.Equal(t, 401, r.Status, "the old access token of %s", name)
	}
	for name, tok := range map[string]string{"this device": s.Tokens.RefreshToken, "another device": phone.Tokens.RefreshToken} {
		r := app.refresh(t, tok)
		assert.Equal(t, 401, r.Status, "the old refresh token of %s", name)
	}
	assert.Equal(t, 200, app.refresh(t, fresh.Tokens.RefreshToken).Status, "the fresh refresh token works")
	assert.Equal(t, 401, app.login(t, "ana@example.com", "correct horse").Status)
	app.loginOK(t, "ana@example.com", "battery staple")
}

func TestDeactivation(t *testing.T) {
	t.Parallel()
	app := startAccounts(t)
	admin := app.loginOK(t, adminEmail, adminPassword)
	require.Equal(t, "admin", admin.User.Role)
	s := app.register(t, "ana@example.com", "correct horse", "Ana")
	require.Equal(t, 200, app.me(t, s.Tokens.AccessToken).Status)

	r := app.Do(harness.Request{Method: "PATCH", Path: "/api/admin/users/" + s.User.ID, Token: admin.Tokens.AccessToken,
		Body: map[string]any{"is_active": false}})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var u userDTO
	r.Decode(t, &u)
	assert.False(t, u.IsActive)

	old := app.me(t, s.Tokens.AccessToken)
	assert.Equal(t, 401, old.Status, "an existing access token stops at once")
	assert.Equal(t, "Bearer", old.Header.Get("WWW-Authenticate"))
	assert.Equal(t, 401, app.refresh(t, s.Tokens.RefreshToken).Status, "refresh tokens are revoked")
	login := app.login(t, "ana@example.com", "correct horse")
	require.Equal(t, 403, login.Status)
	assert.Equal(t, "account_disabled", errorCode(login))

	r = app.Do(harness.Request{Method: "PATCH", Path: "/api/admin/users/" + s.User.ID, Token: admin.Tokens.AccessToken,
		Body: map[string]any{"is_active": true}})
	require.Equal(t, 200, r.Status)
	assert.Equal(t, 401, app.me(t, s.Tokens.AccessToken).Status, "reactivation does not revive old tokens")
	app.loginOK(t, "ana@example.com", "correct horse")
}

func TestAdminUsers(t *testing.T) {
	t.Parallel()
	app := startAccounts(t)
	admin := app.loginOK(t, adminEmail, adminPassword)
	learner := app.register(t, "ana@example.com", "correct horse", "Ana María")
	for i := range 4 {
		app.register(t, fmt.Sprintf("user%d@school.example", i), "correct horse", fmt.Sprintf("Pupil %d", i))
		app.clock.Advance(time.Millisecond)
	}

	t.Run("learners get 403", func(t *testing.T) {
		for _, req := range []harness.Request{
			{Method: "GET", Path: "/api/admin/users"},
			{Method: "PATCH", Path: "/api/admin/users/" + learner.User.ID, Body: map[string]any{"role": "admin"}},
		} {
			req.Token = learner.Tokens.AccessToken
			r := app.Do(req)
			assert.Equal(t, 403, r.Status, "%s %s", req.Method, req.Path)
			assert.Equal(t, "forbidden", r.Env.Metadata["error_code"])
		}
	})
	t.Run("no token gets 401", func(t *testing.T) {
		assert.Equal(t, 401, app.Do(harness.Request{Method: "GET", Path: "/api/admin/users"}).Status)
	})
	t.Run("pages by cursor", func(t *testing.T) {
		var seen []string
		cursor := ""
		for range 10 {
			path := "/api/admin/users?limit=2"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			r := app.Do(harness.Request{Method: "GET", Path: path, Token: admin.Tokens.AccessToken})
			require.Equal(t, 200, r.Status, "%s", r.Body)
			var page struct {
				Items      []userDTO `json:"items"`
				NextCursor *string   `json:"next_cursor"`
			}
			r.Decode(t, &page)
			pag := r.Env.Metadata["pagination"].(map[string]any)
			assert.Equal(t, page.NextCursor != nil, pag["has_more"])
			for _, u := range page.Items {
				seen = append(seen, u.Email)
			}
			if page.NextCursor == nil {
				break
			}
			cursor = *page.NextCursor
		}
		assert.Len(t, seen, 6)
		assert.Equal(t, adminEmail, seen[0], "oldest first")
	})
	searches := []struct {
		q    string
		want int
	}{{"ANA", 1}, {"school", 4}, {"pupil", 4}, {"nobody", 0}}
	for _, c := range searches {
		t.Run("q="+c.q, func(t *testing.T) {
			r := app.Do(harness.Request{Method: "GET", Path: "/api/admin/users?q=" + c.q, Token: admin.Tokens.AccessToken})
			require.Equal(t, 200, r.Status)
			var page struct{ Items []userDTO }
			r.Decode(t, &page)
			assert.Len(t, page.Items, c.want)
		})
	}
	for name, path := range map[string]string{"non-numeric limit": "?limit=ten", "foreign cursor": "?cursor=bm9wZQ"} {
		t.Run(name, func(t *testing.T) {
			r := app.Do(harness.Request{Method: "GET", Path: "/api/admin/users" + path, Token: admin.Tokens.AccessToken})
			assert.Equal(t, 422, r.Status)
		})
	}
	t.Run("limit is clamped", func(t *testing.T) {
		r := app.Do(harness.Request{Method: "GET", Path: "/api/admin/users?limit=1000", Token: admin.Tokens.AccessToken})
		require.Equal(t, 200, r.Status)
		assert.EqualValues(t, 200, r.Env.Metadata["pagination"].(map[string]any)["limit"])
	})
	t.Run("promote", func(t *testing.T) {
		r := app.Do(harness.Request{Method: "PATCH", Path: "/api/admin/users/" + learner.User.ID, Token: admin.Tokens.AccessToken,
			Body: map[string]any{"role": "admin"}})
		require.Equal(t, 200, r.Status)
		var u userDTO
		r.Decode(t, &u)
		assert.Equal(t, "admin", u.Role)
		assert.Equal(t, 200, app.Do(harness.Request{Method: "GET", Path: "/api/admin/users", Token: learner.Tokens.AccessToken}).Status,
			"the role is read from the user, so the promotion counts at once")
	})
	bad := []struct {
		name   string
		id     string
		body   map[string]any
		status int
	}{
		{"unknown role", learner.User.ID, map[string]any{"role": "root"}, 422},
		{"unknown user", "0b8f6c9e-1c1e-4c8a-9a43-4c1f2f5d8e11", map[string]any{"role": "admin"}, 404},
		{"not a uuid", "nope", map[string]any{"role": "admin"}, 404},
		{"self demotion", admin.User.ID, map[string]any{"role": "learner"}, 409},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			r := app.Do(harness.Request{Method: "PATCH", Path: "/api/admin/users/" + c.id, Token: admin.Tokens.AccessToken, Body: c.body})
			assert.Equal(t, c.status, r.Status, "%s", r.Body)
		})
	}
}
