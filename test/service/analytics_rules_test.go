package service_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/test/harness"
)

// rulesApp is the engine app with the helpers of the tests of docs/progress-rules.md.
type rulesApp struct {
	*engineApp
}

// setClock moves the clock and gives the learner a token valid at the new time.
func (a *rulesApp) setClock(t *testing.T, at time.Time, id string, tok *string) {
	t.Helper()
	a.clock.Set(at)
	*tok = a.relogin(t, id)
}

func startRules(t *testing.T) *rulesApp {
	t.Helper()
	r := &rulesApp{}
	r.engineApp = startEngine(t)
	return r
}

// setPrefs sets the learner's time zone and daily goal through PUT
// /api/users/me/preferences.
func (a *rulesApp) setPrefs(t *testing.T, token, zone string, goal int) {
	t.Helper()
	r := a.Do(harness.Request{Method: "PUT", Path: "/api/users/me/preferences", Token: token,
		Body: map[string]any{"timezone": zone, "learning": map[string]any{"daily_xp_goal": goal}}})
	require.Equal(t, 200, r.Status, "%s", r.Body)
}

type progressOut struct {
	TotalXP           int     `json:"total_xp"`
	Level             int     `json:"level"`
	CurrentStreak     int     `json:"current_streak"`
	LongestStreak     int     `json:"longest_streak"`
	StreakActiveToday bool    `json:"streak_active_today"`
	LastActiveDate    *string `json:"last_active_date"`
	DailyGoal         struct {
		GoalXP  int  `json:"goal_xp"`
		TodayXP int  `json:"today_xp"`
		Met     bool `json:"met"`
	} `json:"daily_goal"`
	Achievements []struct {
		Code string `json:"code"`
	} `json:"achievements"`
}

func (a *rulesApp) progress(t *testing.T, token string) progressOut {
	t.Helper()
	r := a.get(t, token, "/api/analytics/progress")
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var p progressOut
	r.Decode(t, &p)
	return p
}

// practice posts a practice_completed (10 XP, 15 with a perfect score) at occurredAt.
func (a *rulesApp) practice(t *testing.T, token string, occurredAt time.Time, score int) ingestOut {
	t.Helper()
	r := a.post(t, token, "/api/analytics/events", map[string]any{"event_type": "practice_completed", "score": score,
		"occurred_at": occurredAt.Format(time.RFC3339Nano)})
	require.Equal(t, 201, r.Status, "%s", r.Body)
	var out ingestOut
	r.Decode(t, &out)
	return out
}

type serverEventOut struct {
	eventOut
	Metadata map[string]any `json:"metadata"`
}

// serverEvents lists the learner's progress events, newest first.
func (a *rulesApp) serverEvents(t *testing.T, token string) []serverEventOut {
	t.Helper()
	r := a.get(t, token, "/api/analytics/events?category=progress&limit=200")
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var page struct {
		Items []serverEventOut `json:"items"`
	}
	r.Decode(t, &page)
	return page.Items
}

func count(evs []serverEventOut, typ, localDate string) int {
	n := 0
	for _, e := range evs {
		if e.EventType == typ && (localDate == "" || e.LocalDate == localDate) {
			n++
		}
	}
	return n
}

func codes(p progressOut) []string {
	var out []string
	for _, a := range p.Achievements {
		out = append(out, a.Code)
	}
	return out
}

