package ports

import (
	"context"

	"github.com/lingo-labs/lingo/domain/preferences"
)

// PreferencesRepository stores each learner's preferences, one row per user.
// A user who never changed anything has no row; readers (the progress engine
// included) then take preferences.Default.
type PreferencesRepository interface {
	// Get returns the user's preferences, or the defaults stamped with the
	// user's creation time when nothing was stored yet, so that repeated
	// reads agree. NotFound when there is no such user; Unavailable when the
	// database does not answer.
	Get(ctx context.Context, userID string) (preferences.Preferences, error)

	// Update loads the preferences (the defaults when there is no row), calls
	// fn on them and stores the result, all in one transaction under the
	// user's row lock, so concurrent updates of one user apply one after the
	// other. When fn returns an error nothing is stored and Update returns
	// that error unchanged; when fn leaves the value as it was nothing is
	// written. NotFound when there is no such user.
	Update(ctx context.Context, userID string, fn func(*preferences.Preferences) error) error
}
