package service_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/test/harness"
)

// TestWebhookEveryProgressEventArrivesSigned drives a learner through
// registration, lessons worth a level, a daily goal, a streak day and an
// achievement, and checks that each type arrives once per change, signed
// with the endpoint's secret, with its documented data.
func TestWebhookEveryProgressEventArrivesSigned(t *testing.T) {
	t.Parallel()
	e := startWebhooks(t, nil)
	rc := newReceiver(t, nil)
	hook := e.hook(t, rc.URL)
	require.True(t, strings.HasPrefix(hook.Secret, "whsec_"))

	// A course of lessons worth 100 XP each: eleven perfect completions pass 1000 XP.
	r := e.post(t, e.admin, "/api/admin/courses", map[string]any{"slug": "hooks-" + uuid.NewString()[:8], "title": "Hooks",
		"language": "es", "level": "beginner", "description": "x"})
	require.Equal(t, 201, r.Status, "%s", r.Body)
	var course struct{ ID string }
	r.Decode(t, &course)
	var lessons []string
	for i := range 11 {
		r := e.post(t, e.admin, "/api/admin/courses/"+course.ID+"/lessons", map[string]any{"slug": fmt.Sprintf("l%d", i),
			"title": "L", "xp_reward": 100})
		require.Equal(t, 201, r.Status, "%s", r.Body)
		var l struct{ ID string }
		r.Decode(t, &l)
		lessons = append(lessons, l.ID)
	}

	id, token := e.learner(t)
	for _, l := range lessons {
		r := e.post(t, token, "/api/analytics/events", map[string]any{"event_type": "lesson_completed", "lesson_id": l, "score": 100})
		require.Equal(t, 201, r.Status, "%s", r.Body)
	}

	want := map[string]int{"user.registered": 1, "learning.event_recorded": 11, "progress.level_up": 1,
		"progress.streak_extended": 1, "progress.daily_goal_met": 1, "progress.achievement_unlocked": 2}
	got := rc.await(t, "every type", func(ms []received) bool {
		n := map[string]int{}
		for _, m := range ms {
			if m.Data["user_id"] == id {
				n[m.Type]++
			}
		}
		for k, v := range want {
			if n[k] < v {
				return false
			}
		}
		return true
	})
	seen := map[string]bool{}
	for _, m := range got {
		if m.Data["user_id"] != id {
			continue
		}
		assert.True(t, verify(hook.Secret, m), "signature of %s", m.Type)
		assert.False(t, seen[m.ID], "webhook-id %s twice", m.ID)
		seen[m.ID] = true
		switch m.Type {
		case "learning.event_recorded":
			for _, k := range []string{"event_id", "event_type", "occurred_at", "local_date", "xp_awarded"} {
				assert.Contains(t, m.Data, k)
			}
			assert.Equal(t, "lesson_completed", m.Data["event_type"])
		case "progress.level_up":
			assert.EqualValues(t, 2, m.Data["level"])
		case "progress.streak_extended":
			assert.Equal(t, "2026-11-26", m.Data["date"])
			assert.EqualValues(t, 1, m.Data["current_streak"])
		case "progress.daily_goal_met":
			assert.Equal(t, "2026-11-26", m.Data["date"])
		case "progress.achievement_unlocked":
			assert.Contains(t, []any{"first_lesson", "perfect_lesson"}, m.Data["code"])
		}
	}
	for typ, n := range want {
		assert.Len(t, filterUser(rc.ofType(typ), id), n, typ)
	}
}

func filterUser(ms []received, id string) []received {
	var out []received
	for _, m := range ms {
		if m.Data["user_id"] == id {
			out = append(out, m)
		}
	}
	return out
}

