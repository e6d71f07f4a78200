package service_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/test/harness"
)

// The service tests of voids and rebuilds (docs/rebuild.md). They run on
// SQLite, on PostgreSQL when LINGO_TEST_POSTGRES_DSN is set, and on the
// memory store with LINGO_TEST_STORE=memory.

type voidOut struct {
	Event struct {
		eventOut
		VoidedAt *string `json:"voided_at"`
	} `json:"event"`
	Effects effectsOut `json:"effects"`
}

type rebuildOut struct {
	Changed bool            `json:"changed"`
	Before  json.RawMessage `json:"before"`
	After   json.RawMessage `json:"after"`
}

type rebuildFx struct {
	*rulesApp
	t *testing.T
}

func startRebuild(t *testing.T) *rebuildFx {
	return &rebuildFx{rulesApp: startRules(t), t: t}
}

func (f *rebuildFx) void(token, eventID string) *harness.Response {
	return f.post(f.t, token, "/api/analytics/events/"+eventID+"/void", nil)
}

func (f *rebuildFx) voidOK(token, eventID string) voidOut {
	f.t.Helper()
	r := f.void(token, eventID)
	require.Equal(f.t, 200, r.Status, "%s", r.Body)
	var out voidOut
	r.Decode(f.t, &out)
	require.NotNil(f.t, out.Event.VoidedAt)
	return out
}

func (f *rebuildFx) rebuild(id string) rebuildOut {
	f.t.Helper()
	r := f.post(f.t, f.admin, "/api/admin/users/"+id+"/progress/rebuild", nil)
	require.Equal(f.t, 200, r.Status, "%s", r.Body)
	var out rebuildOut
	r.Decode(f.t, &out)
	return out
}

// requireUnchanged checks that a rebuild of the learner finds their
// aggregates right.
func (f *rebuildFx) requireUnchanged(id string) {
	f.t.Helper()
	out := f.rebuild(id)
	require.False(f.t, out.Changed, "a rebuild changed the learner:\nbefore %s\nafter  %s", out.Before, out.After)
	require.JSONEq(f.t, string(out.Before), string(out.After))
}

// lessonDone posts a lesson_completed with a new event_id and returns the answer.
func (f *rebuildFx) lessonDone(token, lessonID string, score int) ingestOut {
	f.t.Helper()
	r := f.post(f.t, token, "/api/analytics/events", map[string]any{"event_id": uuid.NewString(),
		"event_type": "lesson_completed", "lesson_id": lessonID, "score": score})
	require.Equal(f.t, 201, r.Status, "%s", r.Body)
	var out ingestOut
	r.Decode(f.t, &out)
	return out
}

type listedOut struct {
	EventID   string  `json:"event_id"`
	EventType string  `json:"event_type"`
	XPAwarded int     `json:"xp_awarded"`
	VoidedAt  *string `json:"voided_at"`
}

func (f *rebuildFx) list(token, query string) []listedOut {
	f.t.Helper()
	r := f.get(f.t, token, "/api/analytics/events?limit=200"+query)
	require.Equal(f.t, 200, r.Status, "%s", r.Body)
	var page struct {
		Items []listedOut `json:"items"`
	}
	r.Decode(f.t, &page)
	return page.Items
}

func findListed(items []listedOut, eventID string) (listedOut, bool) {
	for _, it := range items {
		if it.EventID == eventID {
			return it, true
		}
	}
	return listedOut{}, false
}

