package service_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/test/harness"
)

// probeRoutes are test-only routes that exercise the shared middleware:
// strict JSON binding and panic recovery.
type probeRoutes struct{}

type probeBody struct {
	Name  string `json:"name" validate:"required,min=1,max=10"`
	Count *int   `json:"count" validate:"omitempty,gte=5,lte=500"`
	Inner struct {
		Level string `json:"level" validate:"omitempty,oneof=beginner advanced"`
	} `json:"inner"`
	Items []struct {
		Kind string `json:"kind" validate:"required"`
	} `json:"items" validate:"dive"`
}

func (probeRoutes) Routes() []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodPost, Path: "/test/echo", Class: httpapi.ClassGeneral, Access: httpapi.Public, Handler: func(c *gin.Context) {
			var b probeBody
			if err := httpapi.Bind(c, &b); err != nil {
				httpapi.Fail(c, err)
				return
			}
			httpapi.Fail(c, errs.E(errs.Conflict, "probe_ok", "bound"))
		}},
		{Method: http.MethodGet, Path: "/test/panic", Class: httpapi.ClassGeneral, Access: httpapi.Public, Handler: func(c *gin.Context) {
			panic("secret: SELECT * FROM users WHERE password = 'hunter2' /srv/lingo/main.go:42")
		}},
	}
}

func startWithProbes(t *testing.T) *harness.App {
	return harness.Start(t, harness.Options{FX: []fx.Option{
		fx.Provide(httpapi.AsRoutes(func() probeRoutes { return probeRoutes{} })),
	}})
}

func TestEnvelopeOnErrors(t *testing.T) {
	t.Parallel()
	app := startWithProbes(t)

	t.Run("unknown route is 404", func(t *testing.T) {
		r := app.Do(harness.Request{Method: "GET", Path: "/api/no/such/thing"})
		require.Equal(t, 404, r.Status)
		assert.Equal(t, "not_found", r.Env.Metadata["error_code"])
		assert.Equal(t, "The requested resource was not found.", r.Env.Message)
	})
	t.Run("wrong method is 405", func(t *testing.T) {
		r := app.Do(harness.Request{Method: "DELETE", Path: "/api/health"})
		require.Equal(t, 405, r.Status)
		assert.Equal(t, "method_not_allowed", r.Env.Metadata["error_code"])
	})
	t.Run("malformed JSON is 400", func(t *testing.T) {
		r := app.Do(harness.Request{Method: "POST", Path: "/api/test/echo", Body: `{"name": `})
		require.Equal(t, 400, r.Status)
		assert.Equal(t, "bad_request", r.Env.Metadata["error_code"])
	})
	t.Run("trailing data is 400", func(t *testing.T) {
		r := app.Do(harness.Request{Method: "POST", Path: "/api/test/echo", Body: `{"name":"a"} {"name":"b"}`})
		require.Equal(t, 400, r.Status)
	})
	t.Run("empty body is 400", func(t *testing.T) {
		r := app.Do(harness.Request{Method: "POST", Path: "/api/test/echo", Body: ``})
		require.Equal(t, 400, r.Status)
	})
	t.Run("body over 1 MiB is 413", func(t *testing.T) {
		big := `{"name":"` + strings.Repeat("a", 1<<20) + `"}`
		r := app.Do(harness.Request{Method: "POST", Path: "/api/test/echo", Body: big})
		require.Equal(t, 413, r.Status)
		assert.Equal(t, "payload_too_large", r.Env.Metadata["error_code"])
	})
	t.Run("every problem is one 422 entry named by its JSON path", func(t *testing.T) {
		r := app.Do(harness.Request{Method: "POST", Path: "/api/test/echo",
			Body: `{"name":"","count":"7","inner":{"level":"expert","extra":1},"items":[{"kind":"a"},{}],"bogus":true}`})
		require.Equal(t, 422, r.Status)
		assert.Equal(t, "validation_error", r.Env.Metadata["error_code"])
		assert.ElementsMatch(t, []string{"bogus", "count", "inner.extra", "inner.level", "name", "items[1].kind"}, r.Fields(),
			"shape problems and rule violations are reported together, all at once")
	})
	t.Run("rule violations are 422 with paths", func(t *testing.T) {
		r := app.Do(harness.Request{Method: "POST", Path: "/api/test/echo",
			Body: `{"name":"","count":4,"inner":{"level":"expert"},"items":[{"kind":"a"},{"kind":""}]}`})
		require.Equal(t, 422, r.Status)
		assert.ElementsMatch(t, []string{"name", "count", "inner.level", "items[1].kind"}, r.Fields())
	})
	t.Run("null where a value is required is 422", func(t *testing.T) {
		r := app.Do(harness.Request{Method: "POST", Path: "/api/test/echo", Body: `{"name":null,"inner":null}`})
		require.Equal(t, 422, r.Status)
		assert.ElementsMatch(t, []string{"name", "inner"}, r.Fields())
	})
	t.Run("a valid body binds", func(t *testing.T) {
		r := app.Do(harness.Request{Method: "POST", Path: "/api/test/echo", Body: `{"name":"ok","count":5,"items":[{"kind":"x"}]}`})
		require.Equal(t, 409, r.Status) // the probe answers a conflict once bound
		assert.Equal(t, "probe_ok", r.Env.Errors[0].Code)
	})
	t.Run("a panic is a 500 without internals", func(t *testing.T) {
		r := app.Do(harness.Request{Method: "GET", Path: "/api/test/panic"})
		require.Equal(t, 500, r.Status)
		assert.Equal(t, "internal_server_error", r.Env.Metadata["error_code"])
		for _, leak := range []string{"SELECT", "hunter2", "main.go", "/srv", "goroutine", "secret"} {
			assert.NotContains(t, string(r.Body), leak)
		}
		logged := app.Logs.FilterMessage("panic").All()
		require.Len(t, logged, 1, "the panic is logged once")
		assert.Equal(t, r.Env.RequestID, logged[0].ContextMap()["request_id"])
	})
}

