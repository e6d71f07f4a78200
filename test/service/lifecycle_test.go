package service_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/zap/zapcore"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/test/harness"
)

// lifecycleApp is the engine app with the lifecycle pass every second, a
// handle on the SQL database when there is one, and webhooks to private
// receivers allowed.
type lifecycleApp struct {
	*engineApp
	db *sqlstore.DB
}

func startLifecycle(t *testing.T, env map[string]string) *lifecycleApp {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	all := map[string]string{
		"LINGO_ADMIN_EMAIL": adminEmail, "LINGO_ADMIN_PASSWORD": adminPassword,
		"LINGO_DATABASE_SEED_DEMO": "true", "LINGO_WEBHOOKS_ALLOW_PRIVATE": "true",
		"LINGO_JOBS_POLL_INTERVAL": "50ms", "LINGO_JOBS_LIFECYCLE_INTERVAL": "1s",
	}
	for k, v := range env {
		all[k] = v
	}
	a := &lifecycleApp{engineApp: &engineApp{clock: clk}}
	var extra []fx.Option
	if !harness.OnMemoryStore() {
		extra = append(extra, fx.Populate(&a.db))
	}
	a.App = harness.Start(t, harness.Options{Clock: clk, Env: all, FX: extra})
	r := a.Do(harness.Request{Method: "POST", Path: "/api/auth/login", Body: map[string]any{"email": adminEmail, "password": adminPassword}})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var s sessionDTO
	r.Decode(t, &s)
	a.admin = s.Tokens.AccessToken
	return a
}

// learnerSession registers a learner and returns the whole session.
func (a *lifecycleApp) learnerSession(t *testing.T, email string) sessionDTO {
	t.Helper()
	r := a.Do(harness.Request{Method: "POST", Path: "/api/auth/register", Body: map[string]any{
		"email": email, "password": "a good password", "display_name": "Learner"}})
	require.Equal(t, 201, r.Status, "%s", r.Body)
	var s sessionDTO
	r.Decode(t, &s)
	return s
}

func (a *lifecycleApp) login(t *testing.T, email, password string) *harness.Response {
	t.Helper()
	return a.Do(harness.Request{Method: "POST", Path: "/api/auth/login", Body: map[string]any{"email": email, "password": password}})
}

func (a *lifecycleApp) restore(t *testing.T, email, password string) *harness.Response {
	t.Helper()
	return a.Do(harness.Request{Method: "POST", Path: "/api/auth/restore", Body: map[string]any{"email": email, "password": password}})
}

func (a *lifecycleApp) deleteMe(t *testing.T, token, password string) *harness.Response {
	t.Helper()
	return a.Do(harness.Request{Method: "DELETE", Path: "/api/users/me", Token: token, Body: map[string]any{"password": password}})
}

// completeLesson records a perfect lesson completion (XP, an active day,
// first_lesson and perfect_lesson).
func (a *lifecycleApp) completeLesson(t *testing.T, token string, n int) {
	t.Helper()
	lessons := a.courses(t, token)[0].Lessons
	r := a.post(t, token, "/api/analytics/events", map[string]any{"event_type": "lesson_completed",
		"lesson_id": lessons[n%len(lessons)].ID, "score": 100})
	require.Equal(t, 201, r.Status, "%s", r.Body)
}

// learnerRows counts the rows of the user in every table the erasure
// covers, and in users itself; nil on the memory store.
func (a *lifecycleApp) learnerRows(t *testing.T, userID string) map[string]int {
	t.Helper()
	if a.db == nil {
		return nil
	}
	out := map[string]int{}
	var n int
	require.NoError(t, a.db.SQL().QueryRow(`SELECT count(*) FROM users WHERE id = `+a.mark(1), userID).Scan(&n))
	out["users"] = n
	for _, table := range sqlstore.ErasureTableNames() {
		require.NoError(t, a.db.SQL().QueryRow(`SELECT count(*) FROM `+table+` WHERE user_id = `+a.mark(1), userID).Scan(&n))
		out[table] = n
	}
	return out
}

