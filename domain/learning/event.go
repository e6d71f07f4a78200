package learning

import (
	"fmt"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
)

// Limits and windows of event input (the OpenAPI document's EventInput).
const (
	MaxSessionIDLen  = 64
	MaxExerciseIDLen = 64
	MaxAppVersionLen = 32
	MaxScore         = 100
	MaxDuration      = 86400
	MaxMetadataBytes = 4096
	MaxMetadataDepth = 3
	// FutureTolerance is how far ahead of the server an occurred_at may be
	// (phone clocks drift); within it the time is clamped to the receipt.
	FutureTolerance = 5 * time.Minute
	// CreditWindow is how old an event may be and still earn streak and
	// daily-goal credit. It is a span of instants, not of calendar days, as
	// the contract defines "older than 7 days" as received_at minus 168 hours.
	CreditWindow = 168 * time.Hour
)

// EventInput is one event as a client sent it, decoded but not validated.
// A nil pointer is an absent field. Metadata is the decoded JSON object
// (nested values as encoding/json makes them: map[string]any, []any,
// scalars); MetadataSize is the byte length of its serialized form as the
// caller measured it, so that this package needs no JSON.
type EventInput struct {
	EventID         *string
	EventType       string
	OccurredAt      *time.Time
	SessionID       *string
	CourseID        *string
	LessonID        *string
	ExerciseID      *string
	DurationSeconds *int
	Score           *int
	IsCorrect       *bool
	DeviceType      *string
	Platform        *string
	AppVersion      *string
	Metadata        map[string]any
	MetadataSize    int
}

// Timing is what the time rules make of an event's occurred_at.
type Timing struct {
	// OccurredAt is the instant the event counts at, in UTC: the client's,
	// or the receipt when it was absent or slightly in the future.
	OccurredAt time.Time
	// LocalDate is the date of OccurredAt in the learner's zone at receipt.
	LocalDate calendar.Date
	// EarnsCredit is false for events older than CreditWindow: they still
	// earn XP, but neither streak nor daily-goal credit.
	EarnsCredit bool
}

// ResolveTime applies the time rules. It returns an Invalid error with code
// occurred_at_in_future on field "occurred_at" when occurred is more than
// FutureTolerance after received. Callers whose field has another name
// (lesson-completion's completed_at) rename the field of the error.
func ResolveTime(occurred *time.Time, received time.Time, zone calendar.Zone) (Timing, error) {
	received = received.UTC()
	at := received
	if occurred != nil {
		at = occurred.UTC()
	}
	if at.Sub(received) > FutureTolerance {
		return Timing{}, errs.Validation(errs.FieldCode("occurred_at", errs.CodeOccurredAtInFuture,
			"must not be more than 5 minutes ahead of the server clock"))
	}
	if at.After(received) {
		at = received
	}
	return Timing{
		OccurredAt:  at,
		LocalDate:   calendar.DateOf(at, zone.Location()),
		EarnsCredit: !at.Before(received.Add(-CreditWindow)),
	}, nil
}

// Event is a validated learning event as Lingo stores it. Optional values
// are reported by getters returning (value, present).
type Event struct {
	id         string
	userID     string
	eventID    string
	typ        EventType
	occurredAt time.Time
	receivedAt time.Time
	localDate  calendar.Date
	credited   bool
	sessionID  *string
	courseID   *string
	lessonID   *string
	exerciseID *string
	duration   *int
	score      *int
	isCorrect  *bool
	device     DeviceType
	platform   Platform
	appVersion *string
	metadata   map[string]any
	xpAwarded  int
	// receivedOn is the learner's local date at receipt: the "today" a
	// rebuild replays the event with (zero for server events and for rows
	// stored before it was kept).
	receivedOn calendar.Date
	// voidedAt is when the event was voided (zero: it counts).
	voidedAt time.Time
}

