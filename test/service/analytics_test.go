package service_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/test/harness"
)

func TestEventIngest(t *testing.T) {
	t.Parallel()
	app := startEngine(t)
	_, tok := app.learner(t)
	course := app.courses(t, tok)[0]
	lesson := course.Lessons[0]

	t.Run("a first completion earns xp_reward plus 5 for a perfect score, a repeat 5", func(t *testing.T) {
		r := app.post(t, tok, "/api/analytics/lesson-completion", map[string]any{"lesson_id": lesson.ID, "score": 100, "duration_seconds": 60})
		require.Equal(t, 201, r.Status, "%s", r.Body)
		var out ingestOut
		r.Decode(t, &out)
		assert.Equal(t, lesson.XPReward+5, out.Effects.XPAwarded)
		assert.Equal(t, lesson.XPReward+5, out.Event.XPAwarded)
		assert.True(t, out.Effects.Streak.Extended)
		assert.Equal(t, 1, out.Effects.Streak.Current)
		assert.ElementsMatch(t, []string{"first_lesson", "perfect_lesson"}, out.Effects.AchievementsUnlocked)
		require.NotNil(t, out.LessonProgress)
		assert.Equal(t, 1, out.LessonProgress.LessonsCompleted)
		assert.Equal(t, len(course.Lessons), out.LessonProgress.LessonsTotal)

		r = app.post(t, tok, "/api/analytics/events", map[string]any{"event_type": "lesson_completed", "lesson_id": lesson.ID, "score": 50})
		require.Equal(t, 201, r.Status, "%s", r.Body)
		r.Decode(t, &out)
		assert.Equal(t, 5, out.Effects.XPAwarded)
		assert.False(t, out.Effects.Streak.Extended, "the day was active already")
	})
	t.Run("a replay answers the original, another body is 409", func(t *testing.T) {
		id := uuid.NewString()
		body := map[string]any{"event_id": id, "event_type": "practice_completed", "score": 100}
		first := app.post(t, tok, "/api/analytics/events", body)
		require.Equal(t, 201, first.Status, "%s", first.Body)
		app.clock.Advance(time.Minute)
		again := app.post(t, tok, "/api/analytics/events", map[string]any{"score": 100, "event_type": "practice_completed", "event_id": id})
		require.Equal(t, 200, again.Status, "%s", again.Body)
		assert.Equal(t, true, again.Env.Metadata["idempotent_replay"])
		assert.JSONEq(t, string(first.Env.Data), string(again.Env.Data))
		other := app.post(t, tok, "/api/analytics/events", map[string]any{"event_id": id, "event_type": "practice_completed", "score": 90})
		require.Equal(t, 409, other.Status)
		assert.Equal(t, "event_id_conflict", errorCode(other))
	})
	t.Run("input rules", func(t *testing.T) {
		now := app.clock.Now()
		for _, c := range []struct {
			name  string
			body  map[string]any
			field string
			code  string
		}{
			{"server-only type", map[string]any{"event_type": "level_up"}, "event_type", "event_type_not_allowed"},
			{"unknown type", map[string]any{"event_type": "jumped"}, "event_type", "validation_error"},
			{"lesson_completed needs lesson_id", map[string]any{"event_type": "lesson_completed", "score": 1}, "lesson_id", "validation_error"},
			{"lesson not in catalog", map[string]any{"event_type": "lesson_completed", "score": 1, "lesson_id": uuid.NewString()}, "lesson_id", "not_in_catalog"},
			{"score over 100", map[string]any{"event_type": "practice_completed", "score": 101}, "score", "validation_error"},
			{"more than 5 minutes ahead", map[string]any{"event_type": "app_opened", "occurred_at": now.Add(6 * time.Minute).Format(time.RFC3339)}, "occurred_at", "occurred_at_in_future"},
			{"unknown field", map[string]any{"event_type": "app_opened", "xp": 1000}, "xp", "unknown_field"},
			{"metadata too deep", map[string]any{"event_type": "app_opened", "metadata": map[string]any{"a": map[string]any{"b": map[string]any{"c": map[string]any{}}}}}, "metadata", "validation_error"},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := app.post(t, tok, "/api/analytics/events", c.body)
				require.Equal(t, 422, r.Status, "%s", r.Body)
				require.Contains(t, r.Fields(), c.field)
				assert.Equal(t, c.code, r.Env.Errors[0].Code)
			})
		}
		r := app.post(t, tok, "/api/analytics/lesson-completion", map[string]any{"lesson_id": lesson.ID, "score": 1, "duration_seconds": 1,
			"completed_at": now.Add(time.Hour).Format(time.RFC3339)})
		require.Equal(t, 422, r.Status)
		assert.Equal(t, []string{"completed_at"}, r.Fields())
	})
	t.Run("up to 5 minutes ahead is clamped to the receipt", func(t *testing.T) {
		now := app.clock.Now()
		r := app.post(t, tok, "/api/analytics/events", map[string]any{"event_type": "app_opened", "occurred_at": now.Add(4 * time.Minute).Format(time.RFC3339)})
		require.Equal(t, 201, r.Status, "%s", r.Body)
		var out ingestOut
		r.Decode(t, &out)
		assert.Equal(t, now.UTC().Format("2006-01-02T15:04:05.000Z"), out.Event.OccurredAt)
	})
}

