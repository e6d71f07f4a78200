package account

// Standing is what decides whether an access token still speaks for its
// account: the account is active, no deletion is pending, and the token
// carries the account's current token version (a password change, a
// deactivation and a deletion request each bump it).
type Standing struct {
	Active          bool
	PendingDeletion bool
	TokenVersion    int
}

// Standing is the user's standing.
func (u User) Standing() Standing {
	_, pending := u.PendingDeletion()
	return Standing{Active: u.active, PendingDeletion: pending, TokenVersion: u.tokenVersion}
}

// Refusal says why a token of version v no longer speaks for the account,
// or "" when it does.
func (s Standing) Refusal(v int) string {
	switch {
	case !s.Active:
		return "user is disabled"
	case s.PendingDeletion:
		return "user is pending deletion"
	case s.TokenVersion != v:
		return "token version is stale"
	}
	return ""
}