// TestWebhookReplayAndRejectedSendNothing: a replayed event and a refused
// one make no delivery; the delivery log is written in the event's
// transaction, so counting it needs no wait.
func TestWebhookReplayAndRejectedSendNothing(t *testing.T) {
	t.Parallel()
	e := startWebhooks(t, nil)
	rc := newReceiver(t, nil)
	hook := e.hook(t, rc.URL, "learning.event_recorded")
	_, token := e.learner(t)
	body := map[string]any{"event_id": uuid.NewString(), "event_type": "app_opened"}
	require.Equal(t, 201, e.post(t, token, "/api/analytics/events", body).Status)
	require.Equal(t, 200, e.post(t, token, "/api/analytics/events", body).Status) // replay
	require.Equal(t, 422, e.post(t, token, "/api/analytics/events", map[string]any{"event_type": "level_up"}).Status)
	require.Equal(t, 422, e.post(t, token, "/api/analytics/events", map[string]any{"event_type": "lesson_completed"}).Status)
	assert.Len(t, e.deliveries(t, hook.ID, ""), 1)
	rc.await(t, "the one event", func(ms []received) bool { return len(ms) >= 1 })
	assert.Len(t, rc.all(), 1)
}

// TestWebhookServerErrorIsRetriedWithSameID: two 500s, then a 200; the
// three attempts carry one webhook-id and the log shows 3 attempts.
func TestWebhookServerErrorIsRetriedWithSameID(t *testing.T) {
	t.Parallel()
	e := startWebhooks(t, nil)
	rc := newReceiver(t, func(n int, _ received) int {
		if n <= 2 {
			return 500
		}
		return 204
	})
	hook := e.hook(t, rc.URL, "user.registered")
	e.learner(t)
	got := rc.await(t, "three attempts", func(ms []received) bool { return len(ms) >= 3 })
	assert.Equal(t, got[0].ID, got[1].ID)
	assert.Equal(t, got[0].ID, got[2].ID)
	var ds []deliveryOut
	require.True(t, harness.WaitFor(30e9, func() bool {
		ds = e.deliveries(t, hook.ID, "&status=succeeded")
		return len(ds) == 1
	}))
	assert.Equal(t, 3, ds[0].Attempts)
	assert.EqualValues(t, 204, *ds[0].LastStatusCode)
}

// TestWebhookExhaustsAfterTheSchedule: a receiver that always fails gets the
// first attempt and every retry of the schedule, then the delivery is
// exhausted.
func TestWebhookExhaustsAfterTheSchedule(t *testing.T) {
	t.Parallel()
	e := startWebhooks(t, map[string]string{"LINGO_WEBHOOKS_RETRY_SCHEDULE": "20ms,20ms,20ms"})
	rc := newReceiver(t, func(int, received) int { return 503 })
	hook := e.hook(t, rc.URL, "user.registered")
	e.learner(t)
	var ds []deliveryOut
	require.True(t, harness.WaitFor(30e9, func() bool {
		ds = e.deliveries(t, hook.ID, "&status=exhausted")
		return len(ds) == 1
	}))
	assert.Equal(t, 4, ds[0].Attempts)
	assert.Len(t, rc.all(), 4)

	// A manual retry sends it once more, with the same webhook-id.
	r := e.post(t, e.admin, "/api/admin/webhooks/"+hook.ID+"/deliveries/"+ds[0].ID+"/retry", nil)
	require.Equal(t, 202, r.Status, "%s", r.Body)
	got := rc.await(t, "the manual retry", func(ms []received) bool { return len(ms) >= 5 })
	assert.Equal(t, got[0].ID, got[4].ID)
}

// TestWebhookGoneDisablesEndpoint: a 410 fails the delivery, is not retried,
// and disables the endpoint, which then receives nothing new.
func TestWebhookGoneDisablesEndpoint(t *testing.T) {
	t.Parallel()
	e := startWebhooks(t, nil)
	rc := newReceiver(t, func(int, received) int { return 410 })
	hook := e.hook(t, rc.URL, "user.registered")
	e.learner(t)
	require.True(t, harness.WaitFor(30e9, func() bool {
		r := e.get(t, e.admin, "/api/admin/webhooks/"+hook.ID)
		var w webhookOut
		r.Decode(t, &w)
		return !w.Enabled
	}))
	ds := e.deliveries(t, hook.ID, "")
	require.Len(t, ds, 1)
	assert.Equal(t, "failed", ds[0].Status)
	assert.Equal(t, 1, ds[0].Attempts)
	e.learner(t)
	assert.Len(t, e.deliveries(t, hook.ID, ""), 1, "a disabled endpoint gets no new deliveries")
	assert.Len(t, rc.all(), 1)
}

