package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
	v5emb "github.com/swaggest/swgui/v5emb"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/httpapi/openapi"
	"github.com/lingo-labs/lingo/ports"
)

// RouterParams is what the router is built from. The optional parts come
// from features that may be absent (accounts, rate limiting, metrics).
type RouterParams struct {
	fx.In

	Options    Options
	Log        *zap.Logger
	Clock      ports.Clock
	Registrars []Registrar `group:"routes"`
	// Identify reads a bearer token, when there is one, without I/O, so the
	// rate limiter can key by user.
	Identify gin.HandlerFunc `name:"identify" optional:"true"`
	// Limit makes each route's rate-limit step from its class.
	Limit RouteLimiter `optional:"true"`
	// Gate loads the user of the routes that need one.
	Gate Gate `optional:"true"`
	// Observe records request metrics by route template.
	Observe gin.HandlerFunc `name:"observe" optional:"true"`
	// Extra lets a feature mount routes outside /api (/metrics).
	Extra []func(*gin.Engine) `group:"engine_routes"`
}

// NewRouter builds the Gin engine: the middleware chain of docs/architecture.md
// ("A request's way") and the route table of every feature under /api.
//
// Paths are matched as sent: gin neither cleans them nor redirects a
// trailing slash or a wrong case, and canonicalPath refuses every alias
// before any route's steps run.
func NewRouter(p RouterParams) (*gin.Engine, error) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RemoveExtraSlash = false
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.UseRawPath = false
	// The client IP is the socket's peer unless the peer is a configured
	// trusted proxy; gin honours X-Forwarded-For only from those.
	if err := r.SetTrustedProxies(p.Options.TrustedProxies); err != nil {
		p.Log.Warn("trusted proxies refused", zap.Error(err))
	}
	r.ForwardedByClientIP = len(p.Options.TrustedProxies) > 0
	r.RemoteIPHeaders = []string{"X-Forwarded-For"}

	chain := []gin.HandlerFunc{requestContext(p.Clock, p.Log), recovery(), requestDeadline(p.Options.RequestTimeout),
		accessLog(p.Log, p.Clock)}
	if p.Observe != nil {
		chain = append(chain, p.Observe)
	}
	chain = append(chain, framingGuard, canonicalPath, corsPolicy(p.Options.CORSOrigins))
	r.Use(chain...)
	r.NoRoute(notFound)
	r.NoMethod(methodNotAllowed)

	for _, mount := range p.Extra {
		mount(r)
	}
	steps := routeSteps{identify: p.Identify, gate: p.Gate}
	if p.Options.RateLimitEnabled {
		steps.limit = p.Limit
	}
	table := docsRoutes()
	for _, reg := range p.Registrars {
		table = append(table, reg.Routes()...)
	}
	for _, rt := range table {
		if err := steps.mount(r, rt); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// docsRoutes serve the OpenAPI document and the docs page. They are not
// rate limited and not enveloped (the OpenAPI document, "Envelope").
func docsRoutes() []Route {
	ui := v5emb.New("Lingo API", "/api/openapi.json", "/api/docs/")
	page := func(c *gin.Context) { ui.ServeHTTP(c.Writer, c.Request) }
	return []Route{
		{http.MethodGet, "/openapi.json", Unlimited, Public, func(c *gin.Context) {
			b, err := openapi.JSON()
			if err != nil {
				Fail(c, err)
				return
			}
			c.Data(http.StatusOK, "application/json", b)
		}},
		{http.MethodGet, "/openapi.yaml", Unlimited, Public, func(c *gin.Context) {
			c.Data(http.StatusOK, "application/yaml", openapi.YAML())
		}},
		{http.MethodGet, "/docs", Unlimited, Public, page},
		{http.MethodGet, "/docs/*asset", Unlimited, Public, page},
	}
}
