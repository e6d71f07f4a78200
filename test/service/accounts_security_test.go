package service_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/ports"
	"github.com/lingo-labs/lingo/test/harness"
)

// TestAccessTokenRefusals sends forged, expired and foreign tokens: each is
// 401 unauthorized with WWW-Authenticate: Bearer.
func TestAccessTokenRefusals(t *testing.T) {
	t.Parallel()
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
	// /api/users/me reads the user at the gate; POST /api/analytics/events
	// confirms the token in its transaction (SignedInByTx): both refuse alike.
	event := map[string]any{"event_id": uuid.NewString(), "event_type": "exercise_attempted", "is_correct": true}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, req := range []harness.Request{{Method: "GET", Path: "/api/users/me"},
				{Method: "POST", Path: "/api/analytics/events", Body: event}} {
				if c.header != "" {
					req.Header = map[string]string{"Authorization": c.header}
				}
				r := app.Do(req)
				require.Equal(t, 401, r.Status, "%s %s: %s", req.Method, req.Path, r.Body)
				assert.Equal(t, "unauthorized", errorCode(r))
				assert.Equal(t, "unauthorized", r.Env.Metadata["error_code"])
				assert.Equal(t, "Bearer", r.Header.Get("WWW-Authenticate"))
			}
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
	t.Parallel()
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
	t.Parallel()
	app := startAccounts(t)
	s := app.loginOK(t, adminEmail, adminPassword)
	assert.Equal(t, "admin", s.User.Role)
	assert.True(t, s.User.IsActive)
	assert.Equal(t, http.StatusOK, app.Do(harness.Request{Method: "GET", Path: "/api/admin/users", Token: s.Tokens.AccessToken}).Status)
}
