package analytics

import (
	"time"

	"github.com/lingo-labs/lingo/domain/league"
	"github.com/lingo-labs/lingo/ports"
)

// WithLeagues has every stored event move its XP into the learner's league
// week, in the event's transaction: the week that holds the instant the
// event was received, in cohorts of cohortSize. Without it events move no
// league XP.
func WithLeagues(cal league.Calendar, cohortSize int) Option {
	return func(s *Service) { s.leagues, s.cohortSize = &cal, cohortSize }
}

// leagueCredit is the league XP of an event that awarded xp, received at.
func (s *Service) leagueCredit(xp int, received time.Time) ports.LeagueCredit {
	if s.leagues == nil || xp <= 0 {
		return ports.LeagueCredit{}
	}
	return ports.LeagueCredit{Week: s.leagues.WeekOf(received), XP: xp, At: received, CohortSize: s.cohortSize}
}

// recountLeagues sets the learner's league XP of the weeks that may still be
// open, this one and the one before (whose close waits a grace after its
// end), from the stored events after a void or a rebuild. A closed week's
// results stay as closed (docs/leagues.md).
func (s *Service) recountLeagues(tx ports.LearnerTx, now time.Time) error {
	if s.leagues == nil {
		return nil
	}
	this := s.leagues.WeekOf(now)
	for _, w := range []league.Week{s.leagues.WeekOf(this.Start().Add(-time.Nanosecond)), this} {
		if err := tx.RecountLeague(w); err != nil {
			return err
		}
	}
	return nil
}

// RecountLeague passes the recount to the store: league XP follows the
// stored events the batch's appends join.
func (b *batchTx) RecountLeague(w league.Week) error { return b.inner.RecountLeague(w) }
