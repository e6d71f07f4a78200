package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/adapters/storetest"
	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/health"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/ports"
)

func TestEventsPagesAndFilters(t *testing.T) {
	w := newWorld(t)
	for i := range 3 {
		in := practice(50)
		in.OccurredAt = ptr(now.Add(time.Duration(i-3) * time.Minute))
		w.mustRecord(submission(in, "p"))
	}
	ex := learning.EventInput{EventType: "exercise_attempted", ExerciseID: ptr("x"), IsCorrect: ptr(true)}
	w.mustRecord(submission(ex, "x"))
	ctx := context.Background()

	var walked []string
	q := analytics.ListQuery{Types: []learning.EventType{learning.PracticeCompleted}, Limit: 2}
	for range 5 {
		p, err := w.svc.Events(ctx, w.user, q)
		require.NoError(t, err)
		assert.Equal(t, 2, p.Limit)
		for _, e := range p.Items {
			walked = append(walked, e.EventID())
		}
		if p.NextCursor == "" {
			break
		}
		q.Cursor = p.NextCursor
	}
	assert.Len(t, walked, 3, "every practice once, in pages of two")

	ex1, err := w.svc.Events(ctx, w.user, analytics.ListQuery{Category: learning.CategoryExercise})
	require.NoError(t, err)
	require.Len(t, ex1.Items, 1)
	assert.Equal(t, analytics.DefaultLimit, ex1.Limit)
	none, err := w.svc.Events(ctx, w.user, analytics.ListQuery{Category: learning.CategoryExercise,
		Types: []learning.EventType{learning.PracticeCompleted}})
	require.NoError(t, err)
	assert.Empty(t, none.Items, "a category and types of another match nothing")

	for limit, want := range map[int]int{-5: 1, 1000: analytics.MaxLimit} {
		p, err := w.svc.Events(ctx, w.user, analytics.ListQuery{Limit: limit})
		require.NoError(t, err)
		assert.Equal(t, want, p.Limit)
	}
	_, err = w.svc.Events(ctx, w.user, analytics.ListQuery{Cursor: "not a cursor"})
	assert.Equal(t, "invalid_cursor", fieldCode(err))
	for _, bad := range []string{"bm8tc2VwYXJhdG9y", analytics.EncodeCursor(analyticsCursor("not-a-uuid"))} {
		_, err = w.svc.Events(ctx, w.user, analytics.ListQuery{Cursor: bad})
		assert.True(t, errs.Is(err, errs.Invalid), "%q: %v", bad, err)
	}
}

func TestProgressAndStatsReadTheAggregates(t *testing.T) {
	w := newWorld(t)
	other := storetest.StoredUser(t, memory.NewUsers(w.store), now)
	yesterday := practice(100)
	yesterday.OccurredAt = ptr(now.Add(-24 * time.Hour))
	w.mustRecord(submission(yesterday, "y"))
	w.mustRecord(submission(lessonDone(w.lessons[0].ID(), 80), "l"))
	w.mustRecord(submission(learning.EventInput{EventType: "exercise_attempted", ExerciseID: ptr("x"), IsCorrect: ptr(false)}, "x"))
	ctx := context.Background()

	p, err := w.svc.Progress(ctx, w.user, true)
	require.NoError(t, err)
	assert.Equal(t, 25, p.TotalXP)
	assert.Equal(t, 2, p.CurrentStreak)
	assert.Equal(t, 1, p.LessonsCompleted)
	require.Len(t, p.Courses, 1)
	assert.InDelta(t, 0.5, p.Courses[0].CompletionRate, 1e-9)
	require.NotNil(t, p.Global)
	assert.Equal(t, 2, p.Global.Learners, "the learner and the one without events")
	assert.InDelta(t, 12.5, p.Global.AverageXP, 1e-9)
	assert.InDelta(t, 50, p.Global.XPPercentile, 1e-9)
	o, err := w.svc.Progress(ctx, other.ID(), false)
	require.NoError(t, err)
	assert.Zero(t, o.TotalXP)
	assert.Nil(t, o.Global)

	s, err := w.svc.Stats(ctx, w.user, 3, true)
	require.NoError(t, err)
	assert.Equal(t, 25, s.Totals.TotalXP)
	assert.Equal(t, 1, s.Totals.PracticeSessions)
	assert.Equal(t, 1, s.Totals.ExercisesAttempted)
	require.NotNil(t, s.Totals.Accuracy)
	assert.Zero(t, *s.Totals.Accuracy)
	assert.Equal(t, 2, s.Totals.ActiveDays)
	assert.Equal(t, 25, s.Last7Days.XP)
	require.Len(t, s.History, 3)
	assert.Equal(t, calendar.DateOf(now, time.UTC), s.History[2].Date())
	plain, err := w.svc.Stats(ctx, w.user, 30, false)
	require.NoError(t, err)
	assert.Nil(t, plain.History)
	for _, days := range []int{0, analytics.MaxDays + 1} {
		_, err := w.svc.Stats(ctx, w.user, days, false)
		assert.True(t, errs.Is(err, errs.Invalid), "days %d: %v", days, err)
	}
}

func TestMetricsAndHealth(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	h := w.svc.Health(ctx, time.Second)
	assert.NotEqual(t, health.Unavailable, h.Status)
	assert.True(t, h.LastReceivedAt.IsZero(), "nothing received yet")

	done := lessonDone(w.lessons[0].ID(), 60)
	done.OccurredAt = ptr(now.Add(-time.Minute)) // to is exclusive
	w.mustRecord(submission(done, "l"))
	m, err := w.svc.Metrics(ctx, time.Time{}, time.Time{})
	require.NoError(t, err)
	assert.True(t, m.To.Equal(now))
	assert.True(t, m.From.Equal(now.Add(-30*24*time.Hour)))
	assert.Len(t, m.Timeline, 31, "every UTC day of the range, empty ones too")
	assert.Equal(t, 1, m.LessonsCompleted)
	assert.Equal(t, 1, m.UsersTotal)
	require.NotNil(t, m.AverageScore)
	assert.InDelta(t, 60, *m.AverageScore, 1e-9)

	for name, r := range map[string][2]time.Time{
		"from after to":      {now, now.Add(-time.Hour)},
		"more than 366 days": {now.Add(-400 * 24 * time.Hour), now},
	} {
		_, err := w.svc.Metrics(ctx, r[0], r[1])
		assert.True(t, errs.Is(err, errs.Invalid), "%s: %v", name, err)
	}

	h = w.svc.Health(ctx, time.Second)
	assert.True(t, h.LastReceivedAt.Equal(now))
}

func analyticsCursor(id string) ports.EventCursor { return ports.EventCursor{OccurredAt: now, ID: id} }
