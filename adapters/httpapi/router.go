package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
	v5emb "github.com/swaggest/swgui/v5emb"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/httpapi/openapi"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/ports"
)

// Registrar is a feature's set of routes. Each feature's handler provides
// one to the fx group "routes"; the router calls them all.
type Registrar interface {
	Register(api *gin.RouterGroup)
}

// RouterParams is what the router is built from. The optional middlewares
// come from features that may be absent (accounts, rate limiting, metrics).
type RouterParams struct {
	fx.In

	Config     config.Config
	Log        *zap.Logger
	Clock      ports.Clock
	Registrars []Registrar `group:"routes"`
	// Identify reads a bearer token, when there is one, without I/O, so the
	// rate limiter can key by user.
	Identify gin.HandlerFunc `name:"identify" optional:"true"`
	// RateLimit decides each /api request's quota.
	RateLimit gin.HandlerFunc `name:"ratelimit" optional:"true"`
	// Observe records request metrics by route template.
	Observe gin.HandlerFunc `name:"observe" optional:"true"`
	// Extra lets a feature mount routes outside /api (/metrics).
	Extra []func(*gin.Engine) `group:"engine_routes"`
}

// NewRouter builds the Gin engine: the middleware chain of ARCHITECTURE.md
// ("a request's way") and every feature's routes under /api.
func NewRouter(p RouterParams) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RemoveExtraSlash = true
	// The client IP is the socket's peer unless the peer is a configured
	// trusted proxy; gin honours X-Forwarded-For only from those.
	if err := r.SetTrustedProxies(p.Config.HTTP.TrustedProxies); err != nil {
		p.Log.Warn("trusted proxies refused", zap.Error(err))
	}
	r.ForwardedByClientIP = len(p.Config.HTTP.TrustedProxies) > 0
	r.RemoteIPHeaders = []string{"X-Forwarded-For"}

	chain := []gin.HandlerFunc{requestContext(p.Clock, p.Log), recovery(), accessLog(p.Log, p.Clock)}
	if p.Observe != nil {
		chain = append(chain, p.Observe)
	}
	chain = append(chain, corsPolicy(p.Config.HTTP.CORSOrigins))
	r.Use(chain...)
	r.NoRoute(notFound)
	r.NoMethod(methodNotAllowed)

	docs := r.Group("/api")
	mountDocs(docs)
	for _, mount := range p.Extra {
		mount(r)
	}

	api := r.Group("/api")
	if p.Identify != nil {
		api.Use(p.Identify)
	}
	if p.RateLimit != nil && p.Config.RateLimit.Enabled {
		api.Use(p.RateLimit)
	}
	api.Use(queryText)
	for _, reg := range p.Registrars {
		reg.Register(api)
	}
	return r
}

// mountDocs serves the OpenAPI document and the docs page. They are not rate
// limited and not enveloped (API.md §0).
func mountDocs(g *gin.RouterGroup) {
	g.GET("/openapi.json", func(c *gin.Context) {
		b, err := openapi.JSON()
		if err != nil {
			Fail(c, err)
			return
		}
		c.Data(http.StatusOK, "application/json", b)
	})
	g.GET("/openapi.yaml", func(c *gin.Context) {
		c.Data(http.StatusOK, "application/yaml", openapi.YAML())
	})
	ui := v5emb.New("Lingo API", "/api/openapi.json", "/api/docs/")
	g.GET("/docs", func(c *gin.Context) { ui.ServeHTTP(c.Writer, c.Request) })
	g.GET("/docs/*asset", func(c *gin.Context) { ui.ServeHTTP(c.Writer, c.Request) })
}
