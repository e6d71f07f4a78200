package ports

import (
	"context"
	"time"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/league"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/domain/webhook"
)

// LearnerSettings gives the preferences the progress engine needs. The
// preferences feature owns them; the engine only reads.
type LearnerSettings interface {
	// Settings returns the learner's zone and daily_xp_goal, the defaults
	// (UTC, 20) when the learner never set them. Errors: Unavailable.
	Settings(ctx context.Context, userID string) (zone calendar.Zone, dailyXPGoal int, err error)
}

// StoredEvent is a client event as stored, with what idempotency needs: the
// hash of the canonical request body and the answer first given, both opaque
// to the store. Server-recorded events have neither.
type StoredEvent struct {
	Event    learning.Event
	BodyHash string
	Answer   []byte
}

// EventCursor is a position in the newest-first event order.
type EventCursor struct {
	OccurredAt time.Time
	ID         string
}

// EventFilter selects one learner's events. Zero values do not filter;
// Types empty means every type; To is exclusive.
type EventFilter struct {
	UserID    string
	Types     []learning.EventType
	CourseID  string
	LessonID  string
	SessionID string
	From, To  time.Time
	After     *EventCursor
	Limit     int
	// IncludeVoided lists voided events too (they are left out otherwise).
	IncludeVoided bool
}

// Metrics are the admin figures of a range of occurred_at.
type Metrics struct {
	UsersTotal, UsersNew                   int
	ActiveDaily, ActiveWeekly, ActiveMonth int
	EventsTotal                            int
	ByType                                 map[string]int
	LessonsCompleted, CoursesCompleted     int
	XPAwarded                              int
	AverageScore                           *float64
	Timeline                               []TimelineDay
}

// TimelineDay is one UTC day of the admin timeline.
type TimelineDay struct {
	Date        calendar.Date
	ActiveUsers int
	Events      int
	XP          int
}

// EventStore reads stored events. Writing goes through ProgressStore, since
// an event and its effects are one transaction.
type EventStore interface {
	// Find returns the learner's event with that event_id, or NotFound.
	Find(ctx context.Context, userID, eventID string) (StoredEvent, error)
	// FindMany returns the learner's events among those event_ids, keyed by
	// event_id; ids not stored are absent. One query for a whole batch.
	FindMany(ctx context.Context, userID string, eventIDs []string) (map[string]StoredEvent, error)
	// List returns up to f.Limit events, newest occurred_at first, ties by
	// id descending, strictly after f.After when set.
	List(ctx context.Context, f EventFilter) ([]learning.Event, error)
	// Metrics counts events with occurred_at in [from, to), voided ones left
	// out; the active-user windows end at to.
	Metrics(ctx context.Context, from, to time.Time) (Metrics, error)
	// LastReceivedAt is the latest received_at of any event (false when none).
	LastReceivedAt(ctx context.Context) (time.Time, bool, error)
	// Ping checks the store answers; Unavailable when it does not.
	Ping(ctx context.Context) error
}

// Counters are a learner's running totals beside total_xp; which event moves
// which counter is progress.Counters.Count, so that every store counts alike.
type Counters = progress.Counters

// CourseProgress is how far a learner is in a course they began.
type CourseProgress struct {
	CourseID         string
	Title            string
	LessonsCompleted int
	LessonsTotal     int
}

// LearnerSnapshot is everything the progress summary and user stats read,
// all from aggregates: its cost is O(active days + courses), never O(events).
type LearnerSnapshot struct {
	TotalXP int
	// Streak is the learner's streak as a read settles it: resumed from
	// the stored settlement where there is one (progress.ResumeStreak).
	Streak           progress.Streak
	Today            progress.Day
	Achievements     []progress.Unlock
	Counters         Counters
	LessonsCompleted int
	CoursesCompleted int
	Courses          []CourseProgress
}

// GlobalStats compares a learner with every active learner account.
type GlobalStats struct {
	Learners int
	SumXP    int
	Below    int // learners with less XP than the caller
}

// Append is one client event with everything it causes, written together.
type Append struct {
	Event        StoredEvent // its Event carries xp_awarded
	Outcome      progress.Outcome
	ServerEvents []learning.Event
	// LessonCourseID is the course of a newly completed lesson.
	LessonCourseID string
	// Messages are published with the event, in its transaction.
	Messages []webhook.Message
	// League is the league XP the event moves, in its transaction.
	League LeagueCredit
}