func TestCourseCompletion(t *testing.T) {
	t.Parallel()
	app := startEngine(t)
	_, tok := app.learner(t)
	course := app.courses(t, tok)[1]

	r := app.post(t, tok, "/api/analytics/course-completion", map[string]any{"course_id": course.ID})
	require.Equal(t, 409, r.Status, "%s", r.Body)
	assert.Equal(t, "course_incomplete", errorCode(r))
	assert.EqualValues(t, len(course.Lessons), r.Env.Errors[0].Details["lessons_remaining"])

	for _, l := range course.Lessons {
		require.Equal(t, 201, app.post(t, tok, "/api/analytics/lesson-completion", map[string]any{"lesson_id": l.ID, "score": 80, "duration_seconds": 30}).Status)
	}
	r = app.post(t, tok, "/api/analytics/course-completion", map[string]any{"course_id": course.ID, "final_score": 90})
	require.Equal(t, 201, r.Status, "%s", r.Body)
	var first ingestOut
	r.Decode(t, &first)
	assert.Equal(t, 50, first.Effects.XPAwarded)
	assert.Contains(t, first.Effects.AchievementsUnlocked, "course_complete")
	require.NotNil(t, first.AlreadyCompleted)
	assert.False(t, *first.AlreadyCompleted)

	for _, path := range []string{"/api/analytics/course-completion", "/api/analytics/events"} {
		body := map[string]any{"course_id": course.ID}
		if path == "/api/analytics/events" {
			body["event_type"] = "course_completed"
		}
		r = app.post(t, tok, path, body)
		require.Equal(t, 200, r.Status, "%s %s", path, r.Body)
		var again ingestOut
		r.Decode(t, &again)
		assert.True(t, *again.AlreadyCompleted)
		assert.Equal(t, first.Event.ID, again.Event.ID, "the first event")
		assert.Equal(t, 0, again.Effects.XPAwarded)
		assert.Equal(t, first.Effects.TotalXP, again.Effects.TotalXP)
	}
	list := app.get(t, tok, "/api/analytics/events?event_type=course_completed")
	var page struct {
		Items []eventOut `json:"items"`
	}
	list.Decode(t, &page)
	assert.Len(t, page.Items, 1, "no new event")
}

