package httpapi

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/lingo-labs/lingo/application/auth"
	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

const (
	ctxClaims    = "lingo.claims"
	ctxClaimsErr = "lingo.claims_error"
	ctxUser      = "lingo.user"
	// ctxTokenOnly holds the claims RequireToken admitted without reading
	// their user (SignedInByTx routes).
	ctxTokenOnly = "lingo.token_only"
)

// Authenticator is the auth middleware, in the two steps of docs/architecture.md:
// Identify checks the bearer token's signature and claims with no I/O (so
// the rate limiter can key by user), and RequireUser, on the routes that
// need a user, loads that user and refuses one who is gone, disabled, or
// whose token version moved on.
//
// Why one database read per authenticated request, and no cache: a
// deactivation or password change must stop tokens at once on every
// instance, and a per-instance cache would need cross-instance invalidation
// to keep that promise. The read is one primary-key lookup, and it is not
// extra: handlers take the loaded user from CurrentUser instead of reading
// it again, so GET /api/users/me costs one read with or without auth. The
// benchmark in test/service measures what is left (the JWT check).
type Authenticator struct {
	svc *auth.Service
}

// NewAuthenticator returns the middleware over the auth use cases.
func NewAuthenticator(svc *auth.Service) *Authenticator { return &Authenticator{svc: svc} }

// Identify reads "Authorization: Bearer <token>" when present and records
// the verified claims, or the refusal, for the steps after it. It never
// answers by itself: public routes ignore a bad token.
func (a *Authenticator) Identify(c *gin.Context) {
	h := c.GetHeader("Authorization")
	if h == "" {
		c.Next()
		return
	}
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		c.Set(ctxClaimsErr, errs.E(errs.Unauthorized, errs.CodeUnauthorized, "The Authorization header must be \"Bearer <token>\"."))
		c.Next()
		return
	}
	claims, err := a.svc.VerifyAccess(token)
	if err != nil {
		c.Set(ctxClaimsErr, err)
	} else {
		c.Set(ctxClaims, claims)
	}
	c.Next()
}

// TokenSubject is the user id of a verified bearer token, for keying the
// rate limiter; ok is false when no valid token was sent. The user is not
// loaded yet at that point.
func TokenSubject(c *gin.Context) (userID string, ok bool) {
	cl, ok := tokenClaims(c)
	return cl.UserID, ok
}

// RequireUser answers 401 (with WWW-Authenticate: Bearer) unless the request
// carries a valid token of an active user at the current token version, and
// makes that user available to the handler through CurrentUser.
func (a *Authenticator) RequireUser(c *gin.Context) {
	if a.confirm(c) {
		c.Next()
	}
}

// RequireToken is RequireUser without the read of the user, for
// SignedInByTx routes: a valid token (else 401) names the caller.
func (a *Authenticator) RequireToken(c *gin.Context) {
	cl, ok := tokenClaims(c)
	if !ok {
		unauthorized(c, noToken(c))
		return
	}
	SetUserID(c, cl.UserID)
	c.Set(ctxTokenOnly, cl)
	c.Next()
}

// tokenOnly is the claims RequireToken admitted, on a SignedInByTx route.
func tokenOnly(c *gin.Context) (ports.AccessClaims, bool) { return claimsAt(c, ctxTokenOnly) }

// confirm loads the user of the request's token and makes them the
// request's user; false (and 401 written) when there is no valid token or
// it no longer speaks for its user. It is RequireUser's step, and what a
// SignedInByTx handler calls before answering without its use case.
func (a *Authenticator) confirm(c *gin.Context) bool {
	cl, ok := tokenClaims(c)
	if !ok {
		unauthorized(c, noToken(c))
		return false
	}
	u, err := a.svc.Principal(c.Request.Context(), cl)
	switch {
	case errs.Is(err, errs.Unauthorized):
		unauthorized(c, err)
		return false
	case err != nil:
		Fail(c, err)
		return false
	}
	SetCurrentUser(c, u)
	return true
}

// noToken is why a request has no verified token: Identify's error, or none
// sent.
func noToken(c *gin.Context) error {
	if e, had := c.Get(ctxClaimsErr); had {
		return e.(error)
	}
	return errs.E(errs.Unauthorized, errs.CodeUnauthorized, "Authentication required. Please log in to continue.")
}

// tokenClaims is the claims of the request's verified token (Identify).
func tokenClaims(c *gin.Context) (ports.AccessClaims, bool) { return claimsAt(c, ctxClaims) }

func claimsAt(c *gin.Context, key string) (ports.AccessClaims, bool) {
	cl, ok := c.Get(key)
	if !ok {
		return ports.AccessClaims{}, false
	}
	v, ok := cl.(ports.AccessClaims)
	return v, ok
}

// RequireAdmin answers 403 unless the loaded user is an admin. It reads the
// role from the user row, not from the token, so a demotion counts at once.
// Use it after RequireUser.
func (a *Authenticator) RequireAdmin(c *gin.Context) {
	u, ok := CurrentUser(c)
	if !ok {
		unauthorized(c, errs.E(errs.Unauthorized, errs.CodeUnauthorized, "Authentication required. Please log in to continue."))
		return
	}
	if !u.IsAdmin() {
		Fail(c, errs.E(errs.Forbidden, errs.CodeForbidden, "You don't have permission to access this resource."))
		return
	}
	c.Next()
}

// SetCurrentUser makes u the request's user, as RequireUser does. It exists
// for the benchmark that measures a handler without the auth middleware.
func SetCurrentUser(c *gin.Context, u account.User) {
	c.Set(ctxUser, u)
	SetUserID(c, u.ID())
}

// CurrentUser is the user RequireUser loaded for this request.
func CurrentUser(c *gin.Context) (account.User, bool) {
	v, ok := c.Get(ctxUser)
	if !ok {
		return account.User{}, false
	}
	return v.(account.User), true
}

// unauthorized answers 401 with the challenge header. The message is the
// contract's default whatever the cause (expired, tampered, stale): the
// cause is for logs, and telling a client which check failed helps only an
// attacker.
func unauthorized(c *gin.Context, cause error) {
	c.Header("WWW-Authenticate", "Bearer")
	code := errs.CodeOf(cause)
	if code == "" {
		code = errs.CodeUnauthorized
	}
	Fail(c, errs.Wrap(errs.Unauthorized, code, cause))
}
