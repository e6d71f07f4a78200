package httpapi

import "github.com/gin-gonic/gin"

// Gate is the authentication the catalog and analytics routes sit behind:
// User admits a request with a valid token of an active user (else 401),
// Admin one of an admin (else 403), and Caller names who is calling. The
// accounts feature provides it from its Authenticator.
type Gate struct {
	User   gin.HandlerFunc
	Admin  gin.HandlerFunc
	Caller func(c *gin.Context) (userID string, admin bool, ok bool)
	// Token admits a valid access token without reading its user, for
	// SignedInByTx routes; TokenVersion is that token's version, and
	// Confirm reads the user as User would and answers 401 (returning
	// false) when the token no longer speaks for them.
	Token        gin.HandlerFunc
	TokenVersion func(c *gin.Context) (int, bool)
	Confirm      func(c *gin.Context) bool
}

// caller is the admitted user; routes behind Gate.User always have one.
func (g Gate) caller(c *gin.Context) (string, bool) {
	id, admin, _ := g.Caller(c)
	return id, admin
}

// NewGate is the Gate of the accounts feature: its RequireUser and
// RequireAdmin steps, and the user RequireUser loaded.
func NewGate(a *Authenticator) Gate {
	return Gate{
		User:  a.RequireUser,
		Admin: a.RequireAdmin,
		Caller: func(c *gin.Context) (string, bool, bool) {
			if u, ok := CurrentUser(c); ok {
				return u.ID(), u.IsAdmin(), true
			}
			if cl, ok := tokenOnly(c); ok {
				return cl.UserID, false, true // SignedInByTx: not read, never an admin's route
			}
			return "", false, false
		},
		Token: a.RequireToken,
		TokenVersion: func(c *gin.Context) (int, bool) {
			cl, ok := tokenOnly(c)
			return cl.TokenVersion, ok
		},
		Confirm: a.confirm,
	}
}
