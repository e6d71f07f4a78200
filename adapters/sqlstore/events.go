package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/ports"
)

// eventColumns are learning_events' columns in the order insertEvents writes
// and scanEvent reads them.
const eventColumns = `id, user_id, event_id, event_type, category, occurred_at, received_at, local_date,
	session_id, course_id, lesson_id, exercise_id, duration_seconds, score, is_correct,
	device_type, platform, app_version, metadata, xp_awarded, body_hash, answer, received_on, voided_at`

const eventColumnCount = 24

// eventArgs are the query parameters of one event row.
func (db *DB) eventArgs(s ports.StoredEvent) ([]any, error) {
	r := s.Event.Record()
	var md any
	if r.Metadata != nil {
		b, err := json.Marshal(r.Metadata)
		if err != nil {
			return nil, errs.Wrap(errs.Internal, "", fmt.Errorf("encode metadata of event %s: %w", r.ID, err))
		}
		md = string(b)
	}
	return []any{
		r.ID, r.UserID, r.EventID, r.EventType, s.Event.Category().String(), db.at(r.OccurredAt), db.at(r.ReceivedAt),
		r.LocalDate.String(), strOrNil(r.SessionID), strOrNil(r.CourseID), strOrNil(r.LessonID), strOrNil(r.ExerciseID),
		intOrNil(r.DurationSeconds), intOrNil(r.Score), boolOrNil(r.IsCorrect), r.DeviceType, r.Platform,
		strOrNil(r.AppVersion), md, r.XPAwarded, s.BodyHash, string(s.Answer), dateOrNil(r.ReceivedOn), db.atOrNil(r.VoidedAt),
	}, nil
}

// InsertEvents writes events in multi-row INSERTs (as many rows per
// statement as the drivers' parameter limits allow). It is the benchmark's
// baseline, and the way event rows are written on SQLite; learner
// transactions on PostgreSQL use eventRows.
func (db *DB) InsertEvents(tx *gorm.DB, events []ports.StoredEvent) error {
	const perStatement = 400 // 400 × 24 parameters stays under SQLite's 32766
	for start := 0; start < len(events); start += perStatement {
		chunk := events[start:min(start+perStatement, len(events))]
		var b strings.Builder
		b.WriteString("INSERT INTO learning_events (" + eventColumns + ") VALUES ")
		args := make([]any, 0, len(chunk)*eventColumnCount)
		for i, e := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?" + strings.Repeat(", ?", eventColumnCount-1) + ")")
			a, err := db.eventArgs(e)
			if err != nil {
				return err
			}
			args = append(args, a...)
		}
		if err := tx.Exec(b.String(), args...).Error; err != nil {
			if IsUniqueViolation(err) {
				return errs.Wrap(errs.Conflict, errs.CodeEventIDTaken, err)
			}
			return Classify(err)
		}
	}
	return nil
}

// unnestInsert writes any number of event rows in one statement of 23
// parameters (voided_at is NULL in every new row), one array per column. The multi-row INSERT of InsertEvents
// takes 2 200 placeholders for a batch of 100, which gorm rewrites and pgx
// binds one by one: that was a third of a batch's database time.
const unnestInsert = `INSERT INTO learning_events (` + eventColumns + `)
	SELECT id::uuid, user_id::uuid, event_id::uuid, event_type, category, occurred_at, received_at, local_date,
		session_id, course_id::uuid, lesson_id::uuid, exercise_id, duration_seconds, score, is_correct,
		device_type, platform, app_version, metadata, xp_awarded, body_hash, answer, received_on, NULL::timestamptz
	FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[],
		?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::int[], ?::bool[],
		?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::text[], ?::text[], ?::text[])
	AS t(id, user_id, event_id, event_type, category, occurred_at, received_at, local_date,
		session_id, course_id, lesson_id, exercise_id, duration_seconds, score, is_correct,
		device_type, platform, app_version, metadata, xp_awarded, body_hash, answer, received_on)`

