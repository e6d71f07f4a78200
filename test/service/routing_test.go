package service_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/lingo-labs/lingo/ports"
	"github.com/lingo-labs/lingo/test/harness"
)

// recordingLimiter notes the class and key of every decision it is asked for.
type recordingLimiter struct {
	ports.RateLimiter
	mu    sync.Mutex
	calls []string // "class key"
}

func (r *recordingLimiter) Allow(ctx context.Context, p ports.Policy, key string) (ports.Decision, error) {
	r.mu.Lock()
	r.calls = append(r.calls, p.Class()+" "+key)
	r.mu.Unlock()
	return r.RateLimiter.Allow(ctx, p, key)
}

func (r *recordingLimiter) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.calls
	r.calls = nil
	return out
}

type routedApp struct {
	*harness.App
	engine  *gin.Engine
	limiter *recordingLimiter
	admin   string
}

func startRouted(t *testing.T, env map[string]string) *routedApp {
	t.Helper()
	a := &routedApp{}
	env["LINGO_RATELIMIT_ENABLED"] = "true"
	env["LINGO_ADMIN_EMAIL"], env["LINGO_ADMIN_PASSWORD"] = adminEmail, adminPassword
	a.App = harness.Start(t, harness.Options{Env: env, FX: []fx.Option{
		fx.Populate(&a.engine),
		fx.Decorate(func(l ports.RateLimiter) ports.RateLimiter {
			a.limiter = &recordingLimiter{RateLimiter: l}
			return a.limiter
		}),
	}})
	r := a.Do(harness.Request{Method: "POST", Path: "/api/auth/login", Body: map[string]any{"email": adminEmail, "password": adminPassword}})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var s sessionDTO
	r.Decode(t, &s)
	a.admin = s.Tokens.AccessToken
	a.limiter.take()
	return a
}

// raw sends a request as written, without the harness' contract check (an
// alias is no operation of the document), and returns status, header, body.
func (a *routedApp) raw(t *testing.T, method, path, token string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, a.URL+path, nil)
	require.NoError(t, err)
	require.Equal(t, path, req.URL.RequestURI(), "the client must send the path as written")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := a.HTTP.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, b
}

// concrete fills a route template's parameters.
func concrete(template string) string {
	segs := strings.Split(template, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
			segs[i] = "0190a4c6-8d5b-7cc2-9a1e-3f4b5c6d7e8f"
		}
	}
	return strings.Join(segs, "/")
}

// aliases are spellings of path that clean to it, or to another route.
func aliases(path string) []string {
	rest := strings.TrimPrefix(path, "/api/")
	if rest == path { // outside /api (/metrics)
		rest = strings.TrimPrefix(path, "/")
		return []string{"//" + rest, "/./" + rest, "/x/../" + rest, path + "/"}
	}
	out := []string{"/api//" + rest, "/api/./" + rest, "/api/x/../" + rest, path + "/", path + "/.", path + "/x/..",
		"//api/" + rest}
	if i := strings.LastIndex(rest, "/"); i > 0 {
		out = append(out, "/api/"+rest[:i]+"//"+rest[i+1:], "/api/"+rest[:i]+"%2F"+rest[i+1:])
	}
	return out
}

// contractClass is the class the OpenAPI document ("Rate limits") gives a path, "" for the paths that
// are not limited.
func contractClass(path string) string {
	switch {
	case path == "/metrics", strings.HasPrefix(path, "/api/openapi."), path == "/api/docs", strings.HasPrefix(path, "/api/docs/"):
		return ""
	case strings.HasPrefix(path, "/api/auth/"), strings.HasPrefix(path, "/api/admin/"):
		return "auth"
	case strings.HasPrefix(path, "/api/users/"):
		return "user"
	case strings.HasPrefix(path, "/api/analytics/"):
		return "analytics"
	case path == "/api/health", strings.HasPrefix(path, "/api/health/"):
		return "health"
	}
	return "general"
}

