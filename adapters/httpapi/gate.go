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
			u, ok := CurrentUser(c)
			if !ok {
				return "", false, false
			}
			return u.ID(), u.IsAdmin(), true
		},
	}
}