// writeEvents writes event rows in tx on their own, outside an event's
// WriteBatch (a rebuild's server events): on PostgreSQL the one unnest
// INSERT, elsewhere InsertEvents.
func (db *DB) writeEvents(tx *gorm.DB, rows []ports.StoredEvent) error {
	if db.dialect != Postgres || len(rows) == 0 {
		return db.InsertEvents(tx, rows)
	}
	q, args, err := eventArrays(rows)
	if err != nil {
		return err
	}
	w := newWriteBatch(db.dialect)
	w.Add(q, args...)
	if err := w.flush(tx); err != nil {
		if IsUniqueViolation(err) {
			return errs.Wrap(errs.Conflict, errs.CodeEventIDTaken, err)
		}
		return Classify(err)
	}
	return nil
}

// valuesInsert writes one event row. A single event's row goes this way, not
// through unnestInsert: building and unpacking 23 one-element arrays cost
// PostgreSQL 50 µs or more per event than binding 24 plain parameters
// (pgbench, docs/benchmarks.md, issue 18).
var valuesInsert = `INSERT INTO learning_events (` + eventColumns + `) VALUES (?` + strings.Repeat(", ?", eventColumnCount-1) + `)`

// eventRows is the INSERT of the event rows of a learner transaction on
// PostgreSQL with its arguments, for a WriteBatch: one row with plain
// parameters, more as arrays (eventArrays).
func (db *DB) eventRows(events []ports.StoredEvent) (string, []any, error) {
	if len(events) != 1 {
		return eventArrays(events)
	}
	args, err := db.eventArgs(events[0])
	return valuesInsert, args, err
}

// eventArrays is the unnest INSERT of the event rows of a learner
// transaction on PostgreSQL, with its 23 array arguments, for a WriteBatch
// (which sends it straight to the driver: gorm's placeholder rewriting
// would expand the arrays).
func eventArrays(events []ports.StoredEvent) (string, []any, error) {
	n := len(events)
	var (
		ids, users, eventIDs, types, cats, dates        = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		occurred, received                              = make([]time.Time, n), make([]time.Time, n)
		sessions, courses, lessons, exercises, versions = make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n), make([]*string, n)
		metadata                                        = make([]*string, n)
		durations, scores                               = make([]*int, n), make([]*int, n)
		correct                                         = make([]*bool, n)
		devices, platforms, hashes, answers             = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		xp                                              = make([]int, n)
		receivedOn                                      = make([]*string, n)
	)
	for i, s := range events {
		r := s.Event.Record()
		if r.Metadata != nil {
			b, err := json.Marshal(r.Metadata)
			if err != nil {
				return "", nil, errs.Wrap(errs.Internal, "", fmt.Errorf("encode metadata of event %s: %w", r.ID, err))
			}
			md := string(b)
			metadata[i] = &md
		}
		ids[i], users[i], eventIDs[i], types[i], cats[i] = r.ID, r.UserID, r.EventID, r.EventType, s.Event.Category().String()
		occurred[i], received[i] = r.OccurredAt.UTC().Truncate(time.Microsecond), r.ReceivedAt.UTC().Truncate(time.Microsecond)
		dates[i] = r.LocalDate.String()
		sessions[i], courses[i], lessons[i], exercises[i], versions[i] = r.SessionID, r.CourseID, r.LessonID, r.ExerciseID, r.AppVersion
		durations[i], scores[i], correct[i] = r.DurationSeconds, r.Score, r.IsCorrect
		devices[i], platforms[i], xp[i], hashes[i], answers[i] = r.DeviceType, r.Platform, r.XPAwarded, s.BodyHash, string(s.Answer)
		if !r.ReceivedOn.IsZero() {
			d := r.ReceivedOn.String()
			receivedOn[i] = &d
		}
	}
	return unnestInsert, []any{ids, users, eventIDs, types, cats, occurred, received, dates, sessions, courses, lessons, exercises,
		durations, scores, correct, devices, platforms, versions, metadata, xp, hashes, answers, receivedOn}, nil
}