func TestVoidTakesTheEventBack(t *testing.T) {
	t.Parallel()
	f := startRebuild(t)
	id, tok := f.learner(t)
	lesson := f.courses(t, tok)[0].Lessons[0]
	body := map[string]any{"event_id": uuid.NewString(), "event_type": "lesson_completed", "lesson_id": lesson.ID, "score": 100}
	first := f.post(t, tok, "/api/analytics/events", body)
	require.Equal(t, 201, first.Status, "%s", first.Body)
	var in ingestOut
	first.Decode(t, &in)
	practice := f.practice(t, tok, f.clock.Now(), 50)

	v := f.voidOK(tok, in.Event.EventID)
	assert.Equal(t, in.Event.ID, v.Event.ID)
	assert.Equal(t, practice.Effects.XPAwarded, v.Effects.TotalXP, "only the practice's XP is left")
	assert.Zero(t, v.Effects.XPAwarded)
	assert.Empty(t, v.Effects.AchievementsUnlocked)
	assert.Equal(t, 1, v.Effects.Streak.Current, "the practice keeps today active")

	p := f.progress(t, tok)
	assert.Equal(t, practice.Effects.XPAwarded, p.TotalXP)
	assert.NotContains(t, codes(p), "first_lesson", "an achievement that no longer holds is removed")
	assert.NotContains(t, codes(p), "perfect_lesson")
	evs := f.serverEvents(t, tok)
	for _, e := range evs {
		if e.EventType == "achievement_unlocked" {
			assert.NotContains(t, []any{"first_lesson", "perfect_lesson"}, e.Metadata["code"])
		}
	}

	_, listed := findListed(f.list(tok, ""), in.Event.EventID)
	assert.False(t, listed, "a voided event is left out of the list")
	got, listed := findListed(f.list(tok, "&include_voided=true"), in.Event.EventID)
	require.True(t, listed, "include_voided shows it")
	assert.Equal(t, v.Event.VoidedAt, got.VoidedAt)

	// The event_id stays taken: the same body is a replay of the first
	// answer, byte for byte; another body is a conflict.
	again := f.post(t, tok, "/api/analytics/events", body)
	require.Equal(t, 200, again.Status, "%s", again.Body)
	assert.JSONEq(t, string(first.Env.Data), string(again.Env.Data))
	body["score"] = 10
	assert.Equal(t, 409, f.post(t, tok, "/api/analytics/events", body).Status)

	// Voiding again changes nothing and answers the same.
	v2 := f.voidOK(tok, in.Event.EventID)
	assert.Equal(t, v, v2)

	var stats struct {
		Totals struct {
			TotalXP          int `json:"total_xp"`
			LessonsCompleted int `json:"lessons_completed"`
		} `json:"totals"`
	}
	r := f.get(t, tok, "/api/analytics/user-stats")
	require.Equal(t, 200, r.Status, "%s", r.Body)
	r.Decode(t, &stats)
	assert.Equal(t, practice.Effects.XPAwarded, stats.Totals.TotalXP)
	assert.Zero(t, stats.Totals.LessonsCompleted, "stats leave the voided event out")

	f.requireUnchanged(id)
}

func TestVoidRefusals(t *testing.T) {
	t.Parallel()
	f := startRebuild(t)
	id, tok := f.learner(t)
	_, other := f.learner(t)
	in := f.practice(t, tok, f.clock.Now(), 100)

	assert.Equal(t, 404, f.void(tok, uuid.NewString()).Status, "unknown")
	assert.Equal(t, 404, f.void(tok, "not-a-uuid").Status)
	assert.Equal(t, 404, f.void(other, in.Event.EventID).Status, "another user's")
	server := f.serverEvents(t, tok)
	require.NotEmpty(t, server)
	r := f.void(tok, server[0].EventID)
	require.Equal(t, 422, r.Status, "%s", r.Body)
	assert.Contains(t, string(r.Body), "event_type_not_allowed")

	// The admin route: any learner's event; learners get 403.
	assert.Equal(t, 403, f.post(t, tok, "/api/admin/users/"+id+"/events/"+in.Event.EventID+"/void", nil).Status)
	assert.Equal(t, 403, f.post(t, tok, "/api/admin/users/"+id+"/progress/rebuild", nil).Status)
	assert.Equal(t, 404, f.post(t, f.admin, "/api/admin/users/"+uuid.NewString()+"/events/"+in.Event.EventID+"/void", nil).Status)
	assert.Equal(t, 404, f.post(t, f.admin, "/api/admin/users/"+uuid.NewString()+"/progress/rebuild", nil).Status)
	r = f.post(t, f.admin, "/api/admin/users/"+id+"/events/"+in.Event.EventID+"/void", nil)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var v voidOut
	r.Decode(t, &v)
	assert.NotNil(t, v.Event.VoidedAt)
	assert.Zero(t, v.Effects.TotalXP)
	assert.Zero(t, f.progress(t, tok).TotalXP)
	f.requireUnchanged(id)
}

