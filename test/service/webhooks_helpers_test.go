package service_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/test/harness"
)

// received is one request a test receiver got.
type received struct {
	ID, Timestamp, Signature string
	Body                     []byte
	Type                     string
	Data                     map[string]any
}

// receiver is a webhook endpoint on 127.0.0.1 that records every request and
// answers what answer says (200 when nil).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	answer func(n int, r received) int
}

func newReceiver(t testing.TB, answer func(n int, r received) int) *receiver {
	rc := &receiver{answer: answer}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m := received{ID: r.Header.Get("webhook-id"), Timestamp: r.Header.Get("webhook-timestamp"),
			Signature: r.Header.Get("webhook-signature"), Body: body}
		var env struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		}
		_ = json.Unmarshal(body, &env)
		m.Type, m.Data = env.Type, env.Data
		rc.mu.Lock()
		rc.got = append(rc.got, m)
		n := len(rc.got)
		rc.mu.Unlock()
		status := 200
		if rc.answer != nil {
			status = rc.answer(n, m)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func (rc *receiver) ofType(typ string) []received {
	var out []received
	for _, m := range rc.all() {
		if m.Type == typ {
			out = append(out, m)
		}
	}
	return out
}

// await waits (bounded) until cond holds of what arrived.
func (rc *receiver) await(t testing.TB, what string, cond func([]received) bool) []received {
	t.Helper()
	var last []received
	ok := harness.WaitFor(30*time.Second, func() bool { last = rc.all(); return cond(last) })
	require.True(t, ok, "receiver never got %s; got %d messages", what, len(last))
	return last
}

// verify checks a Standard Webhooks signature header against a secret: at
// least one of its space-separated signatures must be valid.
func verify(secret string, m received) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(m.ID + "." + m.Timestamp + "."))
	mac.Write(m.Body)
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, s := range strings.Fields(m.Signature) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return true
		}
	}
	return false
}

type webhookOut struct {
	ID         string   `json:"id"`
	URL        string   `json:"url"`
	EventTypes []string `json:"event_types"`
	Enabled    bool     `json:"enabled"`
	Secret     string   `json:"secret"`
}

type deliveryOut struct {
	ID             string  `json:"id"`
	EventType      string  `json:"event_type"`
	Status         string  `json:"status"`
	Attempts       int     `json:"attempts"`
	LastStatusCode *int    `json:"last_status_code"`
	NextAttemptAt  *string `json:"next_attempt_at"`
}

// startWebhooks is the engine app with private receivers allowed, fast job
// polling and a retry schedule of milliseconds.
func startWebhooks(t testing.TB, env map[string]string) *engineApp {
	t.Helper()
	return startWebhooksAt(t, env, clock.NewFake(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)))
}

// startWebhooksAt is startWebhooks on a given clock (instances sharing one).
func startWebhooksAt(t testing.TB, env map[string]string, clk *clock.Fake) *engineApp {
	t.Helper()
	e := &engineApp{clock: clk}
	all := map[string]string{
		"LINGO_ADMIN_EMAIL": adminEmail, "LINGO_ADMIN_PASSWORD": adminPassword,
		"LINGO_RATELIMIT_ENABLED": "false", "LINGO_DATABASE_SEED_DEMO": "true",
		"LINGO_WEBHOOKS_ALLOW_PRIVATE": "true", "LINGO_JOBS_POLL_INTERVAL": "50ms",
		"LINGO_WEBHOOKS_RETRY_SCHEDULE": "50ms,50ms,50ms,50ms,50ms,50ms,50ms",
	}
	for k, v := range env {
		all[k] = v
	}
	e.App = harness.Start(t, harness.Options{Clock: e.clock, Env: all})
	r := e.Do(harness.Request{Method: "POST", Path: "/api/auth/login", Body: map[string]any{"email": adminEmail, "password": adminPassword}})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var s sessionDTO
	r.Decode(t, &s)
	e.admin = s.Tokens.AccessToken
	return e
}

func (e *engineApp) hook(t testing.TB, url string, types ...string) webhookOut {
	t.Helper()
	if len(types) == 0 {
		types = []string{"*"}
	}
	r := e.post(t, e.admin, "/api/admin/webhooks", map[string]any{"url": url, "event_types": types, "description": "test"})
	require.Equal(t, 201, r.Status, "%s", r.Body)
	var w webhookOut
	r.Decode(t, &w)
	return w
}

func (e *engineApp) deliveries(t testing.TB, hookID, query string) []deliveryOut {
	t.Helper()
	r := e.get(t, e.admin, "/api/admin/webhooks/"+hookID+"/deliveries?limit=200"+query)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var page struct {
		Items []deliveryOut `json:"items"`
	}
	r.Decode(t, &page)
	return page.Items
}
