// Package analytics holds the progress engine's use cases: taking in
// learning events (single, batch, lesson and course completion) with their
// effects, the event list, the progress summary, user stats, admin metrics
// and the event store's health.
package analytics

import (
	"time"

	"github.com/lingo-labs/lingo/domain/league"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// Service is the analytics use cases.
type Service struct {
	catalog  ports.CatalogRepository
	events   ports.EventStore
	progress ports.ProgressStore
	settings ports.LearnerSettings
	clock    ports.Clock
	ids      ports.IDGenerator
	// cache, when set, serves the progress reads; every event write bumps
	// the learner's Namespace after it commits and before it answers.
	cache       ports.Cache
	onBumpError func(namespace string, err error)
	// streaks and freezeMax are streak protection's (streaks.go).
	streaks   ports.StreakStore
	users     ports.UserRepository
	freezeMax int
	// rebuilds are voids' and rebuilds' (rebuild.go).
	rebuilds ports.RebuildStore
	// leagues and cohortSize are the weekly leagues' (leagues.go); nil: no
	// league XP.
	leagues    *league.Calendar
	cohortSize int
	// settingsCache serves single events' settings (settings.go).
	settingsCache settingsCache
}

// NewService makes the analytics service.
func NewService(cat ports.CatalogRepository, events ports.EventStore, prog ports.ProgressStore,
	settings ports.LearnerSettings, clock ports.Clock, ids ports.IDGenerator, opts ...Option) *Service {
	s := &Service{catalog: cat, events: events, progress: prog, settings: settings, clock: clock, ids: ids,
		freezeMax: progress.DefaultFreezeMax}
	for _, o := range opts {
		o(s)
	}
	return s
}

func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }
