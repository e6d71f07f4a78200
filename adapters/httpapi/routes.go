package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// Class is a route's rate-limit class. It belongs to the route, not to its
// path: the limiter takes it from the route that matched, so no spelling of
// a path can put a request under another class (the OpenAPI document,
// "Rate limits").
type Class string

// The classes of the OpenAPI document; Unlimited routes never reach the
// limiter (the document itself and the docs page).
const (
	ClassAuth      Class = "auth"
	ClassUser      Class = "user"
	ClassAnalytics Class = "analytics"
	ClassHealth    Class = "health"
	ClassGeneral   Class = "general"
	Unlimited      Class = "unlimited"
)

// Access is who may call a route. The router puts the matching steps of the
// Gate before the handler, so a handler never checks it itself.
type Access int

const (
	// Public routes need no token (a valid one still keys the limiter by user).
	Public Access = iota + 1
	// SignedIn routes need a valid token of an active user (else 401).
	SignedIn
	// AdminOnly routes need an admin's token (else 401, or 403 for a learner).
	AdminOnly
	// SignedInByTx routes admit what SignedIn admits, but the gate checks
	// only the token (else 401): the handler passes its version to a use
	// case that confirms it in the transaction it runs anyway, under the
	// learner's lock, and answers 401 before anything else when the token
	// no longer speaks for its user (a password change, a deactivation, a
	// deletion). It spares the hottest route a read of the user
	// (docs/benchmarks.md, issue 18); a handler behind it calls
	// Gate.Confirm before any answer of its own.
	SignedInByTx
)

// Route is one row of the route table: the method and the path template
// under /api, its rate-limit class, who may call it, and its handler. Every
// feature lists its routes this way; a GET row answers HEAD as well.
type Route struct {
	Method  string
	Path    string // template under /api, as gin spells it: "/admin/users/:id"
	Class   Class
	Access  Access
	Handler gin.HandlerFunc
}

// Registrar is a feature's rows of the route table. Each feature's handler
// provides one to the fx group "routes"; the router mounts them all.
type Registrar interface {
	Routes() []Route
}

// RouteLimiter makes the rate-limit step of one class. The router binds it
// to each route when the route is mounted, so a request is limited under
// the class of the route it matched and no other.
type RouteLimiter func(Class) gin.HandlerFunc

// routeSteps is what the router puts before every handler of the table, in
// the order of docs/architecture.md ("A request's way"): token check, rate limit,
// user load (the token step alone on a SignedInByTx route).
type routeSteps struct {
	identify gin.HandlerFunc // nil when the accounts feature is absent
	limit    RouteLimiter    // nil when rate limiting is off
	gate     Gate
}

// mount adds one route (and HEAD beside a GET) to the engine under /api.
func (s routeSteps) mount(r *gin.Engine, rt Route) error {
	where := rt.Method + " /api" + rt.Path
	switch {
	case rt.Handler == nil:
		return fmt.Errorf("route %s has no handler", where)
	case !strings.HasPrefix(rt.Path, "/") || strings.HasSuffix(rt.Path, "/") || strings.Contains(rt.Path, "//"):
		return fmt.Errorf("route %s: the path must start and not end with /", where)
	}
	var chain []gin.HandlerFunc
	if s.identify != nil && (rt.Class != Unlimited || rt.Access != Public) {
		chain = append(chain, s.identify)
	}
	switch rt.Class {
	case ClassAuth, ClassUser, ClassAnalytics, ClassHealth, ClassGeneral:
		if s.limit != nil {
			chain = append(chain, s.limit(rt.Class))
		}
	case Unlimited:
	default:
		return fmt.Errorf("route %s has no rate-limit class", where)
	}
	switch rt.Access {
	case Public:
	case SignedIn, AdminOnly:
		if s.gate.User == nil || s.gate.Admin == nil {
			return fmt.Errorf("route %s needs a signed-in user but no Gate is provided", where)
		}
		chain = append(chain, s.gate.User)
		if rt.Access == AdminOnly {
			chain = append(chain, s.gate.Admin)
		}
	case SignedInByTx:
		if s.gate.Token == nil {
			return fmt.Errorf("route %s needs a token step but no Gate provides one", where)
		}
		chain = append(chain, s.gate.Token)
	default:
		return fmt.Errorf("route %s has no access rule", where)
	}
	// Every query parameter meets the text rule before the handler reads
	// any (queryText), after the route's access check.
	chain = append(chain, queryText, rt.Handler)
	r.Handle(rt.Method, "/api"+rt.Path, chain...)
	if rt.Method == http.MethodGet {
		r.Handle(http.MethodHead, "/api"+rt.Path, chain...)
	}
	return nil
}

// canonicalPath answers 404 to any path that is not spelled the one way a
// route is: an empty, "." or ".." segment, a trailing slash, or an encoded
// slash (the OpenAPI document, "Paths"). Nothing cleans or redirects a path,
// so an alias can never reach a route, and with it another rate-limit class
// or key, whatever gin's tree would have matched.
func canonicalPath(c *gin.Context) {
	if isCanonical(c.Request.URL.Path, c.Request.URL.RawPath) {
		c.Next()
		return
	}
	c.Set(ctxAlias, true)
	notFound(c)
}

const ctxAlias = "lingo.alias"

func isCanonical(path, rawPath string) bool {
	if path == "/" {
		return true
	}
	if !strings.HasPrefix(path, "/") || strings.HasSuffix(path, "/") {
		return false
	}
	for seg := range strings.SplitSeq(path[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return !strings.Contains(strings.ToLower(rawPath), "%2f")
}

// routeTemplate is the matched route template for logs and metrics, or ""
// for an unknown path and for an alias that canonicalPath refused (gin's
// tree may have matched a template that the request never reached).
func routeTemplate(c *gin.Context) string {
	if c.GetBool(ctxAlias) {
		return ""
	}
	return c.FullPath()
}
