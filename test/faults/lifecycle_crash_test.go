package faults_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/adapters/sqlstore"
	"github.com/lingo-labs/lingo/test/harness"
)

// lifecycleEnv is a process with the lifecycle pass every second and a
// grace of one second, on PostgreSQL when LINGO_TEST_POSTGRES_DSN is set,
// else on a SQLite file in the data directory.
func lifecycleEnv(t *testing.T) (map[string]string, *sqlstore.DB) {
	dir := t.TempDir()
	env := map[string]string{
		"LINGO_DATA_DIR": dir, "LINGO_AUTH_JWT_SECRET": "crash-test-secret-crash-test-secret-0123",
		"LINGO_RATELIMIT_ENABLED": "false", "LINGO_JOBS_POLL_INTERVAL": "50ms", "LINGO_LOG_LEVEL": "error",
		"LINGO_JOBS_LIFECYCLE_INTERVAL": "1s", "LINGO_ACCOUNT_DELETION_GRACE": "1s",
		// A killed builder's export is taken up after its lease: 5 s, not a minute.
		"LINGO_EXPORTS_LEASE": "5s",
	}
	opts := sqlstore.Options{Driver: "sqlite", DSN: filepath.Join(dir, "lingo.db"), MaxOpenConns: 1}
	if dsn := os.Getenv("LINGO_TEST_POSTGRES_DSN"); dsn != "" {
		schema := harness.FreshSchema(t, dsn)
		env["LINGO_DATABASE_DRIVER"], env["LINGO_DATABASE_DSN"] = "postgres", schema
		opts = sqlstore.Options{Driver: "postgres", DSN: schema, MaxOpenConns: 1}
	}
	db, err := sqlstore.Open(opts, zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return env, db
}

func with(env map[string]string, k, v string) map[string]string {
	out := map[string]string{}
	for a, b := range env {
		out[a] = b
	}
	out[k] = v
	return out
}

// register signs a learner up and returns its id and access token.
func register(t *testing.T, base, email string) (string, string) {
	t.Helper()
	status, body := call(t, base, "POST", "/api/auth/register", "",
		map[string]any{"email": email, "password": "a good password", "display_name": "Crash"})
	require.Equal(t, 201, status, "%s", body)
	var s struct {
		Data struct {
			User struct {
				ID string `json:"id"`
			} `json:"user"`
			Tokens struct {
				AccessToken string `json:"access_token"`
			} `json:"tokens"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(body, &s))
	return s.Data.User.ID, s.Data.Tokens.AccessToken
}

// exited waits (bounded) for the process to end, as the fault point makes it.
func exited(t *testing.T, p *process) {
	t.Helper()
	done := make(chan struct{})
	go func() { _, _ = p.cmd.Process.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("the process never reached its fault point")
	}
}

func count(t *testing.T, db *sqlstore.DB, q string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, db.Gorm(t.Context()).Raw(q, args...).Scan(&n).Error)
	return n
}

func files(t *testing.T, dir, suffix string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), suffix) && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestErasureSurvivesAKillAfterItsCommit: the process dies right after an
// erasure's transaction committed, before the avatar file and the Redis keys
// are removed. The database holds the clean-up record; the next process
// finishes the clean-up on its own, and nothing of the learner is left.
func TestErasureSurvivesAKillAfterItsCommit(t *testing.T) {
	env, db := lifecycleEnv(t)
	first := startProcess(t, with(env, "LINGO_JOBS_LIFECYCLE_FAULT", "after_erasure_commit"))
	id, token := register(t, first.url, "erased@lingo.example")
	uploadAvatar(t, first.url, token)
	avatars := filepath.Join(env["LINGO_DATA_DIR"], "avatars")
	require.Len(t, files(t, avatars, ".png"), 1)
	status, _ := call(t, first.url, "DELETE", "/api/users/me", token, map[string]any{"password": "a good password"})
	require.Equal(t, 202, status)
	exited(t, first) // the pass erased the learner and died before its clean-up

	assert.Zero(t, count(t, db, `SELECT count(*) FROM users WHERE id = ?`, id), "the erasure committed")
	assert.Equal(t, 1, count(t, db, `SELECT count(*) FROM erasure_cleanups WHERE user_id = ?`, id), "its clean-up is recorded")
	assert.Len(t, files(t, avatars, ".png"), 1, "the avatar file outlived the process")

	second := startProcess(t, env)
	require.True(t, harness.WaitFor(60*time.Second, func() bool {
		return count(t, db, `SELECT count(*) FROM erasure_cleanups`) == 0
	}), "the restarted process never finished the clean-up")
	assert.Empty(t, files(t, avatars, ".png"), "the avatar file is gone")
	assert.Equal(t, 1, count(t, db, `SELECT count(*) FROM erased_users WHERE user_id = ?`, id))
	status, _ = call(t, second.url, "POST", "/api/auth/login", "", map[string]any{"email": "erased@lingo.example", "password": "a good password"})
	assert.Equal(t, 401, status)
}

// TestExportSurvivesAKillMidway: the process dies while writing an export's
// events. No file appears under a real key and the export stays pending;
// the next process builds it whole.
func TestExportSurvivesAKillMidway(t *testing.T) {
	env, db := lifecycleEnv(t)
	first := startProcess(t, with(env, "LINGO_JOBS_LIFECYCLE_FAULT", "during_export"))
	_, token := register(t, first.url, "exporter@lingo.example")
	const batches = 8 // 800 events: the fault point is past the first half page (501st event)
	for range batches {
		events := make([]map[string]any, 100)
		for i := range events {
			events[i] = map[string]any{"event_type": "app_opened"}
		}
		status, body := call(t, first.url, "POST", "/api/analytics/events/batch", token, map[string]any{"events": events})
		require.Equal(t, 200, status, "%s", body)
	}
	status, body := call(t, first.url, "POST", "/api/users/me/exports", token, nil)
	require.Equal(t, 202, status, "%s", body)
	var created struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(body, &created))
	exited(t, first)

	exports := filepath.Join(env["LINGO_DATA_DIR"], "exports")
	assert.Empty(t, files(t, exports, ".zip"), "no half-written export under a real name")
	assert.Equal(t, 1, count(t, db, `SELECT count(*) FROM data_exports WHERE status = 'pending'`))

	second := startProcess(t, env)
	var e struct {
		Data struct {
			Status      string  `json:"status"`
			DownloadURL *string `json:"download_url"`
		} `json:"data"`
	}
	// The dead builder's lease (LINGO_EXPORTS_LEASE) runs out first.
	require.True(t, harness.WaitFor(120*time.Second, func() bool {
		_, body := call(t, second.url, "GET", "/api/users/me/exports/"+created.Data.ID, token, nil)
		_ = json.Unmarshal(body, &e)
		return e.Data.Status == "ready"
	}), "the restarted process never built the export")
	assert.Len(t, files(t, exports, ".zip"), 1)
	resp, err := http.Get(second.url + *e.Data.DownloadURL)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "application/zip", resp.Header.Get("Content-Type"))
}

func uploadAvatar(t *testing.T, base, token string) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	img.Set(0, 0, color.NRGBA{A: 0x10}) // translucent: stored as PNG
	var pic bytes.Buffer
	require.NoError(t, png.Encode(&pic, img))
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("avatar", "a.png")
	require.NoError(t, err)
	_, _ = part.Write(pic.Bytes())
	require.NoError(t, w.Close())
	req, _ := http.NewRequest("POST", base+"/api/users/me/avatar", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
}