func (a *lifecycleApp) mark(i int) string {
	if a.db.Dialect() == sqlstore.Postgres {
		return "$1"
	}
	return "?"
}

func TestDeleteAccountRefusesTokensAtOnce(t *testing.T) {
	t.Parallel()
	a := startLifecycle(t, nil)
	s := a.learnerSession(t, "leaving@lingo.example")

	wrong := a.deleteMe(t, s.Tokens.AccessToken, "not the password")
	require.Equal(t, 422, wrong.Status, "%s", wrong.Body)
	assert.Equal(t, "invalid_current_password", errorCode(wrong))
	assert.Equal(t, []string{"password"}, wrong.Fields())
	require.Equal(t, 200, a.get(t, s.Tokens.AccessToken, "/api/users/me").Status, "a refused deletion changes nothing")

	r := a.deleteMe(t, s.Tokens.AccessToken, "a good password")
	require.Equal(t, 202, r.Status, "%s", r.Body)
	var d struct {
		Status     string `json:"status"`
		PurgeAfter string `json:"purge_after"`
	}
	r.Decode(t, &d)
	assert.Equal(t, "pending_deletion", d.Status)
	assert.Equal(t, "2026-12-03T12:00:00.000Z", d.PurgeAfter, "the default grace is 168h")

	me := a.get(t, s.Tokens.AccessToken, "/api/users/me")
	assert.Equal(t, 401, me.Status, "the access token stops at once")
	ref := a.post(t, "", "/api/auth/refresh", map[string]any{"refresh_token": s.Tokens.RefreshToken})
	assert.Equal(t, 401, ref.Status, "the refresh token stops at once")
	login := a.login(t, "leaving@lingo.example", "a good password")
	require.Equal(t, 403, login.Status, "%s", login.Body)
	assert.Equal(t, "account_pending_deletion", errorCode(login))
	assert.Equal(t, d.PurgeAfter, login.Env.Errors[0].Details["purge_after"])
	bad := a.login(t, "leaving@lingo.example", "not the password")
	assert.Equal(t, 401, bad.Status, "a wrong password learns nothing of the deletion")
	assert.Equal(t, "invalid_credentials", errorCode(bad))
}

func TestRestoreWithinGrace(t *testing.T) {
	t.Parallel()
	a := startLifecycle(t, nil)
	s := a.learnerSession(t, "undecided@lingo.example")
	a.completeLesson(t, s.Tokens.AccessToken, 0)

	notPending := a.restore(t, "undecided@lingo.example", "a good password")
	assert.Equal(t, 401, notPending.Status, "restoring an account that is not pending is a failed login")
	assert.Equal(t, "invalid_credentials", errorCode(notPending))

	require.Equal(t, 202, a.deleteMe(t, s.Tokens.AccessToken, "a good password").Status)
	a.clock.Advance(167 * time.Hour)
	for _, c := range []struct{ name, email, password string }{
		{"wrong password", "undecided@lingo.example", "not the password"},
		{"unknown email", "nobody@lingo.example", "a good password"},
		{"malformed email", "nobody", "a good password"},
	} {
		r := a.restore(t, c.email, c.password)
		assert.Equal(t, 401, r.Status, c.name)
		assert.Equal(t, "invalid_credentials", errorCode(r), c.name)
	}
	r := a.restore(t, "undecided@lingo.example", "a good password")
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var back sessionDTO
	r.Decode(t, &back)
	assert.Equal(t, s.User.ID, back.User.ID)
	require.Equal(t, 200, a.get(t, back.Tokens.AccessToken, "/api/users/me").Status)
	var p struct {
		TotalXP int `json:"total_xp"`
	}
	a.get(t, back.Tokens.AccessToken, "/api/analytics/progress").Decode(t, &p)
	assert.Positive(t, p.TotalXP, "a restored learner keeps their history")
	require.Equal(t, 200, a.login(t, "undecided@lingo.example", "a good password").Status)

	// The deletion is cancelled: past the old purge_after nothing is erased.
	a.clock.Advance(48 * time.Hour)
	time.Sleep(2500 * time.Millisecond) // until a pass of the 1 s job ran
	require.Equal(t, 200, a.login(t, "undecided@lingo.example", "a good password").Status)
}