// NewEvent validates a client's event and applies the time rules. id is the
// server's new id (it becomes event_id when the client sent none), received
// the instant of receipt and zone the learner's zone at receipt. Every
// problem is collected: the error is Invalid with one field problem per
// broken rule, each named by its JSON path relative to the event.
func NewEvent(id, userID string, in EventInput, received time.Time, zone calendar.Zone) (Event, error) {
	var fields []errs.FieldError
	add := func(f errs.FieldError) { fields = append(fields, f) }
	e := Event{id: id, userID: userID, eventID: id, receivedAt: received.UTC(), metadata: in.Metadata,
		receivedOn: zone.Today(received)}

	if in.EventID != nil {
		if u, ok := normUUID(*in.EventID); ok {
			e.eventID = u
		} else {
			add(errs.Field("event_id", "must be a UUID"))
		}
	}

	switch t, err := ParseEventType(in.EventType); {
	case in.EventType == "":
		add(errs.Field("event_type", "is required"))
	case err != nil:
		add(errs.Field("event_type", "must be one of the client event types"))
	case t.ServerOnly():
		add(errs.FieldCode("event_type", errs.CodeEventTypeNotAllowed, fmt.Sprintf("%s is recorded by the server only", t)))
	default:
		e.typ = t
	}

	if timing, err := ResolveTime(in.OccurredAt, received, zone); err != nil {
		f, _ := errs.As(err)
		fields = append(fields, f.Fields...)
	} else {
		e.occurredAt, e.localDate, e.credited = timing.OccurredAt, timing.LocalDate, timing.EarnsCredit
	}

	e.sessionID = checkLen("session_id", in.SessionID, MaxSessionIDLen, add)
	e.exerciseID = checkLen("exercise_id", in.ExerciseID, MaxExerciseIDLen, add)
	e.appVersion = checkLen("app_version", in.AppVersion, MaxAppVersionLen, add)
	e.courseID = checkUUID("course_id", in.CourseID, add)
	e.lessonID = checkUUID("lesson_id", in.LessonID, add)
	e.duration = checkRange("duration_seconds", in.DurationSeconds, MaxDuration, add)
	e.score = checkRange("score", in.Score, MaxScore, add)
	e.isCorrect = in.IsCorrect

	if in.DeviceType != nil {
		if d, err := ParseDeviceType(*in.DeviceType); err == nil {
			e.device = d
		} else {
			add(errs.Field("device_type", "must be one of phone, tablet, desktop, web, other"))
		}
	}
	if in.Platform != nil {
		if p, err := ParsePlatform(*in.Platform); err == nil {
			e.platform = p
		} else {
			add(errs.Field("platform", "must be one of ios, android, web, windows, macos, linux, other"))
		}
	}

	if in.Metadata != nil {
		if in.MetadataSize > MaxMetadataBytes {
			add(errs.Field("metadata", fmt.Sprintf("must be at most %d bytes serialized", MaxMetadataBytes)))
		}
		if depth(in.Metadata) > MaxMetadataDepth {
			add(errs.Field("metadata", fmt.Sprintf("must be at most %d levels deep", MaxMetadataDepth)))
		}
	}

	// Required fields are checked against the input, not the parsed values,
	// so that a present but invalid value gives one problem, not two.
	need := func(field string, present bool) {
		if !present {
			add(errs.Field(field, fmt.Sprintf("is required for %s", e.typ)))
		}
	}
	switch e.typ {
	case LessonCompleted:
		need("lesson_id", in.LessonID != nil)
		need("score", in.Score != nil)
	case PracticeCompleted:
		need("score", in.Score != nil)
	case CourseCompleted:
		need("course_id", in.CourseID != nil)
	case ExerciseAttempted:
		need("is_correct", in.IsCorrect != nil)
	}

	if id == "" {
		add(errs.Field("id", "must not be empty"))
	}
	if err := errs.Validation(fields...); err != nil {
		return Event{}, err
	}
	return e, nil
}

// CheckInput reports the problems of in that do not depend on when, for
// whom or in which zone it is received: every rule of NewEvent but the time
// rule. A decoder that found problems of its own joins these to them, so
// that one answer names every problem of the request.
func CheckInput(in EventInput) error {
	received := time.Unix(0, 0).UTC()
	if in.OccurredAt != nil {
		received = *in.OccurredAt // the time rule holds for an event received as it occurs
	}
	_, err := NewEvent("-", "-", in, received, calendar.UTC)
	return err
}

// NewServerEvent makes a progress event the server records (level_up,
// streak_extended, daily_goal_met, achievement_unlocked). It carries the
// occurred_at and local_date of the event that caused it and earns nothing.
func NewServerEvent(id, userID string, t EventType, occurredAt, received time.Time, localDate calendar.Date, metadata map[string]any) (Event, error) {
	if !t.ServerOnly() {
		return Event{}, errs.Wrap(errs.Internal, "", fmt.Errorf("server event of client type %s", t))
	}
	return Event{
		id: id, userID: userID, eventID: id, typ: t, occurredAt: occurredAt.UTC(), receivedAt: received.UTC(),
		localDate: localDate, credited: !occurredAt.Before(received.Add(-CreditWindow)), metadata: metadata,
	}, nil
}

// WithXP returns the event with the XP the progress rules awarded it.
func (e Event) WithXP(xp int) Event {
	e.xpAwarded = xp
	return e
}

// WithVoidedAt returns the event voided at t (a zero t: not voided).
func (e Event) WithVoidedAt(t time.Time) Event {
	e.voidedAt = t.UTC()
	if t.IsZero() {
		e.voidedAt = time.Time{}
	}
	return e
}

// ReceivedOn is the learner's local date at receipt, and false when it was
// not kept (server events, rows stored before it was).
func (e Event) ReceivedOn() (calendar.Date, bool) { return e.receivedOn, !e.receivedOn.IsZero() }

// VoidedAt is when the event was voided, and false while it counts.
func (e Event) VoidedAt() (time.Time, bool) { return e.voidedAt, !e.voidedAt.IsZero() }

