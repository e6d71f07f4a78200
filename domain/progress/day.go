package progress

import (
	"fmt"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
)

// Day is a learner's record of one local date: the per-day aggregate that
// the daily goal, the streak calendar and the user-stats history read, so
// that none of them has to scan events.
type Day struct {
	date             calendar.Date
	xp               int  // XP of every event of the date, credited or not
	creditedXP       int  // XP of the events that earned credit: the goal XP
	goal             int  // daily_xp_goal in force; 0 until the first credited event
	goalMet          bool // daily_goal_met was recorded for the date
	active           bool // the date is in the streak calendar
	lessonsCompleted int  // lesson_completed events (repeats included)
	timeSpent        int  // sum of duration_seconds of every event of the date
}

// NewDay is the empty record of a date nothing has happened on yet.
func NewDay(d calendar.Date) Day { return Day{date: d} }

// DayRecord is a day as a store keeps it.
type DayRecord struct {
	Date             calendar.Date
	XP               int
	CreditedXP       int
	GoalXP           int // 0 while no credited event arrived
	GoalMet          bool
	Active           bool
	LessonsCompleted int
	TimeSpentSeconds int
}

// RestoreDay rebuilds a stored day; impossible values are corrupt data and
// give an Internal error.
func RestoreDay(r DayRecord) (Day, error) {
	if r.Date.IsZero() || r.XP < 0 || r.CreditedXP < 0 || r.CreditedXP > r.XP || r.GoalXP < 0 ||
		r.LessonsCompleted < 0 || r.TimeSpentSeconds < 0 || (r.GoalMet && r.GoalXP == 0) {
		return Day{}, errs.Wrap(errs.Internal, errs.CodeCorruptDay, fmt.Errorf("restore day %s: impossible values %+v", r.Date, r))
	}
	return Day{
		date: r.Date, xp: r.XP, creditedXP: r.CreditedXP, goal: r.GoalXP, goalMet: r.GoalMet,
		active: r.Active, lessonsCompleted: r.LessonsCompleted, timeSpent: r.TimeSpentSeconds,
	}, nil
}

// Record is the day as a store keeps it.
func (d Day) Record() DayRecord {
	return DayRecord{
		Date: d.date, XP: d.xp, CreditedXP: d.creditedXP, GoalXP: d.goal, GoalMet: d.goalMet,
		Active: d.active, LessonsCompleted: d.lessonsCompleted, TimeSpentSeconds: d.timeSpent,
	}
}

func (d Day) Date() calendar.Date   { return d.date }
func (d Day) XP() int               { return d.xp }
func (d Day) GoalXPEarned() int     { return d.creditedXP }
func (d Day) GoalMet() bool         { return d.goalMet }
func (d Day) Active() bool          { return d.active }
func (d Day) LessonsCompleted() int { return d.lessonsCompleted }
func (d Day) TimeSpentSeconds() int { return d.timeSpent }

// GoalInForce is the daily_xp_goal fixed by the date's first credited event,
// and false while none arrived (then the learner's current goal applies).
func (d Day) GoalInForce() (int, bool) { return d.goal, d.goal > 0 }

// goalFor is the goal that applies to the date: the fixed one, or current.
func (d Day) goalFor(current int) int {
	if g, ok := d.GoalInForce(); ok {
		return g
	}
	return current
}
