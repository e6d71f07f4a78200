// Package preferences holds the learner's settings use cases: reading them
// and changing any subset of them, all or nothing.
package preferences

import (
	"context"
	"fmt"
	"time"

	"github.com/lingo-labs/lingo/domain/preferences"
	"github.com/lingo-labs/lingo/ports"
)

// Deps are the ports the service uses.
type Deps struct {
	Prefs ports.PreferencesRepository
	Clock ports.Clock
}

// Service runs the preferences use cases.
type Service struct{ d Deps }

// New returns the service.
func New(d Deps) *Service { return &Service{d: d} }

// Get returns the user's preferences (the defaults until the first change).
func (s *Service) Get(ctx context.Context, userID string) (preferences.Preferences, error) {
	p, err := s.d.Prefs.Get(ctx, userID)
	if err != nil {
		return preferences.Preferences{}, fmt.Errorf("load preferences of %s: %w", userID, err)
	}
	return p, nil
}

// Update applies patch and reports the paths whose value changed. The patch
// is checked in full before anything is stored: an invalid request (one
// Invalid error naming every bad path) changes nothing, not even its valid
// fields. updated_at moves only when a value changed; a request that sets
// every value to what it already was writes nothing.
func (s *Service) Update(ctx context.Context, userID string, patch preferences.Patch) (preferences.Preferences, []string, error) {
	// Checking before the transaction keeps a bad request from taking the
	// user's row lock at all.
	if err := patch.Validate(); err != nil {
		return preferences.Preferences{}, nil, err
	}
	var (
		out     preferences.Preferences
		changed []string
	)
	err := s.d.Prefs.Update(ctx, userID, func(p *preferences.Preferences) error {
		next, paths, err := preferences.Apply(*p, patch)
		if err != nil {
			return err
		}
		if len(paths) > 0 {
			next = next.Touched(s.d.Clock.Now().UTC().Truncate(time.Microsecond))
		}
		*p, out, changed = next, next, paths
		return nil
	})
	if err != nil {
		return preferences.Preferences{}, nil, fmt.Errorf("update preferences of %s: %w", userID, err)
	}
	return out, changed, nil
}
