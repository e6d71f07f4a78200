package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/lingo-labs/lingo/domain/league"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// leagues is what the SQL store keeps in league_tiers, league_pools,
// league_cohorts, league_members and league_results. It is guarded by the
// store's mutex: a join holds it for the whole placement, so placement is
// exact as the SQL store's counter row makes it.
type leagues struct {
	tiers   map[string]league.Tier
	pools   map[poolKey]int
	cohorts map[string]*cohort
	members map[memberKey]*membership
	results map[memberKey]league.Result
}

type poolKey struct {
	week string
	tier league.Tier
}

type memberKey struct{ week, user string }

type cohort struct {
	id     string
	week   league.Week
	tier   league.Tier
	closed bool
}

type membership struct {
	cohortID  string
	xp        int
	reachedAt time.Time
	joinedAt  time.Time
}

// forget removes the learner's tier, memberships and results (an
// erasure); the caller holds s.mu for writing.
func (lg *leagues) forget(userID string) {
	delete(lg.tiers, userID)
	for k := range lg.members {
		if k.user == userID {
			delete(lg.members, k)
		}
	}
	for k := range lg.results {
		if k.user == userID {
			delete(lg.results, k)
		}
	}
}

func newLeagues() leagues {
	return leagues{tiers: map[string]league.Tier{}, pools: map[poolKey]int{}, cohorts: map[string]*cohort{},
		members: map[memberKey]*membership{}, results: map[memberKey]league.Result{}}
}

// leagueOp is one league write of a learner transaction: a credit, or a
// recount of a week.
type leagueOp struct {
	credit  ports.LeagueCredit
	recount league.Week
}

// RecountLeague implements ports.LearnerTx; the recount is made at commit,
// over the learner's events as committed.
func (t *learnerTx) RecountLeague(w league.Week) error {
	t.league = append(t.league, leagueOp{recount: w})
	return nil
}

// commitLeague makes the transaction's league writes; the caller holds
// s.mu for writing.
func (t *learnerTx) commitLeague(events map[string]ports.StoredEvent) {
	if t == nil {
		return
	}
	lg := &t.s.leagues
	for _, op := range t.league {
		if !op.recount.IsZero() {
			m := lg.members[memberKey{op.recount.ID(), t.userID}]
			if m == nil || lg.cohorts[m.cohortID] != nil && lg.cohorts[m.cohortID].closed {
				continue // a closed week's results stay as closed
			}
			m.xp, m.reachedAt = 0, m.joinedAt
			for _, e := range events {
				ev := e.Event
				_, voided := ev.VoidedAt()
				if !voided && ev.XPAwarded() != 0 && op.recount.Contains(ev.ReceivedAt()) {
					m.xp += ev.XPAwarded()
					if ev.ReceivedAt().After(m.reachedAt) || m.reachedAt.Equal(m.joinedAt) {
						m.reachedAt = ev.ReceivedAt()
					}
				}
			}
			continue
		}
		if p, ok := t.s.prefs[t.userID]; ok && !p.Leaderboards() {
			continue
		}
		c := op.credit
		if m := lg.members[memberKey{c.Week.ID(), t.userID}]; m != nil {
			m.xp += c.XP
			m.reachedAt = at(c.At)
			continue
		}
		tier := lg.tiers[t.userID]
		if tier == 0 {
			tier = league.Bronze
		}
		k := poolKey{c.Week.ID(), tier}
		lg.pools[k]++
		seq := league.CohortOf(lg.pools[k], max(c.CohortSize, 1))
		id := cohortID(c.Week, tier, seq)
		if lg.cohorts[id] == nil {
			lg.cohorts[id] = &cohort{id: id, week: c.Week, tier: tier}
		}
		lg.members[memberKey{c.Week.ID(), t.userID}] = &membership{cohortID: id, xp: c.XP, reachedAt: at(c.At), joinedAt: at(c.At)}
	}
}

// cohortID names a cohort as the SQL store does.
func cohortID(w league.Week, t league.Tier, seq int) string {
	return fmt.Sprintf("%s-%s-%d", w.Start().UTC().Format("20060102T150405Z"), t, seq)
}

// leaveOpenCohorts is the opt-out of leaderboards; the caller holds s.mu.
func (s *Store) leaveOpenCohorts(userID string) {
	for k, m := range s.leagues.members {
		if k.user == userID && !s.leagues.cohorts[m.cohortID].closed {
			delete(s.leagues.members, k)
		}
	}
}

