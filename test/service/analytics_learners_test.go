package service_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestZonesOverHTTP(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, zone string
		now        time.Time
		occurred   time.Time
		localDate  string
	}{
		{"UTC+14 is a day ahead", "Pacific/Kiritimati", time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC),
			time.Date(2026, 11, 26, 10, 30, 0, 0, time.UTC), "2026-11-27"},
		{"UTC-11 is a day behind", "Pacific/Pago_Pago", time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC),
			time.Date(2026, 11, 26, 10, 30, 0, 0, time.UTC), "2026-11-25"},
		{"New York before DST starts (01:30 EST)", "America/New_York", time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC),
			time.Date(2026, 3, 8, 6, 30, 0, 0, time.UTC), "2026-03-08"},
		{"New York after DST starts (23:30 EDT)", "America/New_York", time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC),
			time.Date(2026, 3, 9, 3, 30, 0, 0, time.UTC), "2026-03-08"},
		{"New York on the day DST ends (23:30 EST)", "America/New_York", time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC),
			time.Date(2026, 11, 2, 4, 30, 0, 0, time.UTC), "2026-11-01"},
		{"Berlin at 00:30 CET on the day DST starts", "Europe/Berlin", time.Date(2026, 3, 30, 12, 0, 0, 0, time.UTC),
			time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC), "2026-03-29"},
		{"Berlin at 23:30 CEST on the day DST starts", "Europe/Berlin", time.Date(2026, 3, 30, 12, 0, 0, 0, time.UTC),
			time.Date(2026, 3, 29, 21, 30, 0, 0, time.UTC), "2026-03-29"},
		{"Berlin at 00:30 CEST on the day DST ends", "Europe/Berlin", time.Date(2026, 10, 26, 12, 0, 0, 0, time.UTC),
			time.Date(2026, 10, 24, 22, 30, 0, 0, time.UTC), "2026-10-25"},
		{"Berlin at 23:30 CET on the day DST ends", "Europe/Berlin", time.Date(2026, 10, 26, 12, 0, 0, 0, time.UTC),
			time.Date(2026, 10, 25, 22, 30, 0, 0, time.UTC), "2026-10-25"},
	} {
		t.Run(c.name, func(t *testing.T) {
			app := startRules(t)
			id, tok := app.learner(t)
			app.setPrefs(t, tok, c.zone, 20)
			app.setClock(t, c.now, id, &tok)
			out := app.practice(t, tok, c.occurred, 50)
			assert.Equal(t, c.localDate, out.Event.LocalDate)
			assert.True(t, out.Effects.Streak.Extended)
		})
	}
	t.Run("a DST day of 23 hours is one active day", func(t *testing.T) {
		app := startRules(t)
		id, tok := app.learner(t)
		app.setPrefs(t, tok, "America/New_York", 20)
		app.setClock(t, time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC), id, &tok)
		first := app.practice(t, tok, time.Date(2026, 3, 8, 5, 30, 0, 0, time.UTC), 50) // 00:30 EST
		last := app.practice(t, tok, time.Date(2026, 3, 9, 3, 50, 0, 0, time.UTC), 50)  // 23:50 EDT
		assert.True(t, first.Effects.Streak.Extended)
		assert.False(t, last.Effects.Streak.Extended, "the same local day")
		today := app.practice(t, tok, app.clock.Now(), 50)
		assert.Equal(t, 2, today.Effects.Streak.Current)
	})
	t.Run("a time-zone change applies from then on", func(t *testing.T) {
		app := startRules(t)
		id, tok := app.learner(t)
		app.setClock(t, time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC), id, &tok)
		before := app.practice(t, tok, app.clock.Now(), 50)
		assert.Equal(t, "2026-11-26", before.Event.LocalDate)
		app.setPrefs(t, tok, "Pacific/Kiritimati", 20)
		app.clock.Advance(10 * time.Minute)
		after := app.practice(t, tok, app.clock.Now(), 50)
		assert.Equal(t, "2026-11-27", after.Event.LocalDate)
		assert.Equal(t, 2, after.Effects.Streak.Current, "26 Nov (kept) and 27 Nov")
		var page struct {
			Items []eventOut `json:"items"`
		}
		app.get(t, tok, "/api/analytics/events?event_type=practice_completed").Decode(t, &page)
		require.Len(t, page.Items, 2)
		assert.Equal(t, "2026-11-26", page.Items[1].LocalDate, "past events keep their dates")
	})
}