// TestWebhookRotationSignsWithBothSecrets: after a rotation each delivery
// carries two signatures, one per secret.
func TestWebhookRotationSignsWithBothSecrets(t *testing.T) {
	t.Parallel()
	e := startWebhooks(t, nil)
	rc := newReceiver(t, nil)
	hook := e.hook(t, rc.URL, "user.registered")
	r := e.post(t, e.admin, "/api/admin/webhooks/"+hook.ID+"/rotate-secret", nil)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var rot struct{ Secret string }
	r.Decode(t, &rot)
	require.NotEqual(t, hook.Secret, rot.Secret)
	e.learner(t)
	m := rc.await(t, "a delivery", func(ms []received) bool { return len(ms) >= 1 })[0]
	assert.Len(t, strings.Fields(m.Signature), 2)
	assert.True(t, verify(rot.Secret, m), "new secret")
	assert.True(t, verify(hook.Secret, m), "old secret")
	assert.False(t, verify("whsec_"+strings.Repeat("A", 44), m))
	// The secret is never shown again.
	g := e.get(t, e.admin, "/api/admin/webhooks/"+hook.ID)
	assert.NotContains(t, string(g.Body), rot.Secret)
}

// TestWebhookFilterDeliversOnlyItsTypes: one endpoint takes only
// user.registered, another every type.
func TestWebhookFilterDeliversOnlyItsTypes(t *testing.T) {
	t.Parallel()
	e := startWebhooks(t, nil)
	only, every := newReceiver(t, nil), newReceiver(t, nil)
	e.hook(t, only.URL, "user.registered")
	e.hook(t, every.URL)
	_, token := e.learner(t)
	require.Equal(t, 201, e.post(t, token, "/api/analytics/events", map[string]any{"event_type": "app_opened"}).Status)
	every.await(t, "both messages", func(ms []received) bool { return len(ms) >= 2 })
	only.await(t, "the registration", func(ms []received) bool { return len(ms) >= 1 })
	for _, m := range only.all() {
		assert.Equal(t, "user.registered", m.Type)
	}
}

