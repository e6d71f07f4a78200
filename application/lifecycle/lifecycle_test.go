package lifecycle_test

import (
	"bytes"
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/application/auth"
	"github.com/lingo-labs/lingo/application/internal/fakes"
	"github.com/lingo-labs/lingo/application/lifecycle"
	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/preferences"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// files is an in-memory ports.ExportFiles whose deletes can be made to fail.
type files struct {
	mu        sync.Mutex
	m         map[string][]byte
	failWrite error
	failDel   error
}

func (f *files) Write(_ context.Context, key string, write func(io.Writer) error) (int64, error) {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failWrite != nil {
		return 0, f.failWrite
	}
	f.m[key] = b.Bytes()
	return int64(b.Len()), nil
}

func (f *files) Open(_ context.Context, key string) (io.ReadSeekCloser, ports.ExportFileInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.m[key]
	if !ok {
		return nil, ports.ExportFileInfo{}, errs.E(errs.NotFound, errs.CodeNotFound, "")
	}
	return nopCloser{bytes.NewReader(b)}, ports.ExportFileInfo{Key: key, Size: int64(len(b))}, nil
}

func (f *files) Delete(_ context.Context, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failDel != nil {
		return f.failDel
	}
	delete(f.m, key)
	return nil
}

func (f *files) SweepTemporary(context.Context, time.Time) error { return nil }

func (f *files) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.m)
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// encoder writes a word per part and the event id per line.
type encoder struct{}

func (encoder) Account(w io.Writer, u account.User) error {
	_, err := io.WriteString(w, u.ID())
	return err
}
func (encoder) Preferences(w io.Writer, _ preferences.Preferences) error {
	_, err := io.WriteString(w, "prefs")
	return err
}
func (encoder) Progress(w io.Writer, _ analytics.ProgressSummary) error {
	_, err := io.WriteString(w, "progress")
	return err
}
func (encoder) Stats(w io.Writer, _ analytics.UserStats) error {
	_, err := io.WriteString(w, "stats")
	return err
}
func (encoder) Achievements(w io.Writer, _ []progress.Unlock) error {
	_, err := io.WriteString(w, "[]")
	return err
}
func (encoder) Event(w io.Writer, e ports.ExportedEvent) error {
	_, err := io.WriteString(w, e.Event.ID()+"\n")
	return err
}

type reports struct{}

func (reports) Progress(context.Context, string, bool) (analytics.ProgressSummary, error) {
	return analytics.ProgressSummary{}, nil
}
func (reports) StatsSince(context.Context, string, calendar.Date) (analytics.UserStats, error) {
	return analytics.UserStats{}, nil
}

type env struct {
	svc    *lifecycle.Service
	auth   *auth.Service
	users  ports.UserRepository
	store  memory.Lifecycle
	files  *files
	clock  *clock.Fake
	errors []string
}

func newEnv(t *testing.T, grace time.Duration) *env {
	t.Helper()
	s := memory.NewStore()
	e := &env{users: memory.NewUsers(s), store: memory.NewLifecycle(s), files: &files{m: map[string][]byte{}}, clock: clock.NewFake(t0)}
	ids := &fakes.IDs{}
	e.auth = auth.New(auth.Deps{Users: e.users, Tokens: memory.NewRefreshTokens(s), Hasher: &fakes.Hasher{},
		Issuer: &fakes.Issuer{Clock: e.clock, TTL: time.Minute}, Clock: e.clock, IDs: ids})
	e.svc = lifecycle.New(lifecycle.Deps{Users: e.users, Hasher: &fakes.Hasher{}, Sessions: e.auth, Erasure: e.store,
		Exports: e.store, Events: e.store, Files: e.files, Prefs: memory.NewPreferences(s), Reports: reports{}, Encoder: encoder{},
		Clock: e.clock, IDs: ids, Grace: grace, OnError: func(what string, _ error) { e.errors = append(e.errors, what) }})
	return e
}