func TestEventIDsAreEachLearnersOwn(t *testing.T) {
	t.Parallel()
	app := startRules(t)
	aliceID, alice := app.learner(t)
	bobID, bob := app.learner(t)
	id := uuid.NewString()
	body := map[string]any{"event_id": id, "event_type": "practice_completed", "score": 100}
	first := app.post(t, alice, "/api/analytics/events", body)
	require.Equal(t, 201, first.Status, "%s", first.Body)
	again := app.post(t, bob, "/api/analytics/events", body)
	require.Equal(t, 201, again.Status, "Bob's event, not a replay of Alice's: %s", again.Body)
	var a, b ingestOut
	first.Decode(t, &a)
	again.Decode(t, &b)
	assert.Equal(t, aliceID, a.Event.UserID)
	assert.Equal(t, bobID, b.Event.UserID)
	assert.NotEqual(t, a.Event.ID, b.Event.ID)
	assert.Equal(t, 15, b.Effects.TotalXP)
	// Another body under the same id is a conflict for Alice, whatever Bob sent.
	other := app.post(t, alice, "/api/analytics/events", map[string]any{"event_id": id, "event_type": "practice_completed", "score": 10})
	assert.Equal(t, 409, other.Status)
	assert.Equal(t, 15, app.progress(t, alice).TotalXP)

	t.Run("course completion is each learner's own", func(t *testing.T) {
		course := app.courses(t, alice)[1]
		for _, l := range course.Lessons {
			require.Equal(t, 201, app.post(t, alice, "/api/analytics/lesson-completion", map[string]any{"lesson_id": l.ID, "score": 50, "duration_seconds": 5}).Status)
		}
		require.Equal(t, 201, app.post(t, alice, "/api/analytics/course-completion", map[string]any{"course_id": course.ID}).Status)
		r := app.post(t, bob, "/api/analytics/course-completion", map[string]any{"course_id": course.ID})
		require.Equal(t, 409, r.Status, "Alice's lessons do not complete Bob's course: %s", r.Body)
		assert.Equal(t, "course_incomplete", errorCode(r))
	})
}

func TestEventListPagesThroughTenThousand(t *testing.T) {
	t.Parallel()
	app := startRules(t)
	_, tok := app.learner(t)
	start := app.clock.Now().Add(-time.Hour)
	for b := range 100 {
		items := make([]any, 100)
		for i := range items {
			n := b*100 + i
			// Several events share each instant, so ties are broken by id.
			items[i] = map[string]any{"event_type": "exercise_attempted", "is_correct": n%2 == 0,
				"occurred_at": start.Add(time.Duration(n/3) * time.Millisecond).Format(time.RFC3339Nano)}
		}
		r := app.post(t, tok, "/api/analytics/events/batch", map[string]any{"events": items})
		require.Equal(t, 200, r.Status, "%s", r.Body)
	}
	seen := map[string]bool{}
	path := "/api/analytics/events?event_type=exercise_attempted&limit=200"
	var lastAt, lastID string
	for pages := 0; ; pages++ {
		require.Less(t, pages, 60)
		r := app.get(t, tok, path)
		require.Equal(t, 200, r.Status, "%s", r.Body)
		var page struct {
			Items      []eventOut `json:"items"`
			NextCursor *string    `json:"next_cursor"`
		}
		r.Decode(t, &page)
		for _, e := range page.Items {
			require.False(t, seen[e.ID], "duplicate %s", e.ID)
			seen[e.ID] = true
			if lastAt != "" {
				require.True(t, e.OccurredAt < lastAt || (e.OccurredAt == lastAt && e.ID < lastID), "order")
			}
			lastAt, lastID = e.OccurredAt, e.ID
		}
		// New events keep arriving, newer than any page: never on a later one.
		require.Equal(t, 201, app.post(t, tok, "/api/analytics/events", map[string]any{"event_type": "exercise_attempted", "is_correct": true}).Status)
		if page.NextCursor == nil {
			break
		}
		path = "/api/analytics/events?event_type=exercise_attempted&limit=200&cursor=" + url.QueryEscape(*page.NextCursor)
	}
	assert.Len(t, seen, 10_000, "no gap")
}
