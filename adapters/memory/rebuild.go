package memory

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// Rebuild is the store as ports.RebuildStore.
type Rebuild struct{ s *Store }

var _ ports.RebuildStore = Rebuild{}

// NewRebuild gives the store as the rebuild store.
func NewRebuild(s *Store) Rebuild { return Rebuild{s} }

// Update holds the learner's lock, as Progress.Update does. The events a
// void or a rebuild changes are written to a copy of the learner's events
// (learner.rewrite), which replaces them only when fn returns nil.
func (r Rebuild) Update(ctx context.Context, userID string, fn func(ports.RebuildTx) error) error {
	var tx *rebuildTx
	return Progress{r.s}.update(ctx, userID, func(committed *learner) (*learner, []ports.StoredEvent, error) {
		tx = &rebuildTx{learnerTx: &learnerTx{s: r.s, userID: userID, work: committed.aggregates(), added: map[string]ports.StoredEvent{}}, userID: userID}
		if err := fn(tx); err != nil {
			return nil, nil, err
		}
		if len(tx.msgs) > 0 {
			return nil, nil, errs.Wrap(errs.Internal, "", fmt.Errorf("a rebuild publishes no messages"))
		}
		return tx.work, tx.order, nil
	}, func(events map[string]ports.StoredEvent) { tx.learnerTx.commitLeague(events) })
}

type rebuildTx struct {
	*learnerTx
	userID string
}

var _ ports.RebuildTx = (*rebuildTx)(nil)

// events is the learner's events as this transaction sees them, copied on
// the first change.
func (t *rebuildTx) events() map[string]ports.StoredEvent {
	if t.work.rewrite == nil {
		t.s.mu.RLock()
		t.work.rewrite = maps.Clone(t.work.events)
		t.s.mu.RUnlock()
		if t.work.rewrite == nil {
			t.work.rewrite = map[string]ports.StoredEvent{}
		}
	}
	return t.work.rewrite
}

func (t *rebuildTx) byRowID(rowID string) (string, ports.StoredEvent, bool) {
	for k, e := range t.events() {
		if e.Event.ID() == rowID {
			return k, e, true
		}
	}
	return "", ports.StoredEvent{}, false
}

func (t *rebuildTx) Void(rowID string, at time.Time) (learning.Event, error) {
	k, e, ok := t.byRowID(rowID)
	if !ok {
		return learning.Event{}, notFound("The event was not found.")
	}
	if _, voided := e.Event.VoidedAt(); !voided {
		e.Event = e.Event.WithVoidedAt(at.UTC().Truncate(time.Microsecond))
		t.events()[k] = e
	}
	return e.Event, nil
}

// ordered is the learner's events in the order stored (the store's log).
func (t *rebuildTx) ordered() []learning.Event {
	evs := t.events()
	t.s.mu.RLock()
	defer t.s.mu.RUnlock()
	var out []learning.Event
	for _, ref := range t.s.log {
		if ref.userID != t.userID {
			continue
		}
		if e, ok := evs[ref.eventID]; ok {
			out = append(out, e.Event)
		}
	}
	return out
}

func (t *rebuildTx) ClientEvents(pageSize int, fn func([]learning.Event) error) error {
	var page []learning.Event
	for _, e := range t.ordered() {
		if _, voided := e.VoidedAt(); voided || e.Type().ServerOnly() {
			continue
		}
		page = append(page, e)
		if len(page) == pageSize {
			if err := fn(page); err != nil {
				return err
			}
			page = nil
		}
	}
	if len(page) > 0 {
		return fn(page)
	}
	return nil
}

func (t *rebuildTx) ServerEvents() ([]learning.Event, error) {
	var out []learning.Event
	for _, e := range t.ordered() {
		if e.Type().ServerOnly() {
			out = append(out, e)
		}
	}
	return out, nil
}

func (t *rebuildTx) Aggregates() (progress.Aggregates, error) {
	w := t.work
	a := progress.Aggregates{TotalXP: w.totalXP, Counters: w.counters, Achievements: slices.Clone(w.unlocks)}
	for _, d := range w.days {
		a.Days = append(a.Days, d.Record())
	}
	evs := t.events()
	for lesson, course := range w.lessons {
		// The SQL store keeps the completing event's occurred_at; here it
		// is read back from the first completion of the lesson that counts.
		var done time.Time
		for _, e := range t.ordered() {
			_, voided := e.VoidedAt()
			if id, ok := e.LessonID(); ok && id == lesson && e.Type() == learning.LessonCompleted && !voided {
				done = e.OccurredAt()
				break
			}
		}
		a.Lessons = append(a.Lessons, progress.CompletedLesson{LessonID: lesson, CourseID: course, CompletedAt: done})
	}
	for course, e := range w.courses {
		if cur, ok := evs[e.Event.EventID()]; ok {
			e = cur
		}
		a.Courses = append(a.Courses, progress.CompletedCourse{CourseID: course, EventRowID: e.Event.ID(), CompletedAt: e.Event.OccurredAt()})
	}
	return a.Normalize(), nil
}

func (t *rebuildTx) Ledger() ([]progress.TimedGrant, []progress.TimedRepair, []progress.SettledDay, error) {
	l := t.work.streak
	grants := make([]progress.TimedGrant, 0, len(l.grants))
	for i, g := range l.grants {
		var at time.Time
		if i < len(l.grantedAt) {
			at = l.grantedAt[i]
		}
		grants = append(grants, progress.TimedGrant{Grant: g, At: at})
	}
	repairs := make([]progress.TimedRepair, 0, len(l.repairs))
	for _, d := range l.repairs {
		repairs = append(repairs, progress.TimedRepair{Date: d, At: l.repairedAt[d]})
	}
	return grants, repairs, slices.Clone(l.marks), nil
}

func (t *rebuildTx) Replace(r ports.Replacement) error {
	evs := t.events()
	for _, x := range r.XPChanges {
		k, e, ok := t.byRowID(x.RowID)
		if !ok {
			return errs.Wrap(errs.Internal, "", fmt.Errorf("rebuild: no event %s", x.RowID))
		}
		e.Event = e.Event.WithXP(x.XP)
		evs[k] = e
	}
	for _, id := range r.DropServer {
		if k, e, ok := t.byRowID(id); ok && e.Event.Type().ServerOnly() {
			delete(evs, k)
		}
	}
	a := r.Aggregates
	w := t.work
	w.totalXP, w.counters = a.TotalXP, a.Counters
	w.days = map[calendar.Date]progress.Day{}
	for _, d := range a.Days {
		day, err := progress.RestoreDay(d)
		if err != nil {
			return err
		}
		w.days[d.Date] = day
	}
	w.lessons = map[string]string{}
	for _, l := range a.Lessons {
		w.lessons[l.LessonID] = l.CourseID
	}
	w.courses = map[string]ports.StoredEvent{}
	for _, c := range a.Courses {
		_, e, ok := t.byRowID(c.EventRowID)
		if !ok {
			return errs.Wrap(errs.Internal, "", fmt.Errorf("rebuild: no event %s", c.EventRowID))
		}
		w.courses[c.CourseID] = e
	}
	w.unlocks = nil
	for _, u := range a.Achievements {
		u.UnlockedAt = at(u.UnlockedAt)
		w.unlocks = append(w.unlocks, u)
	}
	w.save(r.Streak)
	for _, e := range r.AddServer {
		row, err := stored(ports.StoredEvent{Event: e})
		if err != nil {
			return err
		}
		t.order = append(t.order, row)
	}
	return nil
}
