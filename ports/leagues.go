package ports

import (
	"context"
	"time"

	"github.com/lingo-labs/lingo/domain/league"
	"github.com/lingo-labs/lingo/domain/webhook"
)

// LeagueCredit is the league XP an append moves: XP of an event received at
// At, in the week that holds At. A learner's first credit with XP in a week
// joins them: into the open cohort of their tier, cohorts holding
// CohortSize learners in join order. A zero XP credit moves nothing.
type LeagueCredit struct {
	Week       league.Week
	XP         int
	At         time.Time
	CohortSize int
}

// LeagueMember is one learner of a cohort's standings, with what the
// standings show of them.
type LeagueMember struct {
	league.Member
	DisplayName string
	AvatarKey   string
}

// LeagueStanding is a learner's current week: their tier and, once they
// joined, their cohort with its members in standing order.
type LeagueStanding struct {
	Tier     league.Tier
	Joined   bool
	CohortID string
	Members  []LeagueMember
}

// LeagueCohort is a cohort as its close sees it.
type LeagueCohort struct {
	ID      string
	Week    league.Week
	Tier    league.Tier
	Members []league.Member
}

// LeagueStore keeps the weekly leagues: tiers, cohorts, memberships and
// results. League XP moves with the events (LearnerTx.Append and
// RecountLeague); a learner who turns social.leaderboards off leaves every
// cohort not yet closed in the preferences' own transaction
// (PreferencesRepository.Update). Errors are Unavailable or Internal.
type LeagueStore interface {
	// Current returns the learner's tier and their membership of week, with
	// the cohort's members in standing order (bronze, not joined, for a
	// learner the store never saw).
	Current(ctx context.Context, userID string, week league.Week) (LeagueStanding, error)
	// History returns up to limit of the learner's results, newest week
	// first, of weeks starting strictly before before when it is not zero.
	History(ctx context.Context, userID string, before time.Time, limit int) ([]league.Result, error)
	// EndedCohorts returns the ids of up to limit cohorts not yet closed
	// whose week ended at or before now, oldest week first.
	EndedCohorts(ctx context.Context, now time.Time, limit int) ([]string, error)
	// CloseCohort closes one cohort in one transaction: it marks the cohort
	// closed, calls rank with its members, stores the results rank returns
	// (one per learner and week), moves each learner's tier to the result's
	// new tier, and publishes the messages, all or nothing. A cohort closed
	// already is left alone and CloseCohort reports false; so does one
	// closing in another transaction at the same moment, which waits for it.
	CloseCohort(ctx context.Context, cohortID string, now time.Time,
		rank func(c LeagueCohort) ([]league.Result, []webhook.Message, error)) (bool, error)
}

// LeagueCloser is the use case of the periodic league job.
type LeagueCloser interface {
	// CloseEnded closes every cohort of the weeks that ended.
	CloseEnded(ctx context.Context) error
}