func scanEvent(sc interface{ Scan(...any) error }) (ports.StoredEvent, error) {
	var (
		r                                 learning.EventRecord
		id, userID, eventID               nullString
		category                          string
		occurred, received                sqlTime
		date                              sqlDate
		session, course, lesson, exercise nullString
		appVersion, metadata              nullString
		duration, score                   nullInt
		correct                           nullBool
		hash, answer                      string
		receivedOn                        nullString
		voided                            sqlTime
	)
	if err := sc.Scan(&id, &userID, &eventID, &r.EventType, &category, &occurred, &received, &date,
		&session, &course, &lesson, &exercise, &duration, &score, &correct,
		&r.DeviceType, &r.Platform, &appVersion, &metadata, &r.XPAwarded, &hash, &answer, &receivedOn, &voided); err != nil {
		return ports.StoredEvent{}, err
	}
	if id.p == nil { // a LEFT JOIN that found no event
		return ports.StoredEvent{}, errNoRows
	}
	if receivedOn.p != nil && *receivedOn.p != "" {
		d, err := calendar.ParseDate(*receivedOn.p)
		if err != nil {
			return ports.StoredEvent{}, errs.Wrap(errs.Internal, errs.CodeCorruptEvent, fmt.Errorf("received_on of event %s: %w", *id.p, err))
		}
		r.ReceivedOn = d
	}
	r.VoidedAt = voided.Time
	r.ID, r.UserID, r.EventID = *id.p, *userID.p, *eventID.p
	r.OccurredAt, r.ReceivedAt, r.LocalDate = occurred.Time, received.Time, date.Date
	r.SessionID, r.CourseID, r.LessonID, r.ExerciseID = session.p, course.p, lesson.p, exercise.p
	r.DurationSeconds, r.Score, r.IsCorrect, r.AppVersion = duration.p, score.p, correct.p, appVersion.p
	if metadata.p != nil {
		if err := json.Unmarshal([]byte(*metadata.p), &r.Metadata); err != nil {
			return ports.StoredEvent{}, errs.Wrap(errs.Internal, errs.CodeCorruptEvent, fmt.Errorf("decode metadata of event %s: %w", r.ID, err))
		}
	}
	e, err := learning.RestoreEvent(r)
	if err != nil {
		return ports.StoredEvent{}, err
	}
	out := ports.StoredEvent{Event: e, BodyHash: hash}
	if answer != "" {
		out.Answer = []byte(answer)
	}
	return out, nil
}

// EventStore reads learning_events.
type EventStore struct{ db *DB }

var _ ports.EventStore = (*EventStore)(nil)

// NewEventStore makes the event store.
func NewEventStore(db *DB) *EventStore { return &EventStore{db: db} }

func findEvent(tx *gorm.DB, userID, eventID string) (ports.StoredEvent, bool, error) {
	e, err := scanEvent(tx.Raw(`SELECT `+eventColumns+` FROM learning_events WHERE user_id = ? AND event_id = ?`, userID, eventID).Row())
	if errors.Is(err, errNoRows) {
		return e, false, nil
	}
	if err != nil {
		return e, false, Classify(err)
	}
	return e, true, nil
}

// findEventsQuery is findEvents on PostgreSQL: $1 the event_ids as an array
// literal (uuidArray), $2 the learner. One index probe per key, whatever
// the statistics say: planned as user_id = ? AND event_id IN (...),
// PostgreSQL took the learner's every row and filtered them whenever its
// statistics were behind (a table that grew since the last ANALYZE), 20 to
// 35 ms for a batch's lookup once the learner had 10 000 events, most of a
// batch's time. The LIMIT 1 keeps the lateral subquery from being flattened
// into a hash join; (user_id, event_id) is unique, so it drops nothing.
const findEventsQuery = `SELECT e.* FROM unnest($1::uuid[]) AS k(event_id) CROSS JOIN LATERAL (
	SELECT ` + eventColumns + ` FROM learning_events WHERE user_id = $2 AND event_id = k.event_id LIMIT 1) e`

func findEvents(tx *gorm.DB, userID string, eventIDs []string) (map[string]ports.StoredEvent, error) {
	out := make(map[string]ports.StoredEvent, len(eventIDs))
	if len(eventIDs) == 0 {
		return out, nil
	}
	var (
		rows *sql.Rows
		err  error
	)
	if dialectOf(tx) == Postgres {
		// Sent as written, as the pipeline sends it: gorm binds only ?.
		rows, err = tx.Statement.ConnPool.QueryContext(tx.Statement.Context, findEventsQuery, uuidArray(eventIDs), userID)
	} else {
		rows, err = tx.Raw(`SELECT `+eventColumns+` FROM learning_events WHERE user_id = ? AND event_id IN ?`, userID, eventIDs).Rows()
	}
	if err != nil {
		return nil, Classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := addEvent(out, rows); err != nil {
			return nil, err
		}
	}
	return out, Classify(rows.Err())
}

