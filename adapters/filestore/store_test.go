package filestore_test

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/filestore"
	"github.com/lingo-labs/lingo/domain/errs"
)

const key = "0b8f6c9e-1c1e-4c8a-9a43-4c1f2f5d8e11.jpg"

func newStore(t *testing.T) *filestore.AvatarStore {
	t.Helper()
	s, err := filestore.New(filepath.Join(t.TempDir(), "avatars"))
	require.NoError(t, err)
	return s
}

// files lists the directory, including temporary files.
func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestPutOpenDelete(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	data := []byte("\xff\xd8\xff not really a jpeg")
	require.NoError(t, s.Put(ctx, key, data, "image/jpeg"))
	assert.Equal(t, []string{key}, files(t, s.Root()), "no temporary file is left behind")

	f, info, err := s.Open(ctx, key)
	require.NoError(t, err)
	got, err := io.ReadAll(f)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	assert.Equal(t, data, got)
	assert.Equal(t, key, info.Key)
	assert.Equal(t, "image/jpeg", info.ContentType)
	assert.Equal(t, int64(len(data)), info.Size)
	assert.False(t, info.ModTime.IsZero())

	require.NoError(t, s.Delete(ctx, key))
	assert.Empty(t, files(t, s.Root()))
	_, _, err = s.Open(ctx, key)
	assert.True(t, errs.Is(err, errs.NotFound), "kind %v", errs.KindOf(err))
	require.NoError(t, s.Delete(ctx, key), "deleting twice is fine")
}

func TestPutReplacesWholeFile(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	require.NoError(t, s.Put(ctx, key, []byte("a much longer first version"), "image/jpeg"))
	require.NoError(t, s.Put(ctx, key, []byte("short"), "image/jpeg"))
	f, info, err := s.Open(ctx, key)
	require.NoError(t, err)
	defer f.Close()
	b, _ := io.ReadAll(f)
	assert.Equal(t, "short", string(b))
	assert.Equal(t, int64(5), info.Size)
}

func TestPNGKeyHasPNGType(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	k := "abcdefghijklmnop.png"
	require.NoError(t, s.Put(ctx, k, []byte("png"), "image/png"))
	f, info, err := s.Open(ctx, k)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	assert.Equal(t, "image/png", info.ContentType)
}

func TestMalformedKeysNeverReachTheDisk(t *testing.T) {
	ctx := context.Background()
	parent := t.TempDir()
	s, err := filestore.New(filepath.Join(parent, "avatars"))
	require.NoError(t, err)
	// A file next to the root that a traversal would reach.
	require.NoError(t, os.WriteFile(filepath.Join(parent, "secret.jpg"), []byte("secret"), 0o600))
	tests := []struct{ name, key string }{
		{"parent traversal", "../secret.jpg"},
		{"traversal with a long name", "../aaaaaaaaaaaaaaaaaaaaaa.jpg"},
		{"nested traversal", "aaaaaaaaaaaaaaaa/../../secret.jpg"},
		{"slash", "aaaaaaaa/aaaaaaaaaaaa.jpg"},
		{"backslash", `aaaaaaaa\aaaaaaaaaaaa.jpg`},
		{"absolute", "/etc/passwd"},
		{"dot dot in name", "aaaaaaaa..aaaaaaaa.jpg"},
		{"too short", "abc.jpg"},
		{"too long", strings.Repeat("a", 129) + ".jpg"},
		{"wrong extension", "aaaaaaaaaaaaaaaa.gif"},
		{"html", "aaaaaaaaaaaaaaaa.html"},
		{"no extension", "aaaaaaaaaaaaaaaaaaaa"},
		{"upper-case extension", "aaaaaaaaaaaaaaaa.JPG"},
		{"NUL byte", "aaaaaaaaaaaaaaaa\x00.jpg"},
		{"newline", "aaaaaaaaaaaaaaaa.jpg\n"},
		{"empty", ""},
		{"temporary file name", ".tmp-123456789012345.jpg"},
		{"unicode", "ääääääääääääääää.jpg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.False(t, filestore.ValidKey(tt.key))
			err := s.Put(ctx, tt.key, []byte("x"), "image/jpeg")
			assert.True(t, errs.Is(err, errs.Internal), "Put: kind %v", errs.KindOf(err))
			assert.Equal(t, errs.CodeInvalidAvatarKey, errs.CodeOf(err))
			_, _, err = s.Open(ctx, tt.key)
			assert.True(t, errs.Is(err, errs.NotFound), "Open: kind %v", errs.KindOf(err))
			err = s.Delete(ctx, tt.key)
			assert.True(t, errs.Is(err, errs.Internal), "Delete: kind %v", errs.KindOf(err))
		})
	}
	assert.Empty(t, files(t, s.Root()))
	b, err := os.ReadFile(filepath.Join(parent, "secret.jpg"))
	require.NoError(t, err)
	assert.Equal(t, "secret", string(b))
}

