package memory

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// learner is one learner's events and aggregates, what the SQL store keeps
// in learning_events, learner_progress, learner_days, completed_lessons,
// completed_courses and learner_achievements, and its streak protection
// (see ledger).
type learner struct {
	totalXP  int
	counters progress.Counters
	days     map[calendar.Date]progress.Day
	lessons  map[string]string            // completed lesson id → its course id
	courses  map[string]ports.StoredEvent // completed course id → the event that completed it
	unlocks  []progress.Unlock
	events   map[string]ports.StoredEvent // by event_id
	streak   ledger
	// rewrite, set by a rebuild inside a transaction, is the learner's
	// events as they are to be committed (see Progress.update).
	rewrite map[string]ports.StoredEvent
}

func newLearner() *learner {
	return &learner{days: map[calendar.Date]progress.Day{}, lessons: map[string]string{},
		courses: map[string]ports.StoredEvent{}, events: map[string]ports.StoredEvent{}}
}

// aggregates copies everything but the events, which a transaction adds to
// without changing (see learnerTx.added).
func (l *learner) aggregates() *learner {
	return &learner{totalXP: l.totalXP, counters: l.counters, days: maps.Clone(l.days), lessons: maps.Clone(l.lessons),
		courses: maps.Clone(l.courses), unlocks: slices.Clone(l.unlocks), events: l.events, streak: l.streak.clone()}
}