func TestStreaksOverHTTP(t *testing.T) {
	t.Parallel()
	app := startRules(t)
	id, tok := app.learner(t)
	// Berlin (UTC+1 in November): 23:30 UTC is already the next local day.
	app.setPrefs(t, tok, "Europe/Berlin", 20)
	d0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	app.setClock(t, d0, id, &tok)

	out := app.practice(t, tok, d0, 50)
	assert.True(t, out.Effects.Streak.Extended, "the first day of a streak counts as extended")
	assert.Equal(t, 1, out.Effects.Streak.Current)
	assert.Equal(t, "2026-11-26", out.Event.LocalDate)

	app.setClock(t, d0.Add(24*time.Hour), id, &tok)
	p := app.progress(t, tok)
	assert.Equal(t, 1, p.CurrentStreak, "a streak ending yesterday still counts while today is not active")
	assert.False(t, p.StreakActiveToday)

	out = app.practice(t, tok, d0.Add(24*time.Hour), 50)
	assert.Equal(t, 2, out.Effects.Streak.Current)

	// Day 2 (27 Nov local) is skipped; on day 3 the streak is 0 until activity.
	app.setClock(t, time.Date(2026, 11, 28, 23, 30, 0, 0, time.UTC), id, &tok) // 29 Nov 00:30 in Berlin
	p = app.progress(t, tok)
	assert.Equal(t, 0, p.CurrentStreak, "neither today nor yesterday is active")
	assert.Equal(t, 2, p.LongestStreak)
	require.NotNil(t, p.LastActiveDate)
	assert.Equal(t, "2026-11-27", *p.LastActiveDate)

	out = app.practice(t, tok, app.clock.Now(), 50)
	assert.Equal(t, "2026-11-29", out.Event.LocalDate, "dates are the learner's, not UTC's")
	assert.Equal(t, 1, out.Effects.Streak.Current)

	// A late event for the gap (28 Nov local) joins the runs.
	late := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	out = app.practice(t, tok, late, 50)
	assert.Equal(t, "2026-11-28", out.Event.LocalDate)
	assert.True(t, out.Effects.Streak.Extended)
	assert.Equal(t, 4, out.Effects.Streak.Current)
	assert.Equal(t, 4, out.Effects.Streak.Longest)
	assert.Contains(t, out.Effects.AchievementsUnlocked, "streak_3", "late events count toward streak achievements")

	evs := app.serverEvents(t, tok)
	assert.Equal(t, 1, count(evs, "streak_extended", "2026-11-28"), "recorded for the past date made active late")
	for _, e := range evs {
		if e.EventType == "streak_extended" && e.LocalDate == "2026-11-28" {
			assert.Equal(t, late.Format("2006-01-02T15:04:05.000Z"), e.OccurredAt, "with the causing event's occurred_at")
		}
		if e.EventType == "achievement_unlocked" && e.Metadata["code"] == "streak_3" {
			assert.Equal(t, "2026-11-28", e.LocalDate)
		}
	}
	assert.Equal(t, 4, count(evs, "streak_extended", ""), "once per active date")

	t.Run("events older than 7 days earn XP but no streak or goal credit", func(t *testing.T) {
		before := app.progress(t, tok)
		old := app.practice(t, tok, app.clock.Now().Add(-169*time.Hour), 50)
		assert.Equal(t, 10, old.Effects.XPAwarded)
		assert.False(t, old.Effects.Streak.Extended)
		after := app.progress(t, tok)
		assert.Equal(t, before.TotalXP+10, after.TotalXP)
		assert.Equal(t, before.LongestStreak, after.LongestStreak)
		assert.Equal(t, before.DailyGoal.TodayXP, after.DailyGoal.TodayXP)
		assert.Equal(t, 4, count(app.serverEvents(t, tok), "streak_extended", ""))
	})
}

