package progress

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
)

// A rebuild recomputes a learner's aggregates from their stored client
// events (docs/rebuild.md): the events that count are replayed through Apply
// in the order they were stored, each with its own local_date, received_at
// and "today" at receipt, so that there is one set of rules for taking an
// event in and for rebuilding. The Rebuilder holds O(days + lessons +
// achievements) whatever the number of events, which a store streams to it
// in pages.

// TimedGrant is a grant with the instant it was made: an event replayed
// settles only with the grants made before it was received.
type TimedGrant struct {
	Grant
	At time.Time
}

// TimedRepair is a repaired date with the instant of the repair.
type TimedRepair struct {
	Date calendar.Date
	At   time.Time
}

// CompletedLesson is a lesson a learner completed, with the occurred_at of
// the completing event.
type CompletedLesson struct {
	LessonID, CourseID string
	CompletedAt        time.Time
}

// CompletedCourse is a course a learner completed: the id of the event row
// that completed it and its occurred_at.
type CompletedCourse struct {
	CourseID, EventRowID string
	CompletedAt          time.Time
}

// ServerRecord is a server-recorded event as a rebuild makes it: the
// ProgressEvent and the received_at of the client event that caused it.
type ServerRecord struct {
	ProgressEvent
	ReceivedAt time.Time
}

