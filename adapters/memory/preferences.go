package memory

import (
	"context"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/preferences"
)

// Preferences is the store as ports.PreferencesRepository.
type Preferences struct{ s *Store }

// NewPreferences gives the store as the preferences repository.
func NewPreferences(s *Store) Preferences { return Preferences{s} }

// load is the user's preferences, or the defaults stamped with the user's
// creation time when none are stored.
func (r Preferences) load(userID string) (preferences.Preferences, error) {
	r.s.mu.RLock()
	defer r.s.mu.RUnlock()
	u, ok := r.s.users[userID]
	if !ok {
		return preferences.Preferences{}, noSuchUser()
	}
	if p, ok := r.s.prefs[userID]; ok {
		return p, nil
	}
	return preferences.Default(u.CreatedAt().UTC()), nil
}

func (r Preferences) Get(_ context.Context, userID string) (preferences.Preferences, error) {
	return r.load(userID)
}

// Update takes the user's row lock, as the SQL store does: the preferences
// may not be stored yet, so they cannot be what is locked.
func (r Preferences) Update(ctx context.Context, userID string, fn func(*preferences.Preferences) error) error {
	unlock, err := r.s.rows.lock(ctx, "user:"+userID)
	if err != nil {
		return err
	}
	defer unlock()
	p, err := r.load(userID)
	if err != nil {
		return err
	}
	before := p.Snapshot()
	if err := fn(&p); err != nil {
		return err
	}
	if p.Snapshot() == before {
		return nil
	}
	r.s.mu.Lock()
	r.s.prefs[userID] = p
	if before.Leaderboards && !p.Leaderboards() {
		r.s.leaveOpenCohorts(userID)
	}
	r.s.mu.Unlock()
	return nil
}

// Settings is the store as ports.LearnerSettings.
type Settings struct{ s *Store }

// NewSettings gives the store as the learner settings.
func NewSettings(s *Store) Settings { return Settings{s} }

// Settings reads the stored preferences; a learner without any has
// preferences.DefaultSettings.
func (r Settings) Settings(_ context.Context, userID string) (calendar.Zone, int, error) {
	r.s.mu.RLock()
	defer r.s.mu.RUnlock()
	if p, ok := r.s.prefs[userID]; ok {
		return p.Zone(), p.DailyXPGoal(), nil
	}
	zone, goal := preferences.DefaultSettings()
	return zone, goal, nil
}
