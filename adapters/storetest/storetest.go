// Package storetest is the contract suite of the storage ports: one Run
// function per port (RunUsers, RunRefreshTokens, RunPreferences, RunCatalog,
// RunEvents, RunProgress, RunStreaks, RunRebuild, RunLeagues; RunOutbox, RunWebhooks, RunReminders
// under RunJobs), each case a rule that the port's doc comment in
// ports/ promises, and Run for a whole store. Every storage adapter runs it
// (sqlstore on SQLite and PostgreSQL, memory), as cachetest and ratelimittest
// hold the cache and limiter adapters to theirs; a new adapter that passes it
// can replace the others without the service noticing.
package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/ports"
)

// Subject is one fresh, empty store, as each storage port. The ports of one
// Subject share their data, as they do in the running service (a token's
// user is a user of Users, a course of Snapshot a course of Catalog).
type Subject struct {
	Users       ports.UserRepository
	Tokens      ports.RefreshTokenStore
	Preferences ports.PreferencesRepository
	Settings    ports.LearnerSettings
	Catalog     ports.CatalogRepository
	Events      ports.EventStore
	Progress    ports.ProgressStore
	Streaks     ports.StreakStore
	Rebuilds    ports.RebuildStore
	Leagues     ports.LeagueStore
}

// Run runs every port's suite; fresh makes a new, empty store for each case.
func Run(t *testing.T, fresh func(t *testing.T) Subject) {
	t.Run("users", func(t *testing.T) {
		RunUsers(t, func(t *testing.T) ports.UserRepository { return fresh(t).Users })
	})
	t.Run("refresh tokens", func(t *testing.T) {
		RunRefreshTokens(t, func(t *testing.T) Accounts {
			s := fresh(t)
			return Accounts{Users: s.Users, Tokens: s.Tokens}
		})
	})
	t.Run("preferences", func(t *testing.T) {
		RunPreferences(t, func(t *testing.T) Settings {
			s := fresh(t)
			return Settings{Users: s.Users, Preferences: s.Preferences, Settings: s.Settings, Progress: s.Progress}
		})
	})
	t.Run("catalog", func(t *testing.T) {
		RunCatalog(t, func(t *testing.T) ports.CatalogRepository { return fresh(t).Catalog })
	})
	learning := func(t *testing.T) Learning {
		s := fresh(t)
		return Learning{Users: s.Users, Catalog: s.Catalog, Events: s.Events, Progress: s.Progress, Streaks: s.Streaks,
			Rebuilds: s.Rebuilds}
	}
	t.Run("events", func(t *testing.T) { RunEvents(t, learning) })
	t.Run("progress", func(t *testing.T) { RunProgress(t, learning) })
	t.Run("streaks", func(t *testing.T) { RunStreaks(t, learning) })
	t.Run("rebuild", func(t *testing.T) { RunRebuild(t, learning) })
	t.Run("leagues", func(t *testing.T) {
		RunLeagues(t, func(t *testing.T) Leagues {
			s := fresh(t)
			return Leagues{Users: s.Users, Preferences: s.Preferences, Progress: s.Progress, Leagues: s.Leagues}
		})
	})
}

// T0 is the suite's epoch: microseconds, the precision every store keeps.
var T0 = time.Date(2026, 11, 26, 9, 30, 0, 123456000, time.UTC)

// NewUser makes a learner (not stored) with that email and name.
func NewUser(t testing.TB, email, name string, created time.Time) account.User {
	t.Helper()
	e, err := account.ParseEmail(email)
	require.NoError(t, err)
	n, err := account.ParseDisplayName(name)
	require.NoError(t, err)
	u, err := account.NewUser(uuid.NewString(), e, n, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", account.RoleLearner, created)
	require.NoError(t, err)
	return u
}

// StoredUser makes and stores a learner with a unique email.
func StoredUser(t testing.TB, users ports.UserRepository, created time.Time) account.User {
	t.Helper()
	u := NewUser(t, uuid.NewString()[:8]+"@lingo.example", "Learner", created)
	require.NoError(t, users.Create(t.Context(), u))
	return u
}