// A void that makes a later event earn otherwise: the repeat completion
// becomes the first. Its stored xp_awarded follows; a replay of it still
// answers what it first answered.
func TestVoidMovesALaterEventsXP(t *testing.T) {
	t.Parallel()
	f := startRebuild(t)
	id, tok := f.learner(t)
	lesson := f.courses(t, tok)[0].Lessons[0]
	first := f.lessonDone(tok, lesson.ID, 50)
	f.clock.Advance(time.Minute)
	body := map[string]any{"event_id": uuid.NewString(), "event_type": "lesson_completed", "lesson_id": lesson.ID, "score": 50}
	r := f.post(t, tok, "/api/analytics/events", body)
	require.Equal(t, 201, r.Status, "%s", r.Body)
	var repeat ingestOut
	r.Decode(t, &repeat)
	require.Equal(t, 5, repeat.Event.XPAwarded)
	unlockedBefore := f.achievementTimes(tok)

	v := f.voidOK(tok, first.Event.EventID)
	assert.Equal(t, lesson.XPReward, v.Effects.TotalXP, "the repeat is now the first completion")
	got, ok := findListed(f.list(tok, ""), repeat.Event.EventID)
	require.True(t, ok)
	assert.Equal(t, lesson.XPReward, got.XPAwarded, "the stored xp_awarded follows the rebuild")
	assert.Equal(t, unlockedBefore["first_lesson"], f.achievementTimes(tok)["first_lesson"],
		"an achievement that still holds keeps its unlocked_at")

	replay := f.post(t, tok, "/api/analytics/events", body)
	require.Equal(t, 200, replay.Status, "%s", replay.Body)
	assert.JSONEq(t, string(r.Env.Data), string(replay.Env.Data), "a replay answers as the first time")
	f.requireUnchanged(id)
}

func (f *rebuildFx) achievementTimes(token string) map[string]string {
	f.t.Helper()
	r := f.get(f.t, token, "/api/analytics/progress")
	require.Equal(f.t, 200, r.Status, "%s", r.Body)
	var p struct {
		Achievements []struct {
			Code       string `json:"code"`
			UnlockedAt string `json:"unlocked_at"`
		} `json:"achievements"`
	}
	r.Decode(f.t, &p)
	out := map[string]string{}
	for _, a := range p.Achievements {
		out[a.Code] = a.UnlockedAt
	}
	return out
}

// Voiding a lesson of a completed course takes the course completion back:
// the course_completed would have been refused.
func TestVoidUndoesACourseCompletion(t *testing.T) {
	t.Parallel()
	f := startRebuild(t)
	id, tok := f.learner(t)
	course := f.courses(t, tok)[0]
	var lessons []ingestOut
	for _, l := range course.Lessons {
		lessons = append(lessons, f.lessonDone(tok, l.ID, 50))
	}
	r := f.post(t, tok, "/api/analytics/course-completion", map[string]any{"course_id": course.ID})
	require.Equal(t, 201, r.Status, "%s", r.Body)
	var done ingestOut
	r.Decode(t, &done)
	require.Contains(t, codes(f.progress(t, tok)), "course_complete")

	v := f.voidOK(tok, lessons[1].Event.EventID)
	assert.Equal(t, course.TotalXP-course.Lessons[1].XPReward, v.Effects.TotalXP, "the lesson's and the course's XP are gone")
	assert.NotContains(t, codes(f.progress(t, tok)), "course_complete")
	got, ok := findListed(f.list(tok, ""), done.Event.EventID)
	require.True(t, ok, "the refused completion stays listed")
	assert.Zero(t, got.XPAwarded)
	f.requireUnchanged(id)

	// The course can be completed again once the lesson is.
	f.lessonDone(tok, course.Lessons[1].ID, 50)
	r = f.post(t, tok, "/api/analytics/course-completion", map[string]any{"course_id": course.ID})
	require.Equal(t, 201, r.Status, "%s", r.Body)
	f.requireUnchanged(id)
}

