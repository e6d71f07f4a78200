package service_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEventListAndIsolation(t *testing.T) {
	t.Parallel()
	app := startEngine(t)
	aliceID, alice := app.learner(t)
	_, bob := app.learner(t)
	course := app.courses(t, alice)[0]
	start := app.clock.Now()
	for i := range 25 {
		body := map[string]any{"event_type": "exercise_attempted", "is_correct": i%2 == 0, "session_id": "s1",
			"occurred_at": start.Add(-time.Duration(i) * time.Minute).Format(time.RFC3339)}
		require.Equal(t, 201, app.post(t, alice, "/api/analytics/events", body).Status)
	}
	require.Equal(t, 201, app.post(t, alice, "/api/analytics/lesson-completion", map[string]any{"lesson_id": course.Lessons[0].ID, "score": 10, "duration_seconds": 5}).Status)

	t.Run("pages have no duplicate and no gap while events arrive", func(t *testing.T) {
		seen := map[string]bool{}
		path := "/api/analytics/events?category=exercise&limit=7"
		pages := 0
		for {
			r := app.get(t, alice, path)
			require.Equal(t, 200, r.Status, "%s", r.Body)
			var page struct {
				Items      []eventOut `json:"items"`
				NextCursor *string    `json:"next_cursor"`
			}
			r.Decode(t, &page)
			for _, e := range page.Items {
				assert.False(t, seen[e.ID])
				seen[e.ID] = true
			}
			pages++
			// A new event arrives between pages; it is newer, so it is never on a later page.
			app.post(t, alice, "/api/analytics/events", map[string]any{"event_type": "exercise_attempted", "is_correct": true})
			if page.NextCursor == nil {
				break
			}
			path = "/api/analytics/events?category=exercise&limit=7&cursor=" + url.QueryEscape(*page.NextCursor)
		}
		assert.Len(t, seen, 25)
		assert.Equal(t, 4, pages)
	})
	t.Run("bad parameters are 422 on their name", func(t *testing.T) {
		for _, q := range []string{"limit=ten", "from=yesterday", "event_type=nope", "category=x", "course_id=1", "cursor=garbage"} {
			r := app.get(t, alice, "/api/analytics/events?"+q)
			assert.Equal(t, 422, r.Status, q)
		}
		assert.Equal(t, 422, app.get(t, alice, "/api/analytics/user-stats?days=0").Status)
		assert.Equal(t, []string{"days"}, app.get(t, alice, "/api/analytics/user-stats?days=abc").Fields())
	})
	t.Run("a learner never sees another's events, progress or stats", func(t *testing.T) {
		var page struct {
			Items []eventOut `json:"items"`
		}
		for _, q := range []string{"", "?session_id=s1", "?category=exercise", "?lesson_id=" + course.Lessons[0].ID, "?course_id=" + course.ID} {
			r := app.get(t, bob, "/api/analytics/events"+q)
			require.Equal(t, 200, r.Status)
			r.Decode(t, &page)
			assert.Empty(t, page.Items, q)
		}
		assert.Equal(t, 403, app.get(t, bob, "/api/analytics/events?user_id="+aliceID).Status)
		var p struct {
			TotalXP int `json:"total_xp"`
		}
		app.get(t, bob, "/api/analytics/progress?include_global=true").Decode(t, &p)
		assert.Equal(t, 0, p.TotalXP)
		var s struct {
			Totals struct {
				ExercisesAttempted int `json:"exercises_attempted"`
			} `json:"totals"`
		}
		app.get(t, bob, "/api/analytics/user-stats").Decode(t, &s)
		assert.Equal(t, 0, s.Totals.ExercisesAttempted)
		r := app.get(t, app.admin, "/api/analytics/events?limit=200&user_id="+aliceID)
		require.Equal(t, 200, r.Status)
		r.Decode(t, &page)
		assert.NotEmpty(t, page.Items)
	})
	t.Run("user stats and progress", func(t *testing.T) {
		r := app.get(t, alice, "/api/analytics/user-stats?days=7&include_history=true")
		require.Equal(t, 200, r.Status, "%s", r.Body)
		var s struct {
			Totals struct {
				ExercisesAttempted int      `json:"exercises_attempted"`
				Accuracy           *float64 `json:"accuracy"`
				LessonsCompleted   int      `json:"lessons_completed"`
				ActiveDays         int      `json:"active_days"`
			} `json:"totals"`
			History []struct {
				Date string `json:"date"`
				XP   int    `json:"xp"`
			} `json:"history"`
		}
		r.Decode(t, &s)
		assert.GreaterOrEqual(t, s.Totals.ExercisesAttempted, 25)
		require.NotNil(t, s.Totals.Accuracy)
		assert.Equal(t, 1, s.Totals.LessonsCompleted)
		assert.Equal(t, 1, s.Totals.ActiveDays)
		require.Len(t, s.History, 7)
		assert.Equal(t, start.Format("2006-01-02"), s.History[6].Date)
		assert.Equal(t, course.Lessons[0].XPReward, s.History[6].XP)

		r = app.get(t, alice, "/api/analytics/progress?include_global=true")
		require.Equal(t, 200, r.Status, "%s", r.Body)
		var p struct {
			CurrentStreak int `json:"current_streak"`
			Global        struct {
				Learners int `json:"learners"`
			} `json:"global"`
		}
		r.Decode(t, &p)
		assert.Equal(t, 1, p.CurrentStreak)
		assert.Equal(t, 2, p.Global.Learners, "the admin is not a learner")
	})
	t.Run("admin metrics and health", func(t *testing.T) {
		assert.Equal(t, 403, app.get(t, alice, "/api/analytics/metrics").Status)
		// The fake clock stands still, so the range ends an hour after it: by
		// default it would end at "now", which [from, to) leaves out.
		r := app.get(t, app.admin, "/api/analytics/metrics?from="+start.Add(-24*time.Hour).Format("2006-01-02")+
			"&to="+url.QueryEscape(start.Add(time.Hour).Format(time.RFC3339)))
		require.Equal(t, 200, r.Status, "%s", r.Body)
		var m struct {
			Users struct {
				Total int `json:"total"`
				New   int `json:"new"`
			} `json:"users"`
			Events struct {
				Total  int            `json:"total"`
				ByType map[string]int `json:"by_type"`
			} `json:"events"`
			Timeline []struct {
				Date string `json:"date"`
			} `json:"timeline"`
		}
		r.Decode(t, &m)
		assert.Equal(t, 3, m.Users.Total, "two learners and the admin")
		assert.Equal(t, 3, m.Users.New, "all of them joined in the range")
		assert.Positive(t, m.Events.Total)
		assert.Positive(t, m.Events.ByType["lesson_completed"])
		assert.NotEmpty(t, m.Timeline)
		future := app.get(t, app.admin, "/api/analytics/metrics?from="+start.Add(48*time.Hour).Format("2006-01-02")+"&to="+start.Add(72*time.Hour).Format("2006-01-02"))
		require.Equal(t, 200, future.Status, "%s", future.Body)
		var none struct {
			Users struct {
				New int `json:"new"`
			} `json:"users"`
		}
		future.Decode(t, &none)
		assert.Zero(t, none.Users.New, "nobody joined in a later range")
		r = app.get(t, alice, "/api/analytics/health")
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	})
}
