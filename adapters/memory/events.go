package memory

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/ports"
)

// Events is the store as ports.EventStore.
type Events struct{ s *Store }

// NewEvents gives the store as the event store.
func NewEvents(s *Store) Events { return Events{s} }

// stored is an event as the SQL store would give it back: instants in UTC at
// microseconds and the metadata through JSON (numbers become float64), so
// that a test passing on memory passes on SQL too; the answer's bytes are
// the store's own.
func stored(e ports.StoredEvent) (ports.StoredEvent, error) {
	r := e.Event.Record()
	r.OccurredAt = r.OccurredAt.UTC().Truncate(time.Microsecond)
	r.ReceivedAt = r.ReceivedAt.UTC().Truncate(time.Microsecond)
	if r.Metadata != nil {
		b, err := json.Marshal(r.Metadata)
		if err != nil {
			return e, errs.Wrap(errs.Internal, "", fmt.Errorf("encode metadata of event %s: %w", r.ID, err))
		}
		r.Metadata = nil
		if err := json.Unmarshal(b, &r.Metadata); err != nil {
			return e, errs.Wrap(errs.Internal, "", err)
		}
	}
	ev, err := learning.RestoreEvent(r)
	if err != nil {
		return e, err
	}
	return ports.StoredEvent{Event: ev, BodyHash: e.BodyHash, Answer: slices.Clone(e.Answer)}, nil
}

// findEvent is the learner's committed event with that event_id. The caller
// holds s.mu.
func (s *Store) findEvent(userID, eventID string) (ports.StoredEvent, bool) {
	l := s.learners[userID]
	if l == nil {
		return ports.StoredEvent{}, false
	}
	e, ok := l.events[eventID]
	if ok {
		e.Answer = slices.Clone(e.Answer)
	}
	return e, ok
}

func (r Events) Find(_ context.Context, userID, eventID string) (ports.StoredEvent, error) {
	r.s.mu.RLock()
	defer r.s.mu.RUnlock()
	e, ok := r.s.findEvent(userID, eventID)
	if !ok {
		return e, notFound("The event was not found.")
	}
	return e, nil
}

func (r Events) FindMany(_ context.Context, userID string, eventIDs []string) (map[string]ports.StoredEvent, error) {
	r.s.mu.RLock()
	defer r.s.mu.RUnlock()
	out := make(map[string]ports.StoredEvent, len(eventIDs))
	for _, id := range eventIDs {
		if e, ok := r.s.findEvent(userID, id); ok {
			out[id] = e
		}
	}
	return out, nil
}

func voided(e learning.Event) bool {
	_, ok := e.VoidedAt()
	return ok
}

func at(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// matches reports whether e passes f's filters and cursor.
func matches(e learning.Event, f ports.EventFilter) bool {
	opt := func(get func() (string, bool), want string) bool {
		v, _ := get()
		return want == "" || v == want
	}
	switch {
	case !f.IncludeVoided && voided(e):
		return false
	case len(f.Types) > 0 && !slices.Contains(f.Types, e.Type()),
		!opt(e.CourseID, f.CourseID), !opt(e.LessonID, f.LessonID), !opt(e.SessionID, f.SessionID),
		!f.From.IsZero() && e.OccurredAt().Before(at(f.From)),
		!f.To.IsZero() && !e.OccurredAt().Before(at(f.To)):
		return false
	}
	if c := f.After; c != nil {
		t := at(c.OccurredAt)
		return e.OccurredAt().Before(t) || e.OccurredAt().Equal(t) && e.ID() < c.ID
	}
	return true
}

func (r Events) List(_ context.Context, f ports.EventFilter) ([]learning.Event, error) {
	r.s.mu.RLock()
	defer r.s.mu.RUnlock()
	out := []learning.Event{}
	if l := r.s.learners[f.UserID]; l != nil {
		for _, e := range l.events {
			if matches(e.Event, f) {
				out = append(out, e.Event)
			}
		}
	}
	slices.SortFunc(out, func(a, b learning.Event) int {
		return cmp.Or(b.OccurredAt().Compare(a.OccurredAt()), strings.Compare(b.ID(), a.ID()))
	})
	if len(out) > max(f.Limit, 0) {
		out = out[:max(f.Limit, 0)]
	}
	return out, nil
}

func (r Events) LastReceivedAt(context.Context) (time.Time, bool, error) {
	r.s.mu.RLock()
	defer r.s.mu.RUnlock()
	return r.s.lastReceived, !r.s.lastReceived.IsZero(), nil
}

// Ping always answers: memory cannot be unreachable.
func (r Events) Ping(context.Context) error { return nil }

// Metrics counts as the SQL store does: the active-user windows count
// learners with a client event (not a progress one) in the window ending at
// to; everything else counts events with occurred_at in [from, to), by UTC
// day for the timeline.
func (r Events) Metrics(_ context.Context, from, to time.Time) (ports.Metrics, error) {
	r.s.mu.RLock()
	defer r.s.mu.RUnlock()
	from, to = at(from), at(to)
	m := ports.Metrics{ByType: map[string]int{}, Timeline: []ports.TimelineDay{}, UsersTotal: len(r.s.users)}
	for _, u := range r.s.users {
		if c := u.CreatedAt(); !c.Before(from) && c.Before(to) {
			m.UsersNew++
		}
	}
	windows := []struct {
		dst   *int
		back  time.Duration
		users map[string]bool
	}{{&m.ActiveDaily, 24 * time.Hour, map[string]bool{}}, {&m.ActiveWeekly, 7 * 24 * time.Hour, map[string]bool{}},
		{&m.ActiveMonth, 30 * 24 * time.Hour, map[string]bool{}}}
	type day struct {
		users     map[string]bool
		events, x int
	}
	days := map[calendar.Date]*day{}
	var scores, scored int
	for _, ref := range r.s.log {
		se, ok := r.s.learners[ref.userID].events[ref.eventID]
		if !ok || voided(se.Event) {
			continue
		}
		e := se.Event
		occ := e.OccurredAt()
		if e.Category() != learning.CategoryProgress {
			for _, w := range windows {
				if !occ.Before(to.Add(-w.back)) && occ.Before(to) {
					w.users[e.UserID()] = true
				}
			}
		}
		if occ.Before(from) || !occ.Before(to) {
			continue
		}
		m.ByType[e.Type().String()]++
		m.EventsTotal++
		m.XPAwarded += e.XPAwarded()
		if sc, ok := e.Score(); ok && e.Type() == learning.LessonCompleted {
			scores += sc
			scored++
		}
		d := calendar.DateOf(occ, time.UTC)
		if days[d] == nil {
			days[d] = &day{users: map[string]bool{}}
		}
		days[d].users[e.UserID()] = true
		days[d].events++
		days[d].x += e.XPAwarded()
	}
	for _, w := range windows {
		*w.dst = len(w.users)
	}
	m.LessonsCompleted = m.ByType[learning.LessonCompleted.String()]
	m.CoursesCompleted = m.ByType[learning.CourseCompleted.String()]
	if scored > 0 {
		avg := float64(scores) / float64(scored)
		m.AverageScore = &avg
	}
	for d, x := range days {
		m.Timeline = append(m.Timeline, ports.TimelineDay{Date: d, ActiveUsers: len(x.users), Events: x.events, XP: x.x})
	}
	slices.SortFunc(m.Timeline, func(a, b ports.TimelineDay) int { return a.Date.Compare(b.Date) })
	return m, nil
}
