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

// The service tests of streak protection and the calendar. They run on
// SQLite, and on PostgreSQL when LINGO_TEST_POSTGRES_DSN is set (the harness
// picks the driver), so the concurrency test runs on both.

type calendarDayOut struct {
	Date             string `json:"date"`
	Status           string `json:"status"`
	XP               int    `json:"xp"`
	LessonsCompleted int    `json:"lessons_completed"`
	GoalMet          bool   `json:"goal_met"`
}

type calendarOut struct {
	Days []calendarDayOut `json:"days"`
}

type freezesOut struct {
	Equipped   int     `json:"equipped"`
	Max        int     `json:"max"`
	UsedTotal  int     `json:"used_total"`
	LastUsedOn *string `json:"last_used_on"`
}

type streakSummaryOut struct {
	CurrentStreak int        `json:"current_streak"`
	LongestStreak int        `json:"longest_streak"`
	Freezes       freezesOut `json:"streak_freezes"`
	Achievements  []struct {
		Code string `json:"code"`
	} `json:"achievements"`
}

type streakFx struct {
	*engineApp
	t *testing.T
}

func startStreaks(t *testing.T) *streakFx {
	return &streakFx{engineApp: startEngine(t), t: t}
}

// day is the date n days from the fake clock's today (UTC).
func (f *streakFx) day(n int) string { return f.clock.Now().AddDate(0, 0, n).Format("2006-01-02") }

// nextDay moves the clock a day on and gives fresh tokens (the old ones
// expired): the learner's and the admin's.
func (f *streakFx) nextDay(id string, days int) string {
	f.clock.Advance(time.Duration(days) * 24 * time.Hour)
	f.admin = f.relogAdmin()
	return f.relogin(f.t, id)
}

func (f *streakFx) relogAdmin() string {
	r := f.Do(harness.Request{Method: "POST", Path: "/api/auth/login", Body: map[string]any{"email": adminEmail, "password": adminPassword}})
	require.Equal(f.t, 200, r.Status, "%s", r.Body)
	var s sessionDTO
	r.Decode(f.t, &s)
	return s.Tokens.AccessToken
}

// practise sends a practice_completed that occurred days ago (0: now).
func (f *streakFx) practise(token string, daysAgo int) ingestOut {
	f.t.Helper()
	at := f.clock.Now().AddDate(0, 0, -daysAgo)
	r := f.post(f.t, token, "/api/analytics/events", map[string]any{"event_id": uuid.NewString(),
		"event_type": "practice_completed", "score": 50, "occurred_at": at.Format(time.RFC3339)})
	require.Equal(f.t, 201, r.Status, "%s", r.Body)
	var out ingestOut
	r.Decode(f.t, &out)
	return out
}

func (f *streakFx) grant(id string, count int) *harness.Response {
	return f.post(f.t, f.admin, "/api/admin/users/"+id+"/streak-freezes", map[string]any{"count": count})
}

func (f *streakFx) calendar(token, query string) calendarOut {
	f.t.Helper()
	r := f.get(f.t, token, "/api/analytics/calendar"+query)
	require.Equal(f.t, 200, r.Status, "%s", r.Body)
	var out calendarOut
	r.Decode(f.t, &out)
	return out
}

func (f *streakFx) summary(token string) streakSummaryOut {
	f.t.Helper()
	r := f.get(f.t, token, "/api/analytics/progress")
	require.Equal(f.t, 200, r.Status, "%s", r.Body)
	var out streakSummaryOut
	r.Decode(f.t, &out)
	return out
}

// statusesOf maps the calendar's dates to their statuses.
func statusesOf(c calendarOut) map[string]string {
	out := map[string]string{}
	for _, d := range c.Days {
		out[d.Date] = d.Status
	}
	return out
}

