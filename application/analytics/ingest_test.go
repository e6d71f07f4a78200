package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/preferences"
	"github.com/lingo-labs/lingo/ports"
)

func TestRecordStoresTheEventWithItsEffects(t *testing.T) {
	w := newWorld(t)
	r := w.mustRecord(submission(lessonDone(w.lessons[0].ID(), 100), "a"))
	assert.True(t, r.Created())
	assert.Equal(t, 15, r.Effects.XPAwarded, "10 and the perfect-score bonus")
	assert.Equal(t, 15, r.Effects.TotalXP)
	assert.True(t, r.Effects.Streak.Extended)
	assert.Equal(t, 1, r.Effects.Streak.Current)
	assert.ElementsMatch(t, []string{"first_lesson", "perfect_lesson"}, r.Effects.AchievementsUnlocked)
	require.NotNil(t, r.LessonProgress)
	assert.Equal(t, analytics.LessonProgress{CourseID: w.course.ID(), LessonsCompleted: 1, LessonsTotal: 2, CompletionRate: 0.5}, *r.LessonProgress)

	stored, err := w.svc.Events(context.Background(), w.user, analytics.ListQuery{})
	require.NoError(t, err)
	var types []string
	for _, e := range stored.Items {
		types = append(types, e.Type().String())
	}
	assert.ElementsMatch(t, []string{"lesson_completed", "streak_extended", "achievement_unlocked", "achievement_unlocked"}, types,
		"the event and the server events it caused, in one transaction")
	assert.Equal(t, 15, w.snapshot().TotalXP)

	again := w.mustRecord(submission(lessonDone(w.lessons[0].ID(), 100), "b"))
	assert.Equal(t, 5, again.Effects.XPAwarded, "a repeated lesson")
	assert.Equal(t, 1, again.LessonProgress.LessonsCompleted, "a repeat completes nothing new")
}

func TestRecordReplaysARetryAndRefusesAnotherBody(t *testing.T) {
	w := newWorld(t)
	sub := submission(practice(100), "a")
	first := w.mustRecord(sub)
	w.clock.Advance(time.Hour)

	replay := w.mustRecord(sub)
	assert.True(t, replay.Replay)
	assert.False(t, replay.Created())
	assert.Equal(t, first.Event.ID(), replay.Event.ID())
	assert.Equal(t, first.Answer, replay.Answer, "a replay answers what the first request did")
	assert.Equal(t, 15, w.snapshot().TotalXP, "and stores nothing")

	other := sub
	other.BodyHash = "another body"
	_, err := w.record(other)
	assert.True(t, errs.Is(err, errs.Conflict), "%v", err)
	assert.Equal(t, errs.CodeEventIDConflict, errs.CodeOf(err))
	e, _ := errs.As(err)
	assert.Equal(t, *sub.Input.EventID, e.Details["event_id"])
}

func TestRecordRefusesWhatTheCatalogDoesNotHave(t *testing.T) {
	cases := []struct {
		name  string
		in    learning.EventInput
		field string
	}{
		{"an unknown lesson", lessonDone(uuid.NewString(), 80), "lesson_id"},
		{"an unknown course", courseDone(uuid.NewString()), "course_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			_, err := w.record(submission(c.in, "a"))
			require.True(t, errs.Is(err, errs.Invalid), "%v", err)
			e, _ := errs.As(err)
			require.Len(t, e.Fields, 1)
			assert.Equal(t, c.field, e.Fields[0].Field)
			assert.Equal(t, errs.CodeNotInCatalog, e.Fields[0].Code)
			assert.Zero(t, w.snapshot().TotalXP, "a refused event stores nothing")
		})
	}
}

func TestRecordRefusesAFutureTimeByTheRequestsName(t *testing.T) {
	for _, field := range []analytics.TimeField{"", "occurred_at", "completed_at"} {
		t.Run(string(field), func(t *testing.T) {
			w := newWorld(t)
			in := practice(50)
			in.OccurredAt = ptr(now.Add(time.Hour))
			sub := submission(in, "a")
			sub.TimeField = field
			_, err := w.record(sub)
			e, ok := errs.As(err)
			require.True(t, ok, "%v", err)
			want := string(field)
			if want == "" {
				want = "occurred_at"
			}
			require.Len(t, e.Fields, 1)
			assert.Equal(t, want, e.Fields[0].Field)
			assert.Equal(t, errs.CodeOccurredAtInFuture, e.Fields[0].Code)
		})
	}
}

