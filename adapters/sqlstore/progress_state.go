package sqlstore

import (
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/lingo-labs/lingo/domain/account"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// stateQuery reads, in one statement, everything an event needs under the
// learner's lock on PostgreSQL:
//   - total_xp, the runs of active dates (as activeDates folds them), the
//     streak ledger (as withLedger reads it), the achievement codes, and the
//     event's and today's day records, each folded into one JSON column;
//   - the account's standing (LearnerTx.Standing) and the learner's
//     settings (LearnerTx.Settings);
//   - what the event's other writes need to ride in its write batch: the
//     week of the learner's latest league membership (a credit to that week
//     needs no join, only its UPDATE) and the enabled webhook endpoints
//     (subscriptionsQuery);
//   - the stored event with that event_id, if any, as the row's other
//     columns.
//
// The streak is readStreak's: the stored settlement (the first CTE) when it
// ends before the event's date and today, and the active dates, ledger and
// marks after it (every one when there is none to resume from: the cut is
// then the empty string).
//
// It is a statement of its own after the lock's: its snapshot is taken once
// the lock is held, so it sees every write of the transactions that held the
// lock before (one statement with the lock would read a snapshot taken
// before waiting for it).
//
// With no event to look for (a batch's items were looked up before its
// transaction, and a read looks for none) the lookup is left out of the
// statement (stateQueryNoEvent) rather than given a NULL event_id: the
// prepared statement's generic plan is made once, and when it was made on
// a young table it can find the learner's rows through (user_id, seq) with
// event_id as a filter, which reads every event of the learner even for a
// NULL (docs/benchmarks.md, issue 18, "A plan that read the learner's every
// event").
const (
	stateQuery        = stateSelect + `user_id = $1 AND event_id = $4) AS e ON true`
	stateQueryNoEvent = stateSelect + `false) AS e ON true`
)

// stateSelect is stateQuery up to the condition of its event lookup.
const stateSelect = `WITH base AS (
	SELECT settled_through, run, longest, equipped, used_total, last_used_on, first_active, last_active, active_days
	FROM learner_streaks WHERE user_id = $1 AND settled_through < $2 AND settled_through < $3),
cut AS (SELECT COALESCE((SELECT settled_through FROM base), '') AS after)
SELECT
	COALESCE((SELECT total_xp FROM learner_progress WHERE user_id = $1), 0),
	(SELECT json_agg(json_build_object('d', first, 'n', n)) FROM (
		SELECT MIN(local_date) AS first, COUNT(*) AS n FROM (
			SELECT local_date, local_date::date - CAST(ROW_NUMBER() OVER (ORDER BY local_date::date) AS INTEGER) AS run
			FROM learner_days WHERE user_id = $1 AND active AND local_date > (SELECT after FROM cut)) t
		GROUP BY run) r),
	(SELECT json_agg(json_build_object('k', k, 'd', local_date, 'n', n)) FROM (
		SELECT 'grant' AS k, local_date, count AS n FROM streak_grants WHERE user_id = $1 AND local_date > (SELECT after FROM cut)
		UNION ALL SELECT 'repair', local_date, 0 FROM streak_repairs WHERE user_id = $1 AND local_date > (SELECT after FROM cut)
		UNION ALL SELECT status, local_date, 0 FROM streak_marks WHERE user_id = $1 AND local_date > (SELECT after FROM cut)) l),
	(SELECT json_build_object('t', settled_through, 'r', run, 'l', longest, 'e', equipped, 'u', used_total,
		'lu', last_used_on, 'f', first_active, 'la', last_active, 'n', active_days) FROM base),
	(SELECT json_agg(code ORDER BY unlocked_at, code) FROM learner_achievements WHERE user_id = $1),
	(SELECT json_agg(json_build_object('d', local_date, 'xp', xp, 'c', credited_xp, 'g', goal_xp, 'm', goal_met,
			'a', active, 'l', lessons_completed, 't', time_spent_seconds))
		FROM learner_days WHERE user_id = $1 AND local_date IN ($2, $3)),
	(SELECT max(week_start) FROM league_members WHERE user_id = $1),
	(SELECT json_build_array(is_active, purge_after IS NOT NULL, token_version) FROM users WHERE id = $1),
	(SELECT timezone FROM user_preferences WHERE user_id = $1),
	(SELECT daily_xp_goal FROM user_preferences WHERE user_id = $1),
	(` + subscriptionsQuery + `),
	-- The event's columns in eventColumns' order; those scanEvent reads as
	-- NOT NULL are COALESCEd for the row without an event (no id), which
	-- scanEvent answers as no row.
	e.id, e.user_id, e.event_id, COALESCE(e.event_type, ''), COALESCE(e.category, ''), e.occurred_at, e.received_at,
	COALESCE(e.local_date, '0001-01-01'), e.session_id, e.course_id, e.lesson_id, e.exercise_id, e.duration_seconds,
	e.score, e.is_correct, COALESCE(e.device_type, ''), COALESCE(e.platform, ''), e.app_version, e.metadata,
	COALESCE(e.xp_awarded, 0), COALESCE(e.body_hash, ''), COALESCE(e.answer, ''), e.received_on, e.voided_at
	FROM (SELECT 1) AS one LEFT JOIN LATERAL (
		SELECT ` + eventColumns + ` FROM learning_events WHERE `

// prefixScanner scans its own targets first, then the caller's.
type prefixScanner struct {
	sc    interface{ Scan(...any) error }
	first []any
}

func (p prefixScanner) Scan(dest ...any) error { return p.sc.Scan(append(p.first, dest...)...) }

var _ ports.EventStateReader = (*learnerTx)(nil)

func (t *learnerTx) FindEventAndState(eventID string, day, today calendar.Date) (ports.StoredEvent, bool, progress.State, error) {
	if t.db.dialect != Postgres {
		e, ok, err := t.FindEvent(eventID)
		if err != nil {
			return e, ok, progress.State{}, err
		}
		st, err := t.State(day, today)
		return e, ok, st, err
	}
	return t.readState(&eventID, day, today)
}

var _ ports.EventsStateReader = (*learnerTx)(nil)

// FindEventsAndState sends the lookup and the state read with BEGIN and the
// lock when they are the transaction's first statements (a batch's), else
// one after the other.
func (t *learnerTx) FindEventsAndState(eventIDs []string, day, today calendar.Date) (map[string]ports.StoredEvent, progress.State, error) {
	if t.pipe == nil || t.pipe.begun || len(eventIDs) == 0 {
		stored, err := t.FindEvents(eventIDs)
		if err != nil {
			return nil, progress.State{}, err
		}
		st, err := t.State(day, today)
		return stored, st, err
	}
	stored := make(map[string]ports.StoredEvent, len(eventIDs))
	var st progress.State
	err := t.pipe.begin(
		&pipedRead{sql: findEventsQuery, args: []any{uuidArray(eventIDs), t.userID},
			each: func(row interface{ Scan(...any) error }) error { return addEvent(stored, row) }},
		&pipedRead{sql: stateQueryNoEvent, args: []any{t.userID, day.String(), today.String()},
			scan: func(row interface{ Scan(...any) error }) error {
				var err error
				_, _, st, err = t.scanState(row, day, today)
				return err
			}})
	if err != nil {
		return nil, progress.State{}, err
	}
	return stored, st, nil
}

// readState is stateQuery: the state, and the event with that event_id
// when eventID is not nil.
func (t *learnerTx) readState(eventID *string, day, today calendar.Date) (ports.StoredEvent, bool, progress.State, error) {
	q, args := stateQuery, []any{t.userID, day.String(), today.String(), eventID}
	if eventID == nil {
		q, args = stateQueryNoEvent, args[:3]
	}
	if t.pipe != nil && !t.pipe.begun {
		// The transaction's first statement: BEGIN, the lock and this read
		// go in one round trip.
		var (
			stored ports.StoredEvent
			found  bool
			st     progress.State
		)
		err := t.pipe.begin(&pipedRead{sql: q, args: args,
			scan: func(row interface{ Scan(...any) error }) error {
				var err error
				stored, found, st, err = t.scanState(row, day, today)
				return err
			}})
		return stored, found, st, err
	}
	row := t.tx.Statement.ConnPool.QueryRowContext(t.tx.Statement.Context, q, args...)
	return t.scanState(row, day, today)
}

// scanState scans stateQuery's row, keeping the league week and the
// endpoints for AppendAll.
func (t *learnerTx) scanState(row interface{ Scan(...any) error }, day, today calendar.Date) (ports.StoredEvent, bool, progress.State, error) {
	var (
		totalXP                         int
		runs, ledger, base, codes, days []byte
		week                            sqlTime
		standing                        []byte
		timezone                        *string
		goal                            *int
		subs                            []byte
	)
	stored, err := scanEvent(prefixScanner{sc: row, first: []any{&totalXP, &runs, &ledger, &base, &codes, &days, &week, &standing, &timezone, &goal, &subs}})
	found := err == nil
	if errors.Is(err, errNoRows) {
		err = nil
	}
	if err != nil {
		return stored, false, progress.State{}, Classify(err)
	}
	if t.subs, err = decodeSubscriptions(subs); err != nil {
		return stored, false, progress.State{}, err
	}
	if t.standing, t.found, err = decodeStanding(standing); err != nil {
		return stored, false, progress.State{}, err
	}
	t.read, t.leagueWeek = true, week.Time
	t.zone, t.goal = settingsOf(timezone, deref(goal))
	st, err := decodeState(totalXP, runs, ledger, base, codes, days, day, today)
	return stored, found, st, err
}

func decodeState(totalXP int, runs, ledger, base, codes, days []byte, day, today calendar.Date) (progress.State, error) {
	corrupt := func(err error) (progress.State, error) {
		return progress.State{}, errs.Wrap(errs.Internal, "", err)
	}
	st := progress.State{TotalXP: totalXP}
	var rs []struct {
		D string `json:"d"`
		N int    `json:"n"`
	}
	if err := unmarshalNull(runs, &rs); err != nil {
		return corrupt(err)
	}
	var dates []calendar.Date
	for _, r := range rs {
		first, err := calendar.ParseDate(r.D)
		if err != nil {
			return corrupt(err)
		}
		for i := range r.N {
			dates = append(dates, first.AddDays(i))
		}
	}
	var ls []struct {
		K string `json:"k"`
		D string `json:"d"`
		N int    `json:"n"`
	}
	if err := unmarshalNull(ledger, &ls); err != nil {
		return corrupt(err)
	}
	var (
		grants  []progress.Grant
		repairs []calendar.Date
		marks   []progress.SettledDay
	)
	for _, l := range ls {
		d, err := calendar.ParseDate(l.D)
		if err != nil {
			return corrupt(err)
		}
		switch l.K {
		case "grant":
			grants = append(grants, progress.Grant{Date: d, Count: l.N})
		case "repair":
			repairs = append(repairs, d)
		default:
			s, err := progress.ParseStatus(l.K)
			if err != nil {
				return progress.State{}, errs.Wrap(errs.Internal, errs.CodeCorruptStreakMark, err)
			}
			marks = append(marks, progress.SettledDay{Date: d, Status: s})
		}
	}
	if len(base) == 0 {
		st.Streak = progress.NewStreak(dates).WithLedger(grants, repairs, marks)
	} else {
		var r streakRow
		if err := json.Unmarshal(base, &r); err != nil {
			return corrupt(err)
		}
		b, err := r.base()
		if err != nil {
			return progress.State{}, err
		}
		st.Streak = progress.ResumeStreak(b, dates, grants, repairs, marks)
	}
	var cs []string
	if err := unmarshalNull(codes, &cs); err != nil {
		return corrupt(err)
	}
	for _, c := range cs {
		a, err := progress.ParseAchievement(c)
		if err != nil {
			return progress.State{}, errs.Wrap(errs.Internal, errs.CodeCorruptAchievement, err)
		}
		st.Achievements = append(st.Achievements, a)
	}
	var ds []struct {
		D  string `json:"d"`
		XP int    `json:"xp"`
		C  int    `json:"c"`
		G  int    `json:"g"`
		M  bool   `json:"m"`
		A  bool   `json:"a"`
		L  int    `json:"l"`
		T  int    `json:"t"`
	}
	if err := unmarshalNull(days, &ds); err != nil {
		return corrupt(err)
	}
	st.Day, st.Today = progress.NewDay(day), progress.NewDay(today)
	for _, r := range ds {
		date, err := calendar.ParseDate(r.D)
		if err != nil {
			return corrupt(err)
		}
		d, err := progress.RestoreDay(progress.DayRecord{Date: date, XP: r.XP, CreditedXP: r.C, GoalXP: r.G, GoalMet: r.M,
			Active: r.A, LessonsCompleted: r.L, TimeSpentSeconds: r.T})
		if err != nil {
			return progress.State{}, err
		}
		if date == day {
			st.Day = d
		}
		if date == today {
			st.Today = d
		}
	}
	return st, nil
}

// unmarshalNull decodes a JSON column; SQL NULL (an empty aggregate) leaves v as is.
func unmarshalNull(b []byte, v any) error {
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, v)
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func (t *learnerTx) Settings() (calendar.Zone, int, error) {
	if t.read {
		return t.zone, t.goal, nil
	}
	return readSettings(t.tx, t.userID)
}

// decodeStanding reads stateQuery's standing column (NULL: no account).
func decodeStanding(b []byte) (account.Standing, bool, error) {
	if len(b) == 0 {
		return account.Standing{}, false, nil
	}
	var v [3]json.RawMessage
	var s account.Standing
	if err := json.Unmarshal(b, &v); err != nil {
		return s, false, errs.Wrap(errs.Internal, "", err)
	}
	for i, dst := range []any{&s.Active, &s.PendingDeletion, &s.TokenVersion} {
		if err := json.Unmarshal(v[i], dst); err != nil {
			return s, false, errs.Wrap(errs.Internal, "", err)
		}
	}
	return s, true, nil
}

func (t *learnerTx) Standing() (account.Standing, bool, error) {
	if t.read {
		return t.standing, t.found, nil
	}
	var rows []struct {
		IsActive     bool
		PurgeAfter   sql.NullTime
		TokenVersion int
	}
	if err := t.tx.Raw(`SELECT is_active, purge_after, token_version FROM users WHERE id = ?`, t.userID).Scan(&rows).Error; err != nil {
		return account.Standing{}, false, Classify(err)
	}
	if len(rows) == 0 {
		return account.Standing{}, false, nil
	}
	r := rows[0]
	return account.Standing{Active: r.IsActive, PendingDeletion: r.PurgeAfter.Valid, TokenVersion: r.TokenVersion}, true, nil
}
