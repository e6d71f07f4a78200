package service_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/test/harness"
)

// remindersScenario: at 12:00 UTC on Thursday 2026-11-26, idle has done
// nothing, active completed a lesson today, and atRisk completed one
// yesterday (a streak of 1 not yet extended today). All keep the default
// preferences (UTC, reminder at 19:00). Moving the clock past 19:00 and
// 20:00 sends reminder.daily to idle and atRisk only, and
// reminder.streak_at_risk to atRisk only, each once, whatever the number of
// instances.
func remindersScenario(t *testing.T, apps []*engineApp, clk *clock.Fake) {
	e := apps[0]
	rc := newReceiver(t, nil)
	e.hook(t, rc.URL, "reminder.daily", "reminder.streak_at_risk", "summary.weekly")
	idle, _ := e.learner(t)
	active, activeToken := e.learner(t)
	atRisk, atRiskToken := e.learner(t)
	lesson := e.courses(t, activeToken)[0].Lessons[0].ID
	require.Equal(t, 201, e.post(t, activeToken, "/api/analytics/events",
		map[string]any{"event_type": "lesson_completed", "lesson_id": lesson, "score": 80}).Status)
	require.Equal(t, 201, e.post(t, atRiskToken, "/api/analytics/events",
		map[string]any{"event_type": "lesson_completed", "lesson_id": lesson, "score": 80, "occurred_at": "2026-11-25T12:00:00Z"}).Status)

	clk.Set(time.Date(2026, 11, 26, 19, 0, 30, 0, time.UTC))
	rc.await(t, "the daily reminders", func(ms []received) bool { return len(ms) >= 2 })
	clk.Set(time.Date(2026, 11, 26, 20, 0, 30, 0, time.UTC))
	rc.await(t, "the streak reminder", func(ms []received) bool { return len(ms) >= 3 })
	// A pass at 20:00 ran, so the 19:00 rows were all handled; one more
	// interval lets a duplicate, if any instance made one, arrive.
	clk.Set(time.Date(2026, 11, 26, 20, 1, 30, 0, time.UTC))
	time.Sleep(2500 * time.Millisecond)

	got := map[string]int{}
	for _, m := range rc.all() {
		got[fmt.Sprintf("%s %s %s", m.Type, m.Data["user_id"], m.Data["date"])]++
	}
	want := map[string]int{
		"reminder.daily " + idle + " 2026-11-26":            1,
		"reminder.daily " + atRisk + " 2026-11-26":          1,
		"reminder.streak_at_risk " + atRisk + " 2026-11-26": 1,
	}
	assert.Equal(t, want, got, "active (%s) gets none", active)
	for _, m := range rc.ofType("reminder.streak_at_risk") {
		assert.EqualValues(t, 1, m.Data["current_streak"])
	}
	for _, m := range rc.ofType("reminder.daily") {
		assert.Equal(t, "19:00", m.Data["reminder_time"])
		assert.Equal(t, "UTC", m.Data["timezone"])
	}
}

var reminderEnv = map[string]string{"LINGO_JOBS_REMINDERS_INTERVAL": "1s"}

func TestRemindersAtLocalTimeOncePerDay(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	remindersScenario(t, []*engineApp{startWebhooksAt(t, reminderEnv, clk)}, clk)
}

// TestRemindersTwoInstancesOnePostgres runs the scenario with two instances
// on one PostgreSQL database: each reminder still arrives once.
func TestRemindersTwoInstancesOnePostgres(t *testing.T) {
	t.Parallel()
	harnessPostgres(t)
	clk := clock.NewFake(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	first := startWebhooksAt(t, reminderEnv, clk)
	env := map[string]string{"LINGO_DATABASE_DSN": first.Config.Database.DSN, "LINGO_DATABASE_SEED_DEMO": "false"}
	for k, v := range reminderEnv {
		env[k] = v
	}
	second := startWebhooksAt(t, env, clk)
	remindersScenario(t, []*engineApp{first, second}, clk)
}

// TestRemindersFollowPreferences: turning the daily reminder off removes
// it; moving it to 13:00 in Tokyo sends it at 04:00 UTC.
func TestRemindersFollowPreferences(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC))
	e := startWebhooksAt(t, reminderEnv, clk)
	rc := newReceiver(t, nil)
	e.hook(t, rc.URL, "reminder.daily")
	off, offToken := e.learner(t)
	tokyo, tokyoToken := e.learner(t)
	require.Equal(t, 200, e.Do(putPrefs(offToken, map[string]any{"notifications": map[string]any{"daily_reminder": false}})).Status)
	require.Equal(t, 200, e.Do(putPrefs(tokyoToken, map[string]any{"timezone": "Asia/Tokyo",
		"notifications": map[string]any{"reminder_time": "13:00"}})).Status)
	clk.Set(time.Date(2026, 11, 26, 4, 0, 30, 0, time.UTC))
	got := rc.await(t, "tokyo's reminder", func(ms []received) bool { return len(ms) >= 1 })
	assert.Equal(t, tokyo, got[0].Data["user_id"])
	assert.Equal(t, "2026-11-26", got[0].Data["date"])
	assert.Equal(t, "Asia/Tokyo", got[0].Data["timezone"])
	clk.Set(time.Date(2026, 11, 26, 19, 0, 30, 0, time.UTC))
	time.Sleep(2500 * time.Millisecond)
	for _, m := range rc.all() {
		assert.NotEqual(t, off, m.Data["user_id"], "a learner who turned reminders off gets none")
	}
}

func putPrefs(token string, body map[string]any) harness.Request {
	return harness.Request{Method: "PUT", Path: "/api/users/me/preferences", Token: token, Body: body}
}

// harnessPostgres skips (or, under LINGO_TEST_REQUIRE_SERVICES=1, fails)
// without PostgreSQL.
func harnessPostgres(t *testing.T) { harness.Postgres(t) }
