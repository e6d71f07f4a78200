// Package preferences holds the learner's settings use cases: reading them
// and changing any subset of them, all or nothing.
package preferences

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/domain/preferences"
	"github.com/lingo-labs/lingo/ports"
)

// Deps are the ports the service uses.
type Deps struct {
	Prefs ports.PreferencesRepository
	Clock ports.Clock
	// Cache, when set, is bumped for the learner's progress reads after a
	// change of time zone or daily goal commits: those reads depend on both.
	Cache ports.Cache
	// OnBumpError is told when that bump fails (nil ignores it).
	OnBumpError func(namespace string, err error)
	// Changed, when set, is told of committed preferences that changed (the
	// reminder schedule follows them); its error is the request's.
	Changed func(ctx context.Context, userID string, p preferences.Preferences) error
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
	if slices.Contains(changed, preferences.PathTimezone) || slices.Contains(changed, preferences.PathDailyXPGoal) {
		s.bumpProgress(ctx, userID)
	}
	if len(changed) > 0 && s.d.Changed != nil {
		if err := s.d.Changed(ctx, userID, out); err != nil {
			return preferences.Preferences{}, nil, fmt.Errorf("after preferences of %s changed: %w", userID, err)
		}
	}
	return out, changed, nil
}

// bumpProgress invalidates the learner's cached progress reads after a
// committed change they depend on, detached from ctx's cancellation so that
// a client that hung up cannot leave them stale.
func (s *Service) bumpProgress(ctx context.Context, userID string) {
	if s.d.Cache == nil {
		return
	}
	ns := analytics.Namespace(userID)
	if err := s.d.Cache.Bump(context.WithoutCancel(ctx), ns); err != nil && s.d.OnBumpError != nil {
		s.d.OnBumpError(ns, err)
	}
}