func (l *learner) activeDates() []calendar.Date {
	var out []calendar.Date
	for d, day := range l.days {
		if day.Active() {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, calendar.Date.Compare)
	return out
}

func (l *learner) day(d calendar.Date) progress.Day {
	if day, ok := l.days[d]; ok {
		return day
	}
	return progress.NewDay(d)
}

// Progress is the store as ports.ProgressStore.
type Progress struct{ s *Store }

// NewProgress gives the store as the progress store.
func NewProgress(s *Store) Progress { return Progress{s} }

// Update holds the learner's lock for the whole of fn. fn works on a copy of
// the learner's aggregates and a buffer of new events; they replace the
// stored ones only when fn returns nil, so its error rolls everything back.
//
// The appends' messages become their deliveries (Outbox) before the swap,
// so that failing to make them rolls back too, and join the store and the
// job queue right after it (or the caller's Outbox transaction, if any).
func (p Progress) Update(ctx context.Context, userID string, fn func(ports.LearnerTx) error) error {
	var (
		ds []webhook.Delivery
		tx *learnerTx
	)
	err := p.update(ctx, userID, func(committed *learner) (*learner, []ports.StoredEvent, error) {
		tx = &learnerTx{s: p.s, userID: userID, work: committed.aggregates(), added: map[string]ports.StoredEvent{}}
		if err := fn(tx); err != nil {
			return nil, nil, err
		}
		var err error
		ds, err = p.s.prepare(tx.msgs)
		return tx.work, tx.order, err
	}, func(events map[string]ports.StoredEvent) { tx.commitLeague(events) })
	if err != nil {
		return err
	}
	p.s.deliver(ctx, ds)
	return nil
}

// update runs fn under the learner's lock with the committed learner (never
// nil); when fn returns nil, the learner it returns replaces the committed
// one, with the new events added to the committed ones.
//
// commit, when not nil, runs under the store's lock right after the swap
// with the learner's events, new ones included: the league writes land in
// the same instant as the events.
func (p Progress) update(ctx context.Context, userID string, fn func(committed *learner) (*learner, []ports.StoredEvent, error),
	commit func(events map[string]ports.StoredEvent)) error {
	unlock, err := p.s.rows.lock(ctx, "learner:"+userID)
	if err != nil {
		return err
	}
	defer unlock()
	p.s.mu.RLock()
	committed := p.s.learners[userID]
	p.s.mu.RUnlock()
	if committed == nil {
		committed = newLearner()
	}
	next, order, err := fn(committed)
	if err != nil {
		return err
	}
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if next.rewrite == nil {
		next.events = committed.events
	} else {
		// A rebuild replaced some stored events (voided_at, xp_awarded) and
		// removed server events: its map is the whole new set.
		next.events, next.rewrite = next.rewrite, nil
		p.s.log = slices.DeleteFunc(p.s.log, func(r eventRef) bool {
			_, ok := next.events[r.eventID]
			return r.userID == userID && !ok
		})
	}
	for _, e := range order {
		next.events[e.Event.EventID()] = e
		p.s.log = append(p.s.log, eventRef{userID: userID, eventID: e.Event.EventID()})
		if e.Event.ReceivedAt().After(p.s.lastReceived) {
			p.s.lastReceived = e.Event.ReceivedAt()
		}
	}
	p.s.learners[userID] = next
	if commit != nil {
		commit(next.events)
	}
	return nil
}

// learnerTx is ports.LearnerTx over a copy of one learner's aggregates.
// Only the transaction holding the learner's lock writes the learner, so
// the committed events it reads cannot change under it.
type learnerTx struct {
	s      *Store
	userID string
	work   *learner
	added  map[string]ports.StoredEvent // new events by event_id
	order  []ports.StoredEvent          // new events in the order appended
	msgs   []webhook.Message            // the appends' messages
	// league is the league writes, made at commit (commitLeague).
	league []leagueOp
}

func (t *learnerTx) Standing() (account.Standing, bool, error) {
	t.s.mu.RLock()
	defer t.s.mu.RUnlock()
	u, ok := t.s.users[t.userID]
	return u.Standing(), ok, nil
}

func (t *learnerTx) Settings() (calendar.Zone, int, error) {
	return Settings{t.s}.Settings(context.Background(), t.userID)
}

func (t *learnerTx) FindEvent(eventID string) (ports.StoredEvent, bool, error) {
	if e, ok := t.added[eventID]; ok {
		return e, true, nil
	}
	t.s.mu.RLock()
	defer t.s.mu.RUnlock()
	e, ok := t.work.events[eventID]
	return e, ok, nil
}

func (t *learnerTx) FindEvents(eventIDs []string) (map[string]ports.StoredEvent, error) {
	out := map[string]ports.StoredEvent{}
	for _, id := range eventIDs {
		if e, ok, _ := t.FindEvent(id); ok {
			out[id] = e
		}
	}
	return out, nil
}

func (t *learnerTx) CourseCompletion(courseID string) (ports.StoredEvent, bool, error) {
	e, ok := t.work.courses[courseID]
	return e, ok, nil
}

func (t *learnerTx) State(day, today calendar.Date) (progress.State, error) {
	st := progress.State{TotalXP: t.work.totalXP, Streak: t.work.readStreak(calendar.Earlier(day, today)),
		Day: t.work.day(day), Today: t.work.day(today)}
	for _, u := range t.work.unlocks {
		st.Achievements = append(st.Achievements, u.Achievement)
	}
	return st, nil
}

func (t *learnerTx) LessonCompleted(lessonID string) (bool, error) {
	_, ok := t.work.lessons[lessonID]
	return ok, nil
}

func (t *learnerTx) CompletedLessons(courseID string) ([]string, error) {
	var out []string
	for l, c := range t.work.lessons {
		if c == courseID {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (t *learnerTx) Append(a ports.Append) error { return t.AppendAll([]ports.Append{a}) }

func conflict(what string) error {
	return errs.E(errs.Conflict, errs.CodeConflict, what+" is stored already")
}

// AppendAll applies every append to a copy and keeps it only when all of
// them fit, as one statement per table would: a taken event_id is Conflict
// event_id_taken (the SQL store's unique index), a lesson, course or
// achievement recorded twice a plain Conflict (their primary keys).
func (t *learnerTx) AppendAll(as []ports.Append) error {
	work := t.work.aggregates()
	added := maps.Clone(t.added)
	var order []ports.StoredEvent
	for _, a := range as {
		rows := []ports.StoredEvent{a.Event}
		for _, se := range a.ServerEvents {
			rows = append(rows, ports.StoredEvent{Event: se})
		}
		for _, row := range rows {
			e, err := stored(row)
			if err != nil {
				return err
			}
			id := e.Event.EventID()
			if _, ok := added[id]; ok {
				return errs.E(errs.Conflict, errs.CodeEventIDTaken, "This event_id is taken.")
			}
			if ok, _ := t.committed(id); ok {
				return errs.E(errs.Conflict, errs.CodeEventIDTaken, "This event_id is taken.")
			}
			added[id] = e
			order = append(order, e)
		}
		o := a.Outcome
		work.totalXP = o.TotalXP
		work.counters = work.counters.Count(a.Event.Event)
		work.days[o.Day.Date()] = o.Day
		if o.LessonCompleted != "" {
			if _, ok := work.lessons[o.LessonCompleted]; ok {
				return conflict("the lesson completion")
			}
			work.lessons[o.LessonCompleted] = a.LessonCourseID
		}
		if o.CourseCompleted != "" {
			if _, ok := work.courses[o.CourseCompleted]; ok {
				return conflict("the course completion")
			}
			work.courses[o.CourseCompleted] = added[a.Event.Event.EventID()]
		}
		for _, u := range o.Unlocked {
			if slices.ContainsFunc(work.unlocks, func(h progress.Unlock) bool { return h.Achievement == u.Achievement }) {
				return conflict("the achievement")
			}
			u.UnlockedAt = at(u.UnlockedAt)
			work.unlocks = append(work.unlocks, u)
		}
	}
	// The settled streak of the last append that has one: each outcome's
	// StreakSave is the whole settlement after its own event.
	for i := len(as) - 1; i >= 0; i-- {
		if sv := as[i].Outcome.StreakSave; sv != nil {
			work.save(*sv)
			break
		}
	}
	var msgs []webhook.Message
	for _, a := range as {
		msgs = append(msgs, a.Messages...)
	}
	t.work, t.added, t.order, t.msgs = work, added, append(t.order, order...), append(t.msgs, msgs...)
	for _, a := range as {
		if a.League.XP > 0 && !a.League.Week.IsZero() {
			t.league = append(t.league, leagueOp{credit: a.League})
		}
	}
	return nil
}

func (t *learnerTx) committed(eventID string) (bool, error) {
	t.s.mu.RLock()
	defer t.s.mu.RUnlock()
	_, ok := t.work.events[eventID]
	return ok, nil
}

func (p Progress) Snapshot(_ context.Context, userID string, today calendar.Date) (ports.LearnerSnapshot, error) {
	p.s.mu.RLock()
	defer p.s.mu.RUnlock()
	l := p.s.learners[userID]
	if l == nil {
		l = newLearner()
	}
	snap := ports.LearnerSnapshot{TotalXP: l.totalXP, Streak: l.readStreak(today), Today: l.day(today),
		Achievements: slices.Clone(l.unlocks), Counters: l.counters, LessonsCompleted: len(l.lessons),
		CoursesCompleted: len(l.courses), Courses: []ports.CourseProgress{}}
	if snap.Achievements == nil {
		snap.Achievements = []progress.Unlock{}
	}
	slices.SortFunc(snap.Achievements, func(a, b progress.Unlock) int {
		return cmp.Or(a.UnlockedAt.Compare(b.UnlockedAt), strings.Compare(a.Achievement.String(), b.Achievement.String()))
	})
	done := map[string]int{}
	for _, courseID := range l.lessons {
		done[courseID]++
	}
	for courseID, n := range done {
		c, ok := p.s.courses[courseID]
		if !ok { // a course no longer in the catalog, as the SQL store's join drops it
			continue
		}
		snap.Courses = append(snap.Courses, ports.CourseProgress{CourseID: courseID, Title: c.Title(),
			LessonsCompleted: n, LessonsTotal: len(p.s.courseLessons(courseID))})
	}
	slices.SortFunc(snap.Courses, func(a, b ports.CourseProgress) int {
		return cmp.Or(strings.Compare(a.Title, b.Title), strings.Compare(a.CourseID, b.CourseID))
	})
	return snap, nil
}

func (p Progress) Days(_ context.Context, userID string, from, to calendar.Date) ([]progress.Day, error) {
	p.s.mu.RLock()
	defer p.s.mu.RUnlock()
	var out []progress.Day
	if l := p.s.learners[userID]; l != nil {
		for d, day := range l.days {
			if !d.Before(from) && !d.After(to) {
				out = append(out, day)
			}
		}
	}
	slices.SortFunc(out, func(a, b progress.Day) int { return a.Date().Compare(b.Date()) })
	return out, nil
}

// Global counts active learner accounts, with or without events.
func (p Progress) Global(_ context.Context, userID string) (ports.GlobalStats, error) {
	p.s.mu.RLock()
	defer p.s.mu.RUnlock()
	xpOf := func(id string) int {
		if l := p.s.learners[id]; l != nil {
			return l.totalXP
		}
		return 0
	}
	mine := xpOf(userID)
	var g ports.GlobalStats
	for id, u := range p.s.users {
		if u.Role() != account.RoleLearner || !u.IsActive() {
			continue
		}
		xp := xpOf(id)
		g.Learners++
		g.SumXP += xp
		if xp < mine {
			g.Below++
		}
	}
	return g, nil
}