// TestWebhookAdminRules: validation, 404s, private targets and learners.
func TestWebhookAdminRules(t *testing.T) {
	t.Parallel()
	e := startWebhooks(t, map[string]string{"LINGO_WEBHOOKS_ALLOW_PRIVATE": "false"})
	bad := []map[string]any{
		{"url": "http://127.0.0.1:9/x", "event_types": []string{"*"}},
		{"url": "http://10.1.2.3/x", "event_types": []string{"*"}},
		{"url": "https://[::1]/x", "event_types": []string{"*"}},
		{"url": "http://169.254.169.254/latest", "event_types": []string{"*"}},
		{"url": "http://localhost:8080/", "event_types": []string{"*"}},
		{"url": "ftp://example.com/", "event_types": []string{"*"}},
	}
	for _, b := range bad {
		r := e.post(t, e.admin, "/api/admin/webhooks", b)
		require.Equal(t, 422, r.Status, "%v: %s", b["url"], r.Body)
		assert.Equal(t, []string{"url"}, r.Fields())
	}
	r := e.post(t, e.admin, "/api/admin/webhooks", map[string]any{"url": "https://hooks.example.com/in", "event_types": []string{"*", "user.registered"}})
	require.Equal(t, 422, r.Status)
	assert.Equal(t, []string{"event_types"}, r.Fields())
	r = e.post(t, e.admin, "/api/admin/webhooks", map[string]any{"url": "https://hooks.example.com/in", "event_types": []string{"no.such"}})
	require.Equal(t, 422, r.Status)
	assert.Equal(t, []string{"event_types"}, r.Fields())
	r = e.post(t, e.admin, "/api/admin/webhooks", map[string]any{"url": "https://hooks.example.com/in", "event_types": []string{"*"}, "extra": 1})
	require.Equal(t, 422, r.Status)
	assert.Equal(t, []string{"extra"}, r.Fields())
	r = e.post(t, e.admin, "/api/admin/webhooks", map[string]any{"url": "https://hooks.example.com/in", "event_types": []string{"*"},
		"description": "bell\u0007"})
	require.Equal(t, 422, r.Status)
	assert.Equal(t, []string{"description"}, r.Fields())
	r = e.get(t, e.admin, "/api/admin/webhooks")
	require.Equal(t, 200, r.Status)
	assert.Contains(t, string(r.Body), `"data":[]`, "nothing stored by refused requests")

	hook := e.hook(t, "https://hooks.example.com/in", "user.registered")
	r = e.Do(harness.Request{Method: "PATCH", Path: "/api/admin/webhooks/" + hook.ID, Token: e.admin,
		Body: map[string]any{"url": "http://192.168.1.1/", "description": "changed"}})
	require.Equal(t, 422, r.Status)
	g := e.get(t, e.admin, "/api/admin/webhooks/"+hook.ID)
	assert.Contains(t, string(g.Body), `"description":"test"`, "an invalid PATCH changes nothing")
	r = e.Do(harness.Request{Method: "PATCH", Path: "/api/admin/webhooks/" + hook.ID, Token: e.admin,
		Body: map[string]any{"enabled": false, "event_types": []string{"*"}}})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	assert.NotContains(t, string(r.Body), "secret")

	assert.Equal(t, 404, e.get(t, e.admin, "/api/admin/webhooks/"+uuid.NewString()).Status)
	assert.Equal(t, 404, e.get(t, e.admin, "/api/admin/webhooks/nope/deliveries").Status)
	assert.Equal(t, 422, e.get(t, e.admin, "/api/admin/webhooks/"+hook.ID+"/deliveries?status=lost").Status)
	assert.Equal(t, 404, e.post(t, e.admin, "/api/admin/webhooks/"+hook.ID+"/deliveries/"+uuid.NewString()+"/retry", nil).Status)
	_, learner := e.learner(t)
	assert.Equal(t, 403, e.get(t, learner, "/api/admin/webhooks").Status)
	assert.Equal(t, 200, e.Do(harness.Request{Method: "DELETE", Path: "/api/admin/webhooks/" + hook.ID, Token: e.admin}).Status)
	assert.Equal(t, 404, e.Do(harness.Request{Method: "DELETE", Path: "/api/admin/webhooks/" + hook.ID, Token: e.admin}).Status)
}

var _ = atomic.Int64{}

// TestJobEngineInHealthAndMetrics: the detailed health lists the job
// engine, and /metrics counts delivery outcomes and the queue depth.
func TestJobEngineInHealthAndMetrics(t *testing.T) {
	t.Parallel()
	e := startWebhooks(t, nil)
	rc := newReceiver(t, nil)
	e.hook(t, rc.URL, "user.registered")
	e.learner(t)
	rc.await(t, "the registration", func(ms []received) bool { return len(ms) >= 1 })
	r := e.get(t, e.admin, "/api/health/detailed")
	require.Equal(t, 200, r.Status, "%s", r.Body)
	assert.Contains(t, string(r.Body), `"job_engine":{`)
	r = e.get(t, e.admin, "/api/health/system")
	assert.Contains(t, string(r.Body), `"job_engine":{`)
	var body string
	require.True(t, harness.WaitFor(30e9, func() bool {
		m := e.Do(harness.Request{Method: "GET", Path: "/metrics"})
		body = string(m.Body)
		return strings.Contains(body, `lingo_webhook_deliveries_total{outcome="succeeded"} 1`) &&
			strings.Contains(body, `lingo_jobs_run_seconds_count{kind="webhook_delivery"} 1`)
	}), "the delivery and its job were not counted")
	assert.Contains(t, body, `lingo_jobs_queue_depth{state="available"}`)
}
