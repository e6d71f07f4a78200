package service_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/test/harness"
)

// POST /api/analytics/events and its batch take the access token on trust
// at the gate and confirm it in the event's (or batch's) transaction
// (routes.go, SignedInByTx). These are the answers that must not change:
// once a password change or a deactivation cuts a token off, every request
// with it is 401 and stores nothing, whether its body is new, a replay,
// invalid or not JSON.
func TestEventRouteRefusesACutOffToken(t *testing.T) {
	t.Parallel()
	app := startAccounts(t)
	admin := app.loginOK(t, adminEmail, adminPassword)
	event := func(id string) map[string]any {
		return map[string]any{"event_id": id, "event_type": "exercise_attempted", "is_correct": true, "exercise_id": "ex-1"}
	}
	post := func(token string, body any) *harness.Response {
		return app.Do(harness.Request{Method: "POST", Path: "/api/analytics/events", Token: token, Body: body})
	}
	batch := func(token string, body any) *harness.Response {
		if m, ok := body.(map[string]any); ok {
			body = map[string]any{"events": []any{m}}
		}
		return app.Do(harness.Request{Method: "POST", Path: "/api/analytics/events/batch", Token: token, Body: body})
	}
	exercises := func(token string) int {
		var page struct {
			Items []eventOut `json:"items"`
		}
		r := app.Do(harness.Request{Method: "GET", Path: "/api/analytics/events?event_type=exercise_attempted", Token: token})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		r.Decode(t, &page)
		return len(page.Items)
	}
	cuts := []struct {
		name string
		// cut cuts the session's tokens off and returns a token that
		// speaks for the learner again.
		cut func(t *testing.T, s sessionDTO) string
	}{
		{"password change", func(t *testing.T, s sessionDTO) string {
			var changed struct{ Tokens tokensDTO }
			r := app.Do(harness.Request{Method: "POST", Path: "/api/users/me/password", Token: s.Tokens.AccessToken,
				Body: map[string]any{"current_password": "correct horse", "new_password": "battery staple"}})
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			r.Decode(t, &changed)
			return changed.Tokens.AccessToken
		}},
		{"deactivation", func(t *testing.T, s sessionDTO) string {
			patch := func(active bool) {
				r := app.Do(harness.Request{Method: "PATCH", Path: "/api/admin/users/" + s.User.ID, Token: admin.Tokens.AccessToken,
					Body: map[string]any{"is_active": active}})
				require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			}
			patch(false)
			return ""
		}},
	}
	for i, c := range cuts {
		t.Run(c.name, func(t *testing.T) {
			s := app.register(t, "cut"+string(rune('a'+i))+"@example.com", "correct horse", "Cut")
			first := event(uuid.NewString())
			require.Equal(t, http.StatusCreated, post(s.Tokens.AccessToken, first).Status)
			fresh := c.cut(t, s)

			for _, body := range []struct {
				name string
				body any
			}{
				{"a new event", event(uuid.NewString())},
				{"a replay of the stored one", first},
				{"an invalid event", map[string]any{"event_id": uuid.NewString(), "event_type": "no_such_type"}},
				{"a body that is not JSON", []byte("{not json")},
			} {
				for route, send := range map[string]func(string, any) *harness.Response{"event": post, "batch": batch} {
					r := send(s.Tokens.AccessToken, body.body)
					assert.Equal(t, http.StatusUnauthorized, r.Status, "%s, %s: %s", route, body.name, r.Body)
					assert.Equal(t, "unauthorized", errorCode(r), route, body.name)
					assert.Equal(t, "Bearer", r.Header.Get("WWW-Authenticate"), route, body.name)
				}
			}
			r := batch(s.Tokens.AccessToken, map[string]any{"events": []any{event(uuid.NewString()), first,
				map[string]any{"event_type": "no_such_type"}}})
			assert.Equal(t, http.StatusUnauthorized, r.Status, "a batch of a new event, a replay and an invalid one: %s", r.Body)
			if fresh == "" { // deactivated: back, and signed in again, to count
				r := app.Do(harness.Request{Method: "PATCH", Path: "/api/admin/users/" + s.User.ID, Token: admin.Tokens.AccessToken,
					Body: map[string]any{"is_active": true}})
				require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
				fresh = app.loginOK(t, s.User.Email, "correct horse").Tokens.AccessToken
			}
			assert.Equal(t, 1, exercises(fresh), "only the event sent before the cut is stored")
			assert.Equal(t, http.StatusCreated, post(fresh, event(uuid.NewString())).Status, "a token that speaks for them works")
			assert.Equal(t, http.StatusOK, batch(fresh, event(uuid.NewString())).Status, "on the batch too")
		})
	}
}
