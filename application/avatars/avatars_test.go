package avatars_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/application/avatars"
	"github.com/lingo-labs/lingo/application/internal/fakes"
	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

var t0 = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

// processor answers a fixed image, or err, and records the limit it got.
type processor struct {
	img   ports.ProcessedImage
	err   error
	limit int64
}

func (p *processor) Process(_ context.Context, r io.Reader, limit int64) (ports.ProcessedImage, error) {
	p.limit = limit
	_, _ = io.Copy(io.Discard, r)
	return p.img, p.err
}

// store is an in-memory AvatarStore whose operations can be made to fail.
type store struct {
	mu        sync.Mutex
	files     map[string][]byte
	putErr    error
	deleteErr error
	log       []string
}

func newStore() *store { return &store{files: map[string][]byte{}} }

func (s *store) Put(_ context.Context, key string, data []byte, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, "put "+key)
	if s.putErr != nil {
		return s.putErr
	}
	s.files[key] = data
	return nil
}

func (s *store) Open(context.Context, string) (io.ReadSeekCloser, ports.AvatarInfo, error) {
	return nil, ports.AvatarInfo{}, errs.E(errs.NotFound, errs.CodeNotFound, "")
}

func (s *store) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, "delete "+key)
	if s.deleteErr != nil {
		return s.deleteErr
	}
	delete(s.files, key)
	return nil
}

func (s *store) Check(context.Context) error { return nil }

func (s *store) keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.files {
		out = append(out, k)
	}
	return out
}

type fixture struct {
	svc     *avatars.Service
	users   *fakes.Users
	store   *store
	proc    *processor
	orphans []string
	userID  string
}

func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{users: fakes.NewUsers(), store: newStore(), userID: "u-1",
		proc: &processor{img: ports.ProcessedImage{Bytes: []byte("png bytes"), ContentType: "image/png", Width: 800, Height: 600}}}
	email, _ := account.ParseEmail("a@lingo.example")
	name, _ := account.ParseDisplayName("A")
	u, err := account.NewUser(f.userID, email, name, "hash", account.RoleLearner, t0)
	require.NoError(t, err)
	require.NoError(t, f.users.Create(context.Background(), u))
	f.svc = avatars.New(avatars.Deps{
		Users: f.users, Processor: f.proc, Store: f.store, Clock: clock.NewFake(t0.Add(time.Minute)),
		Orphaned: func(key string, _ error) { f.orphans = append(f.orphans, key) },
	})
	return f
}

func (f *fixture) avatarKey(t *testing.T) string {
	t.Helper()
	u, err := f.users.ByID(context.Background(), f.userID)
	require.NoError(t, err)
	return u.AvatarKey()
}

func TestUploadStoresAndReplaces(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	first, u, err := f.svc.Upload(ctx, f.userID, strings.NewReader("x"))
	require.NoError(t, err)
	assert.Equal(t, int64(avatars.MaxBytes), f.proc.limit)
	assert.Equal(t, first.Key, u.AvatarKey())
	assert.True(t, strings.HasSuffix(first.Key, ".png"))
	assert.Equal(t, int64(len("png bytes")), first.SizeBytes)
	assert.Equal(t, t0.Add(time.Minute), first.UploadedAt)

	second, _, err := f.svc.Upload(ctx, f.userID, strings.NewReader("y"))
	require.NoError(t, err)
	assert.NotEqual(t, first.Key, second.Key)
	assert.Equal(t, []string{second.Key}, f.store.keys(), "the replaced file is deleted")
	assert.Equal(t, second.Key, f.avatarKey(t))
}

func TestUploadRefusalsChangeNothing(t *testing.T) {
	cases := []struct {
		name    string
		procErr error
		putErr  error
		kind    errs.Kind
	}{
		{"processor refuses", errs.E(errs.UnsupportedMedia, errs.CodeUnsupportedMediaType, ""), nil, errs.UnsupportedMedia},
		{"store is full", nil, errs.Wrap(errs.Unavailable, errs.CodeStorageFull, errors.New("ENOSPC")), errs.Unavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := setup(t)
			ctx := context.Background()
			kept, _, err := f.svc.Upload(ctx, f.userID, strings.NewReader("x"))
			require.NoError(t, err)
			f.proc.err, f.store.putErr = c.procErr, c.putErr

			_, _, err = f.svc.Upload(ctx, f.userID, strings.NewReader("y"))
			assert.Equal(t, c.kind, errs.KindOf(err), "%v", err)
			assert.Equal(t, kept.Key, f.avatarKey(t), "the avatar is as it was")
			assert.Equal(t, []string{kept.Key}, f.store.keys())
		})
	}
}

func TestUploadForAGoneUserRemovesTheNewFile(t *testing.T) {
	f := setup(t)
	_, _, err := f.svc.Upload(context.Background(), "nobody", strings.NewReader("x"))
	assert.True(t, errs.Is(err, errs.NotFound), "%v", err)
	assert.Empty(t, f.store.keys(), "the file nobody points at is deleted")
}

func TestDeleteClearsTheUserFirstThenTheFile(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	a, _, err := f.svc.Upload(ctx, f.userID, strings.NewReader("x"))
	require.NoError(t, err)

	u, err := f.svc.Delete(ctx, f.userID)
	require.NoError(t, err)
	assert.Empty(t, u.AvatarKey())
	assert.Empty(t, f.avatarKey(t))
	assert.Empty(t, f.store.keys())
	assert.Equal(t, []string{"put " + a.Key, "delete " + a.Key}, f.store.log)

	_, err = f.svc.Delete(ctx, f.userID)
	assert.NoError(t, err, "deleting nothing succeeds")
	assert.Len(t, f.store.log, 2, "and touches no file")
}

func TestFailedCleanupIsReportedNotFailed(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	a, _, err := f.svc.Upload(ctx, f.userID, strings.NewReader("x"))
	require.NoError(t, err)
	f.store.deleteErr = errs.Wrap(errs.Unavailable, errs.CodeStorageUnavailable, errors.New("EIO"))

	_, err = f.svc.Delete(ctx, f.userID)
	require.NoError(t, err, "the user no longer has an avatar; the file is only wasted space")
	assert.Equal(t, []string{a.Key}, f.orphans)
}

func TestRandomKeys(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		k := avatars.RandomKey("image/jpeg")
		assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.jpg$`, k)
		assert.False(t, seen[k])
		seen[k] = true
	}
	assert.True(t, strings.HasSuffix(avatars.RandomKey("image/png"), ".png"))
}
