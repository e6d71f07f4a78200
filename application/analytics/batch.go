package analytics

import (
	"context"
	"slices"
	"time"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// pending is a batch item that passed validation, waiting to be applied.
type pending struct {
	i    int
	ev   learning.Event
	subj subject
}

// itemOutcome is what applying one item gave.
type itemOutcome struct {
	res Result
	err error
}

// applyBatch is the batch's fast path: every item applied in one
// transaction, each through the same applyTx as a single event, against a
// batchTx that keeps the learner's state in memory between items and holds
// back the writes, then one AppendAll. The transaction first looks the
// candidates' event_ids up (ids), with its first read of the state: what
// is stored is answered as a replay, and todo is what is left (pendingOf).
// An item refused by the rules (invalid, conflict) wrote nothing and is
// simply left out, so each item is still stored wholly or not at all. Any
// store failure rolls the whole transaction back and the caller falls back
// to one transaction per item, which decides item by item what can be
// stored.
func (s *Service) applyBatch(ctx context.Context, userID string, cands []candidate, ids []string, items []BatchItem,
	goal int, today calendar.Date, received time.Time, chk *checks) (
	stored map[string]ports.StoredEvent, todo []pending, out []itemOutcome, after *progress.Summary, err error) {
	var day calendar.Date // of the earliest valid candidate: the first state read's
	for _, c := range cands {
		if c.err == nil {
			day = c.ev.LocalDate()
			break
		}
	}
	var sum progress.Summary
	err = s.progress.Update(ctx, userID, func(tx ports.LearnerTx) error {
		bt := &batchTx{inner: tx, days: map[calendar.Date]progress.Day{}, lessonDone: map[string]bool{},
			courseLessons: map[string][]string{}, courseDone: map[string]ports.StoredEvent{}}
		var err error
		if stored, err = bt.lookup(ids, day); err != nil {
			return err
		}
		// Under the learner's lock nothing is stored but by this
		// transaction: an item of todo is new.
		bt.known = stored
		if todo, err = pendingOf(cands, stored); err != nil {
			return err
		}
		out = make([]itemOutcome, len(todo))
		bt.appends = make([]ports.Append, 0, len(todo))
		for i, p := range todo {
			res, err := s.applyTx(bt, userID, p.ev, p.subj, items[p.i].BodyHash, goal, today, received, nil)
			if k := errs.KindOf(err); err != nil && (k == errs.Internal || k == errs.Unavailable) {
				return err
			}
			out[i] = itemOutcome{res: res, err: err}
		}
		// The token and the settings are confirmed once, before anything is
		// written: the items' writes are held until AppendAll, and the
		// first read brought the standing and the settings.
		if err := chk.confirmToken(tx); err != nil {
			return err
		}
		if err := chk.confirmSettings(tx); err != nil {
			return err
		}
		if err := tx.AppendAll(bt.appends); err != nil {
			return err
		}
		// The state after the batch is at hand: no second read for effects.
		st, err := bt.State(today, today)
		if err != nil {
			return err
		}
		sum = progress.Summarize(st.TotalXP, st.Streak.WithFreezeMax(s.freezeMax), st.Today, goal)
		return nil
	})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return stored, todo, out, &sum, nil
}

// batchTx is a LearnerTx for the items of one batch: reads come from the
// real transaction once and are then kept up to date in memory as each item
// is applied; Append only records, for one AppendAll at the end.
type batchTx struct {
	inner         ports.LearnerTx
	known         map[string]ports.StoredEvent // stored before the batch, by event_id
	base          *progress.State              // TotalXP, Streak, Achievements after the items so far
	days          map[calendar.Date]progress.Day
	lessonDone    map[string]bool
	courseLessons map[string][]string
	courseDone    map[string]ports.StoredEvent
	appends       []ports.Append
}

// lookup reads the stored events among ids and the state of day, in one
// round trip when the store can (ports.EventsStateReader); State then
// finds day's state at hand.
func (b *batchTx) lookup(ids []string, day calendar.Date) (map[string]ports.StoredEvent, error) {
	var (
		stored map[string]ports.StoredEvent
		st     progress.State
		err    error
	)
	if r, ok := b.inner.(ports.EventsStateReader); ok {
		stored, st, err = r.FindEventsAndState(ids, day, day)
	} else if stored, err = b.inner.FindEvents(ids); err == nil {
		st, err = b.inner.State(day, day)
	}
	if err != nil {
		return nil, err
	}
	b.base, b.days[day] = &st, st.Day
	return stored, nil
}

func (b *batchTx) FindEvent(eventID string) (ports.StoredEvent, bool, error) {
	e, ok := b.known[eventID]
	return e, ok, nil
}

func (b *batchTx) FindEvents(eventIDs []string) (map[string]ports.StoredEvent, error) {
	out := map[string]ports.StoredEvent{}
	for _, id := range eventIDs {
		if e, ok := b.known[id]; ok {
			out[id] = e
		}
	}
	return out, nil
}

func (b *batchTx) CourseCompletion(courseID string) (ports.StoredEvent, bool, error) {
	if e, ok := b.courseDone[courseID]; ok {
		return e, true, nil
	}
	return b.inner.CourseCompletion(courseID)
}

func (b *batchTx) State(day, today calendar.Date) (progress.State, error) {
	for _, d := range []calendar.Date{day, today} {
		if _, ok := b.days[d]; ok && b.base != nil {
			continue
		}
		st, err := b.inner.State(d, d)
		if err != nil {
			return progress.State{}, err
		}
		if b.base == nil {
			b.base = &st
		}
		if _, ok := b.days[d]; !ok {
			b.days[d] = st.Day
		}
	}
	return progress.State{TotalXP: b.base.TotalXP, Streak: b.base.Streak.Clone(),
		Achievements: slices.Clone(b.base.Achievements), Day: b.days[day], Today: b.days[today]}, nil
}

func (b *batchTx) LessonCompleted(lessonID string) (bool, error) {
	if done, ok := b.lessonDone[lessonID]; ok {
		return done, nil
	}
	done, err := b.inner.LessonCompleted(lessonID)
	if err == nil {
		b.lessonDone[lessonID] = done
	}
	return done, err
}

func (b *batchTx) CompletedLessons(courseID string) ([]string, error) {
	if ids, ok := b.courseLessons[courseID]; ok {
		return slices.Clone(ids), nil
	}
	ids, err := b.inner.CompletedLessons(courseID)
	if err == nil {
		b.courseLessons[courseID] = slices.Clone(ids)
	}
	return ids, err
}

// Append records the item and moves the in-memory state past it, as the
// store would have after writing it.
func (b *batchTx) Append(a ports.Append) error {
	o, e := a.Outcome, a.Event.Event
	if b.base == nil { // State is always read first; this is a guard, not a path
		if _, err := b.State(e.LocalDate(), e.LocalDate()); err != nil {
			return err
		}
	}
	if o.LessonCompleted != "" {
		if _, err := b.CompletedLessons(a.LessonCourseID); err != nil {
			return err
		}
		b.lessonDone[o.LessonCompleted] = true
		b.courseLessons[a.LessonCourseID] = append(b.courseLessons[a.LessonCourseID], o.LessonCompleted)
	}
	if o.CourseCompleted != "" {
		b.courseDone[o.CourseCompleted] = a.Event
	}
	b.base.TotalXP = o.TotalXP
	if o.ActiveDateAdded {
		b.base.Streak.RecordActiveDay(o.Day.Date())
	}
	for _, u := range o.Unlocked {
		b.base.Achievements = append(b.base.Achievements, u.Achievement)
	}
	b.days[o.Day.Date()] = o.Day
	b.appends = append(b.appends, a)
	return nil
}

func (b *batchTx) Settings() (calendar.Zone, int, error)     { return b.inner.Settings() }
func (b *batchTx) Standing() (account.Standing, bool, error) { return b.inner.Standing() }

// AppendAll is not used inside a batch (there is no batch of batches).
func (b *batchTx) AppendAll(as []ports.Append) error {
	for _, a := range as {
		if err := b.Append(a); err != nil {
			return err
		}
	}
	return nil
}
