package service_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/ports"
	"github.com/lingo-labs/lingo/test/harness"
)

const (
	adminEmail    = "root@lingo.example"
	adminPassword = "bootstrap admin password"
	testSecret    = "test-secret-test-secret-test-secret-0123" // the harness's LINGO_AUTH_JWT_SECRET
)

// countingHasher wraps the real hasher and counts password checks, so a
// test can show that a login for an unknown email still spends one.
type countingHasher struct {
	ports.PasswordHasher
	verifies, dummies atomic.Int64
}

func (h *countingHasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	h.verifies.Add(1)
	return h.PasswordHasher.Verify(ctx, password, encoded)
}

func (h *countingHasher) VerifyDummy(ctx context.Context, password string) {
	h.dummies.Add(1)
	h.PasswordHasher.VerifyDummy(ctx, password)
}

type accountsApp struct {
	*harness.App
	hasher *countingHasher
	db     *sqlstore.DB // nil on the memory store (LINGO_TEST_STORE=memory)
	users  ports.UserRepository
	clock  *clock.Fake
}

// storage is what the accounts tests read behind the API's back: the SQL
// database when there is one.
type storage struct {
	fx.In
	DB    *sqlstore.DB `optional:"true"`
	Users ports.UserRepository
}

// startAccounts runs the app with a fake clock, the bootstrap admin and the
// rate limiter off (these tests make many auth calls; the limiter has its
// own tests).
func startAccounts(t testing.TB) *accountsApp {
	t.Helper()
	a := &accountsApp{hasher: &countingHasher{}, clock: clock.NewFake(time.Now().UTC().Truncate(time.Second))}
	a.App = harness.Start(t, harness.Options{
		Clock: a.clock,
		Env: map[string]string{
			"LINGO_ADMIN_EMAIL": adminEmail, "LINGO_ADMIN_PASSWORD": adminPassword, "LINGO_RATELIMIT_ENABLED": "false",
		},
		FX: []fx.Option{
			fx.Decorate(func(h ports.PasswordHasher) ports.PasswordHasher { a.hasher.PasswordHasher = h; return a.hasher }),
			fx.Invoke(func(s storage) { a.db, a.users = s.DB, s.Users }),
		},
	})
	return a
}

type userDTO struct {
	ID          string  `json:"id"`
	Email       string  `json:"email"`
	DisplayName string  `json:"display_name"`
	Role        string  `json:"role"`
	AvatarURL   *string `json:"avatar_url"`
	IsActive    bool    `json:"is_active"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
}

type tokensDTO struct {
	AccessToken      string `json:"access_token"`
	RefreshToken     string `json:"refresh_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int    `json:"expires_in"`
	RefreshExpiresIn int    `json:"refresh_expires_in"`
}

type sessionDTO struct {
	User   userDTO   `json:"user"`
	Tokens tokensDTO `json:"tokens"`
}

func (a *accountsApp) register(t testing.TB, email, password, name string) sessionDTO {
	t.Helper()
	r := a.Do(harness.Request{Method: "POST", Path: "/api/auth/register",
		Body: map[string]any{"email": email, "password": password, "display_name": name}})
	require.Equal(t, 201, r.Status, "%s", r.Body)
	var s sessionDTO
	r.Decode(t, &s)
	return s
}

func (a *accountsApp) login(t testing.TB, email, password string) *harness.Response {
	t.Helper()
	return a.Do(harness.Request{Method: "POST", Path: "/api/auth/login", Body: map[string]any{"email": email, "password": password}})
}

func (a *accountsApp) loginOK(t testing.TB, email, password string) sessionDTO {
	t.Helper()
	r := a.login(t, email, password)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var s sessionDTO
	r.Decode(t, &s)
	return s
}

func (a *accountsApp) refresh(t testing.TB, token string) *harness.Response {
	t.Helper()
	return a.Do(harness.Request{Method: "POST", Path: "/api/auth/refresh", Body: map[string]any{"refresh_token": token}})
}

func (a *accountsApp) me(t testing.TB, token string) *harness.Response {
	t.Helper()
	return a.Do(harness.Request{Method: "GET", Path: "/api/users/me", Token: token})
}

func errorCode(r *harness.Response) string {
	if len(r.Env.Errors) == 0 {
		return ""
	}
	return r.Env.Errors[0].Code
}