// TestEveryRouteMatchesOnlyAsSent walks every registered route: its
// canonical path is limited under the class the contract gives it, and
// every alias of it (double slash, "." and ".." segments, a trailing slash,
// an encoded slash), with every method, is a 404 envelope that never
// reaches the limiter, so it cannot spend or dodge any class's quota.
func TestEveryRouteMatchesOnlyAsSent(t *testing.T) {
	t.Parallel()
	a := startRouted(t, map[string]string{"LINGO_RATELIMIT_AUTH_LIMIT": "100000", "LINGO_RATELIMIT_AUTH_WINDOW": "1000s",
		"LINGO_RATELIMIT_USER_LIMIT": "100000", "LINGO_RATELIMIT_USER_WINDOW": "1000s",
		"LINGO_RATELIMIT_ANALYTICS_LIMIT": "100000", "LINGO_RATELIMIT_ANALYTICS_WINDOW": "1000s",
		"LINGO_RATELIMIT_HEALTH_LIMIT": "100000", "LINGO_RATELIMIT_HEALTH_WINDOW": "1000s",
		"LINGO_RATELIMIT_GENERAL_LIMIT": "100000", "LINGO_RATELIMIT_GENERAL_WINDOW": "1000s"})
	routes := a.engine.Routes()
	require.NotEmpty(t, routes)
	gets, heads := map[string]bool{}, map[string]bool{}
	for _, rt := range routes {
		switch rt.Method {
		case http.MethodGet:
			gets[rt.Path] = true
		case http.MethodHead:
			heads[rt.Path] = true
		}
	}
	for p := range gets {
		assert.True(t, heads[p], "GET %s has no HEAD", p)
	}

	for _, rt := range routes {
		path := concrete(rt.Path)
		status, h, body := a.raw(t, rt.Method, path, a.admin)
		want := contractClass(path)
		calls := a.limiter.take()
		if want == "" {
			assert.Empty(t, calls, "%s %s is not limited", rt.Method, path)
		} else if assert.Len(t, calls, 1, "%s %s → %d %s", rt.Method, path, status, body) {
			assert.True(t, strings.HasPrefix(calls[0], want+" "), "%s %s is limited as %q, want class %s", rt.Method, path, calls[0], want)
			assert.Equal(t, want, h.Get("X-RateLimit-Type"))
		}

		for _, alias := range aliases(path) {
			for _, method := range []string{rt.Method, http.MethodGet, http.MethodHead, http.MethodPost} {
				status, h, body := a.raw(t, method, alias, a.admin)
				where := method + " " + alias
				require.Equal(t, http.StatusNotFound, status, "%s answered %d: %s", where, status, body)
				assert.Empty(t, a.limiter.take(), "%s reached the limiter", where)
				assert.Empty(t, h.Get("X-RateLimit-Type"), where)
				assert.Empty(t, h.Get("Location"), "%s redirects", where)
				assert.NotEmpty(t, h.Get("X-Request-ID"), where)
				if method == http.MethodHead {
					assert.Empty(t, body, where)
					continue
				}
				var env harness.Envelope
				require.NoError(t, json.Unmarshal(body, &env), "%s is not the envelope: %s", where, body)
				assert.False(t, env.Success, where)
				assert.Equal(t, "not_found", env.Metadata["error_code"], where)
				assert.Equal(t, h.Get("X-Request-ID"), env.RequestID, where)
			}
		}
	}
}

// TestLockedOutAuthCannotBeBypassedByAlias: while the auth class is locked
// out, the admin's password logs in through no spelling of the login path.
func TestLockedOutAuthCannotBeBypassedByAlias(t *testing.T) {
	t.Parallel()
	a := startRouted(t, map[string]string{})
	login := func(path, password string) (int, []byte) {
		req, err := http.NewRequest(http.MethodPost, a.URL+path,
			strings.NewReader(`{"email":"`+adminEmail+`","password":"`+password+`"}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		resp, err := a.HTTP.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	// startRouted's own login spent one request of the quota of 5.
	for i := 0; i < 4; i++ {
		status, body := login("/api/auth/login", "wrong password")
		require.Equal(t, 401, status, "%s", body)
	}
	status, _ := login("/api/auth/login", "wrong password")
	require.Equal(t, 429, status, "the request over the quota starts the lockout")
	for _, alias := range aliases("/api/auth/login") {
		status, body := login(alias, adminPassword)
		assert.Equal(t, 404, status, "%s during the lockout: %s", alias, body)
	}
	status, _ = login("/api/auth/login", adminPassword)
	assert.Equal(t, 429, status, "still locked out")
}

// TestHeadWhereverGet: HEAD answers as GET does, headers included, without
// a body; it is never a 405.
func TestHeadWhereverGet(t *testing.T) {
	t.Parallel()
	a := startRouted(t, map[string]string{})
	for _, c := range []struct{ path, token string }{
		{"/api/health", ""}, {"/api/health/ready", ""}, {"/api/users/me", a.admin}, {"/api/users/me", ""},
		{"/api/courses", a.admin}, {"/api/openapi.json", ""}, {"/api/docs", ""}, {"/metrics", ""},
	} {
		getStatus, getHeader, getBody := a.raw(t, http.MethodGet, c.path, c.token)
		headStatus, headHeader, headBody := a.raw(t, http.MethodHead, c.path, c.token)
		assert.Equal(t, getStatus, headStatus, "HEAD %s", c.path)
		assert.Empty(t, headBody, "HEAD %s has a body", c.path)
		assert.Equal(t, getHeader.Get("Content-Type"), headHeader.Get("Content-Type"), "HEAD %s", c.path)
		for _, h := range []string{"X-API-Version", "X-RateLimit-Type", "X-RateLimit-Limit", "WWW-Authenticate"} {
			assert.Equal(t, getHeader.Get(h), headHeader.Get(h), "HEAD %s: %s", c.path, h)
		}
		if cl := headHeader.Get("Content-Length"); cl != "" && c.path == "/api/openapi.json" {
			assert.Equal(t, strconv.Itoa(len(getBody)), cl, "HEAD %s declares the GET body's length", c.path)
		}
	}
}
