package progress_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
)

// sent is one event as the test store took it in, ready to replay.
type sent struct {
	in       learning.EventInput
	received time.Time
}

// replay takes every event in through the incremental store and returns
// the stored events (with the XP they were awarded) for a rebuild.
func replay(t *testing.T, s *store, evs []sent) []learning.Event {
	t.Helper()
	var out []learning.Event
	for i, e := range evs {
		o := s.must(e.in, e.received)
		ev, err := learning.NewEvent(fmt.Sprintf("row-%d", i), "user", e.in, e.received, s.zone)
		require.NoError(t, err)
		out = append(out, ev.WithXP(o.XPAwarded))
	}
	return out
}

func rebuild(t *testing.T, goal int, held []progress.Unlock, evs []learning.Event) progress.Rebuilt {
	t.Helper()
	rb := progress.NewRebuilder(progress.RebuildInput{CurrentGoal: goal, Held: held, FreezeMax: progress.DefaultFreezeMax})
	for _, e := range evs {
		today, _ := e.ReceivedOn()
		r := progress.Replayed{Event: e, Today: today, CourseLessons: courseLessons}
		if l, ok := e.LessonID(); ok {
			r.LessonXPReward, r.LessonCourseID = lessonXP[l], courseID
		}
		require.NoError(t, rb.Add(r))
	}
	return rb.Result()
}

func TestRebuildGivesWhatTheEventsGaveOneByOne(t *testing.T) {
	s := newStore(t, "Europe/Berlin")
	day := func(n int) time.Time { return noon(t, s.zone, "2026-11-20").AddDate(0, 0, n) }
	evs := replay(t, s, []sent{
		{lessonDone(lesson1, 100, day(0)), day(0)},
		{practice(50, day(1).Add(-30*time.Hour)), day(1)}, // late, fills a gap
		{lessonDone(lesson2, 50, day(1)), day(1)},
		{lessonDone(lesson1, 50, day(2)), day(2)}, // a repeat
		{lessonDone(lesson3, 50, day(2)), day(2)},
		{courseDone(day(2)), day(2)},
		{practice(100, day(2).Add(-9*24*time.Hour)), day(2)}, // older than 7 days: no credit
	})
	var held []progress.Unlock
	for a, at := range s.unlockedAt {
		held = append(held, progress.Unlock{Achievement: a, UnlockedAt: at})
	}
	got := rebuild(t, s.goal, held, evs)
	assert.Equal(t, s.total, got.TotalXP)
	assert.Empty(t, got.XPChanges, "every event keeps its XP")
	for _, d := range got.Days {
		want := s.dayOf(d.Date).Record()
		assert.Equal(t, want, d)
	}
	assert.Len(t, got.Days, len(s.days))
	var codes []string
	for _, u := range got.Achievements {
		codes = append(codes, u.Achievement.String())
		assert.True(t, u.UnlockedAt.Equal(s.unlockedAt[u.Achievement]))
	}
	assert.Len(t, codes, len(s.achievements))
	require.Len(t, got.Server, len(s.recorded))
	for i, r := range got.Server {
		assert.Equal(t, s.recorded[i], r.ProgressEvent)
	}
	assert.Equal(t, s.active, got.Streak.Dates())
}

func TestRebuildWithoutALessonRefusesTheCourseCompletion(t *testing.T) {
	s := newStore(t, "UTC")
	at := noon(t, s.zone, "2026-11-20")
	evs := replay(t, s, []sent{
		{lessonDone(lesson1, 50, at), at},
		{lessonDone(lesson2, 50, at), at},
		{lessonDone(lesson3, 50, at), at},
		{courseDone(at), at},
	})
	got := rebuild(t, 20, nil, slices.Delete(slices.Clone(evs), 1, 2))
	assert.Equal(t, lessonXP[lesson1]+lessonXP[lesson3], got.TotalXP)
	assert.Equal(t, []progress.XPChange{{RowID: "row-3", XP: 0}}, got.XPChanges, "the course completion keeps no XP")
	assert.Empty(t, got.Courses)
	for _, u := range got.Achievements {
		assert.NotEqual(t, progress.CourseComplete, u.Achievement)
	}
}