func TestRegister(t *testing.T) {
	app := startAccounts(t)
	s := app.register(t, "  Ana.Maria@Example.COM ", "correct horse", "  Ana María ")
	assert.Equal(t, "ana.maria@example.com", s.User.Email)
	assert.Equal(t, "Ana María", s.User.DisplayName)
	assert.Equal(t, "learner", s.User.Role)
	assert.True(t, s.User.IsActive)
	assert.Nil(t, s.User.AvatarURL)
	assert.Equal(t, "Bearer", s.Tokens.TokenType)
	assert.Equal(t, 900, s.Tokens.ExpiresIn)
	assert.Equal(t, 30*24*3600, s.Tokens.RefreshExpiresIn)
	require.Equal(t, 200, app.me(t, s.Tokens.AccessToken).Status)

	t.Run("taken email in another case is 409 email_taken", func(t *testing.T) {
		r := app.Do(harness.Request{Method: "POST", Path: "/api/auth/register",
			Body: map[string]any{"email": "ANA.MARIA@example.com", "password": "another pass", "display_name": "Other"}})
		require.Equal(t, 409, r.Status)
		assert.Equal(t, "email_taken", errorCode(r))
	})
	invalid := []struct {
		name       string
		body       map[string]any
		wantFields []string
	}{
		{"every field bad at once", map[string]any{"email": "nope", "password": "short", "display_name": " "}, []string{"email", "password", "display_name"}},
		{"missing fields", map[string]any{}, []string{"email", "password", "display_name"}},
		{"email over 254", map[string]any{"email": strings.Repeat("a", 250) + "@x.io", "password": "long enough", "display_name": "A"}, []string{"email"}},
		{"password over 128", map[string]any{"email": "b@example.com", "password": strings.Repeat("p", 129), "display_name": "A"}, []string{"password"}},
		{"display name over 50", map[string]any{"email": "b@example.com", "password": "long enough", "display_name": strings.Repeat("n", 51)}, []string{"display_name"}},
		{"control character in name", map[string]any{"email": "b@example.com", "password": "long enough", "display_name": "a\u0007b"}, []string{"display_name"}},
		{"unknown field", map[string]any{"email": "b@example.com", "password": "long enough", "display_name": "A", "role": "admin"}, []string{"role"}},
		{"wrong type", map[string]any{"email": 5, "password": "long enough", "display_name": "A"}, []string{"email"}},
	}
	for _, c := range invalid {
		t.Run(c.name, func(t *testing.T) {
			r := app.Do(harness.Request{Method: "POST", Path: "/api/auth/register", Body: c.body})
			require.Equal(t, 422, r.Status, "%s", r.Body)
			assert.ElementsMatch(t, c.wantFields, r.Fields())
		})
	}
}

// TestConcurrentRegistrations sends 20 registrations of one email, each in
// another letter case, at once: exactly one is created.
func TestConcurrentRegistrations(t *testing.T) {
	app := startAccounts(t)
	const n = 20
	var created, taken atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		email := spell("same.person@example.com", i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := app.Do(harness.Request{Method: "POST", Path: "/api/auth/register",
				Body: map[string]any{"email": email, "password": "correct horse", "display_name": "Racer"}})
			switch {
			case r.Status == 201:
				created.Add(1)
			case r.Status == 409 && errorCode(r) == "email_taken":
				taken.Add(1)
			default:
				t.Errorf("%s: %d %s", email, r.Status, r.Body)
			}
		}()
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int32(1), created.Load(), "created")
	assert.Equal(t, int32(n-1), taken.Load(), "email_taken")
}

