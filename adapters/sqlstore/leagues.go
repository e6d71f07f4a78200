package sqlstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/league"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// LeagueStore keeps the weekly leagues (migration 00080): league_tiers,
// league_pools (each week and tier's join counter), league_cohorts,
// league_members and league_results. The standings are read from
// league_members through its (cohort_id, standing order) index, so reading
// a cohort costs its own rows whatever the number of learners.
type LeagueStore struct{ db *DB }

var _ ports.LeagueStore = (*LeagueStore)(nil)

// NewLeagueStore makes the league store.
func NewLeagueStore(db *DB) *LeagueStore { return &LeagueStore{db: db} }

// weekCredit is the league XP of a run of appends in one week.
type weekCredit struct {
	c  ports.LeagueCredit
	xp int
}

// leagueCredits sums the appends' league XP by the week they were
// received in. A replayed event is never appended, so it moves nothing.
func leagueCredits(as []ports.Append) []*weekCredit {
	var weeks []*weekCredit
	byWeek := map[string]*weekCredit{}
	for _, a := range as {
		c := a.League
		if c.XP <= 0 || c.Week.IsZero() {
			continue
		}
		w := byWeek[c.Week.ID()]
		if w == nil {
			w = &weekCredit{c: c}
			byWeek[c.Week.ID()] = w
			weeks = append(weeks, w)
		}
		w.xp += c.XP
		if c.At.After(w.c.At) {
			w.c.At = c.At
		}
	}
	return weeks
}

// creditQuery adds XP to a membership. A membership exists only while the
// learner is opted in (the opt-out deletes it, and an UPDATE that waited
// on that DELETE finds no row), so crediting it needs no preference read.
const creditQuery = `UPDATE league_members SET xp = xp + ?, reached_at = ? WHERE week_start = ? AND user_id = ?`

// addCredit queues the credit of a week the learner is known to be a
// member of (stateQuery's league week) on the event's write batch.
func addCredit(db *DB, b *WriteBatch, userID string, w *weekCredit) {
	b.Add(creditQuery, w.xp, db.at(w.c.At), db.at(w.c.Week.Start()), userID)
}

