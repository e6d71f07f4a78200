package service_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/sqlstore"
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
