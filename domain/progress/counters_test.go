package progress_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
)

func TestCountersCount(t *testing.T) {
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	client := func(t *testing.T, in learning.EventInput) learning.Event {
		t.Helper()
		in.OccurredAt = &at
		e, err := learning.NewEvent("00000000-0000-4000-8000-0000000000aa", "u", in, at, calendar.UTC)
		require.NoError(t, err)
		return e
	}
	cases := []struct {
		name string
		in   learning.EventInput
		want progress.Counters
	}{
		{"a practice is a practice session", learning.EventInput{EventType: "practice_completed", Score: ptr(80), DurationSeconds: ptr(60)},
			progress.Counters{PracticeSessions: 1, TimeSpentSeconds: 60}},
		{"a correct attempt", learning.EventInput{EventType: "exercise_attempted", ExerciseID: ptr("x1"), IsCorrect: ptr(true)},
			progress.Counters{ExercisesAttempted: 1, ExercisesCorrect: 1}},
		{"a wrong attempt", learning.EventInput{EventType: "exercise_attempted", ExerciseID: ptr("x1"), IsCorrect: ptr(false)},
			progress.Counters{ExercisesAttempted: 1}},
		{"a session", learning.EventInput{EventType: "session_started", SessionID: ptr("s1")}, progress.Counters{Sessions: 1}},
		{"any event's duration is time spent", learning.EventInput{EventType: "app_opened", DurationSeconds: ptr(7)},
			progress.Counters{TimeSpentSeconds: 7}},
	}
	start := progress.Counters{PracticeSessions: 1, ExercisesAttempted: 2, ExercisesCorrect: 1, TimeSpentSeconds: 10, Sessions: 3}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, progress.Counters{}.Count(client(t, c.in)))
			assert.Equal(t, start.Plus(c.want), start.Count(client(t, c.in)), "counts add to what was there")
		})
	}
	t.Run("server events count nothing", func(t *testing.T) {
		e, err := learning.NewServerEvent("id", "u", learning.LevelUp, at, at, calendar.DateOf(at, time.UTC), map[string]any{"level": 2})
		require.NoError(t, err)
		assert.Equal(t, start, start.Count(e))
	})
}