func TestContentTypeMustMatchKey(t *testing.T) {
	s := newStore(t)
	err := s.Put(context.Background(), key, []byte("x"), "image/png")
	assert.Equal(t, errs.CodeInvalidAvatarKey, errs.CodeOf(err))
	assert.Empty(t, files(t, s.Root()))
}

func TestCancelledContext(t *testing.T) {
	s := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.True(t, errs.Is(s.Put(ctx, key, []byte("x"), "image/jpeg"), errs.Unavailable))
	assert.True(t, errs.Is(s.Check(ctx), errs.Unavailable))
	assert.Empty(t, files(t, s.Root()))
}

// unwritableDir returns a directory this process cannot create files in. As
// an ordinary user that is a directory with mode 0500; root ignores modes,
// so as root on Linux it is a sysfs directory, where the kernel refuses new
// files to everyone.
func unwritableDir(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		dir := filepath.Join(t.TempDir(), "ro")
		require.NoError(t, os.Mkdir(dir, 0o500))
		t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
		return dir
	}
	const sys = "/sys/kernel"
	if st, err := os.Stat(sys); err != nil || !st.IsDir() {
		t.Skip("running as root without /sys: no directory refuses writes to root")
	}
	return sys
}

func TestUnwritableDirectoryIsUnavailable(t *testing.T) {
	ctx := context.Background()
	s, err := filestore.New(unwritableDir(t))
	require.NoError(t, err)
	err = s.Put(ctx, key, []byte("x"), "image/jpeg")
	require.Error(t, err)
	assert.True(t, errs.Is(err, errs.Unavailable), "kind %v: %v", errs.KindOf(err), err)
	assert.Equal(t, errs.CodeStorageNotWritable, errs.CodeOf(err))
	e, _ := errs.As(err)
	assert.NotContains(t, e.Message, "/", "the client-facing message names no path")

	err = s.Check(ctx)
	assert.True(t, errs.Is(err, errs.Unavailable), "Check: kind %v", errs.KindOf(err))
}

func TestNewFailsWhenRootCannotBeMade(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err := filestore.New(filepath.Join(file, "avatars"))
	assert.True(t, errs.Is(err, errs.Unavailable), "kind %v", errs.KindOf(err))
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code string
	}{
		{"disk full", &fs.PathError{Op: "write", Path: "/x", Err: syscall.ENOSPC}, errs.CodeStorageFull},
		{"quota", &fs.PathError{Op: "write", Path: "/x", Err: syscall.EDQUOT}, errs.CodeStorageFull},
		{"permission", &fs.PathError{Op: "open", Path: "/x", Err: syscall.EACCES}, errs.CodeStorageNotWritable},
		{"not permitted", &fs.PathError{Op: "open", Path: "/x", Err: syscall.EPERM}, errs.CodeStorageNotWritable},
		{"read-only file system", &fs.PathError{Op: "open", Path: "/x", Err: syscall.EROFS}, errs.CodeStorageNotWritable},
		{"I/O error", &fs.PathError{Op: "read", Path: "/x", Err: syscall.EIO}, errs.CodeStorageUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := filestore.Classify("op", tt.err)
			assert.True(t, errs.Is(err, errs.Unavailable))
			assert.Equal(t, tt.code, errs.CodeOf(err))
			assert.ErrorIs(t, err, tt.err, "the cause is kept for the log")
		})
	}
}

func TestCheck(t *testing.T) {
	s := newStore(t)
	require.NoError(t, s.Check(context.Background()))
	assert.Empty(t, files(t, s.Root()), "the probe is removed")
}

func TestConcurrentPutsOfDifferentKeys(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const n = 32
	var wg sync.WaitGroup
	errc := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := fmt.Sprintf("user-%04d-avatar-key.jpg", i)
			errc <- s.Put(ctx, k, []byte(strings.Repeat(k, 1000)), "image/jpeg")
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		require.NoError(t, err)
	}
	names := files(t, s.Root())
	assert.Len(t, names, n, "every put lands and no temporary file is left")
	for i := range n {
		k := fmt.Sprintf("user-%04d-avatar-key.jpg", i)
		f, _, err := s.Open(ctx, k)
		require.NoError(t, err)
		b, _ := io.ReadAll(f)
		require.NoError(t, f.Close())
		assert.Equal(t, strings.Repeat(k, 1000), string(b), "file %s holds its own content", k)
	}
}

func TestConcurrentPutsOfOneKeyLeaveOneWholeFile(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, s.Put(ctx, key, []byte(strings.Repeat(string(rune('a'+i)), 64<<10)), "image/jpeg"))
		}()
	}
	wg.Wait()
	assert.Equal(t, []string{key}, files(t, s.Root()))
	f, _, err := s.Open(ctx, key)
	require.NoError(t, err)
	defer f.Close()
	b, _ := io.ReadAll(f)
	require.Len(t, b, 64<<10)
	assert.Equal(t, strings.Repeat(string(b[0]), len(b)), string(b), "the file is one writer's whole content")
}
