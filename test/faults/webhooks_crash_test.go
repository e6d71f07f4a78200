package faults_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/test/bench"
	"github.com/lingo-labs/lingo/test/harness"
)

// TestWebhooksSurviveKill: events are committed while the receiver hangs,
// the process is killed with SIGKILL with their deliveries queued or in
// flight, and a new process on the same database delivers every committed
// message, each under one webhook-id however often it is sent.
func TestWebhooksSurviveKill(t *testing.T) {
	env := map[string]string{
		"LINGO_DATA_DIR": t.TempDir(), "LINGO_ADMIN_EMAIL": "root@lingo.example", "LINGO_ADMIN_PASSWORD": "a good password",
		"LINGO_AUTH_JWT_SECRET": "crash-test-secret-crash-test-secret-0123", "LINGO_RATELIMIT_ENABLED": "false",
		"LINGO_WEBHOOKS_ALLOW_PRIVATE": "true", "LINGO_JOBS_POLL_INTERVAL": "50ms", "LINGO_WEBHOOKS_TIMEOUT": "1s",
		"LINGO_WEBHOOKS_RETRY_SCHEDULE": "200ms,200ms,200ms,200ms,200ms,200ms,200ms", "LINGO_LOG_LEVEL": "error",
	}
	if dsn := os.Getenv("LINGO_TEST_POSTGRES_DSN"); dsn != "" {
		env["LINGO_DATABASE_DRIVER"], env["LINGO_DATABASE_DSN"] = "postgres", harness.FreshSchema(t, dsn)
	}

	var hang atomic.Bool
	hang.Store(true)
	var mu sync.Mutex
	ids := map[string]map[string]bool{} // event_id (or type) → webhook-ids seen
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hang.Load() {
			select { // until the sender gives up or dies
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			w.WriteHeader(503)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var m struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		}
		_ = json.Unmarshal(body, &m)
		key := m.Type
		if id, ok := m.Data["event_id"].(string); ok {
			key = id
		}
		mu.Lock()
		if ids[key] == nil {
			ids[key] = map[string]bool{}
		}
		ids[key][r.Header.Get("webhook-id")] = true
		mu.Unlock()
		w.WriteHeader(204)
	}))
	defer rc.Close()

	first := startProcess(t, env)
	admin := login(t, first.url, "root@lingo.example", "a good password")
	status, _ := call(t, first.url, "POST", "/api/admin/webhooks", admin,
		map[string]any{"url": rc.URL, "event_types": []string{"learning.event_recorded", "user.registered"}})
	require.Equal(t, 201, status)
	status, body := call(t, first.url, "POST", "/api/auth/register", "",
		map[string]any{"email": "crash@lingo.example", "password": "a good password", "display_name": "Crash"})
	require.Equal(t, 201, status)
	var reg struct {
		Data struct {
			Tokens struct {
				AccessToken string `json:"access_token"`
			} `json:"tokens"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(body, &reg))
	token := reg.Data.Tokens.AccessToken
	var committed []string
	for range 30 {
		id := uuid.NewString()
		if status, _ := call(t, first.url, "POST", "/api/analytics/events", token,
			map[string]any{"event_id": id, "event_type": "app_opened"}); status == 201 {
			committed = append(committed, id)
		}
	}
	require.Len(t, committed, 30)
	require.NoError(t, first.cmd.Process.Kill()) // SIGKILL: no shutdown hook runs
	_, _ = first.cmd.Process.Wait()

	hang.Store(false)
	startProcess(t, env)
	ok := harness.WaitFor(120*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, id := range committed {
			if len(ids[id]) == 0 {
				return false
			}
		}
		return len(ids["user.registered"]) > 0
	})
	mu.Lock()
	defer mu.Unlock()
	require.True(t, ok, "not every committed message arrived after the restart: %d of %d", len(ids)-1, len(committed))
	for key, seen := range ids {
		assert.Len(t, seen, 1, "%s arrived under %d webhook-ids", key, len(seen))
	}
}

type process struct {
	url string
	cmd *exec.Cmd
}

// startProcess runs the real binary on a free loopback port; the test's end
// stops it if it is still running.
func startProcess(t *testing.T, env map[string]string) *process {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bench.Binary(t))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "LINGO_HTTP_ADDR=" + addr}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	p := &process{url: "http://" + addr, cmd: cmd}
	require.True(t, harness.WaitFor(60*time.Second, func() bool {
		resp, err := http.Get(p.url + "/api/health/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}), "the process did not become ready")
	return p
}

func call(t *testing.T, base, method, path, token string, body any) (int, []byte) {
	t.Helper()
	buf, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, base+path, bytes.NewReader(buf))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func login(t *testing.T, base, email, password string) string {
	status, body := call(t, base, "POST", "/api/auth/login", "", map[string]any{"email": email, "password": password})
	require.Equal(t, 200, status, fmt.Sprintf("%s", body))
	var s struct {
		Data struct {
			Tokens struct {
				AccessToken string `json:"access_token"`
			} `json:"tokens"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(body, &s))
	return s.Data.Tokens.AccessToken
}