func (e Event) ID() string               { return e.id }
func (e Event) UserID() string           { return e.userID }
func (e Event) EventID() string          { return e.eventID }
func (e Event) Type() EventType          { return e.typ }
func (e Event) Category() Category       { return e.typ.Category() }
func (e Event) OccurredAt() time.Time    { return e.occurredAt }
func (e Event) ReceivedAt() time.Time    { return e.receivedAt }
func (e Event) LocalDate() calendar.Date { return e.localDate }
func (e Event) XPAwarded() int           { return e.xpAwarded }

// EarnsCredit reports whether the event counts for streaks and daily goals:
// occurred_at is not earlier than received_at minus CreditWindow.
func (e Event) EarnsCredit() bool { return e.credited }

func (e Event) SessionID() (string, bool)    { return deref(e.sessionID) }
func (e Event) CourseID() (string, bool)     { return deref(e.courseID) }
func (e Event) LessonID() (string, bool)     { return deref(e.lessonID) }
func (e Event) ExerciseID() (string, bool)   { return deref(e.exerciseID) }
func (e Event) AppVersion() (string, bool)   { return deref(e.appVersion) }
func (e Event) DurationSeconds() (int, bool) { return deref(e.duration) }
func (e Event) Score() (int, bool)           { return deref(e.score) }
func (e Event) IsCorrect() (bool, bool)      { return deref(e.isCorrect) }

// DeviceType and Platform are the zero value when absent.
func (e Event) DeviceType() DeviceType { return e.device }
func (e Event) Platform() Platform     { return e.platform }

// Metadata is the client's object (nil when absent). It is shared, not
// copied: callers must not change it.
func (e Event) Metadata() map[string]any { return e.metadata }

// EventRecord is an event as a store keeps it. Optional values are nil
// pointers (or "" for DeviceType and Platform) when absent.
type EventRecord struct {
	ID              string
	UserID          string
	EventID         string
	EventType       string
	OccurredAt      time.Time
	ReceivedAt      time.Time
	LocalDate       calendar.Date
	SessionID       *string
	CourseID        *string
	LessonID        *string
	ExerciseID      *string
	DurationSeconds *int
	Score           *int
	IsCorrect       *bool
	DeviceType      string
	Platform        string
	AppVersion      *string
	Metadata        map[string]any
	XPAwarded       int
	// ReceivedOn is zero when not kept; VoidedAt zero while the event counts.
	ReceivedOn calendar.Date
	VoidedAt   time.Time
}

// Record is the event as a store keeps it; the category is derived from the
// type and stored only if the store wants it for filtering.
func (e Event) Record() EventRecord {
	return EventRecord{
		ID: e.id, UserID: e.userID, EventID: e.eventID, EventType: e.typ.String(),
		OccurredAt: e.occurredAt, ReceivedAt: e.receivedAt, LocalDate: e.localDate,
		SessionID: e.sessionID, CourseID: e.courseID, LessonID: e.lessonID, ExerciseID: e.exerciseID,
		DurationSeconds: e.duration, Score: e.score, IsCorrect: e.isCorrect,
		DeviceType: e.device.String(), Platform: e.platform.String(), AppVersion: e.appVersion,
		Metadata: e.metadata, XPAwarded: e.xpAwarded, ReceivedOn: e.receivedOn, VoidedAt: e.voidedAt,
	}
}

// RestoreEvent rebuilds a stored event without re-running the input rules
// (a stored event was valid when it arrived; the rules may have moved since,
// and the time rules depend on the receipt, not on now). Only what a store
// could corrupt is checked: the enums and the date. A broken row is an
// Internal error.
func RestoreEvent(r EventRecord) (Event, error) {
	corrupt := func(format string, a ...any) (Event, error) {
		return Event{}, errs.Wrap(errs.Internal, errs.CodeCorruptEvent, fmt.Errorf("restore event %s: "+format, append([]any{r.ID}, a...)...))
	}
	t, err := ParseEventType(r.EventType)
	if err != nil {
		return corrupt("%w", err)
	}
	e := Event{
		id: r.ID, userID: r.UserID, eventID: r.EventID, typ: t,
		occurredAt: r.OccurredAt.UTC(), receivedAt: r.ReceivedAt.UTC(), localDate: r.LocalDate,
		credited:  !r.OccurredAt.Before(r.ReceivedAt.Add(-CreditWindow)),
		sessionID: r.SessionID, courseID: r.CourseID, lessonID: r.LessonID, exerciseID: r.ExerciseID,
		duration: r.DurationSeconds, score: r.Score, isCorrect: r.IsCorrect, appVersion: r.AppVersion,
		metadata: r.Metadata, xpAwarded: r.XPAwarded, receivedOn: r.ReceivedOn,
	}
	if !r.VoidedAt.IsZero() {
		e.voidedAt = r.VoidedAt.UTC()
	}
	if r.DeviceType != "" {
		if e.device, err = ParseDeviceType(r.DeviceType); err != nil {
			return corrupt("%w", err)
		}
	}
	if r.Platform != "" {
		if e.platform, err = ParsePlatform(r.Platform); err != nil {
			return corrupt("%w", err)
		}
	}
	if r.LocalDate.IsZero() || r.ID == "" || r.EventID == "" {
		return corrupt("missing id, event_id or local_date")
	}
	return e, nil
}