func TestDailyGoalOverHTTP(t *testing.T) {
	t.Parallel()
	app := startRules(t)
	id, tok := app.learner(t)
	app.setPrefs(t, tok, "UTC", 20)
	now := app.clock.Now()

	out := app.practice(t, tok, now, 50)
	assert.Equal(t, 20, out.Effects.DailyGoal.GoalXP)
	assert.Equal(t, 10, out.Effects.DailyGoal.TodayXP)
	assert.False(t, out.Effects.DailyGoal.Met)

	// The goal in force was fixed by the day's first credited event.
	app.setPrefs(t, tok, "UTC", 50)
	out = app.practice(t, tok, now.Add(time.Minute), 50)
	assert.Equal(t, 20, out.Effects.DailyGoal.GoalXP)
	assert.Equal(t, 20, out.Effects.DailyGoal.TodayXP)
	assert.True(t, out.Effects.DailyGoal.Met)
	assert.True(t, out.Effects.DailyGoal.JustMet)

	out = app.practice(t, tok, now.Add(2*time.Minute), 50)
	assert.True(t, out.Effects.DailyGoal.Met)
	assert.False(t, out.Effects.DailyGoal.JustMet, "just_met only on the event that met it")
	assert.Equal(t, 30, app.progress(t, tok).DailyGoal.TodayXP)
	assert.Equal(t, 1, count(app.serverEvents(t, tok), "daily_goal_met", now.Format("2006-01-02")))

	// The next day takes the new goal.
	app.setClock(t, app.clock.Now().Add(24*time.Hour), id, &tok)
	out = app.practice(t, tok, app.clock.Now(), 50)
	assert.Equal(t, 50, out.Effects.DailyGoal.GoalXP)
	assert.Equal(t, 10, out.Effects.DailyGoal.TodayXP)

	t.Run("a past date made to meet its goal late records daily_goal_met for it", func(t *testing.T) {
		// The day before yesterday had no event: its goal is fixed by its own
		// first credited event, which arrives now (goal 50); five late
		// practices make its 50.
		day := app.clock.Now().Add(-48 * time.Hour)
		for i := range 5 {
			app.practice(t, tok, day.Add(time.Duration(i)*time.Minute), 50)
		}
		assert.Equal(t, 1, count(app.serverEvents(t, tok), "daily_goal_met", day.Format("2006-01-02")))
	})
}

func TestLevelsAndAchievementsOverHTTP(t *testing.T) {
	t.Parallel()
	app := startRules(t)
	_, tok := app.learner(t)
	now := app.clock.Now()
	batch := func(n int) map[string]any {
		items := make([]any, n)
		for i := range items {
			items[i] = map[string]any{"event_type": "practice_completed", "score": 100,
				"occurred_at": now.Add(-time.Duration(i+1) * time.Second).Format(time.RFC3339)}
		}
		return map[string]any{"events": items}
	}
	var effects struct {
		Effects effectsOut `json:"effects"`
	}
	r := app.post(t, tok, "/api/analytics/events/batch", batch(66)) // 990 XP
	require.Equal(t, 200, r.Status, "%s", r.Body)
	r.Decode(t, &effects)
	assert.Equal(t, 990, effects.Effects.TotalXP)
	assert.Equal(t, 1, effects.Effects.Level)
	assert.False(t, effects.Effects.LeveledUp)

	out := app.practice(t, tok, now, 100) // 1005
	assert.True(t, out.Effects.LeveledUp, "level 2 at 1000 XP")
	assert.Equal(t, 2, out.Effects.Level)
	evs := app.serverEvents(t, tok)
	assert.Equal(t, 1, count(evs, "level_up", ""))

	for range 3 {
		require.Equal(t, 200, app.post(t, tok, "/api/analytics/events/batch", batch(67)).Status) // +1005 each
	}
	p := app.progress(t, tok)
	assert.Equal(t, 4020, p.TotalXP)
	assert.Equal(t, 5, p.Level)
	assert.Contains(t, codes(p), "level_5")
	assert.Equal(t, 4, count(app.serverEvents(t, tok), "level_up", ""))

	t.Run("each achievement is unlocked once", func(t *testing.T) {
		course := app.courses(t, tok)[0]
		for i, l := range course.Lessons {
			r := app.post(t, tok, "/api/analytics/lesson-completion", map[string]any{"lesson_id": l.ID, "score": 100, "duration_seconds": 30})
			require.Equal(t, 201, r.Status, "%s", r.Body)
			var o ingestOut
			r.Decode(t, &o)
			if i == 0 {
				assert.ElementsMatch(t, []string{"first_lesson", "perfect_lesson"}, o.Effects.AchievementsUnlocked)
			} else {
				assert.Empty(t, o.Effects.AchievementsUnlocked, "lesson %d", i)
			}
		}
		r := app.post(t, tok, "/api/analytics/course-completion", map[string]any{"course_id": course.ID})
		require.Equal(t, 201, r.Status, "%s", r.Body)
		var o ingestOut
		r.Decode(t, &o)
		assert.Contains(t, o.Effects.AchievementsUnlocked, "course_complete")
		r = app.post(t, tok, "/api/analytics/course-completion", map[string]any{"course_id": course.ID})
		require.Equal(t, 200, r.Status, "%s", r.Body)
		r.Decode(t, &o)
		assert.Empty(t, o.Effects.AchievementsUnlocked)

		got := map[string]int{}
		for _, e := range app.serverEvents(t, tok) {
			if e.EventType == "achievement_unlocked" {
				got[fmt.Sprint(e.Metadata["code"])]++
			}
		}
		for _, c := range []string{"first_lesson", "perfect_lesson", "course_complete", "level_5"} {
			assert.Equal(t, 1, got[c], c)
		}
	})
}

