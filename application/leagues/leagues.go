// Package leagues holds the weekly leagues' use cases: the learner's current
// league and past weeks, and the close of the weeks that ended. League XP
// itself moves with the events (analytics.WithLeagues).
package leagues

import (
	"context"
	"encoding/base64"
	"sync/atomic"
	"time"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/league"
	"github.com/lingo-labs/lingo/domain/paging"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// Deps are the service's collaborators and settings.
type Deps struct {
	Store    ports.LeagueStore
	Clock    ports.Clock
	IDs      ports.IDGenerator
	Calendar league.Calendar
	// BeforeCohort, when set, runs before each cohort the close takes on,
	// with the number of cohorts this service closed so far; a test hook
	// that holds the process half-way through a close.
	BeforeCohort func(closed int)
}

// Service is the league use cases.
type Service struct {
	d      Deps
	closed atomic.Int64
}

// New makes the service.
func New(d Deps) *Service { return &Service{d: d} }

// Standing is one row of a cohort's standings.
type Standing struct {
	Rank int
	ports.LeagueMember
}

// Current is the learner's current week.
type Current struct {
	Week     league.Week
	Tier     league.Tier
	Joined   bool
	CohortID string
	// Rank is 0 when the learner has not joined.
	Rank          int
	XP            int
	PromotionRank int
	// DemotionRank is 0 when nobody of the cohort moves down.
	DemotionRank int
	Standings    []Standing
}

// Current returns the learner's league this week.
func (s *Service) Current(ctx context.Context, userID string) (Current, error) {
	w := s.d.Calendar.WeekOf(s.d.Clock.Now())
	st, err := s.d.Store.Current(ctx, userID, w)
	if err != nil {
		return Current{}, err
	}
	c := Current{Week: w, Tier: st.Tier, Joined: st.Joined, CohortID: st.CohortID, PromotionRank: st.Tier.PromotionRank(),
		Standings: make([]Standing, 0, len(st.Members))}
	for i, m := range st.Members {
		c.Standings = append(c.Standings, Standing{Rank: i + 1, LeagueMember: m})
		if m.UserID == userID {
			c.Rank, c.XP = i+1, m.XP
		}
	}
	if st.Joined {
		if d, ok := st.Tier.DemotionRank(len(st.Members)); ok {
			c.DemotionRank = d
		}
	}
	return c, nil
}

// HistoryPage is one page of past weeks; NextCursor is "" when nothing
// follows.
type HistoryPage struct {
	Results    []league.Result
	Limit      int
	NextCursor string
}

// History returns the learner's past weeks, newest first, after cursor.
func (s *Service) History(ctx context.Context, userID, cursor string, limit int) (HistoryPage, error) {
	p := HistoryPage{Limit: paging.Limit(limit)}
	var before time.Time
	if cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(cursor)
		if err == nil {
			before, err = time.Parse(time.RFC3339Nano, string(b))
		}
		if err != nil {
			return p, errs.Validation(errs.FieldCode("cursor", errs.CodeInvalidCursor, "is not a cursor this server issued"))
		}
	}
	rs, err := s.d.Store.History(ctx, userID, before, p.Limit+1)
	if err != nil {
		return p, err
	}
	if len(rs) > p.Limit {
		rs = rs[:p.Limit]
		last := rs[len(rs)-1].Week.Start().UTC().Format(time.RFC3339Nano)
		p.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(last))
	}
	p.Results = rs
	return p, nil
}

// closeGrace is how long after a week's end its cohorts wait to close, so
// that an event received just before the end, whose transaction is still
// running, counts: at most a request's deadline, and a small part of a
// short test period.
func (s *Service) closeGrace() time.Duration {
	return min(20*time.Second, s.d.Calendar.Period()/10)
}

// CloseEnded closes every cohort of the weeks that ended, one transaction
// per cohort, oldest week first. Each close is all or nothing and a closed
// cohort is never closed again, so a run cut short, or two runs at once,
// leave every cohort closed exactly once.
func (s *Service) CloseEnded(ctx context.Context) error {
	for {
		due := s.d.Clock.Now().Add(-s.closeGrace())
		ids, err := s.d.Store.EndedCohorts(ctx, due, 100)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		for _, id := range ids {
			if s.d.BeforeCohort != nil {
				s.d.BeforeCohort(int(s.closed.Load()))
			}
			closed, err := s.d.Store.CloseCohort(ctx, id, s.d.Clock.Now(), s.rank)
			if err != nil {
				return err
			}
			if closed {
				s.closed.Add(1)
			}
		}
		if len(ids) < 100 {
			return nil
		}
	}
}

// rank is a cohort's close: its results by the table, and a
// league.week_closed message per learner.
func (s *Service) rank(c ports.LeagueCohort) ([]league.Result, []webhook.Message, error) {
	results := league.Close(c.Week, c.Tier, c.Members)
	msgs := make([]webhook.Message, 0, len(results))
	at := s.d.Clock.Now()
	for _, r := range results {
		m, err := webhook.NewMessage(s.d.IDs.NewID(), webhook.LeagueWeekClosed, at, r.UserID, map[string]any{
			"week_id": r.Week.ID(), "tier": r.Tier.String(), "rank": r.Rank, "xp": r.XP,
			"outcome": r.Outcome.String(), "new_tier": r.NewTier.String(),
		})
		if err != nil {
			return nil, nil, errs.Wrap(errs.Internal, "", err)
		}
		msgs = append(msgs, m)
	}
	return results, msgs, nil
}