func TestStreakFreezeEarnedAtSevenDaysSavesAMissedDay(t *testing.T) {
	t.Parallel()
	f := startStreaks(t)
	id, token := f.learner(t)
	for i := range 7 {
		if i > 0 {
			token = f.nextDay(id, 1)
		}
		out := f.practise(token, 0)
		want := 0
		if i == 6 {
			want = 1
		}
		assert.Equal(t, want, out.Effects.Streak.FreezesEquipped, "day %d", i+1)
	}
	missed := f.day(1)
	token = f.nextDay(id, 2) // the 8th day passes without practice

	cal := f.calendar(token, "?from="+f.day(-9)+"&to="+f.day(0))
	st := statusesOf(cal)
	assert.Equal(t, "none", st[f.day(-9)])
	assert.Equal(t, "active", st[f.day(-8)])
	assert.Equal(t, "active", st[f.day(-2)])
	assert.Equal(t, "frozen", st[missed])
	assert.Equal(t, "pending", st[f.day(0)])

	s := f.summary(token)
	assert.Equal(t, 7, s.CurrentStreak, "the frozen day kept the streak alive and added nothing")
	assert.Equal(t, freezesOut{Equipped: 0, Max: 2, UsedTotal: 1, LastUsedOn: &missed}, s.Freezes)

	out := f.practise(token, 0)
	assert.Equal(t, 8, out.Effects.Streak.Current)
	assert.Equal(t, 8, out.Effects.Streak.Longest)
}

func TestStreakGrantThenALateEventGivesTheFreezeBack(t *testing.T) {
	t.Parallel()
	f := startStreaks(t)
	id, token := f.learner(t)
	f.practise(token, 0)
	r := f.grant(id, 1)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var inv struct{ Equipped, Max int }
	r.Decode(t, &inv)
	assert.Equal(t, 1, inv.Equipped)
	assert.Equal(t, 2, inv.Max)

	token = f.nextDay(id, 2)
	st := statusesOf(f.calendar(token, "?from="+f.day(-2)))
	assert.Equal(t, map[string]string{f.day(-2): "active", f.day(-1): "frozen", f.day(0): "pending"}, st)
	s := f.summary(token)
	assert.Equal(t, 1, s.CurrentStreak)
	assert.Equal(t, 0, s.Freezes.Equipped)
	assert.Equal(t, 1, s.Freezes.UsedTotal)

	out := f.practise(token, 1) // late: fills the frozen date
	assert.Equal(t, 1, out.Effects.Streak.FreezesEquipped, "the freeze came back")
	assert.Equal(t, 2, out.Effects.Streak.Current)
	st = statusesOf(f.calendar(token, "?from="+f.day(-2)))
	assert.Equal(t, "active", st[f.day(-1)])
	s = f.summary(token)
	assert.Equal(t, freezesOut{Equipped: 1, Max: 2}, s.Freezes)
}

func TestStreakGrantRules(t *testing.T) {
	t.Parallel()
	f := startStreaks(t)
	id, token := f.learner(t)

	r := f.grant(id, 10)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	assert.JSONEq(t, `{"equipped": 2, "max": 2}`, string(r.Env.Data), "capped at the maximum")

	for _, c := range []struct {
		body  map[string]any
		field string
	}{{map[string]any{"count": 0}, "count"}, {map[string]any{"count": 11}, "count"}, {map[string]any{}, "count"},
		{map[string]any{"count": "2"}, "count"}, {map[string]any{"count": 1, "extra": true}, "extra"}} {
		r := f.post(t, f.admin, "/api/admin/users/"+id+"/streak-freezes", c.body)
		assert.Equal(t, 422, r.Status, "%v: %s", c.body, r.Body)
		assert.Equal(t, []string{c.field}, r.Fields(), "%v", c.body)
	}
	assert.Equal(t, 404, f.grant(uuid.NewString(), 1).Status)
	assert.Equal(t, 404, f.post(t, f.admin, "/api/admin/users/not-a-uuid/streak-freezes", map[string]any{"count": 1}).Status)
	assert.Equal(t, 403, f.post(t, token, "/api/admin/users/"+id+"/streak-freezes", map[string]any{"count": 1}).Status)
	assert.Equal(t, 401, f.post(t, "", "/api/admin/users/"+id+"/streak-freezes", map[string]any{"count": 1}).Status)
	assert.Equal(t, 2, f.summary(token).Freezes.Equipped)
}