func (e *env) register(t *testing.T, email string) auth.Session {
	t.Helper()
	r, err := auth.ParseRegistration(email, "correct horse", "Ana")
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.auth.Register(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func wantCode(t *testing.T, err error, kind errs.Kind, code string) {
	t.Helper()
	if !errs.Is(err, kind) || errs.CodeOf(err) != code {
		t.Fatalf("got %v, want %v %s", err, kind, code)
	}
}

func TestDeletionAndRestore(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, time.Hour)
	s := e.register(t, "ana@example.com")
	_, err := e.svc.RequestDeletion(ctx, s.User.ID(), "wrong")
	wantCode(t, err, errs.Invalid, errs.CodeInvalidCurrentPassword)
	at, err := e.svc.RequestDeletion(ctx, s.User.ID(), "correct horse")
	if err != nil || !at.Equal(t0.Add(time.Hour)) {
		t.Fatalf("%v %v", at, err)
	}
	_, err = e.auth.Login(ctx, "ana@example.com", "correct horse")
	wantCode(t, err, errs.Forbidden, errs.CodeAccountPendingDeletion)
	if _, err := e.auth.Refresh(ctx, s.Tokens.RefreshToken); err == nil {
		t.Fatal("the refresh token must stop")
	}
	for _, c := range []struct{ email, password string }{{"ana@example.com", "wrong"}, {"bob@example.com", "correct horse"}, {"bad", "x"}} {
		_, err := e.svc.Restore(ctx, c.email, c.password)
		wantCode(t, err, errs.Unauthorized, errs.CodeInvalidCredentials)
	}
	r, err := e.svc.Restore(ctx, "ana@example.com", "correct horse")
	if err != nil || r.User.ID() != s.User.ID() || r.Tokens.AccessToken == "" {
		t.Fatalf("%v", err)
	}
	_, err = e.svc.Restore(ctx, "ana@example.com", "correct horse")
	wantCode(t, err, errs.Unauthorized, errs.CodeInvalidCredentials)

	// After the grace, restore fails as a login does, and the pass erases.
	if _, err := e.svc.RequestDeletion(ctx, s.User.ID(), "correct horse"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	_, err = e.svc.Restore(ctx, "ana@example.com", "correct horse")
	wantCode(t, err, errs.Unauthorized, errs.CodeInvalidCredentials)
	if err := e.svc.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.users.ByID(ctx, s.User.ID()); !errs.Is(err, errs.NotFound) {
		t.Fatalf("not erased: %v", err)
	}
	if ok, _, _ := e.store.WasErased(ctx, s.User.ID()); !ok {
		t.Fatal("the erasure is recorded")
	}
}

func TestZeroGraceErasesAtOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 0)
	s := e.register(t, "ana@example.com")
	if _, err := e.svc.RequestDeletion(ctx, s.User.ID(), "correct horse"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.users.ByID(ctx, s.User.ID()); !errs.Is(err, errs.NotFound) {
		t.Fatalf("not erased: %v", err)
	}
}

func TestEraseNow(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, time.Hour)
	admin := e.register(t, "admin@example.com")
	s := e.register(t, "ana@example.com")
	_, err := e.svc.EraseNow(ctx, admin.User.ID(), admin.User.ID())
	wantCode(t, err, errs.Conflict, errs.CodeSelfLockout)
	if _, err := e.svc.EraseNow(ctx, admin.User.ID(), s.User.ID()); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.EraseNow(ctx, admin.User.ID(), s.User.ID())
	wantCode(t, err, errs.NotFound, errs.CodeNotFound)
}