// LearnerTx is one learner's progress inside the transaction that holds the
// learner's lock. Its errors are Unavailable or Internal unless said.
type LearnerTx interface {
	// FindEvent returns the learner's event with that event_id, if any.
	FindEvent(eventID string) (StoredEvent, bool, error)
	// FindEvents returns the learner's events among those event_ids, keyed
	// by event_id.
	FindEvents(eventIDs []string) (map[string]StoredEvent, error)
	// CourseCompletion returns the event that first completed the course.
	CourseCompletion(courseID string) (StoredEvent, bool, error)
	// State loads what progress.Apply needs for an event of date day; its
	// streak resumes from the stored settlement when that ends before day
	// and today (progress.State).
	State(day, today calendar.Date) (progress.State, error)

	// LessonCompleted reports whether the learner completed the lesson before.
	LessonCompleted(lessonID string) (bool, error)
	// CompletedLessons lists the lesson ids of the course the learner completed.
	CompletedLessons(courseID string) ([]string, error)
	// Append writes the event and its effects. A second event with the same
	// event_id is Conflict event_id_taken (the unique index decides).
	Append(a Append) error
	// AppendAll writes several appends, in order, in a few multi-row
	// statements: each Outcome is the state after its own event, so the
	// last one's totals and each date's last day record are what is kept.
	// Errors as Append; on any error the caller rolls the transaction back.
	AppendAll(as []Append) error
	// Settings is the learner's zone and daily XP goal as stored now, under
	// the lock (defaults for a learner without preferences): the settings an
	// event is taken with. A caller that validated an event with settings
	// read before the lock (a cache) checks them here.
	Settings() (calendar.Zone, int, error)
	// Standing is the learner's account standing as stored now, under the
	// lock; false when the account is gone. A caller that took an access
	// token on trust (its route checks it here) confirms it with this.
	Standing() (account.Standing, bool, error)
	// RecountLeague sets the learner's league XP of week, and the instant
	// they reached it, to what their stored events received in the week
	// add up to: after an event's XP left (a void), the standings follow.
	// A learner who did not join the week is left alone.
	RecountLeague(week league.Week) error
}

// EventStateReader is a LearnerTx that reads FindEvent and State together,
// what every event reads under the lock, in one round trip (the SQL store on
// PostgreSQL). Callers use it when the LearnerTx has it and fall back to
// FindEvent then State otherwise; the answers are the same.
type EventStateReader interface {
	// FindEventAndState is FindEvent(eventID) and State(day, today); the
	// state is read even when the event is found.
	FindEventAndState(eventID string, day, today calendar.Date) (StoredEvent, bool, progress.State, error)
}

// EventsStateReader is a LearnerTx that reads FindEvents and State together
// in one round trip (the SQL store on PostgreSQL, when they are the
// transaction's first reads): a batch's retry lookup and its first state.
// Callers fall back to FindEvents then State otherwise; the answers are the
// same.
type EventsStateReader interface {
	// FindEventsAndState is FindEvents(eventIDs) and State(day, today).
	FindEventsAndState(eventIDs []string, day, today calendar.Date) (map[string]StoredEvent, progress.State, error)
}

// ProgressStore keeps learners' events and aggregates.
type ProgressStore interface {
	// Update runs fn in one transaction holding the learner's lock (SELECT
	// ... FOR UPDATE on PostgreSQL, the immediate write transaction on
	// SQLite); fn's error rolls everything back and is returned as is.
	// A store may roll fn's work back and run fn again (fn keeps no state
	// outside the transaction but what its last run sets): only the last
	// run commits.
	Update(ctx context.Context, userID string, fn func(LearnerTx) error) error
	// Snapshot reads the learner's aggregates; a learner without events gets
	// the empty snapshot.
	Snapshot(ctx context.Context, userID string, today calendar.Date) (LearnerSnapshot, error)
	// Days returns the stored day records of dates in [from, to].
	Days(ctx context.Context, userID string, from, to calendar.Date) ([]progress.Day, error)
	// Global compares the learner's total XP with every active learner's.
	Global(ctx context.Context, userID string) (GlobalStats, error)
}
