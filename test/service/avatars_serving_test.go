package service_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/test/harness"
)

func TestAvatarConcurrentUploadsLeaveOneFile(t *testing.T) {
	t.Parallel()
	a := startAvatars(t, nil)
	token, _ := a.newLearner(t)
	images := make([][]byte, 10)
	for i := range images {
		images[i] = pngBytes(t, photo(40+i, 30, false))
	}

	var wg sync.WaitGroup
	statuses := make([]int, len(images))
	urls := make([]string, len(images))
	for i := range images {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := a.upload(t, token, fmt.Sprintf("%d.png", i), images[i])
			statuses[i] = r.Status
			var out avatarDTO
			if r.Status == 200 {
				r.Decode(t, &out)
			}
			urls[i] = out.AvatarURL
		}(i)
	}
	wg.Wait()

	for i, s := range statuses {
		assert.Equal(t, 200, s, "upload %d", i)
	}
	files := a.files(t)
	require.Len(t, files, 1, "exactly one file is left: %v", files)
	var u userDTO
	a.me(t, token).Decode(t, &u)
	require.NotNil(t, u.AvatarURL)
	assert.Equal(t, "/api/avatars/"+files[0], *u.AvatarURL, "the file left is the user's avatar")
	assert.Contains(t, urls, *u.AvatarURL)
}

func TestAvatarReplaceAndDelete(t *testing.T) {
	t.Parallel()
	a := startAvatars(t, nil)
	token, _ := a.newLearner(t)
	first := a.uploadOK(t, token, "a.png", pngBytes(t, photo(50, 50, false)))
	second := a.uploadOK(t, token, "a.png", pngBytes(t, photo(60, 50, false)))
	assert.NotEqual(t, first.AvatarURL, second.AvatarURL, "every upload gets a new key")
	assert.Equal(t, []string{strings.TrimPrefix(second.AvatarURL, "/api/avatars/")}, a.files(t), "the replaced file is deleted")
	assert.Equal(t, 404, a.fetch(t, first.AvatarURL, nil).Status)

	r := a.Do(harness.Request{Method: "DELETE", Path: avatarPath, Token: token})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var u userDTO
	r.Decode(t, &u)
	assert.Nil(t, u.AvatarURL)
	assert.Empty(t, a.files(t), "the file is gone")
	assert.Equal(t, 404, a.fetch(t, second.AvatarURL, nil).Status)
	a.me(t, token).Decode(t, &u)
	assert.Nil(t, u.AvatarURL)

	r = a.Do(harness.Request{Method: "DELETE", Path: avatarPath, Token: token})
	assert.Equal(t, 200, r.Status, "removing nothing is fine, so retries are safe")
	assert.Equal(t, 401, a.Do(harness.Request{Method: "DELETE", Path: avatarPath}).Status)
}

func TestAvatarServingHeadersAndNotModified(t *testing.T) {
	t.Parallel()
	a := startAvatars(t, nil)
	token, _ := a.newLearner(t)
	got := a.uploadOK(t, token, "a.png", pngBytes(t, photo(100, 100, true)))

	r := a.fetch(t, got.AvatarURL, nil)
	require.Equal(t, 200, r.Status)
	etag := r.Header.Get("ETag")
	assert.Equal(t, `"`+strings.TrimPrefix(got.AvatarURL, "/api/avatars/")+`"`, etag, "a strong ETag")
	assert.Equal(t, "public, max-age=31536000, immutable", r.Header.Get("Cache-Control"))
	assert.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"))

	cases := []struct {
		name        string
		ifNoneMatch string
		status      int
	}{
		{"same tag", etag, 304},
		{"weak form of the tag", "W/" + etag, 304},
		{"in a list", `"other", ` + etag, 304},
		{"any", "*", 304},
		{"another tag", `"0123456789abcdef.png"`, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := a.fetch(t, got.AvatarURL, map[string]string{"If-None-Match": c.ifNoneMatch})
			require.Equal(t, c.status, r.Status)
			if c.status == 304 {
				assert.Empty(t, r.Body)
				assert.Equal(t, etag, r.Header.Get("ETag"))
			} else {
				assert.Equal(t, got.SizeBytes, int64(len(r.Body)))
			}
		})
	}
}