// TestCleanUpIsFinishedLater: a clean-up that fails after the erasure's
// commit leaves its record, and the next pass finishes it.
func TestCleanUpIsFinishedLater(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, time.Hour)
	admin := e.register(t, "admin@example.com")
	s := e.register(t, "ana@example.com")
	ex, err := e.svc.RequestExport(ctx, s.User.ID())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.BuildPending(ctx); err != nil {
		t.Fatal(err)
	}
	if e.files.count() != 1 {
		t.Fatalf("%d files", e.files.count())
	}
	e.files.failDel = errs.E(errs.Unavailable, errs.CodeStorageUnavailable, "disk")
	out, err := e.svc.EraseNow(ctx, admin.User.ID(), s.User.ID())
	if err != nil || out.Exports != 1 {
		t.Fatalf("%+v %v", out, err)
	}
	if c, _ := e.store.Cleanups(ctx, 10); len(c) != 1 || len(e.errors) != 1 {
		t.Fatalf("clean-ups %v, errors %v", c, e.errors)
	}
	if err := e.svc.RunDue(ctx); err == nil {
		t.Fatal("the pass reports the failing clean-up")
	}
	e.files.failDel = nil
	if err := e.svc.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.store.Cleanups(ctx, 10); len(c) != 0 || e.files.count() != 0 {
		t.Fatalf("clean-ups %v, files %d", c, e.files.count())
	}
	if _, err := e.svc.Export(ctx, s.User.ID(), ex.ID); !errs.Is(err, errs.NotFound) {
		t.Fatal("the export went with the learner")
	}
}

func TestExports(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, time.Hour)
	s := e.register(t, "ana@example.com")
	ex, err := e.svc.RequestExport(ctx, s.User.ID())
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.RequestExport(ctx, s.User.ID())
	wantCode(t, err, errs.Conflict, errs.CodeExportInProgress)

	// A storage failure leaves the export pending for the next pass.
	e.files.failWrite = errs.E(errs.Unavailable, errs.CodeStorageUnavailable, "disk")
	if err := e.svc.BuildPending(ctx); err == nil {
		t.Fatal("the pass reports the failure")
	}
	if got, _ := e.svc.Export(ctx, s.User.ID(), ex.ID); got.Status != ports.ExportPending {
		t.Fatalf("status %s", got.Status)
	}
	e.files.failWrite = nil
	if err := e.svc.BuildPending(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.Export(ctx, s.User.ID(), ex.ID)
	if err != nil || got.Status != ports.ExportReady || !got.ExpiresAt.Equal(t0.Add(lifecycle.DefaultExportTTL)) {
		t.Fatalf("%+v %v", got, err)
	}
	f, _, info, err := e.svc.Download(ctx, got.DownloadToken)
	if err != nil || info.Size != got.SizeBytes {
		t.Fatalf("%v", err)
	}
	f.Close()
	if _, _, _, err := e.svc.Download(ctx, "unknown"); !errs.Is(err, errs.NotFound) {
		t.Fatal(err)
	}

	e.clock.Advance(lifecycle.DefaultExportTTL)
	if _, _, _, err := e.svc.Download(ctx, got.DownloadToken); !errs.Is(err, errs.NotFound) {
		t.Fatal("an expired export is not served")
	}
	if err := e.svc.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if e.files.count() != 0 {
		t.Fatal("the expired file is removed")
	}
	if _, err := e.svc.Export(ctx, s.User.ID(), ex.ID); !errs.Is(err, errs.NotFound) {
		t.Fatal("the expired export is removed")
	}
}

// TestExportOfAnErasedLearner: a pending export whose learner is erased is
// never finished, and leaves no file.
func TestExportOfAnErasedLearner(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, time.Hour)
	admin := e.register(t, "admin@example.com")
	s := e.register(t, "ana@example.com")
	ex, err := e.svc.RequestExport(ctx, s.User.ID())
	if err != nil {
		t.Fatal(err)
	}
	pending, _ := e.store.PendingExports(ctx, 10)
	if _, err := e.svc.EraseNow(ctx, admin.User.ID(), s.User.ID()); err != nil {
		t.Fatal(err)
	}
	// A builder that read the export before the erasure finds nothing to finish.
	won, err := e.store.FinishExport(ctx, pending[0], nil)
	if err != nil || won {
		t.Fatalf("%v %v", won, err)
	}
	if err := e.svc.BuildPending(ctx); err != nil || e.files.count() != 0 {
		t.Fatalf("%v, %d files", err, e.files.count())
	}
	_ = ex
}