func TestStreakRepair(t *testing.T) {
	t.Parallel()
	f := startStreaks(t)
	id, token := f.learner(t)
	f.practise(token, 0)
	token = f.nextDay(id, 2)
	f.practise(token, 0)
	token = f.nextDay(id, 1)
	missed, active, yesterday := f.day(-2), f.day(-1), f.day(0)
	_ = yesterday
	before := f.summary(token)
	assert.Equal(t, 1, before.CurrentStreak)

	r := f.post(t, f.admin, "/api/admin/users/"+id+"/streak-repair", map[string]any{
		"dates": []string{f.day(0), active, missed, missed, f.day(-10)}})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var cal calendarOut
	r.Decode(t, &cal)
	require.Len(t, cal.Days, 4, "one row per date given, duplicates once, oldest first")
	assert.Equal(t, []calendarDayOut{
		{Date: f.day(-10), Status: "none"},
		{Date: missed, Status: "repaired"},
		{Date: active, Status: "active", XP: 10},
		{Date: f.day(0), Status: "pending"},
	}, cal.Days)
	s := f.summary(token)
	assert.Equal(t, 2, s.CurrentStreak, "the repaired day bridges two active days")
	assert.Equal(t, 2, s.LongestStreak)
	assert.Equal(t, "repaired", statusesOf(f.calendar(token, ""))[missed])

	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"dates": []string{f.day(1)}}, "dates[0]"},
		{map[string]any{"dates": []string{f.day(0), "2026-13-01"}}, "dates[1]"},
		{map[string]any{"dates": []string{}}, "dates"},
		{map[string]any{}, "dates"},
		{map[string]any{"dates": make32(f.day(0))}, "dates"},
	} {
		r := f.post(t, f.admin, "/api/admin/users/"+id+"/streak-repair", c.body)
		assert.Equal(t, 422, r.Status, "%v: %s", c.body, r.Body)
		assert.Contains(t, r.Fields(), c.field, "%v", c.body)
	}
	assert.Equal(t, 404, f.post(t, f.admin, "/api/admin/users/"+uuid.NewString()+"/streak-repair",
		map[string]any{"dates": []string{missed}}).Status)
	assert.Equal(t, 403, f.post(t, token, "/api/admin/users/"+id+"/streak-repair",
		map[string]any{"dates": []string{missed}}).Status)
}

func make32(d string) []string {
	out := make([]string, 32)
	for i := range out {
		out[i] = d
	}
	return out
}

func TestCalendarRange(t *testing.T) {
	t.Parallel()
	f := startStreaks(t)
	_, token := f.learner(t)
	f.practise(token, 2)

	cal := f.calendar(token, "")
	require.Len(t, cal.Days, 30, "the last 30 days by default")
	assert.Equal(t, f.day(-29), cal.Days[0].Date)
	assert.Equal(t, f.day(0), cal.Days[29].Date)
	assert.Equal(t, calendarDayOut{Date: f.day(-2), Status: "active", XP: 10}, cal.Days[27])
	assert.Equal(t, "missed", cal.Days[28].Status)
	assert.Equal(t, "pending", cal.Days[29].Status)
	assert.Equal(t, "none", cal.Days[26].Status)

	assert.Len(t, f.calendar(token, "?from="+f.day(-365)).Days, 366)
	for _, c := range []struct{ query, field string }{
		{"?from=yesterday", "from"},
		{"?to=2026-02-30", "to"},
		{"?to=" + f.day(1), "to"},
		{"?from=" + f.day(-1) + "&to=" + f.day(-2), "from"},
		{"?from=" + f.day(-366), "from"},
	} {
		r := f.get(t, token, "/api/analytics/calendar"+c.query)
		assert.Equal(t, 422, r.Status, "%s: %s", c.query, r.Body)
		assert.Equal(t, []string{c.field}, r.Fields(), c.query)
	}
	both := f.get(t, token, "/api/analytics/calendar?from="+f.day(3)+"&to="+f.day(2))
	assert.Equal(t, []string{"to", "from"}, both.Fields(), "every problem at once")
	assert.Equal(t, 401, f.get(t, "", "/api/analytics/calendar").Status)
}