// creditLeague is the league write of weeks not known to hold a
// membership, in the events' transaction after their batch: the UPDATE,
// and when it finds no row the learner's first XP of the week joins them
// (joinLeague) unless social.leaderboards is off.
func creditLeague(db *DB, tx *gorm.DB, userID string, weeks []*weekCredit) error {
	if len(weeks) == 0 {
		return nil
	}
	optedIn := func() (bool, error) {
		// The user's row is share-locked first so that turning leaderboards
		// off (which holds it for update) and a join are ordered: either the
		// opt-out sees the membership this makes and removes it, or this
		// sees the opt-out. The preference is read by a statement of its
		// own: one statement that waited for the lock would still read the
		// preference row of the snapshot it took before waiting.
		if db.dialect == Postgres {
			if err := tx.Exec(`SELECT 1 FROM users WHERE id = ? FOR SHARE`, userID).Error; err != nil {
				return false, Classify(err)
			}
		}
		var on []bool
		if err := tx.Raw(`SELECT COALESCE(p.social_leaderboards, `+db.boolean(true)+`) FROM users u
			LEFT JOIN user_preferences p ON p.user_id = u.id WHERE u.id = ?`, userID).Scan(&on).Error; err != nil {
			return false, Classify(err)
		}
		return len(on) > 0 && on[0], nil
	}
	for _, w := range weeks {
		res := tx.Exec(creditQuery, w.xp, db.at(w.c.At), db.at(w.c.Week.Start()), userID)
		if res.Error != nil {
			return Classify(res.Error)
		}
		if res.RowsAffected > 0 {
			continue
		}
		on, err := optedIn()
		if err != nil || !on {
			return err
		}
		if err := joinLeague(db, tx, userID, w.c, w.xp); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) boolean(v bool) string {
	switch {
	case db.dialect == Postgres && v:
		return "true"
	case db.dialect == Postgres:
		return "false"
	case v:
		return "1"
	}
	return "0"
}

// joinLeague places the learner in the open cohort of their tier. The
// week and tier's counter row decides the place: its increment takes the
// row's lock until the transaction ends, so concurrent joins queue on it
// and each gets the next number, and a rolled back join gives its number
// back. The n-th learner goes to cohort league.CohortOf(n, size).
func joinLeague(db *DB, tx *gorm.DB, userID string, c ports.LeagueCredit, xp int) error {
	tier := league.Bronze
	var names []string
	if err := tx.Raw(`SELECT tier FROM league_tiers WHERE user_id = ?`, userID).Scan(&names).Error; err != nil {
		return Classify(err)
	}
	if len(names) > 0 {
		t, err := league.ParseTier(names[0])
		if err != nil {
			return errs.Wrap(errs.Internal, "", err)
		}
		tier = t
	}
	start := db.at(c.Week.Start())
	var n int
	if err := tx.Raw(`INSERT INTO league_pools (week_start, tier, joined) VALUES (?, ?, 1)
		ON CONFLICT (week_start, tier) DO UPDATE SET joined = league_pools.joined + 1 RETURNING joined`,
		start, tier.String()).Row().Scan(&n); err != nil {
		return Classify(err)
	}
	seq := league.CohortOf(n, max(c.CohortSize, 1))
	id := CohortID(c.Week, tier, seq)
	if err := tx.Exec(`INSERT INTO league_cohorts (id, week_start, week_end, tier, seq) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`, id, start, db.at(c.Week.End()), tier.String(), seq).Error; err != nil {
		return Classify(err)
	}
	return Classify(tx.Exec(`INSERT INTO league_members (week_start, user_id, cohort_id, xp, reached_at, joined_at)
		VALUES (?, ?, ?, ?, ?, ?)`, start, userID, id, xp, db.at(c.At), db.at(c.At)).Error)
}

// CohortID names a cohort: its week's start, tier and number, unique across
// weeks and readable in logs.
func CohortID(w league.Week, t league.Tier, seq int) string {
	return fmt.Sprintf("%s-%s-%d", w.Start().UTC().Format("20060102T150405Z"), t, seq)
}

// RecountLeague implements ports.LearnerTx: the membership's XP is the sum
// of the learner's stored events received in the week, reached when the
// last of those with XP arrived.
func (t *learnerTx) RecountLeague(w league.Week) error {
	var (
		xp      int
		reached sqlTime
	)
	if err := t.tx.Raw(`SELECT COALESCE(SUM(xp_awarded), 0), MAX(received_at) FROM learning_events
		WHERE user_id = ? AND received_at >= ? AND received_at < ? AND xp_awarded <> 0 AND voided_at IS NULL`,
		t.userID, t.db.at(w.Start()), t.db.at(w.End())).Row().Scan(&xp, &reached); err != nil {
		return Classify(err)
	}
	// A closed week's results stay as closed.
	const open = ` AND cohort_id IN (SELECT id FROM league_cohorts WHERE closed_at IS NULL)`
	q := `UPDATE league_members SET xp = ?, reached_at = ? WHERE week_start = ? AND user_id = ?` + open
	args := []any{xp, t.db.at(reached.Time), t.db.at(w.Start()), t.userID}
	if reached.IsZero() {
		q = `UPDATE league_members SET xp = ?, reached_at = joined_at WHERE week_start = ? AND user_id = ?` + open
		args = []any{xp, t.db.at(w.Start()), t.userID}
	}
	return Classify(t.tx.Exec(q, args...).Error)
}

// leaveOpenCohorts removes the learner from every cohort not closed yet:
// the opt-out of leaderboards, in the preferences' transaction.
func leaveOpenCohorts(tx *gorm.DB, userID string) error {
	return Classify(tx.Exec(`DELETE FROM league_members WHERE user_id = ?
		AND cohort_id IN (SELECT id FROM league_cohorts WHERE closed_at IS NULL)`, userID).Error)
}

func (s *LeagueStore) Current(ctx context.Context, userID string, w league.Week) (ports.LeagueStanding, error) {
	st := ports.LeagueStanding{Tier: league.Bronze}
	if !isUUID(userID) {
		return st, nil
	}
	db := s.db.Gorm(ctx)
	var names []string
	if err := db.Raw(`SELECT tier FROM league_tiers WHERE user_id = ?`, userID).Scan(&names).Error; err != nil {
		return st, Classify(err)
	}
	if len(names) > 0 {
		t, err := league.ParseTier(names[0])
		if err != nil {
			return st, errs.Wrap(errs.Internal, "", err)
		}
		st.Tier = t
	}
	var cohorts []string
	if err := db.Raw(`SELECT cohort_id FROM league_members WHERE week_start = ? AND user_id = ?`,
		s.db.at(w.Start()), userID).Scan(&cohorts).Error; err != nil {
		return st, Classify(err)
	}
	if len(cohorts) == 0 {
		return st, nil
	}
	st.Joined, st.CohortID = true, cohorts[0]
	var tier string
	if err := db.Raw(`SELECT tier FROM league_cohorts WHERE id = ?`, st.CohortID).Row().Scan(&tier); err != nil {
		return st, Classify(err)
	}
	t, err := league.ParseTier(tier)
	if err != nil {
		return st, errs.Wrap(errs.Internal, "", err)
	}
	st.Tier = t // the week is played in the tier the learner joined it with
	rows, err := db.Raw(`SELECT m.user_id, m.xp, m.reached_at, u.display_name, COALESCE(u.avatar_key, '')
		FROM league_members m JOIN users u ON u.id = m.user_id
		WHERE m.cohort_id = ? ORDER BY m.xp DESC, m.reached_at, m.user_id`, st.CohortID).Rows()
	if err != nil {
		return st, Classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			m  ports.LeagueMember
			at sqlTime
		)
		if err := rows.Scan(&m.UserID, &m.XP, &at, &m.DisplayName, &m.AvatarKey); err != nil {
			return st, Classify(err)
		}
		m.ReachedAt = at.Time
		st.Members = append(st.Members, m)
	}
	return st, Classify(rows.Err())
}