// TestErasureAfterGraceByTheServer: nobody calls anything when the grace
// ends; the periodic job erases the account, publishes user.deleted, frees
// the email, and leaves no row of the learner.
func TestErasureAfterGraceByTheServer(t *testing.T) {
	t.Parallel()
	// The limiter is on (with room for the test's logins) so that the
	// learner has limiter keys as well as cache keys to be erased.
	a := startLifecycle(t, map[string]string{"LINGO_ACCOUNT_DELETION_GRACE": "1h",
		"LINGO_RATELIMIT_ENABLED": "true", "LINGO_RATELIMIT_AUTH_LIMIT": "1000"})
	rc := newReceiver(t, nil)
	a.hook(t, rc.URL, "user.deleted")
	s := a.learnerSession(t, "gone@lingo.example")
	a.completeLesson(t, s.Tokens.AccessToken, 0)
	a.completeLesson(t, s.Tokens.AccessToken, 1)
	require.Equal(t, 200, a.Do(harness.Request{Method: "PUT", Path: "/api/users/me/preferences", Token: s.Tokens.AccessToken,
		Body: map[string]any{"timezone": "Europe/Berlin"}}).Status)
	require.Equal(t, 202, a.post(t, s.Tokens.AccessToken, "/api/users/me/exports", nil).Status)
	before := a.learnerRows(t, s.User.ID)
	if before != nil {
		require.Positive(t, before["learning_events"])
		require.Positive(t, before["learner_days"])
	}

	require.Equal(t, 202, a.deleteMe(t, s.Tokens.AccessToken, "a good password").Status)
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, 403, a.login(t, "gone@lingo.example", "a good password").Status, "within the grace nothing is erased")

	a.clock.Advance(time.Hour + time.Second)
	ok := harness.WaitFor(30*time.Second, func() bool {
		return a.login(t, "gone@lingo.example", "a good password").Status == 401
	})
	require.True(t, ok, "the server never erased the account")
	after := a.restore(t, "gone@lingo.example", "a good password")
	assert.Equal(t, 401, after.Status, "restore after the grace is a failed login")
	assert.Equal(t, "invalid_credentials", errorCode(after))

	msgs := rc.await(t, "user.deleted", func(ms []received) bool { return len(ms) >= 1 })
	assert.Equal(t, s.User.ID, msgs[0].Data["user_id"])
	if rows := a.learnerRows(t, s.User.ID); rows != nil {
		for table, n := range rows {
			assert.Zero(t, n, "rows of the erased learner left in %s", table)
		}
		var n int
		require.NoError(t, a.db.SQL().QueryRow(`SELECT count(*) FROM erased_users WHERE user_id = `+a.mark(1), s.User.ID).Scan(&n))
		assert.Equal(t, 1, n, "the erasure keeps {user_id, erased_at}")
		require.True(t, harness.WaitFor(10*time.Second, func() bool {
			_ = a.db.SQL().QueryRow(`SELECT count(*) FROM erasure_cleanups`).Scan(&n)
			return n == 0
		}), "the erasure's clean-up never finished")
	}

	if a.Config.Redis.Addr != "" {
		rdb := goredis.NewClient(&goredis.Options{Addr: a.Config.Redis.Addr})
		defer rdb.Close()
		keys, err := rdb.Keys(t.Context(), a.Config.Redis.KeyPrefix+"*").Result()
		require.NoError(t, err)
		require.NotEmpty(t, keys, "the app writes keys under its prefix")
		require.True(t, harness.WaitFor(10*time.Second, func() bool {
			keys, _ = rdb.Keys(t.Context(), a.Config.Redis.KeyPrefix+"*"+s.User.ID+"*").Result()
			return len(keys) == 0
		}), "Redis keys of the erased learner are left: %v", keys)
	}

	// The email is free at once, and its new learner has no history.
	again := a.learnerSession(t, "gone@lingo.example")
	assert.NotEqual(t, s.User.ID, again.User.ID)
	var p struct {
		TotalXP      int   `json:"total_xp"`
		Achievements []any `json:"achievements"`
	}
	a.get(t, again.Tokens.AccessToken, "/api/analytics/progress").Decode(t, &p)
	assert.Zero(t, p.TotalXP)
	assert.Empty(t, p.Achievements)
	var page struct {
		Items []eventOut `json:"items"`
	}
	a.get(t, again.Tokens.AccessToken, "/api/analytics/events").Decode(t, &page)
	assert.Empty(t, page.Items)
	var prefs struct {
		Timezone string `json:"timezone"`
	}
	a.get(t, again.Tokens.AccessToken, "/api/users/me/preferences").Decode(t, &prefs)
	assert.Equal(t, "UTC", prefs.Timezone)
}