func TestCourseCompletion(t *testing.T) {
	w := newWorld(t)
	_, err := w.record(submission(courseDone(w.course.ID()), "early"))
	assert.Equal(t, errs.CodeCourseIncomplete, errs.CodeOf(err), "%v", err)
	e, _ := errs.As(err)
	assert.Equal(t, 2, e.Details["lessons_remaining"])

	w.mustRecord(submission(lessonDone(w.lessons[0].ID(), 50), "a"))
	w.mustRecord(submission(lessonDone(w.lessons[1].ID(), 50), "b"))
	first := w.mustRecord(submission(courseDone(w.course.ID()), "c"))
	assert.True(t, first.Created())
	assert.Equal(t, 50, first.Effects.XPAwarded)
	assert.Contains(t, first.Effects.AchievementsUnlocked, "course_complete")
	require.NotNil(t, first.Course)
	assert.Equal(t, analytics.CourseViewOf(ports.CourseEntry{Course: w.course, LessonCount: 2, TotalXP: 30}), *first.Course)
	total := w.snapshot().TotalXP

	again := w.mustRecord(submission(courseDone(w.course.ID()), "d"))
	assert.True(t, again.AlreadyCompleted)
	assert.False(t, again.Created())
	assert.Equal(t, first.Event.ID(), again.Event.ID(), "the first completion answers")
	assert.Zero(t, again.Effects.XPAwarded)
	assert.Equal(t, total, again.Effects.TotalXP)
	assert.Empty(t, again.Effects.AchievementsUnlocked)
	assert.Equal(t, total, w.snapshot().TotalXP, "nothing stored")
}

// racingProgress stands in for a concurrent request with the same event_id
// that commits between this request's lookup and its transaction: the
// first transaction does not see the event yet, so its Append meets the
// unique index (Conflict event_id_taken); the retry sees it.
type racingProgress struct {
	ports.ProgressStore
	updates int
}

func (p *racingProgress) Update(ctx context.Context, userID string, fn func(ports.LearnerTx) error) error {
	p.updates++
	if p.updates > 1 {
		return p.ProgressStore.Update(ctx, userID, fn)
	}
	return p.ProgressStore.Update(ctx, userID, func(tx ports.LearnerTx) error { return fn(blindTx{tx}) })
}

type blindTx struct{ ports.LearnerTx }

func (blindTx) FindEvent(string) (ports.StoredEvent, bool, error) {
	return ports.StoredEvent{}, false, nil
}

// blindEvents misses every lookup, as the event store does before the
// concurrent request commits.
type blindEvents struct{ ports.EventStore }

func (blindEvents) Find(context.Context, string, string) (ports.StoredEvent, error) {
	return ports.StoredEvent{}, errs.E(errs.NotFound, errs.CodeNotFound, "not yet")
}

func TestRecordRetriesOnATakenEventID(t *testing.T) {
	w := newWorld(t)
	sub := submission(practice(100), "a")
	winner := w.mustRecord(sub)
	race := &racingProgress{ProgressStore: w.progress}
	w.progress, w.events = race, blindEvents{w.events}
	w.build()

	got := w.mustRecord(sub)
	assert.True(t, got.Replay, "the retry found the winner's event")
	assert.Equal(t, winner.Event.ID(), got.Event.ID())
	assert.Equal(t, winner.Answer, got.Answer)
	assert.Equal(t, 2, race.updates, "one retry")
	assert.Equal(t, 15, w.snapshot().TotalXP, "stored once")
}

// moveSettingsBehindTheCache records an event (which caches the learner's
// settings), then moves the zone to UTC+14 and the goal to 50 straight in
// the store, as another instance would, and the clock to 23:00 UTC: an event
// now is on 2026-11-27 in the zone stored, 2026-11-26 in the cached one.
func (w *world) moveSettingsBehindTheCache(t *testing.T) {
	first := w.mustRecord(submission(practice(100), "a"))
	assert.Equal(t, "2026-11-26", first.Event.LocalDate().String())
	err := memory.NewPreferences(w.store).Update(context.Background(), w.user, func(p *preferences.Preferences) error {
		next, _, err := preferences.Apply(*p, preferences.Patch{Timezone: preferences.Set("Pacific/Kiritimati"),
			Learning: preferences.LearningPatch{DailyXPGoal: preferences.Set(50)}})
		*p = next
		return err
	})
	require.NoError(t, err)
	w.clock.Advance(11 * time.Hour)
}

// Record reads a learner's settings once and keeps them; the transaction
// confirms them under the lock, so a change made since (here straight in
// the store, as another instance would) is what the next event is taken
// with.
func TestRecordTakesTheSettingsStoredUnderTheLock(t *testing.T) {
	w := newWorld(t)
	w.moveSettingsBehindTheCache(t)

	second := w.mustRecord(submission(practice(100), "b"))
	assert.Equal(t, "2026-11-27", second.Event.LocalDate().String(), "the local date of the zone stored now")
	assert.Equal(t, 50, second.Effects.DailyGoal.GoalXP, "the goal stored now")
}