func (s *LeagueStore) History(ctx context.Context, userID string, before time.Time, limit int) ([]league.Result, error) {
	if !isUUID(userID) {
		return nil, nil
	}
	q := `SELECT week_start, week_end, tier, rank, xp, outcome, new_tier FROM league_results WHERE user_id = ?`
	args := []any{userID}
	if !before.IsZero() {
		q += ` AND week_start < ?`
		args = append(args, s.db.at(before))
	}
	rows, err := s.db.Gorm(ctx).Raw(q+` ORDER BY week_start DESC LIMIT ?`, append(args, limit)...).Rows()
	if err != nil {
		return nil, Classify(err)
	}
	defer rows.Close()
	var out []league.Result
	for rows.Next() {
		var (
			start, end             sqlTime
			tier, outcome, newTier string
			r                      = league.Result{UserID: userID}
		)
		if err := rows.Scan(&start, &end, &tier, &r.Rank, &r.XP, &outcome, &newTier); err != nil {
			return nil, Classify(err)
		}
		var errT, errO, errN, errW error
		r.Tier, errT = league.ParseTier(tier)
		r.Outcome, errO = league.ParseOutcome(outcome)
		r.NewTier, errN = league.ParseTier(newTier)
		r.Week, errW = league.RestoreWeek(start.Time, end.Time)
		for _, e := range []error{errT, errO, errN, errW} {
			if e != nil {
				return nil, errs.Wrap(errs.Internal, "", e)
			}
		}
		out = append(out, r)
	}
	return out, Classify(rows.Err())
}

func (s *LeagueStore) EndedCohorts(ctx context.Context, now time.Time, limit int) ([]string, error) {
	var ids []string
	err := s.db.Gorm(ctx).Raw(`SELECT id FROM league_cohorts WHERE closed_at IS NULL AND week_end <= ?
		ORDER BY week_end, id LIMIT ?`, s.db.at(now), limit).Scan(&ids).Error
	return ids, Classify(err)
}

func (s *LeagueStore) CloseCohort(ctx context.Context, cohortID string, now time.Time,
	rank func(ports.LeagueCohort) ([]league.Result, []webhook.Message, error)) (bool, error) {
	closed := false
	err := s.db.Transaction(ctx, func(tx *gorm.DB) error {
		// The marker is the lock: a second closer waits on this row and
		// then finds it closed.
		res := tx.Exec(`UPDATE league_cohorts SET closed_at = ? WHERE id = ? AND closed_at IS NULL`, s.db.at(now), cohortID)
		if res.Error != nil {
			return Classify(res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		c := ports.LeagueCohort{ID: cohortID}
		var (
			start, end sqlTime
			tier       string
		)
		if err := tx.Raw(`SELECT week_start, week_end, tier FROM league_cohorts WHERE id = ?`, cohortID).Row().
			Scan(&start, &end, &tier); err != nil {
			return Classify(err)
		}
		var err error
		if c.Week, err = league.RestoreWeek(start.Time, end.Time); err != nil {
			return errs.Wrap(errs.Internal, "", err)
		}
		if c.Tier, err = league.ParseTier(tier); err != nil {
			return errs.Wrap(errs.Internal, "", err)
		}
		lock := ""
		if s.db.dialect == Postgres {
			lock = ` FOR UPDATE`
		}
		rows, err := tx.Raw(`SELECT user_id, xp, reached_at FROM league_members WHERE cohort_id = ? ORDER BY user_id`+lock, cohortID).Rows()
		if err != nil {
			return Classify(err)
		}
		for rows.Next() {
			var (
				m  league.Member
				at sqlTime
			)
			if err := rows.Scan(&m.UserID, &m.XP, &at); err != nil {
				rows.Close()
				return Classify(err)
			}
			m.ReachedAt = at.Time
			c.Members = append(c.Members, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return Classify(err)
		}
		results, msgs, err := rank(c)
		if err != nil {
			return err
		}
		var resultRows, tierRows [][]any
		for _, r := range results {
			resultRows = append(resultRows, []any{r.UserID, s.db.at(r.Week.Start()), s.db.at(r.Week.End()), cohortID,
				r.Tier.String(), r.Rank, r.XP, r.Outcome.String(), r.NewTier.String(), s.db.at(now)})
			tierRows = append(tierRows, []any{r.UserID, r.NewTier.String(), s.db.at(now)})
		}
		for i := 0; i < len(resultRows); i += 100 {
			j := min(i+100, len(resultRows))
			if err := insertRows(tx, `INSERT INTO league_results (user_id, week_start, week_end, cohort_id, tier, rank, xp,
				outcome, new_tier, closed_at) VALUES `, resultRows[i:j], ` ON CONFLICT (user_id, week_start) DO NOTHING`); err != nil {
				return err
			}
			if err := insertRows(tx, `INSERT INTO league_tiers (user_id, tier, updated_at) VALUES `, tierRows[i:j],
				` ON CONFLICT (user_id) DO UPDATE SET tier = excluded.tier, updated_at = excluded.updated_at`); err != nil {
				return err
			}
		}
		if err := s.db.publish(tx, msgs); err != nil {
			return err
		}
		closed = true
		return nil
	})
	return closed, err
}