func TestDeletionWithoutGraceErasesAtOnce(t *testing.T) {
	t.Parallel()
	a := startLifecycle(t, map[string]string{"LINGO_ACCOUNT_DELETION_GRACE": "0s"})
	s := a.learnerSession(t, "now@lingo.example")
	a.completeLesson(t, s.Tokens.AccessToken, 0)
	require.Equal(t, 202, a.deleteMe(t, s.Tokens.AccessToken, "a good password").Status)
	r := a.login(t, "now@lingo.example", "a good password")
	assert.Equal(t, 401, r.Status, "erased before the answer: the account is gone")
	if rows := a.learnerRows(t, s.User.ID); rows != nil {
		for table, n := range rows {
			assert.Zero(t, n, "rows left in %s", table)
		}
	}
	again := a.learnerSession(t, "now@lingo.example")
	assert.NotEqual(t, s.User.ID, again.User.ID)
}

func TestAdminErasesAtOnce(t *testing.T) {
	t.Parallel()
	a := startLifecycle(t, nil)
	rc := newReceiver(t, nil)
	hook := a.hook(t, rc.URL, "user.deleted", "learning.event_recorded")
	s := a.learnerSession(t, "erased@lingo.example")
	a.completeLesson(t, s.Tokens.AccessToken, 0)

	learner := a.Do(harness.Request{Method: "DELETE", Path: "/api/admin/users/" + s.User.ID, Token: s.Tokens.AccessToken})
	assert.Equal(t, 403, learner.Status, "learners cannot erase")
	var me userDTO
	a.get(t, a.admin, "/api/users/me").Decode(t, &me)
	self := a.Do(harness.Request{Method: "DELETE", Path: "/api/admin/users/" + me.ID, Token: a.admin})
	assert.Equal(t, 409, self.Status)
	assert.Equal(t, "self_lockout", errorCode(self))

	r := a.Do(harness.Request{Method: "DELETE", Path: "/api/admin/users/" + s.User.ID, Token: a.admin})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var out struct {
		Erased struct {
			Events, Days, Achievements, Exports int
			Avatar                              bool
		} `json:"erased"`
	}
	r.Decode(t, &out)
	assert.GreaterOrEqual(t, out.Erased.Events, 2, "the lesson and the server's progress events")
	assert.Equal(t, 1, out.Erased.Days)
	assert.Equal(t, 2, out.Erased.Achievements, "first_lesson and perfect_lesson")
	assert.False(t, out.Erased.Avatar)
	assert.Zero(t, out.Erased.Exports)

	assert.Equal(t, 401, a.get(t, s.Tokens.AccessToken, "/api/users/me").Status)
	assert.Equal(t, 404, a.Do(harness.Request{Method: "DELETE", Path: "/api/admin/users/" + s.User.ID, Token: a.admin}).Status,
		"an erased id is no user")
	rc.await(t, "user.deleted", func(ms []received) bool { return len(rc.ofType("user.deleted")) == 1 })
	// The receiver has user.deleted before its delivery is marked sent, so
	// the log is read once nothing is in flight (bounded).
	var ds []deliveryOut
	harness.WaitFor(30*time.Second, func() bool {
		ds = a.deliveries(t, hook.ID, "")
		return !slices.ContainsFunc(ds, func(d deliveryOut) bool { return d.Status == "pending" })
	})
	for _, d := range ds {
		assert.NotEqual(t, "pending", d.Status, "no delivery about the learner is left to send")
	}
}

