package bootstrap

import (
	"time"

	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/httpapi"
	"github.com/lingo-labs/lingo/adapters/riverqueue"
	"github.com/lingo-labs/lingo/application/leagues"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/domain/league"
	"github.com/lingo-labs/lingo/ports"
)

// LeaguesModule is issue 17, the weekly leagues: the week calendar, the use
// cases and their routes. League XP moves with the events (the analytics
// service's WithLeagues) and the weeks close on the job engine (jobs.go,
// memjobs.go).
var LeaguesModule = fx.Module("leagues",
	fx.Provide(
		newLeagueCalendar,
		newLeaguesService,
		httpapi.AsRoutes(httpapi.NewLeaguesHandler),
		// The close on River; only built when the SQL job engine is.
		fx.Annotate(func(cfg config.Config, svc *leagues.Service) riverqueue.Addon {
			return riverqueue.LeagueClose(svc, cfg.League.CloseInterval)
		}, fx.ResultTags(`group:"river_addons"`)),
	),
)

func newLeagueCalendar(cfg config.Config) (league.Calendar, error) {
	return league.NewCalendar(cfg.League.Period)
}

func newLeaguesService(cfg config.Config, store ports.LeagueStore, clk ports.Clock, ids ports.IDGenerator,
	cal league.Calendar, log *zap.Logger) *leagues.Service {
	return leagues.New(leagues.Deps{Store: store, Clock: clk, IDs: ids, Calendar: cal,
		BeforeCohort: pauseAfterCohorts(cfg.League.TestPauseAfterCohorts, log)})
}

// pauseAfterCohorts is the fault test's hook (LINGO_LEAGUE_TEST_PAUSE_AFTER_COHORTS):
// once this process closed n cohorts, every close stops before its next
// cohort for good, so that the test can kill the process half-way through
// a close.
func pauseAfterCohorts(n int, log *zap.Logger) func(int) {
	if n <= 0 {
		return nil
	}
	return func(closed int) {
		if closed >= n {
			log.Warn("league close paused by LINGO_LEAGUE_TEST_PAUSE_AFTER_COHORTS", zap.Int("closed", closed))
			time.Sleep(time.Hour)
		}
	}
}

// leagueCloserIn is the league service for the job engines; optional so
// that the engines run without the leagues feature.
type leagueCloserIn struct {
	fx.In
	Leagues *leagues.Service `optional:"true"`
}

func (in leagueCloserIn) closer() ports.LeagueCloser {
	if in.Leagues == nil {
		return nil
	}
	return in.Leagues
}