// A void settles the streak again: the voided day's freeze use, grants and
// repairs are replayed as they were made.
func TestVoidSettlesTheStreakAgain(t *testing.T) {
	t.Parallel()
	f := &streakFx{engineApp: startEngine(t), t: t}
	rf := &rebuildFx{rulesApp: &rulesApp{engineApp: f.engineApp}, t: t}
	id, tok := f.learner(t)
	f.practise(tok, 0)
	tok = f.nextDay(id, 1)
	middle := f.practise(tok, 0)
	tok = f.nextDay(id, 1)
	f.practise(tok, 0)
	require.Equal(t, 3, f.summary(tok).CurrentStreak)
	require.Contains(t, codes(rf.progress(t, tok)), "streak_3")
	require.Equal(t, 200, f.grant(id, 1).Status)

	v := rf.voidOK(tok, middle.Event.EventID)
	// Yesterday is missed now, but the granted freeze was held then: the
	// grant is dated today, so it cannot protect yesterday.
	assert.Equal(t, 1, v.Effects.Streak.Current)
	assert.Equal(t, 1, v.Effects.Streak.Longest)
	s := f.summary(tok)
	assert.Equal(t, 1, s.Freezes.Equipped)
	assert.NotContains(t, codes(rf.progress(t, tok)), "streak_3")
	evs := rf.serverEvents(t, tok)
	assert.Zero(t, count(evs, "streak_extended", f.day(-1)), "the voided day's streak_extended is gone")
	assert.Equal(t, 1, count(evs, "streak_extended", f.day(0)))
	rf.requireUnchanged(id)

	// Repair yesterday: the streak holds again; a rebuild keeps the repair.
	// The clock moves on first: a grant or repair made at the very instant
	// an event was received counts as made before it (docs/rebuild.md).
	f.clock.Advance(time.Minute)
	r := f.post(t, f.admin, "/api/admin/users/"+id+"/streak-repair", map[string]any{"dates": []string{f.day(-1)}})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	assert.Equal(t, 2, f.summary(tok).CurrentStreak)
	rf.requireUnchanged(id)
}

// With a freeze held before the voided day, the day becomes frozen.
func TestVoidUsesAFreezeHeldThen(t *testing.T) {
	t.Parallel()
	f := &streakFx{engineApp: startEngine(t), t: t}
	rf := &rebuildFx{rulesApp: &rulesApp{engineApp: f.engineApp}, t: t}
	id, tok := f.learner(t)
	require.Equal(t, 200, f.grant(id, 1).Status)
	f.practise(tok, 0)
	tok = f.nextDay(id, 1)
	middle := f.practise(tok, 0)
	tok = f.nextDay(id, 1)
	f.practise(tok, 0)

	v := rf.voidOK(tok, middle.Event.EventID)
	assert.Equal(t, 2, v.Effects.Streak.Current, "the freeze bridges the voided day")
	assert.Zero(t, v.Effects.Streak.FreezesEquipped)
	s := f.summary(tok)
	assert.Equal(t, 1, s.Freezes.UsedTotal)
	require.NotNil(t, s.Freezes.LastUsedOn)
	assert.Equal(t, f.day(-1), *s.Freezes.LastUsedOn)
	assert.Equal(t, "frozen", statusesOf(f.calendar(tok, ""))[f.day(-1)])
	rf.requireUnchanged(id)
}

// Voiding today's first credited event keeps the day's goal (it was in
// force on the day) and takes back goal credit.
func TestVoidTakesBackTheDailyGoal(t *testing.T) {
	t.Parallel()
	f := startRebuild(t)
	id, tok := f.learner(t)
	f.setPrefs(t, tok, "UTC", 20)
	a := f.practice(t, tok, f.clock.Now(), 50)
	f.setPrefs(t, tok, "UTC", 30)
	b := f.practice(t, tok, f.clock.Now(), 50)
	require.True(t, b.Effects.DailyGoal.Met)
	require.Equal(t, 1, count(f.serverEvents(t, tok), "daily_goal_met", ""))

	v := f.voidOK(tok, a.Event.EventID)
	assert.Equal(t, 20, v.Effects.DailyGoal.GoalXP, "the goal in force on the day stays")
	assert.Equal(t, 10, v.Effects.DailyGoal.TodayXP)
	assert.False(t, v.Effects.DailyGoal.Met)
	assert.Zero(t, count(f.serverEvents(t, tok), "daily_goal_met", ""))
	f.requireUnchanged(id)
}