type exportOut struct {
	ID          string  `json:"id"`
	Status      string  `json:"status"`
	CreatedAt   string  `json:"created_at"`
	CompletedAt *string `json:"completed_at"`
	DownloadURL *string `json:"download_url"`
	ExpiresAt   *string `json:"expires_at"`
	SizeBytes   *int64  `json:"size_bytes"`
}

// awaitExport polls the export until it is no longer pending.
func (a *lifecycleApp) awaitExport(t *testing.T, token, id string) exportOut {
	t.Helper()
	var e exportOut
	ok := harness.WaitFor(60*time.Second, func() bool {
		r := a.get(t, token, "/api/users/me/exports/"+id)
		require.Equal(t, 200, r.Status, "%s", r.Body)
		r.Decode(t, &e)
		return e.Status != "pending"
	})
	if !ok {
		for _, l := range a.Logs.All() {
			if l.Level >= zapcore.WarnLevel {
				t.Logf("log: %s %v", l.Message, l.ContextMap())
			}
		}
	}
	require.True(t, ok, "the export never left pending")
	return e
}

// allEvents reads the event list to its end, newest first.
func (a *lifecycleApp) allEvents(t *testing.T, token string) []map[string]any {
	t.Helper()
	var out []map[string]any
	cursor := ""
	for {
		path := "/api/analytics/events?limit=200&include_voided=true"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := a.get(t, token, path)
		require.Equal(t, 200, r.Status, "%s", r.Body)
		var page struct {
			Items      []map[string]any `json:"items"`
			NextCursor *string          `json:"next_cursor"`
		}
		r.Decode(t, &page)
		out = append(out, page.Items...)
		if page.NextCursor == nil {
			return out
		}
		cursor = *page.NextCursor
	}
}