func TestAvatarKeysNeverComeFromClients(t *testing.T) {
	t.Parallel()
	a := startAvatars(t, nil)
	token, _ := a.newLearner(t)
	secret, err := os.ReadFile(filepath.Join(a.Config.DataDir, "jwt_secret"))
	hasSecret := err == nil && len(secret) > 0

	for _, name := range []string{"../../jwt_secret", "../evil.png", "/etc/passwd", "..\\..\\x.png", "a\x00b.png"} {
		got := a.uploadOK(t, token, name, pngBytes(t, photo(20, 20, false)))
		assert.Regexp(t, keyPattern, strings.TrimPrefix(got.AvatarURL, "/api/avatars/"))
	}
	for _, key := range a.store.written() {
		assert.Regexp(t, keyPattern, key, "only server-made keys reach the store")
	}
	entries, err := os.ReadDir(a.Config.DataDir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.NotContains(t, e.Name(), "evil")
	}

	for _, path := range []string{
		"/api/avatars/..%2Fjwt_secret", "/api/avatars/..%2F..%2Fetc%2Fpasswd", "/api/avatars/%2e%2e",
		"/api/avatars/jwt_secret", "/api/avatars/lingo.db", "/api/avatars/.tmp-1", "/api/avatars/evil.png",
		"/api/avatars/00000000-0000-4000-8000-000000000000.png",
	} {
		r := a.fetch(t, path, nil)
		assert.Equal(t, 404, r.Status, "%s: %s", path, r.Body)
		if hasSecret {
			assert.NotContains(t, string(r.Body), strings.TrimSpace(string(secret)))
		}
	}
}

func TestAvatarStoreFailure(t *testing.T) {
	t.Parallel()
	a := startAvatars(t, nil)
	token, _ := a.newLearner(t)
	kept := a.uploadOK(t, token, "a.png", pngBytes(t, photo(30, 30, false)))

	a.store.failPut.Store(true)
	r := a.upload(t, token, "b.png", pngBytes(t, photo(40, 30, false)))
	require.Equal(t, 503, r.Status, "%s", r.Body)
	assert.Equal(t, "service_unavailable", r.Env.Metadata["error_code"])
	assert.NotContains(t, string(r.Body), "no space left", "the cause stays in the log")

	var u userDTO
	a.me(t, token).Decode(t, &u)
	require.NotNil(t, u.AvatarURL)
	assert.Equal(t, kept.AvatarURL, *u.AvatarURL, "the avatar is as it was")
	assert.Equal(t, 200, a.fetch(t, kept.AvatarURL, nil).Status)
	assert.Equal(t, []string{strings.TrimPrefix(kept.AvatarURL, "/api/avatars/")}, a.files(t))
}

func TestAvatarURLWithPublicBaseURL(t *testing.T) {
	t.Parallel()
	a := startAvatars(t, map[string]string{"LINGO_HTTP_PUBLIC_BASE_URL": "https://cdn.lingo.example/"})
	token, _ := a.newLearner(t)
	got := a.uploadOK(t, token, "a.png", pngBytes(t, photo(30, 30, false)))
	require.True(t, strings.HasPrefix(got.AvatarURL, "https://cdn.lingo.example/api/avatars/"), got.AvatarURL)
	var u userDTO
	a.me(t, token).Decode(t, &u)
	require.NotNil(t, u.AvatarURL)
	assert.Equal(t, got.AvatarURL, *u.AvatarURL)
	assert.Equal(t, 200, a.fetch(t, strings.TrimPrefix(got.AvatarURL, "https://cdn.lingo.example"), nil).Status)
}
