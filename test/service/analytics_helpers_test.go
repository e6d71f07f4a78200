package service_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/test/harness"
)

// engineApp is the app with the demo catalog, the limiter off (these tests
// send many events; the limiter has its own tests) and a fake clock.
type engineApp struct {
	*harness.App
	clock  *clock.Fake
	admin  string   // an admin's access token
	emails sync.Map // learner id → email
}

var learnerSeq atomic.Int64

func startEngine(t testing.TB, extra ...fx.Option) *engineApp {
	t.Helper()
	e := &engineApp{clock: clock.NewFake(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))}
	e.App = harness.Start(t, harness.Options{
		Clock: e.clock,
		Env: map[string]string{
			"LINGO_ADMIN_EMAIL": adminEmail, "LINGO_ADMIN_PASSWORD": adminPassword,
			"LINGO_RATELIMIT_ENABLED": "false", "LINGO_DATABASE_SEED_DEMO": "true",
		},
		FX: extra,
	})
	r := e.Do(harness.Request{Method: "POST", Path: "/api/auth/login", Body: map[string]any{"email": adminEmail, "password": adminPassword}})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var s sessionDTO
	r.Decode(t, &s)
	e.admin = s.Tokens.AccessToken
	return e
}

// learner registers a new learner and returns its id and access token.
func (e *engineApp) learner(t testing.TB) (id, token string) {
	t.Helper()
	n := learnerSeq.Add(1)
	email := fmt.Sprintf("learner%d@lingo.example", n)
	r := e.Do(harness.Request{Method: "POST", Path: "/api/auth/register", Body: map[string]any{
		"email": email, "password": "a good password", "display_name": "Learner"}})
	require.Equal(t, 201, r.Status, "%s", r.Body)
	var s sessionDTO
	r.Decode(t, &s)
	e.emails.Store(s.User.ID, email)
	return s.User.ID, s.Tokens.AccessToken
}

// relogin gives a fresh access token for the learner, for tests that move
// the clock past the token's lifetime or back before its issue.
func (e *engineApp) relogin(t testing.TB, id string) string {
	t.Helper()
	email, ok := e.emails.Load(id)
	require.True(t, ok)
	r := e.Do(harness.Request{Method: "POST", Path: "/api/auth/login", Body: map[string]any{"email": email, "password": "a good password"}})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var s sessionDTO
	r.Decode(t, &s)
	return s.Tokens.AccessToken
}

type lessonOut struct {
	ID       string `json:"id"`
	CourseID string `json:"course_id"`
	XPReward int    `json:"xp_reward"`
	Position int    `json:"position"`
}

type courseOut struct {
	ID          string      `json:"id"`
	Slug        string      `json:"slug"`
	LessonCount int         `json:"lesson_count"`
	TotalXP     int         `json:"total_xp"`
	Lessons     []lessonOut `json:"lessons"`
}

// courses returns the demo courses with their lessons.
func (e *engineApp) courses(t testing.TB, token string) []courseOut {
	t.Helper()
	r := e.Do(harness.Request{Method: "GET", Path: "/api/courses", Token: token})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var list []courseOut
	r.Decode(t, &list)
	for i := range list {
		d := e.Do(harness.Request{Method: "GET", Path: "/api/courses/" + list[i].ID, Token: token})
		require.Equal(t, 200, d.Status, "%s", d.Body)
		d.Decode(t, &list[i])
	}
	return list
}

type effectsOut struct {
	XPAwarded int  `json:"xp_awarded"`
	TotalXP   int  `json:"total_xp"`
	Level     int  `json:"level"`
	LeveledUp bool `json:"leveled_up"`
	Streak    struct {
		Current         int  `json:"current"`
		Longest         int  `json:"longest"`
		Extended        bool `json:"extended"`
		FreezesEquipped int  `json:"freezes_equipped"`
	} `json:"streak"`
	DailyGoal struct {
		GoalXP  int  `json:"goal_xp"`
		TodayXP int  `json:"today_xp"`
		Met     bool `json:"met"`
		JustMet bool `json:"just_met"`
	} `json:"daily_goal"`
	AchievementsUnlocked []string `json:"achievements_unlocked"`
}

type eventOut struct {
	ID         string `json:"id"`
	UserID     string `json:"user_id"`
	EventID    string `json:"event_id"`
	EventType  string `json:"event_type"`
	Category   string `json:"category"`
	OccurredAt string `json:"occurred_at"`
	LocalDate  string `json:"local_date"`
	XPAwarded  int    `json:"xp_awarded"`
}

type ingestOut struct {
	Event          eventOut   `json:"event"`
	Effects        effectsOut `json:"effects"`
	LessonProgress *struct {
		LessonsCompleted int     `json:"lessons_completed"`
		LessonsTotal     int     `json:"lessons_total"`
		CompletionRate   float64 `json:"completion_rate"`
	} `json:"lesson_progress"`
	AlreadyCompleted *bool `json:"already_completed"`
}

func (e *engineApp) post(t testing.TB, token, path string, body any) *harness.Response {
	t.Helper()
	return e.Do(harness.Request{Method: "POST", Path: path, Token: token, Body: body})
}

func (e *engineApp) get(t testing.TB, token, path string) *harness.Response {
	t.Helper()
	return e.Do(harness.Request{Method: "GET", Path: path, Token: token})
}