func TestRequestIDAndHeaders(t *testing.T) {
	t.Parallel()
	app := harness.Start(t, harness.Options{})
	cases := []struct {
		name, sent string
		echoed     bool
	}{
		{"a well-formed id is echoed", "client-42.retry:1", true},
		{"a long id is replaced", strings.Repeat("x", 129), false},
		{"an id with spaces is replaced", "hello world", false},
		{"no id gets one", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := app.Do(harness.Request{Method: "GET", Path: "/api/health", Header: map[string]string{"X-Request-ID": c.sent}})
			require.Equal(t, 200, r.Status)
			if c.echoed {
				assert.Equal(t, c.sent, r.Env.RequestID)
			} else {
				assert.NotEqual(t, c.sent, r.Env.RequestID)
				assert.Len(t, r.Env.RequestID, 36)
			}
		})
	}
}

func TestHealthBasics(t *testing.T) {
	t.Parallel()
	app := harness.Start(t, harness.Options{})
	for _, path := range []string{"/api/health", "/api/health/live"} {
		r := app.Do(harness.Request{Method: "GET", Path: path})
		require.Equal(t, 200, r.Status, path)
		var live struct{ Status string }
		r.Decode(t, &live)
		assert.Equal(t, "healthy", live.Status)
	}
	r := app.Do(harness.Request{Method: "GET", Path: "/api/health/ready"})
	require.Equal(t, 200, r.Status)
	var ready struct {
		Ready      bool
		Components map[string]struct{ Status string }
	}
	r.Decode(t, &ready)
	assert.True(t, ready.Ready)
	assert.Equal(t, "healthy", ready.Components["database"].Status)
}

func TestDocumentAndDocsPage(t *testing.T) {
	t.Parallel()
	app := harness.Start(t, harness.Options{})
	for path, ctype := range map[string]string{
		"/api/openapi.json": "application/json", "/api/openapi.yaml": "application/yaml", "/api/docs": "text/html",
	} {
		resp, err := http.Get(app.URL + path)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode, path)
		assert.Contains(t, resp.Header.Get("Content-Type"), ctype, path)
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	app := harness.Start(t, harness.Options{Env: map[string]string{"LINGO_HTTP_CORS_ORIGINS": "https://app.example"}})
	pre, _ := http.NewRequest("OPTIONS", app.URL+"/api/health", nil)
	pre.Header.Set("Origin", "https://app.example")
	pre.Header.Set("Access-Control-Request-Method", "GET")
	resp, err := http.DefaultClient.Do(pre)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Less(t, resp.StatusCode, 300)
	assert.Equal(t, "https://app.example", resp.Header.Get("Access-Control-Allow-Origin"))

	r := app.Do(harness.Request{Method: "GET", Path: "/api/health", Header: map[string]string{"Origin": "https://app.example"}})
	assert.Contains(t, r.Header.Get("Access-Control-Expose-Headers"), "X-Request-Id")

	other := app.Do(harness.Request{Method: "GET", Path: "/api/health", Header: map[string]string{"Origin": "https://evil.example"}})
	assert.Empty(t, other.Header.Get("Access-Control-Allow-Origin"))
}