func TestExportHoldsTheLearnersData(t *testing.T) {
	t.Parallel()
	a := startLifecycle(t, nil)
	rc := newReceiver(t, nil)
	a.hook(t, rc.URL, "export.ready")
	s := a.learnerSession(t, "curious@lingo.example")
	other := a.learnerSession(t, "other@lingo.example")
	for i := range 3 {
		a.completeLesson(t, s.Tokens.AccessToken, i)
	}
	opened := a.post(t, s.Tokens.AccessToken, "/api/analytics/events", map[string]any{
		"event_type": "app_opened", "occurred_at": "2026-11-20T08:00:00Z", "metadata": map[string]any{"a": 1}})
	require.Equal(t, 201, opened.Status)
	var sent struct {
		Event struct {
			EventID string `json:"event_id"`
		} `json:"event"`
	}
	opened.Decode(t, &sent)
	// A voided event stays in the export, with its voided_at.
	require.Equal(t, 200, a.post(t, s.Tokens.AccessToken, "/api/analytics/events/"+sent.Event.EventID+"/void", nil).Status)

	r := a.post(t, s.Tokens.AccessToken, "/api/users/me/exports", nil)
	require.Equal(t, 202, r.Status, "%s", r.Body)
	var created exportOut
	r.Decode(t, &created)
	assert.Equal(t, "pending", created.Status)
	if second := a.post(t, s.Tokens.AccessToken, "/api/users/me/exports", nil); second.Status != 202 {
		assert.Equal(t, 409, second.Status)
		assert.Equal(t, "export_in_progress", errorCode(second))
	} // else the first was already built: a new one is allowed

	e := a.awaitExport(t, s.Tokens.AccessToken, created.ID)
	require.Equal(t, "ready", e.Status)
	require.NotNil(t, e.DownloadURL)
	assert.Equal(t, "2026-12-03T12:00:00.000Z", *e.ExpiresAt, "downloads last 7 days")
	assert.Equal(t, 404, a.get(t, other.Tokens.AccessToken, "/api/users/me/exports/"+created.ID).Status, "another learner's export")
	msgs := rc.await(t, "export.ready", func(ms []received) bool { return len(ms) >= 1 })
	assert.Equal(t, s.User.ID, msgs[0].Data["user_id"])

	dl := a.Do(harness.Request{Method: "GET", Path: *e.DownloadURL})
	require.Equal(t, 200, dl.Status, "%s", dl.Body)
	assert.Equal(t, "application/zip", dl.Header.Get("Content-Type"))
	assert.EqualValues(t, len(dl.Body), *e.SizeBytes)
	files := unzip(t, dl.Body)
	for _, name := range []string{"account.json", "preferences.json", "progress.json", "stats.json", "achievements.json", "events.jsonl"} {
		assert.Contains(t, files, name)
	}
	var account userDTO
	require.NoError(t, json.Unmarshal(files["account.json"], &account))
	assert.Equal(t, s.User.ID, account.ID)
	var stats struct {
		History []struct {
			Date string `json:"date"`
		} `json:"history"`
	}
	require.NoError(t, json.Unmarshal(files["stats.json"], &stats))
	require.NotEmpty(t, stats.History)
	assert.Equal(t, "2026-11-20", stats.History[0].Date, "the history starts at the first event")

	// events.jsonl is the event list with the voided ones, oldest first,
	// each with voided_at.
	list := a.allEvents(t, s.Tokens.AccessToken)
	var lines []map[string]any
	voided := 0
	sc := bufio.NewScanner(bytes.NewReader(files["events.jsonl"]))
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m))
		require.Contains(t, m, "voided_at")
		if m["voided_at"] != nil {
			voided++
			assert.Equal(t, sent.Event.EventID, m["event_id"])
		}
		lines = append(lines, m)
	}
	assert.Equal(t, 1, voided)
	require.Len(t, lines, len(list))
	for i := range list {
		assert.Equal(t, list[len(list)-1-i], lines[i], "line %d", i)
	}

	assert.Equal(t, 404, a.Do(harness.Request{Method: "GET", Path: "/api/exports/" + strings.Repeat("A", 43)}).Status)
}

func unzip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	out := map[string][]byte{}
	for _, f := range z.File {
		rc, err := f.Open()
		require.NoError(t, err)
		out[f.Name], err = io.ReadAll(rc)
		require.NoError(t, err)
		rc.Close()
	}
	return out
}

// TestExportExpires: past expires_at the URL answers 404 at once, and the
// periodic job removes the export and its file.
func TestExportExpires(t *testing.T) {
	t.Parallel()
	a := startLifecycle(t, nil)
	s := a.learnerSession(t, "patient@lingo.example")
	r := a.post(t, s.Tokens.AccessToken, "/api/users/me/exports", nil)
	require.Equal(t, 202, r.Status, "%s", r.Body)
	var created exportOut
	r.Decode(t, &created)
	e := a.awaitExport(t, s.Tokens.AccessToken, created.ID)
	require.Equal(t, "ready", e.Status)
	dir := filepath.Join(a.Config.DataDir, "exports")
	require.Len(t, zips(t, dir), 1)
	require.Equal(t, 200, a.Do(harness.Request{Method: "GET", Path: *e.DownloadURL}).Status)

	a.clock.Advance(7*24*time.Hour + time.Second)
	assert.Equal(t, 404, a.Do(harness.Request{Method: "GET", Path: *e.DownloadURL}).Status)
	login := a.login(t, "patient@lingo.example", "a good password")
	require.Equal(t, 200, login.Status, "%s", login.Body)
	var fresh sessionDTO
	login.Decode(t, &fresh)
	token := fresh.Tokens.AccessToken
	require.True(t, harness.WaitFor(30*time.Second, func() bool {
		return a.get(t, token, "/api/users/me/exports/"+created.ID).Status == 404
	}), "the expired export was never removed")
	assert.Empty(t, zips(t, dir), "the file is removed")
}

func zips(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".zip") {
			out = append(out, e.Name())
		}
	}
	return out
}