// Leagues is the store as ports.LeagueStore.
type Leagues struct{ s *Store }

var _ ports.LeagueStore = Leagues{}

// NewLeagues gives the store as the league store.
func NewLeagues(s *Store) Leagues { return Leagues{s} }

func (l Leagues) Current(_ context.Context, userID string, w league.Week) (ports.LeagueStanding, error) {
	l.s.mu.RLock()
	defer l.s.mu.RUnlock()
	lg := l.s.leagues
	st := ports.LeagueStanding{Tier: league.Bronze}
	if t := lg.tiers[userID]; t != 0 {
		st.Tier = t
	}
	m := lg.members[memberKey{w.ID(), userID}]
	if m == nil {
		return st, nil
	}
	st.Joined, st.CohortID, st.Tier = true, m.cohortID, lg.cohorts[m.cohortID].tier
	for k, o := range lg.members {
		if o.cohortID != m.cohortID {
			continue
		}
		u, ok := l.s.users[k.user]
		if !ok {
			continue
		}
		st.Members = append(st.Members, ports.LeagueMember{
			Member:      league.Member{UserID: k.user, XP: o.xp, ReachedAt: o.reachedAt},
			DisplayName: u.DisplayName().String(), AvatarKey: u.AvatarKey(),
		})
	}
	slices.SortFunc(st.Members, func(a, b ports.LeagueMember) int { return league.Compare(a.Member, b.Member) })
	return st, nil
}

func (l Leagues) History(_ context.Context, userID string, before time.Time, limit int) ([]league.Result, error) {
	l.s.mu.RLock()
	defer l.s.mu.RUnlock()
	var out []league.Result
	for k, r := range l.s.leagues.results {
		if k.user == userID && (before.IsZero() || r.Week.Start().Before(before)) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b league.Result) int { return b.Week.Start().Compare(a.Week.Start()) })
	return out[:min(limit, len(out))], nil
}

func (l Leagues) EndedCohorts(_ context.Context, now time.Time, limit int) ([]string, error) {
	l.s.mu.RLock()
	defer l.s.mu.RUnlock()
	var due []*cohort
	for _, c := range l.s.leagues.cohorts {
		if !c.closed && !c.week.End().After(now) {
			due = append(due, c)
		}
	}
	slices.SortFunc(due, func(a, b *cohort) int {
		return cmp.Or(a.week.End().Compare(b.week.End()), cmp.Compare(a.id, b.id))
	})
	out := make([]string, 0, min(limit, len(due)))
	for _, c := range due[:min(limit, len(due))] {
		out = append(out, c.id)
	}
	return out, nil
}

// CloseCohort holds the cohort's row lock for the whole close, and the
// store's mutex only to read the members and to write the results, as
// the learner transactions do.
func (l Leagues) CloseCohort(ctx context.Context, id string, now time.Time,
	rank func(ports.LeagueCohort) ([]league.Result, []webhook.Message, error)) (bool, error) {
	unlock, err := l.s.rows.lock(ctx, "cohort:"+id)
	if err != nil {
		return false, err
	}
	defer unlock()
	l.s.mu.RLock()
	c := l.s.leagues.cohorts[id]
	if c == nil || c.closed {
		l.s.mu.RUnlock()
		return false, nil
	}
	lc := ports.LeagueCohort{ID: id, Week: c.week, Tier: c.tier}
	for k, m := range l.s.leagues.members {
		if m.cohortID == id {
			lc.Members = append(lc.Members, league.Member{UserID: k.user, XP: m.xp, ReachedAt: m.reachedAt})
		}
	}
	l.s.mu.RUnlock()
	results, msgs, err := rank(lc)
	if err != nil {
		return false, err
	}
	ds, err := l.s.prepare(msgs)
	if err != nil {
		return false, err
	}
	l.s.mu.Lock()
	c.closed = true
	for _, r := range results {
		k := memberKey{r.Week.ID(), r.UserID}
		if _, ok := l.s.leagues.results[k]; !ok {
			l.s.leagues.results[k] = r
		}
		l.s.leagues.tiers[r.UserID] = r.NewTier
	}
	l.s.mu.Unlock()
	l.s.deliver(ctx, ds)
	return true, nil
}