// A grant is dated by the learner's own date: far west, it can be the
// day before UTC's; the learner who then moves far east sees it protect
// their yesterday.
func TestStreakGrantIsDatedInTheLearnersZone(t *testing.T) {
	t.Parallel()
	f := startStreaks(t)
	id, token := f.learner(t)
	setZone := func(zone string) {
		r := f.Do(harness.Request{Method: "PATCH", Path: "/api/users/me/preferences", Token: token, Body: map[string]any{"timezone": zone}})
		require.Equal(t, 200, r.Status, "%s", r.Body)
	}
	// 12:00 UTC is 01:00 on the same date in Pago Pago (UTC−11) and 02:00
	// on the next one in Kiritimati (UTC+14).
	setZone("Pacific/Pago_Pago")
	require.Equal(t, 200, f.grant(id, 1).Status)
	setZone("Pacific/Kiritimati")
	f.practise(token, 2) // the day before yesterday in Kiritimati
	st := statusesOf(f.calendar(token, "?from="+f.day(-1)+"&to="+f.day(1)))
	assert.Equal(t, map[string]string{f.day(-1): "active", f.day(0): "frozen", f.day(1): "pending"}, st)
}

// Twenty late events on twenty dates sent at once give the calendar and
// the streak that the same events sent one by one give.
func TestStreakConcurrentLateEventsSettleAsSequentialOnes(t *testing.T) {
	t.Parallel()
	f := startStreaks(t)
	idA, tokenA := f.learner(t)
	idB, tokenB := f.learner(t)
	require.Equal(t, 200, f.grant(idA, 1).Status)
	require.Equal(t, 200, f.grant(idB, 1).Status)
	f.clock.Advance(9 * 24 * time.Hour)
	f.admin = f.relogAdmin()
	tokenA, tokenB = f.relogin(t, idA), f.relogin(t, idB)

	// Seven dates inside the credit window (three days ago left out) and
	// thirteen older ones that earn XP only.
	var ago []int
	for d := 0; d <= 20; d++ {
		if d != 3 {
			ago = append(ago, d)
		}
	}
	require.Len(t, ago, 20)
	var wg sync.WaitGroup
	errs := make(chan string, len(ago))
	for _, d := range ago {
		wg.Add(1)
		go func() {
			defer wg.Done()
			at := f.clock.Now().AddDate(0, 0, -d)
			r := f.post(t, tokenA, "/api/analytics/events", map[string]any{"event_id": uuid.NewString(),
				"event_type": "practice_completed", "score": 50, "occurred_at": at.Format(time.RFC3339)})
			if r.Status != 201 {
				errs <- fmt.Sprintf("%d days ago: %d %s", d, r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	for _, d := range ago {
		f.practise(tokenB, d)
	}
	q := "?from=" + f.day(-29)
	a, b := f.calendar(tokenA, q), f.calendar(tokenB, q)
	assert.Equal(t, b, a)
	assert.Equal(t, "frozen", statusesOf(a)[f.day(-3)])
	sa, sb := f.summary(tokenA), f.summary(tokenB)
	assert.Equal(t, sb, sa)
	assert.Equal(t, 7, sa.CurrentStreak)
	assert.Equal(t, 1, sa.Freezes.UsedTotal)
}
