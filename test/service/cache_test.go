package service_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/lingo-labs/lingo/adapters/metrics"
	"github.com/lingo-labs/lingo/ports"
	"github.com/lingo-labs/lingo/test/harness"
)

// These tests check the read-through cache from the outside: reads served
// from it (the hit counts prove they were) never show figures older than
// the last write the caller saw answered. They run on the in-process cache,
// and on Redis when LINGO_TEST_REDIS_ADDR is set (make test-integration).

// cachedProgressOut is what these tests read of GET /api/analytics/progress.
type cachedProgressOut struct {
	TotalXP   int `json:"total_xp"`
	DailyGoal struct {
		GoalXP  int `json:"goal_xp"`
		TodayXP int `json:"today_xp"`
	} `json:"daily_goal"`
	CurrentStreak int `json:"current_streak"`
	Global        *struct {
		Learners  int     `json:"learners"`
		AverageXP float64 `json:"average_xp"`
	} `json:"global"`
}

// cachedStatsOut is what these tests read of GET /api/analytics/user-stats.
type cachedStatsOut struct {
	Totals struct {
		TotalXP          int `json:"total_xp"`
		PracticeSessions int `json:"practice_sessions"`
	} `json:"totals"`
	History []struct {
		Date string `json:"date"`
		XP   int    `json:"xp"`
	} `json:"history"`
}

// cachedEngine is the engine app with its cache in reach, to count hits.
type cachedEngine struct {
	*engineApp
	cache ports.Cache
}

func startCachedEngine(t *testing.T) *cachedEngine {
	t.Helper()
	e := &cachedEngine{}
	e.engineApp = startEngine(t, fx.Populate(&e.cache))
	return e
}

func (e *cachedEngine) progress(t *testing.T, token, query string) cachedProgressOut {
	t.Helper()
	r := e.get(t, token, "/api/analytics/progress"+query)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var p cachedProgressOut
	r.Decode(t, &p)
	return p
}

func (e *cachedEngine) stats(t *testing.T, token, query string) cachedStatsOut {
	t.Helper()
	r := e.get(t, token, "/api/analytics/user-stats"+query)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var s cachedStatsOut
	r.Decode(t, &s)
	return s
}

// totals reads every cached progress figure twice (the second read is
// served from the cache) and checks that all of them agree on the total.
func (e *cachedEngine) totals(t *testing.T, token string) int {
	t.Helper()
	var seen []int
	for range 2 {
		seen = append(seen,
			e.progress(t, token, "").TotalXP,
			e.progress(t, token, "?include_global=true").TotalXP,
			e.stats(t, token, "").Totals.TotalXP,
			e.stats(t, token, "?days=7&include_history=true").Totals.TotalXP)
	}
	for _, v := range seen[1:] {
		require.Equal(t, seen[0], v, "every read of one state agrees: %v", seen)
	}
	return seen[0]
}

func TestProgressReadAfterEachWriteKind(t *testing.T) {
	t.Parallel()
	app := startCachedEngine(t)
	course := app.courses(t, app.admin)[0]
	writes := []struct {
		name string
		// prepare runs before the first reads, so that they are cached
		// when write runs.
		prepare func(t *testing.T, token string)
		write   func(t *testing.T, token string) *harness.Response
	}{
		{"single event", nil, func(t *testing.T, token string) *harness.Response {
			return app.post(t, token, "/api/analytics/events", map[string]any{"event_type": "practice_completed", "score": 80})
		}},
		{"batch", nil, func(t *testing.T, token string) *harness.Response {
			return app.post(t, token, "/api/analytics/events/batch", map[string]any{"events": []any{
				map[string]any{"event_type": "practice_completed", "score": 70},
				map[string]any{"event_type": "practice_completed", "score": 90},
			}})
		}},
		{"lesson completion", nil, func(t *testing.T, token string) *harness.Response {
			return app.post(t, token, "/api/analytics/lesson-completion",
				map[string]any{"lesson_id": course.Lessons[0].ID, "score": 90, "duration_seconds": 60})
		}},
		{"course completion", func(t *testing.T, token string) {
			for _, l := range course.Lessons {
				r := app.post(t, token, "/api/analytics/lesson-completion", map[string]any{"lesson_id": l.ID, "score": 80, "duration_seconds": 30})
				require.Equal(t, 201, r.Status, "%s", r.Body)
			}
		}, func(t *testing.T, token string) *harness.Response {
			return app.post(t, token, "/api/analytics/course-completion", map[string]any{"course_id": course.ID})
		}},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			_, token := app.learner(t)
			require.Equal(t, 201, app.post(t, token, "/api/analytics/events", map[string]any{"event_type": "practice_completed", "score": 50}).Status)
			if w.prepare != nil {
				w.prepare(t, token)
			}
			before := app.totals(t, token)
			hits := app.cache.Stats().Hits

			r := w.write(t, token)
			require.Contains(t, []int{200, 201}, r.Status, "%s", r.Body)
			var out struct {
				Effects effectsOut `json:"effects"`
			}
			r.Decode(t, &out)
			require.Greater(t, out.Effects.TotalXP, before, "the write earned XP")

			assert.Equal(t, out.Effects.TotalXP, app.totals(t, token), "the reads after the write show its total")
			assert.Greater(t, app.cache.Stats().Hits, hits, "the second reads were served from the cache")
		})
	}
}