func TestBatch(t *testing.T) {
	t.Parallel()
	app := startEngine(t)
	_, tok := app.learner(t)
	lessons := app.courses(t, tok)[0].Lessons
	now := app.clock.Now()
	dup := uuid.NewString()
	r := app.post(t, tok, "/api/analytics/events/batch", map[string]any{"events": []any{
		map[string]any{"event_id": dup, "event_type": "lesson_completed", "lesson_id": lessons[1].ID, "score": 70, "occurred_at": now.Add(-time.Minute).Format(time.RFC3339)},
		map[string]any{"event_type": "lesson_completed", "lesson_id": lessons[0].ID, "score": 70, "occurred_at": now.Add(-2 * time.Minute).Format(time.RFC3339)},
		map[string]any{"event_id": dup, "event_type": "app_opened"},
		map[string]any{"event_type": "level_up"},
		map[string]any{"event_type": "practice_completed", "score": "high"},
	}})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var out struct {
		Results []struct {
			Index   int     `json:"index"`
			EventID *string `json:"event_id"`
			Status  string  `json:"status"`
			Errors  []harness.ErrorItem
		} `json:"results"`
		Summary struct{ Received, Created, Duplicates, Rejected int } `json:"summary"`
		Effects effectsOut                                            `json:"effects"`
	}
	r.Decode(t, &out)
	require.Len(t, out.Results, 5)
	assert.Equal(t, []string{"created", "created", "rejected", "rejected", "rejected"},
		[]string{out.Results[0].Status, out.Results[1].Status, out.Results[2].Status, out.Results[3].Status, out.Results[4].Status})
	assert.Equal(t, "duplicate_in_batch", out.Results[2].Errors[0].Code)
	assert.Equal(t, "events[3].event_type", *out.Results[3].Errors[0].Field)
	assert.Nil(t, out.Results[3].EventID)
	assert.NotNil(t, out.Results[1].EventID, "the generated key")
	assert.Equal(t, 5, out.Summary.Received)
	assert.Equal(t, 2, out.Summary.Created)
	assert.Equal(t, 3, out.Summary.Rejected)
	assert.Equal(t, lessons[0].XPReward+lessons[1].XPReward, out.Effects.XPAwarded)
	assert.Equal(t, out.Effects.XPAwarded, out.Effects.TotalXP)
	assert.Equal(t, []string{"first_lesson"}, out.Effects.AchievementsUnlocked)

	t.Run("0 or over 100 events is 422", func(t *testing.T) {
		assert.Equal(t, 422, app.post(t, tok, "/api/analytics/events/batch", map[string]any{"events": []any{}}).Status)
		many := make([]any, 101)
		for i := range many {
			many[i] = map[string]any{"event_type": "app_opened"}
		}
		assert.Equal(t, 422, app.post(t, tok, "/api/analytics/events/batch", map[string]any{"events": many}).Status)
	})
}

func TestConcurrentIngest(t *testing.T) {
	t.Parallel()
	app := startEngine(t)
	_, tok := app.learner(t)

	t.Run("50 parallel completions of 50 lessons give exactly their sum", func(t *testing.T) {
		var lessons []lessonOut
		cr := app.post(t, app.admin, "/api/admin/courses", map[string]any{"slug": "fifty", "title": "Fifty", "language": "en", "level": "beginner"})
		require.Equal(t, 201, cr.Status)
		var c courseOut
		cr.Decode(t, &c)
		want := 0
		for i := range 50 {
			r := app.post(t, app.admin, "/api/admin/courses/"+c.ID+"/lessons", map[string]any{"slug": fmt.Sprintf("l%d", i), "title": "L", "xp_reward": i + 1})
			require.Equal(t, 201, r.Status)
			var l lessonOut
			r.Decode(t, &l)
			lessons = append(lessons, l)
			want += i + 1
		}
		totals := make([]int, 50)
		awarded := make([]int, 50)
		var wg sync.WaitGroup
		for i, l := range lessons {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := app.post(t, tok, "/api/analytics/lesson-completion", map[string]any{"lesson_id": l.ID, "score": 50, "duration_seconds": 10})
				if r.Status != 201 {
					t.Errorf("status %d: %s", r.Status, r.Body)
					return
				}
				var out ingestOut
				r.Decode(t, &out)
				totals[i], awarded[i] = out.Effects.TotalXP, out.Effects.XPAwarded
			}()
		}
		wg.Wait()
		var p struct {
			TotalXP int `json:"total_xp"`
		}
		app.get(t, tok, "/api/analytics/progress").Decode(t, &p)
		assert.Equal(t, want, p.TotalXP)
		// Each answer's total is the total right after its own event: the
		// totals are distinct and each is a running sum ending at want.
		seen := map[int]bool{}
		for i := range totals {
			assert.False(t, seen[totals[i]], "total %d answered twice", totals[i])
			seen[totals[i]] = true
			assert.Equal(t, awarded[i], i+1)
		}
		assert.True(t, seen[want])
	})
	t.Run("one event_id in 20 parallel requests is stored once", func(t *testing.T) {
		id := uuid.NewString()
		statuses := make([]int, 20)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = app.post(t, tok, "/api/analytics/events", map[string]any{"event_id": id, "event_type": "practice_completed", "score": 10}).Status
			}()
		}
		wg.Wait()
		created := 0
		for _, s := range statuses {
			if s == 201 {
				created++
			} else {
				assert.Equal(t, 200, s)
			}
		}
		assert.Equal(t, 1, created)
		var page struct {
			Items []eventOut `json:"items"`
		}
		app.get(t, tok, "/api/analytics/events?event_type=practice_completed").Decode(t, &page)
		assert.Len(t, page.Items, 1)
	})
}