// spell writes s with the letters chosen by i's bits in upper case: 20
// distinct spellings of one address.
func spell(s string, i int) string {
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

func TestLogin(t *testing.T) {
	app := startAccounts(t)
	s := app.register(t, "ana@example.com", "correct horse", "Ana")

	t.Run("right password", func(t *testing.T) {
		got := app.loginOK(t, " ANA@example.com", "correct horse")
		assert.Equal(t, s.User.ID, got.User.ID)
		assert.NotEqual(t, s.Tokens.RefreshToken, got.Tokens.RefreshToken)
	})
	t.Run("wrong password and unknown email give the same 401, each spending one hash", func(t *testing.T) {
		v0, d0 := app.hasher.verifies.Load(), app.hasher.dummies.Load()
		wrong := app.login(t, "ana@example.com", "wrong horse")
		v1, d1 := app.hasher.verifies.Load(), app.hasher.dummies.Load()
		unknown := app.login(t, "nobody@example.com", "wrong horse")
		v2, d2 := app.hasher.verifies.Load(), app.hasher.dummies.Load()

		require.Equal(t, 401, wrong.Status)
		require.Equal(t, 401, unknown.Status)
		assert.Equal(t, "invalid_credentials", errorCode(wrong))
		assert.Equal(t, wrong.Env.Errors, unknown.Env.Errors)
		assert.Equal(t, wrong.Env.Message, unknown.Env.Message)
		assert.Equal(t, wrong.Env.Metadata, unknown.Env.Metadata)
		assert.Equal(t, [2]int64{1, 0}, [2]int64{v1 - v0, d1 - d0}, "wrong password: one real verification")
		assert.Equal(t, [2]int64{0, 1}, [2]int64{v2 - v1, d2 - d1}, "unknown email: one dummy verification")
	})
	t.Run("missing password is 422", func(t *testing.T) {
		r := app.Do(harness.Request{Method: "POST", Path: "/api/auth/login", Body: map[string]any{"email": "ana@example.com"}})
		require.Equal(t, 422, r.Status)
		assert.Equal(t, []string{"password"}, r.Fields())
	})
}

func TestRefreshRotationAndReuse(t *testing.T) {
	app := startAccounts(t)
	s := app.register(t, "ana@example.com", "correct horse", "Ana")
	other := app.loginOK(t, "ana@example.com", "correct horse") // another device

	r := app.refresh(t, s.Tokens.RefreshToken)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var next struct{ Tokens tokensDTO }
	r.Decode(t, &next)
	assert.NotEqual(t, s.Tokens.RefreshToken, next.Tokens.RefreshToken)
	require.Equal(t, 200, app.me(t, next.Tokens.AccessToken).Status)

	reused := app.refresh(t, s.Tokens.RefreshToken)
	require.Equal(t, 401, reused.Status)
	assert.Equal(t, "token_reused", errorCode(reused))

	child := app.refresh(t, next.Tokens.RefreshToken)
	require.Equal(t, 401, child.Status, "the token issued from the spent one must be revoked too")
	assert.Equal(t, "invalid_refresh_token", errorCode(child))

	assert.Equal(t, 200, app.refresh(t, other.Tokens.RefreshToken).Status, "another family is untouched")

	for name, tok := range map[string]string{"unknown": "bm90LWEtdG9rZW4", "an access token": s.Tokens.AccessToken} {
		t.Run(name, func(t *testing.T) {
			r := app.refresh(t, tok)
			require.Equal(t, 401, r.Status)
			assert.Equal(t, "invalid_refresh_token", errorCode(r))
		})
	}
	t.Run("expired", func(t *testing.T) {
		fresh := app.loginOK(t, "ana@example.com", "correct horse")
		app.clock.Advance(30*24*time.Hour + time.Second)
		r := app.refresh(t, fresh.Tokens.RefreshToken)
		require.Equal(t, 401, r.Status)
		assert.Equal(t, "invalid_refresh_token", errorCode(r))
	})
}

func TestLogout(t *testing.T) {
	app := startAccounts(t)
	s := app.register(t, "ana@example.com", "correct horse", "Ana")
	r := app.Do(harness.Request{Method: "POST", Path: "/api/auth/logout", Token: s.Tokens.AccessToken,
		Body: map[string]any{"refresh_token": s.Tokens.RefreshToken}})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	again := app.refresh(t, s.Tokens.RefreshToken)
	require.Equal(t, 401, again.Status)
	assert.Equal(t, "invalid_refresh_token", errorCode(again))

	noAuth := app.Do(harness.Request{Method: "POST", Path: "/api/auth/logout", Body: map[string]any{"refresh_token": s.Tokens.RefreshToken}})
	require.Equal(t, 401, noAuth.Status)
	assert.Equal(t, "Bearer", noAuth.Header.Get("WWW-Authenticate"))
}

func TestProfile(t *testing.T) {
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

// TestAccessTokenRefusals sends forged, expired and foreign tokens: each is
// 401 unauthorized with WWW-Authenticate: Bearer.
func TestAccessTokenRefusals(t *testing.T) {
	app := startAccounts(t)
	s := app.register(t, "ana@example.com", "correct horse", "Ana")
	doomed := app.register(t, "doomed@example.com", "correct horse", "Doomed")
	if app.db != nil {
		require.NoError(t, app.db.Gorm(context.Background()).Exec("DELETE FROM users WHERE id = ?", doomed.User.ID).Error)
	}

	now := app.clock.Now()
	claims := func(change func(gojwt.MapClaims)) gojwt.MapClaims {
		c := gojwt.MapClaims{"sub": s.User.ID, "role": "learner", "ver": 1, "jti": "j",
			"iss": app.Config.Auth.Issuer, "aud": []string{app.Config.Auth.Audience},
			"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
		if change != nil {
			change(c)
		}
		return c
	}
	sign := func(m gojwt.SigningMethod, key any, c gojwt.MapClaims) string {
		tok, err := gojwt.NewWithClaims(m, c).SignedString(key)
		require.NoError(t, err)
		return tok
	}
	secret := []byte(testSecret)
	good := sign(gojwt.SigningMethodHS256, secret, claims(nil))
	require.Equal(t, 200, app.me(t, good).Status, "the forging helper makes tokens the server accepts")

	parts := strings.Split(good, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var m map[string]any
	require.NoError(t, json.Unmarshal(payload, &m))
	m["role"] = "admin"
	tampered, _ := json.Marshal(m)
	deleted := "Bearer " + doomed.Tokens.AccessToken
	if app.db == nil {
		// No port deletes a user, so the memory store cannot; a token of a
		// user it never had is what a deleted user's is to the server.
		deleted = "Bearer " + sign(gojwt.SigningMethodHS256, secret, claims(func(c gojwt.MapClaims) { c["sub"] = uuid.NewString() }))
	}

	cases := []struct {
		name   string
		header string
	}{
		{"no header", ""},
		{"not bearer", "Basic " + base64.StdEncoding.EncodeToString([]byte("ana:correct horse"))},
		{"bearer without token", "Bearer "},
		{"garbage", "Bearer not.a.jwt"},
		{"alg none", "Bearer " + sign(gojwt.SigningMethodNone, gojwt.UnsafeAllowNoneSignatureType, claims(nil))},
		{"another algorithm", "Bearer " + sign(gojwt.SigningMethodHS512, secret, claims(nil))},
		{"another secret", "Bearer " + sign(gojwt.SigningMethodHS256, []byte("some-other-secret-some-other-secret-01"), claims(nil))},
		{"tampered payload", "Bearer " + parts[0] + "." + base64.RawURLEncoding.EncodeToString(tampered) + "." + parts[2]},
		{"expired", "Bearer " + sign(gojwt.SigningMethodHS256, secret, claims(func(c gojwt.MapClaims) {
			c["iat"], c["exp"] = now.Add(-time.Hour).Unix(), now.Add(-time.Minute).Unix()
		}))},
		{"no expiry", "Bearer " + sign(gojwt.SigningMethodHS256, secret, claims(func(c gojwt.MapClaims) { delete(c, "exp") }))},
		{"wrong issuer", "Bearer " + sign(gojwt.SigningMethodHS256, secret, claims(func(c gojwt.MapClaims) { c["iss"] = "someone-else" }))},
		{"wrong audience", "Bearer " + sign(gojwt.SigningMethodHS256, secret, claims(func(c gojwt.MapClaims) { c["aud"] = []string{"other-app"} }))},
		{"stale token version", "Bearer " + sign(gojwt.SigningMethodHS256, secret, claims(func(c gojwt.MapClaims) { c["ver"] = 0 }))},
		{"deleted user", deleted},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := harness.Request{Method: "GET", Path: "/api/users/me"}
			if c.header != "" {
				req.Header = map[string]string{"Authorization": c.header}
			}
			r := app.Do(req)
			require.Equal(t, 401, r.Status, "%s", r.Body)
			assert.Equal(t, "unauthorized", errorCode(r))
			assert.Equal(t, "unauthorized", r.Env.Metadata["error_code"])
			assert.Equal(t, "Bearer", r.Header.Get("WWW-Authenticate"))
		})
	}
	t.Run("the real token expires", func(t *testing.T) {
		app.clock.Advance(15*time.Minute + 31*time.Second)
		assert.Equal(t, 401, app.me(t, s.Tokens.AccessToken).Status)
	})
}

// TestNoSecretsInLogsOrResponses runs a full auth flow and scans every log
// line and every response body for the passwords, their hashes and the
// tokens.
func TestNoSecretsInLogsOrResponses(t *testing.T) {
	app := startAccounts(t)
	var bodies []string
	do := func(req harness.Request) *harness.Response {
		r := app.Do(req)
		bodies = append(bodies, string(r.Body))
		return r
	}
	passwords := []string{"correct horse", "battery staple", "wrong horse", adminPassword}
	reg := do(harness.Request{Method: "POST", Path: "/api/auth/register",
		Body: map[string]any{"email": "ana@example.com", "password": passwords[0], "display_name": "Ana"}})
	var s sessionDTO
	reg.Decode(t, &s)
	do(harness.Request{Method: "POST", Path: "/api/auth/login", Body: map[string]any{"email": "ana@example.com", "password": passwords[2]}})
	do(harness.Request{Method: "POST", Path: "/api/auth/login", Body: map[string]any{"email": "bob@example.com", "password": passwords[2]}})
	var login sessionDTO
	do(harness.Request{Method: "POST", Path: "/api/auth/login", Body: map[string]any{"email": "ana@example.com", "password": passwords[0]}}).Decode(t, &login)
	var refreshed struct{ Tokens tokensDTO }
	do(harness.Request{Method: "POST", Path: "/api/auth/refresh", Body: map[string]any{"refresh_token": login.Tokens.RefreshToken}}).Decode(t, &refreshed)
	do(harness.Request{Method: "POST", Path: "/api/auth/refresh", Body: map[string]any{"refresh_token": login.Tokens.RefreshToken}})
	do(harness.Request{Method: "GET", Path: "/api/users/me", Token: s.Tokens.AccessToken})
	do(harness.Request{Method: "GET", Path: "/api/users/me", Header: map[string]string{"Authorization": "Bearer " + s.Tokens.AccessToken + "x"}})
	var changed struct{ Tokens tokensDTO }
	do(harness.Request{Method: "POST", Path: "/api/users/me/password", Token: s.Tokens.AccessToken,
		Body: map[string]any{"current_password": passwords[0], "new_password": passwords[1]}}).Decode(t, &changed)
	do(harness.Request{Method: "POST", Path: "/api/auth/logout", Token: changed.Tokens.AccessToken,
		Body: map[string]any{"refresh_token": changed.Tokens.RefreshToken}})
	admin := app.loginOK(t, adminEmail, adminPassword)
	do(harness.Request{Method: "GET", Path: "/api/admin/users", Token: admin.Tokens.AccessToken})

	secrets := append([]string{}, passwords...)
	for _, tk := range []tokensDTO{s.Tokens, login.Tokens, refreshed.Tokens, changed.Tokens, admin.Tokens} {
		secrets = append(secrets, tk.AccessToken, tk.RefreshToken, account.HashRefreshSecret(tk.RefreshToken))
		// The signature alone identifies a token too.
		secrets = append(secrets, tk.AccessToken[strings.LastIndexByte(tk.AccessToken, '.')+1:])
	}
	var hashes []string
	all, err := app.users.List(context.Background(), ports.UserListQuery{Limit: 100})
	require.NoError(t, err)
	for _, u := range all {
		hashes = append(hashes, u.PasswordHash())
	}
	require.NotEmpty(t, hashes)
	secrets = append(secrets, hashes...)

	entries := app.Logs.All()
	require.NotEmpty(t, entries, "the flow must have logged something")
	var lines []string
	for _, e := range entries {
		b, _ := json.Marshal(e.ContextMap())
		lines = append(lines, e.Message+" "+string(b))
	}
	for _, sec := range secrets {
		for _, l := range lines {
			if strings.Contains(l, sec) {
				t.Errorf("a log line holds a secret (%.6s…): %.300s", sec, l)
			}
		}
		for _, b := range bodies {
			if strings.Contains(b, sec) && !isOwnTokenAnswer(b, sec) {
				t.Errorf("a response body holds a secret (%.6s…)", sec)
			}
		}
	}
	for _, l := range append(lines, bodies...) {
		if strings.Contains(l, "$argon2id$") {
			t.Errorf("a password hash leaked: %.300s", l)
		}
	}
}

// isOwnTokenAnswer allows the one place a token may appear: the answer that
// issues it, as access_token or refresh_token.
func isOwnTokenAnswer(body, secret string) bool {
	return strings.Contains(body, `"access_token":"`+secret+`"`) || strings.Contains(body, `"refresh_token":"`+secret+`"`) ||
		strings.Contains(body, `"access_token":"`) && strings.HasSuffix(extractAccess(body), secret)
}

func extractAccess(body string) string {
	i := strings.Index(body, `"access_token":"`)
	if i < 0 {
		return ""
	}
	rest := body[i+len(`"access_token":"`):]
	if j := strings.IndexByte(rest, '"'); j >= 0 {
		return rest[:j]
	}
	return ""
}

func TestBootstrapAdmin(t *testing.T) {
	app := startAccounts(t)
	s := app.loginOK(t, adminEmail, adminPassword)
	assert.Equal(t, "admin", s.User.Role)
	assert.True(t, s.User.IsActive)
	assert.Equal(t, http.StatusOK, app.Do(harness.Request{Method: "GET", Path: "/api/admin/users", Token: s.Tokens.AccessToken}).Status)
}