func TestProgressReadsInterleavedWithWrites(t *testing.T) {
	t.Parallel()
	app := startCachedEngine(t)
	_, token := app.learner(t)
	today := app.clock.Now().Format(time.DateOnly)
	const rounds = 25
	for i := 1; i <= rounds; i++ {
		r := app.post(t, token, "/api/analytics/events", map[string]any{"event_type": "practice_completed", "score": 60})
		require.Equal(t, 201, r.Status, "%s", r.Body)
		require.Equal(t, 10*i, app.totals(t, token), "round %d", i)
		s := app.stats(t, token, "?days=7&include_history=true")
		require.Len(t, s.History, 7)
		last := s.History[len(s.History)-1]
		require.Equal(t, today, last.Date)
		require.Equal(t, 10*i, last.XP, "round %d: today's history", i)
		require.Equal(t, i, s.Totals.PracticeSessions, "round %d", i)
	}
}

// TestProgressReadsRacingAWriter has readers fill the cache while one writer
// commits: a reader's load that started before a commit may store its
// figures after the bump, and they must never be what the writer reads
// after its write was answered.
func TestProgressReadsRacingAWriter(t *testing.T) {
	t.Parallel()
	app := startCachedEngine(t)
	_, token := app.learner(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				app.get(t, token, "/api/analytics/progress")
				app.get(t, token, "/api/analytics/user-stats")
			}
		})
	}
	for i := 1; i <= 20; i++ {
		r := app.post(t, token, "/api/analytics/events", map[string]any{"event_type": "practice_completed", "score": 60})
		require.Equal(t, 201, r.Status, "%s", r.Body)
		if p := app.progress(t, token, ""); p.TotalXP != 10*i {
			close(stop)
			wg.Wait()
			t.Fatalf("round %d: progress shows %d XP after a write that made it %d", i, p.TotalXP, 10*i)
		}
		if s := app.stats(t, token, ""); s.Totals.TotalXP != 10*i {
			close(stop)
			wg.Wait()
			t.Fatalf("round %d: user stats show %d XP after a write that made it %d", i, s.Totals.TotalXP, 10*i)
		}
	}
	close(stop)
	wg.Wait()
}

// TestProgressReadsFollowTheLearnersDay checks that the local date is part
// of what is cached: the next day's figures are not yesterday's.
func TestProgressReadsFollowTheLearnersDay(t *testing.T) {
	t.Parallel()
	app := startCachedEngine(t)
	// Near midnight (the learner's zone is UTC), so that the next day
	// comes before the access token expires.
	app.clock.Set(time.Date(2026, 11, 26, 23, 55, 0, 0, time.UTC))
	_, token := app.learner(t)
	require.Equal(t, 201, app.post(t, token, "/api/analytics/events", map[string]any{"event_type": "practice_completed", "score": 60}).Status)
	p := app.progress(t, token, "")
	require.Equal(t, 10, p.DailyGoal.TodayXP)
	require.Equal(t, 10, app.progress(t, token, "").DailyGoal.TodayXP, "cached")
	s := app.stats(t, token, "?days=7&include_history=true")

	app.clock.Advance(10 * time.Minute)
	next := app.progress(t, token, "")
	assert.Equal(t, 0, next.DailyGoal.TodayXP, "a new day starts at 0")
	assert.Equal(t, 10, next.TotalXP)
	ns := app.stats(t, token, "?days=7&include_history=true")
	require.Len(t, ns.History, 7)
	assert.NotEqual(t, s.History[6].Date, ns.History[6].Date)
	assert.Equal(t, s.History[6], ns.History[5], "yesterday moved one place back")
}