func TestStreak7OverHTTP(t *testing.T) {
	t.Parallel()
	app := startRules(t)
	id, tok := app.learner(t)
	start := app.clock.Now()
	var unlocked []string
	for d := range 7 {
		app.setClock(t, start.Add(time.Duration(d)*24*time.Hour), id, &tok)
		out := app.practice(t, tok, app.clock.Now(), 50)
		assert.Equal(t, d+1, out.Effects.Streak.Current)
		unlocked = append(unlocked, out.Effects.AchievementsUnlocked...)
	}
	assert.Equal(t, []string{"streak_3", "streak_7"}, unlocked)
}

func TestStreak30OverHTTP(t *testing.T) {
	t.Parallel()
	app := startRules(t)
	id, tok := app.learner(t)
	start := app.clock.Now()
	var unlocked []string
	for d := range 30 {
		app.setClock(t, start.Add(time.Duration(d)*24*time.Hour), id, &tok)
		out := app.practice(t, tok, app.clock.Now(), 50)
		unlocked = append(unlocked, out.Effects.AchievementsUnlocked...)
	}
	assert.Equal(t, []string{"streak_3", "streak_7", "streak_30"}, unlocked)
	p := app.progress(t, tok)
	assert.Equal(t, 30, p.CurrentStreak)
	assert.Equal(t, 30, p.LongestStreak)
}

func TestLevel10OverHTTP(t *testing.T) {
	t.Parallel()
	app := startRules(t)
	_, tok := app.learner(t)
	now := app.clock.Now()
	var unlocked []string
	levelUps := 0
	for b := range 6 { // 6 batches of 100 perfect practices: 100 × 15 XP each
		events := make([]map[string]any, 100)
		for i := range events {
			events[i] = map[string]any{"event_type": "practice_completed", "score": 100,
				"occurred_at": now.Add(-time.Duration(b*100+i) * time.Second).Format(time.RFC3339)}
		}
		r := app.post(t, tok, "/api/analytics/events/batch", map[string]any{"events": events})
		require.Equal(t, 200, r.Status, "%s", r.Body)
		var out struct {
			Effects struct {
				TotalXP              int      `json:"total_xp"`
				Level                int      `json:"level"`
				LeveledUp            bool     `json:"leveled_up"`
				AchievementsUnlocked []string `json:"achievements_unlocked"`
			} `json:"effects"`
		}
		r.Decode(t, &out)
		assert.Equal(t, (b+1)*1500, out.Effects.TotalXP)
		unlocked = append(unlocked, out.Effects.AchievementsUnlocked...)
		if out.Effects.LeveledUp {
			levelUps++
		}
	}
	p := app.progress(t, tok)
	assert.Equal(t, 9000, p.TotalXP)
	assert.Equal(t, 10, p.Level)
	assert.Equal(t, 6, levelUps, "every batch crossed at least one level")
	assert.Subset(t, unlocked, []string{"level_5", "level_10"})
	assert.Equal(t, 9, count(app.serverEvents(t, tok), "level_up", ""), "one level_up per level reached (2..10)")
}