func TestRebuildKeepsUnlockTimesAndMovesTheFirstCompletion(t *testing.T) {
	s := newStore(t, "UTC")
	at := noon(t, s.zone, "2026-11-20")
	evs := replay(t, s, []sent{
		{lessonDone(lesson1, 50, at), at},
		{lessonDone(lesson1, 50, at.Add(time.Hour)), at.Add(time.Hour)},
	})
	held := []progress.Unlock{{Achievement: progress.FirstLesson, UnlockedAt: at}}
	got := rebuild(t, 20, held, evs[1:])
	assert.Equal(t, lessonXP[lesson1], got.TotalXP, "the repeat is the first completion now")
	assert.Equal(t, []progress.XPChange{{RowID: "row-1", XP: lessonXP[lesson1]}}, got.XPChanges)
	require.Len(t, got.Achievements, 1)
	assert.True(t, got.Achievements[0].UnlockedAt.Equal(at), "an achievement that still holds keeps its unlocked_at")
}

func TestRebuildRefusesVoidedAndServerEvents(t *testing.T) {
	at := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	ev, err := learning.NewEvent("row", "user", practice(50, at), at, calendar.UTC)
	require.NoError(t, err)
	rb := progress.NewRebuilder(progress.RebuildInput{CurrentGoal: 20})
	assert.Error(t, rb.Add(progress.Replayed{Event: ev.WithVoidedAt(at), Today: calendar.DateOf(at, time.UTC)}))
	se, err := learning.NewServerEvent("s", "user", learning.LevelUp, at, at, calendar.DateOf(at, time.UTC), nil)
	require.NoError(t, err)
	assert.Error(t, rb.Add(progress.Replayed{Event: se, Today: calendar.DateOf(at, time.UTC)}))
}

func TestServerDiff(t *testing.T) {
	at := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	d := calendar.DateOf(at, time.UTC)
	stored := func(id string, typ learning.EventType, md map[string]any) learning.Event {
		e, err := learning.NewServerEvent(id, "user", typ, at, at, d, md)
		require.NoError(t, err)
		return e
	}
	rec := func(typ learning.EventType, md map[string]any) progress.ServerRecord {
		return progress.ServerRecord{ProgressEvent: progress.ProgressEvent{Type: typ, OccurredAt: at, LocalDate: d, Metadata: md}, ReceivedAt: at}
	}
	old := []learning.Event{
		stored("keep", learning.StreakExtended, map[string]any{"date": d.String(), "current_streak": float64(1)}),
		stored("drop", learning.LevelUp, map[string]any{"level": float64(2)}),
		stored("ach", learning.AchievementUnlocked, map[string]any{"code": "first_lesson"}),
		stored("gone", learning.AchievementUnlocked, map[string]any{"code": "perfect_lesson"}),
	}
	rebuilt := []progress.ServerRecord{
		rec(learning.StreakExtended, map[string]any{"date": d.String(), "current_streak": 1}),
		rec(learning.AchievementUnlocked, map[string]any{"code": "first_lesson"}),
		rec(learning.DailyGoalMet, map[string]any{"date": d.String()}),
	}
	held := []progress.Unlock{{Achievement: progress.FirstLesson, UnlockedAt: at}}
	drop, add := progress.ServerDiff(old, rebuilt, held)
	assert.ElementsMatch(t, []string{"drop", "gone"}, drop)
	require.Len(t, add, 1)
	assert.Equal(t, learning.DailyGoalMet, add[0].Type)

	drop, add = progress.ServerDiff(old[:1], rebuilt[:1], nil)
	assert.Empty(t, drop, "the same events: nothing to do")
	assert.Empty(t, add)
}