func TestCatalogReadAfterAdminWrites(t *testing.T) {
	t.Parallel()
	app := startCachedEngine(t)
	course := app.courses(t, app.admin)[0]
	lesson := course.Lessons[0]
	type courseView struct {
		Title       string `json:"title"`
		LessonCount int    `json:"lesson_count"`
		TotalXP     int    `json:"total_xp"`
		Lessons     []struct {
			ID       string `json:"id"`
			XPReward int    `json:"xp_reward"`
		} `json:"lessons"`
	}
	read := func(t *testing.T) (list []courseView, detail courseView) {
		t.Helper()
		for range 2 { // the second read is served from the cache
			r := app.get(t, app.admin, "/api/courses")
			require.Equal(t, 200, r.Status)
			list = nil
			r.Decode(t, &list)
			r = app.get(t, app.admin, "/api/courses/"+course.ID)
			require.Equal(t, 200, r.Status)
			r.Decode(t, &detail)
		}
		return list, detail
	}
	find := func(list []courseView, title string) *courseView {
		for i := range list {
			if list[i].Title == title {
				return &list[i]
			}
		}
		return nil
	}
	cases := []struct {
		name   string
		method string
		path   string
		body   map[string]any
		check  func(t *testing.T, list []courseView, detail courseView)
	}{
		{"patch a course", "PATCH", "/api/admin/courses/" + course.ID, map[string]any{"title": "Cached Spanish"},
			func(t *testing.T, list []courseView, detail courseView) {
				assert.Equal(t, "Cached Spanish", detail.Title)
				assert.NotNil(t, find(list, "Cached Spanish"))
			}},
		{"patch a lesson", "PATCH", "/api/admin/lessons/" + lesson.ID, map[string]any{"xp_reward": lesson.XPReward + 7},
			func(t *testing.T, list []courseView, detail courseView) {
				assert.Equal(t, lesson.XPReward+7, detail.Lessons[0].XPReward)
				assert.Equal(t, course.TotalXP+7, detail.TotalXP)
				assert.Equal(t, course.TotalXP+7, find(list, detail.Title).TotalXP)
			}},
		{"add a lesson", "POST", "/api/admin/courses/" + course.ID + "/lessons", map[string]any{"slug": "cached", "title": "Cached"},
			func(t *testing.T, list []courseView, detail courseView) {
				assert.Equal(t, course.LessonCount+1, detail.LessonCount)
				assert.Len(t, detail.Lessons, course.LessonCount+1)
				assert.Equal(t, course.LessonCount+1, find(list, detail.Title).LessonCount)
			}},
		{"create a course", "POST", "/api/admin/courses", map[string]any{"slug": "cached-course", "title": "Cached Course",
			"language": "it", "level": "beginner", "description": "Made while the list was cached."},
			func(t *testing.T, list []courseView, _ courseView) {
				assert.NotNil(t, find(list, "Cached Course"))
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			read(t)
			r := app.Do(harness.Request{Method: c.method, Path: c.path, Token: app.admin, Body: c.body})
			require.Contains(t, []int{200, 201}, r.Status, "%s", r.Body)
			list, detail := read(t)
			c.check(t, list, detail)
		})
	}
}

func TestCachedReadsMoveTheHitRatio(t *testing.T) {
	t.Parallel()
	app := startCachedEngine(t)
	_, token := app.learner(t)
	reads := []string{"/api/courses", "/api/analytics/progress", "/api/analytics/progress?include_global=true", "/api/analytics/user-stats"}
	for _, path := range reads {
		t.Run(path, func(t *testing.T) {
			before := getCache(t, app.App)
			beforeHits := single(t, scrapeApp(t, app.App), metrics.CacheHitsTotal).GetCounter().GetValue()
			for range 2 {
				require.Equal(t, 200, app.get(t, token, path).Status)
			}
			after := getCache(t, app.App)
			assert.Greater(t, after.Application.Hits, before.Application.Hits, "/api/health/cache counts the second read's hit")
			assert.Greater(t, after.Application.HitRatio, 0.0)
			afterHits := single(t, scrapeApp(t, app.App), metrics.CacheHitsTotal).GetCounter().GetValue()
			assert.Greater(t, afterHits, beforeHits, "/metrics counts it too")
		})
	}
}