// addEvent scans one event row into out, keyed by event_id.
func addEvent(out map[string]ports.StoredEvent, row interface{ Scan(...any) error }) error {
	e, err := scanEvent(row)
	if err != nil {
		return Classify(err)
	}
	out[e.Event.EventID()] = e
	return nil
}

// arrayEscaper escapes an element of a double-quoted array literal.
var arrayEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// uuidArray is ids as a PostgreSQL array literal, passed as one text
// parameter (gorm would expand a slice into a list of parameters). Each
// element is quoted, so an id that is not a UUID fails the cast, as it
// failed the IN list's.
func uuidArray(ids []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(arrayEscaper.Replace(id))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

func (s *EventStore) FindMany(ctx context.Context, userID string, eventIDs []string) (map[string]ports.StoredEvent, error) {
	return findEvents(s.db.Gorm(ctx), userID, eventIDs)
}

func (s *EventStore) Find(ctx context.Context, userID, eventID string) (ports.StoredEvent, error) {
	e, ok, err := findEvent(s.db.Gorm(ctx), userID, eventID)
	if err == nil && !ok {
		err = errs.E(errs.NotFound, errs.CodeNotFound, "The event was not found.")
	}
	return e, err
}

func (s *EventStore) List(ctx context.Context, f ports.EventFilter) ([]learning.Event, error) {
	var (
		where = []string{"user_id = ?"}
		args  = []any{f.UserID}
	)
	if !f.IncludeVoided {
		where = append(where, "voided_at IS NULL")
	}
	if len(f.Types) > 0 {
		marks := make([]string, len(f.Types))
		for i, t := range f.Types {
			marks[i] = "?"
			args = append(args, t.String())
		}
		where = append(where, "event_type IN ("+strings.Join(marks, ", ")+")")
	}
	for _, c := range []struct{ col, v string }{{"course_id", f.CourseID}, {"lesson_id", f.LessonID}, {"session_id", f.SessionID}} {
		if c.v != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	if !f.From.IsZero() {
		where = append(where, "occurred_at >= ?")
		args = append(args, s.db.at(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "occurred_at < ?")
		args = append(args, s.db.at(f.To))
	}
	if f.After != nil {
		// Row-value comparison would read better, but spelled out it serves
		// the (user_id, occurred_at DESC, id DESC) index on both dialects.
		where = append(where, "(occurred_at < ? OR (occurred_at = ? AND id < ?))")
		t := s.db.at(f.After.OccurredAt)
		args = append(args, t, t, f.After.ID)
	}
	q := `SELECT ` + eventColumns + ` FROM learning_events WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY occurred_at DESC, id DESC LIMIT ?`
	args = append(args, f.Limit)
	return queryEvents(s.db.Gorm(ctx), q, args...)
}

// queryEvents runs q, which selects eventColumns, and scans its rows.
func queryEvents(tx *gorm.DB, q string, args ...any) ([]learning.Event, error) {
	rows, err := tx.Raw(q, args...).Rows()
	if err != nil {
		return nil, Classify(err)
	}
	defer rows.Close()
	out := []learning.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, Classify(err)
		}
		out = append(out, e.Event)
	}
	return out, Classify(rows.Err())
}

func (s *EventStore) LastReceivedAt(ctx context.Context) (time.Time, bool, error) {
	var t sqlTime
	err := s.db.Gorm(ctx).Raw(`SELECT MAX(received_at) FROM learning_events`).Row().Scan(&t)
	if err != nil {
		return time.Time{}, false, Classify(err)
	}
	return t.Time, !t.IsZero(), nil
}

func (s *EventStore) Ping(ctx context.Context) error {
	var n int
	if err := s.db.Gorm(ctx).Raw(`SELECT 1 FROM learning_events LIMIT 1`).Scan(&n).Error; err != nil {
		return errs.Wrap(errs.Unavailable, errs.CodeEventStoreUnavailable, err)
	}
	return nil
}