// Key identifies a server event by everything but its id, so that a
// rebuild can keep the stored row of an event it makes again. Metadata is
// compared by value as text (a stored number comes back as float64).
func (r ServerRecord) Key() string {
	keys := make([]string, 0, len(r.Metadata))
	for k := range r.Metadata {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|%s|%s", r.Type, r.LocalDate, r.OccurredAt.UTC().Format(time.RFC3339Nano), r.ReceivedAt.UTC().Format(time.RFC3339Nano))
	for _, k := range keys {
		fmt.Fprintf(&b, "|%s=%v", k, r.Metadata[k])
	}
	return b.String()
}

// ServerRecordOf is a stored server event as a ServerRecord.
func ServerRecordOf(e learning.Event) ServerRecord {
	return ServerRecord{ProgressEvent: ProgressEvent{Type: e.Type(), OccurredAt: e.OccurredAt(), LocalDate: e.LocalDate(),
		Metadata: e.Metadata()}, ReceivedAt: e.ReceivedAt()}
}

// Replayed is one stored client event with what the catalog says about its
// subject now.
type Replayed struct {
	Event learning.Event
	// Today is the learner's local date at receipt: Event.ReceivedOn, or,
	// for a row stored before that was kept, the caller's best estimate.
	Today calendar.Date
	// LessonXPReward and LessonCourseID describe a lesson_completed's
	// lesson; CourseLessons lists a course_completed's lessons.
	LessonXPReward int
	LessonCourseID string
	CourseLessons  []string
}

// RebuildInput is what a rebuild starts from besides the events.
type RebuildInput struct {
	// Goals are the stored day records' goals (GoalInForce): the goal in
	// force on a day is the one fixed when its first credited event arrived,
	// and a void does not move it. A day without one takes CurrentGoal.
	Goals       map[calendar.Date]int
	CurrentGoal int
	// Held are the stored achievements: one that still holds keeps its
	// unlocked_at.
	Held      []Unlock
	Grants    []TimedGrant
	Repairs   []TimedRepair
	FreezeMax int
}

// XPChange is a client event whose xp_awarded the rebuild changes.
type XPChange struct {
	RowID string
	XP    int
}

// Aggregates are a learner's stored aggregates, what a rebuild replaces
// and compares: every list sorted (Normalize).
type Aggregates struct {
	TotalXP      int
	Counters     Counters
	Days         []DayRecord
	Lessons      []CompletedLesson
	Courses      []CompletedCourse
	Achievements []Unlock
}

// Normalize sorts every list and puts instants in UTC at microseconds, the
// precision stores keep, so that two Aggregates compare with Equal.
func (a Aggregates) Normalize() Aggregates {
	us := func(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
	out := Aggregates{TotalXP: a.TotalXP, Counters: a.Counters, Days: slices.Clone(a.Days),
		Lessons: slices.Clone(a.Lessons), Courses: slices.Clone(a.Courses), Achievements: slices.Clone(a.Achievements)}
	// A stored day with nothing in it is the same as no day.
	out.Days = slices.DeleteFunc(out.Days, func(d DayRecord) bool { return d == DayRecord{Date: d.Date} })
	slices.SortFunc(out.Days, func(x, y DayRecord) int { return x.Date.Compare(y.Date) })
	for i := range out.Lessons {
		out.Lessons[i].CompletedAt = us(out.Lessons[i].CompletedAt)
	}
	slices.SortFunc(out.Lessons, func(x, y CompletedLesson) int { return strings.Compare(x.LessonID, y.LessonID) })
	for i := range out.Courses {
		out.Courses[i].CompletedAt = us(out.Courses[i].CompletedAt)
	}
	slices.SortFunc(out.Courses, func(x, y CompletedCourse) int { return strings.Compare(x.CourseID, y.CourseID) })
	for i := range out.Achievements {
		out.Achievements[i].UnlockedAt = us(out.Achievements[i].UnlockedAt)
	}
	slices.SortFunc(out.Achievements, func(x, y Unlock) int { return cmp.Compare(x.Achievement, y.Achievement) })
	return out
}

// Equal reports whether two sets of aggregates are the same.
func (a Aggregates) Equal(b Aggregates) bool {
	a, b = a.Normalize(), b.Normalize()
	return a.TotalXP == b.TotalXP && a.Counters == b.Counters && slices.Equal(a.Days, b.Days) &&
		slices.EqualFunc(a.Lessons, b.Lessons, func(x, y CompletedLesson) bool {
			return x.LessonID == y.LessonID && x.CourseID == y.CourseID && x.CompletedAt.Equal(y.CompletedAt)
		}) &&
		slices.EqualFunc(a.Courses, b.Courses, func(x, y CompletedCourse) bool {
			return x.CourseID == y.CourseID && x.EventRowID == y.EventRowID && x.CompletedAt.Equal(y.CompletedAt)
		}) &&
		slices.EqualFunc(a.Achievements, b.Achievements, func(x, y Unlock) bool {
			return x.Achievement == y.Achievement && x.UnlockedAt.Equal(y.UnlockedAt)
		})
}

// Rebuilt is a rebuild's result.
type Rebuilt struct {
	Aggregates
	// Streak is the learner's streak (every active date, the whole ledger
	// and the freeze cap), to settle and save as of today.
	Streak Streak
	// Server are the server-recorded events the replay made, in order.
	Server []ServerRecord
	// XPChanges are the replayed events whose xp_awarded differs from the
	// stored one (a refused course_completed gets 0).
	XPChanges []XPChange
}

// Rebuilder replays events one at a time (Add) and gives the result
// (Result). Its zero value is not usable; make it with NewRebuilder.
type Rebuilder struct {
	in       RebuildInput
	held     map[Achievement]time.Time
	total    int
	counters Counters
	days     map[calendar.Date]Day
	streak   Streak
	lessons  map[string]CompletedLesson
	courses  map[string]CompletedCourse
	unlocks  []Unlock
	server   []ServerRecord
	changes  []XPChange
	// ledger is streak with the grants and repairs made up to ledgerAt's
	// last instant, kept between events: it changes only when an active
	// date is added or another grant or repair comes due.
	ledger           Streak
	nGrants, nRepair int
	ledgerOK         bool
}

// NewRebuilder starts a rebuild from nothing.
func NewRebuilder(in RebuildInput) *Rebuilder {
	r := &Rebuilder{in: in, held: map[Achievement]time.Time{}, days: map[calendar.Date]Day{},
		lessons: map[string]CompletedLesson{}, courses: map[string]CompletedCourse{}}
	for _, u := range in.Held {
		r.held[u.Achievement] = u.UnlockedAt
	}
	r.in.Grants = slices.Clone(in.Grants)
	slices.SortStableFunc(r.in.Grants, func(a, b TimedGrant) int { return a.At.Compare(b.At) })
	r.in.Repairs = slices.Clone(in.Repairs)
	slices.SortStableFunc(r.in.Repairs, func(a, b TimedRepair) int { return a.At.Compare(b.At) })
	return r
}

func (r *Rebuilder) day(d calendar.Date) Day {
	if day, ok := r.days[d]; ok {
		return day
	}
	return NewDay(d)
}

// ledgerAt is the streak as it stood when an event received at t was
// taken in: the grants and repairs made up to t.
func (r *Rebuilder) ledgerAt(t time.Time) Streak {
	ng := 0
	for ng < len(r.in.Grants) && !r.in.Grants[ng].At.After(t) {
		ng++
	}
	nr := 0
	for nr < len(r.in.Repairs) && !r.in.Repairs[nr].At.After(t) {
		nr++
	}
	if r.ledgerOK && ng == r.nGrants && nr == r.nRepair {
		return r.ledger
	}
	grants := make([]Grant, 0, ng)
	for _, g := range r.in.Grants[:ng] {
		grants = append(grants, g.Grant)
	}
	repairs := make([]calendar.Date, 0, nr)
	for _, rp := range r.in.Repairs[:nr] {
		repairs = append(repairs, rp.Date)
	}
	r.ledger = r.streak.WithLedger(grants, repairs, nil).WithFreezeMax(r.in.FreezeMax)
	r.nGrants, r.nRepair, r.ledgerOK = ng, nr, true
	return r.ledger
}

// Add replays one client event, in the order the events were stored. An
// event the rules refuse now (a course_completed whose course is no longer
// complete, or one completed before) would not have been stored: it counts
// for nothing and its xp_awarded becomes 0. Errors are Internal (a voided or
// server event given, a broken record).
func (r *Rebuilder) Add(e Replayed) error {
	ev := e.Event
	if _, voided := ev.VoidedAt(); voided || ev.Type().ServerOnly() {
		return errs.Wrap(errs.Internal, "", fmt.Errorf("rebuild: event %s is voided or server-recorded", ev.ID()))
	}
	if e.Today.IsZero() {
		return errs.Wrap(errs.Internal, "", fmt.Errorf("rebuild: event %s has no receipt date", ev.ID()))
	}
	goal := r.in.CurrentGoal
	if g, ok := r.in.Goals[ev.LocalDate()]; ok && g > 0 {
		goal = g
	}
	facts := Facts{Now: ev.ReceivedAt(), Today: e.Today, DailyXPGoal: goal}
	switch ev.Type() {
	case learning.LessonCompleted:
		id, _ := ev.LessonID()
		_, facts.LessonCompletedBefore = r.lessons[id]
		facts.LessonXPReward = e.LessonXPReward
	case learning.CourseCompleted:
		id, _ := ev.CourseID()
		if _, done := r.courses[id]; done {
			r.refuse(ev)
			return nil
		}
		for _, l := range e.CourseLessons {
			if _, ok := r.lessons[l]; !ok {
				facts.RemainingLessonIDs = append(facts.RemainingLessonIDs, l)
			}
		}
		if len(facts.RemainingLessonIDs) > 0 {
			r.refuse(ev)
			return nil
		}
	}
	achieved := make([]Achievement, 0, len(r.unlocks))
	for _, u := range r.unlocks {
		achieved = append(achieved, u.Achievement)
	}
	st := State{TotalXP: r.total, Streak: r.ledgerAt(ev.ReceivedAt()), Achievements: achieved,
		Day: r.day(ev.LocalDate()), Today: r.day(e.Today)}
	o, err := Apply(st, ev, facts)
	if err != nil {
		return err
	}
	if o.XPAwarded != ev.XPAwarded() {
		r.changes = append(r.changes, XPChange{RowID: ev.ID(), XP: o.XPAwarded})
	}
	r.total = o.TotalXP
	r.counters = r.counters.Count(ev)
	r.days[o.Day.Date()] = o.Day
	if o.ActiveDateAdded {
		r.streak.RecordActiveDay(o.Day.Date())
		r.ledgerOK = false
	}
	if o.LessonCompleted != "" {
		r.lessons[o.LessonCompleted] = CompletedLesson{LessonID: o.LessonCompleted, CourseID: e.LessonCourseID, CompletedAt: ev.OccurredAt()}
	}
	if o.CourseCompleted != "" {
		r.courses[o.CourseCompleted] = CompletedCourse{CourseID: o.CourseCompleted, EventRowID: ev.ID(), CompletedAt: ev.OccurredAt()}
	}
	for _, u := range o.Unlocked {
		if at, ok := r.held[u.Achievement]; ok {
			u.UnlockedAt = at
		}
		r.unlocks = append(r.unlocks, u)
	}
	for _, pe := range o.Events {
		r.server = append(r.server, ServerRecord{ProgressEvent: pe, ReceivedAt: ev.ReceivedAt()})
	}
	return nil
}

// refuse records an event the replay refuses: it keeps no XP.
func (r *Rebuilder) refuse(ev learning.Event) {
	if ev.XPAwarded() != 0 {
		r.changes = append(r.changes, XPChange{RowID: ev.ID(), XP: 0})
	}
}

// Result is the learner's aggregates after every event added so far.
func (r *Rebuilder) Result() Rebuilt {
	out := Rebuilt{Aggregates: Aggregates{TotalXP: r.total, Counters: r.counters, Achievements: slices.Clone(r.unlocks)},
		Server: slices.Clone(r.server), XPChanges: slices.Clone(r.changes)}
	for _, d := range r.days {
		out.Days = append(out.Days, d.Record())
	}
	for _, l := range r.lessons {
		out.Lessons = append(out.Lessons, l)
	}
	for _, c := range r.courses {
		out.Courses = append(out.Courses, c)
	}
	out.Aggregates = out.Aggregates.Normalize()
	grants := make([]Grant, 0, len(r.in.Grants))
	for _, g := range r.in.Grants {
		grants = append(grants, g.Grant)
	}
	repairs := make([]calendar.Date, 0, len(r.in.Repairs))
	for _, rp := range r.in.Repairs {
		repairs = append(repairs, rp.Date)
	}
	out.Streak = r.streak.WithLedger(grants, repairs, nil).WithFreezeMax(r.in.FreezeMax)
	return out
}

// ServerDiff says which stored server events a rebuild keeps and which it
// adds: a stored event the replay made again (same Key) is kept as it is;
// an achievement_unlocked of an achievement still held is kept whatever the
// replay made, since the achievement keeps its unlocked_at. Every other
// stored one is dropped.
func ServerDiff(stored []learning.Event, rebuilt []ServerRecord, unlocks []Unlock) (drop []string, add []ServerRecord) {
	code := func(md map[string]any) string { s, _ := md["code"].(string); return s }
	still := map[string]bool{}
	for _, u := range unlocks {
		still[u.Achievement.String()] = true
	}
	want := map[string]int{}
	keptAchievement := map[string]bool{}
	for _, r := range rebuilt {
		want[r.Key()]++
	}
	for _, e := range stored {
		rec := ServerRecordOf(e)
		if e.Type() == learning.AchievementUnlocked && still[code(e.Metadata())] && !keptAchievement[code(e.Metadata())] {
			keptAchievement[code(e.Metadata())] = true
			continue
		}
		if k := rec.Key(); want[k] > 0 && e.Type() != learning.AchievementUnlocked {
			want[k]--
			continue
		}
		drop = append(drop, e.ID())
	}
	for _, r := range rebuilt {
		if r.Type == learning.AchievementUnlocked {
			if c := code(r.Metadata); keptAchievement[c] {
				continue
			} else if still[c] {
				keptAchievement[c] = true
			}
			add = append(add, r)
			continue
		}
		if k := r.Key(); want[k] > 0 {
			want[k]--
			add = append(add, r)
		}
	}
	return drop, add
}
