package progress

import "github.com/lingo-labs/lingo/domain/learning"

// Counters are a learner's running totals beside total_xp, which user stats
// report. Stores keep them as numbers; which event moves which counter is
// decided here, once, so that every storage adapter counts alike.
type Counters struct {
	PracticeSessions   int
	ExercisesAttempted int
	ExercisesCorrect   int
	TimeSpentSeconds   int
	Sessions           int
}

// Count returns c moved past one client event: a practice_completed is a
// practice session, an exercise_attempted an attempt (and a correct one when
// is_correct is true), a session_started a session, and every event's
// duration_seconds is time spent. Server-recorded events count nothing.
func (c Counters) Count(e learning.Event) Counters {
	if e.Type().ServerOnly() {
		return c
	}
	switch e.Type() {
	case learning.PracticeCompleted:
		c.PracticeSessions++
	case learning.ExerciseAttempted:
		c.ExercisesAttempted++
		if ok, _ := e.IsCorrect(); ok {
			c.ExercisesCorrect++
		}
	case learning.SessionStarted:
		c.Sessions++
	}
	if d, ok := e.DurationSeconds(); ok {
		c.TimeSpentSeconds += d
	}
	return c
}

// Plus adds two sets of counters.
func (c Counters) Plus(o Counters) Counters {
	return Counters{
		PracticeSessions:   c.PracticeSessions + o.PracticeSessions,
		ExercisesAttempted: c.ExercisesAttempted + o.ExercisesAttempted,
		ExercisesCorrect:   c.ExercisesCorrect + o.ExercisesCorrect,
		TimeSpentSeconds:   c.TimeSpentSeconds + o.TimeSpentSeconds,
		Sessions:           c.Sessions + o.Sessions,
	}
}
