package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/preferences"
	"github.com/lingo-labs/lingo/ports"
)

// Lifecycle are the ports the lifecycle suite needs, sharing one store.
type Lifecycle struct {
	Users       ports.UserRepository
	Tokens      ports.RefreshTokenStore
	Preferences ports.PreferencesRepository
	Events      ports.EventStore
	Progress    ports.ProgressStore
	Erasure     ports.ErasureStore
	Exports     ports.ExportStore
	Reader      ports.EventReader
}

// RunLifecycle is the contract of ports.ErasureStore, ports.ExportStore and
// ports.EventReader.
func RunLifecycle(t *testing.T, fresh func(t *testing.T) Lifecycle) {
	ctx := context.Background()

	t.Run("a deletion is due only after purge_after", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		require.NoError(t, s.Users.Update(ctx, u.ID(), func(u *account.User) error { return u.RequestDeletion(T0.Add(time.Hour), T0) }))
		ids, err := s.Erasure.DueForErasure(ctx, T0.Add(time.Hour-time.Microsecond), 10)
		require.NoError(t, err)
		assert.Empty(t, ids)
		ids, err = s.Erasure.DueForErasure(ctx, T0.Add(time.Hour), 10)
		require.NoError(t, err)
		assert.Equal(t, []string{u.ID()}, ids)
		_, err = s.Erasure.Erase(ctx, u.ID(), T0.Add(time.Minute), true, nil)
		assert.True(t, errs.Is(err, errs.NotFound), "not due yet: %v", err)
		back, err := s.Users.ByID(ctx, u.ID())
		require.NoError(t, err)
		at, pending := back.PendingDeletion()
		assert.True(t, pending)
		assert.True(t, at.Equal(T0.Add(time.Hour)))
	})

	t.Run("an erasure removes every row of the learner and only theirs", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		other := StoredUser(t, s.Users, T0)
		for _, id := range []string{u.ID(), other.ID()} {
			Send(t, s.Progress, id, Practice(T0, 100))
			Send(t, s.Progress, id, Client("app_opened", T0.Add(time.Minute)))
			require.NoError(t, s.Preferences.Update(ctx, id, func(p *preferences.Preferences) error { return nil }))
			rt, _, err := account.NewRefreshToken(uuid.NewString(), id, uuid.NewString(), "", T0, time.Hour)
			require.NoError(t, err)
			require.NoError(t, s.Tokens.Save(ctx, rt))
		}
		require.NoError(t, s.Exports.CreateExport(ctx, ports.Export{ID: uuid.NewString(), UserID: u.ID(), Status: ports.ExportPending, CreatedAt: T0}))

		out, err := s.Erasure.Erase(ctx, u.ID(), T0.Add(time.Hour), false, nil)
		require.NoError(t, err)
		assert.Equal(t, 3, out.Events, "two client events and streak_extended")
		assert.Equal(t, 1, out.Days)
		assert.Equal(t, 1, out.Exports)
		_, err = s.Users.ByID(ctx, u.ID())
		assert.True(t, errs.Is(err, errs.NotFound))
		_, err = s.Users.ByEmail(ctx, u.Email())
		assert.True(t, errs.Is(err, errs.NotFound), "the email is free")
		evs, err := s.Events.List(ctx, ports.EventFilter{UserID: u.ID(), Limit: 10})
		require.NoError(t, err)
		assert.Empty(t, evs)
		n := 0
		require.NoError(t, s.Reader.EventsOldestFirst(ctx, u.ID(), 10, func(ports.ExportedEvent) error { n++; return nil }))
		assert.Zero(t, n)
		erased, at, err := s.Erasure.WasErased(ctx, u.ID())
		require.NoError(t, err)
		assert.True(t, erased)
		assert.True(t, at.Equal(T0.Add(time.Hour)))
		cleanups, err := s.Erasure.Cleanups(ctx, 10)
		require.NoError(t, err)
		require.Len(t, cleanups, 1)
		assert.Equal(t, u.ID(), cleanups[0].UserID)
		require.NoError(t, s.Erasure.CleanupDone(ctx, u.ID()))
		cleanups, err = s.Erasure.Cleanups(ctx, 10)
		require.NoError(t, err)
		assert.Empty(t, cleanups)

		_, err = s.Erasure.Erase(ctx, u.ID(), T0.Add(2*time.Hour), false, nil)
		assert.True(t, errs.Is(err, errs.NotFound), "a second erasure finds nobody: %v", err)

		evs, err = s.Events.List(ctx, ports.EventFilter{UserID: other.ID(), Limit: 10})
		require.NoError(t, err)
		assert.Len(t, evs, 3, "the other learner keeps everything")
		_, err = s.Users.ByID(ctx, other.ID())
		require.NoError(t, err)
	})

	t.Run("one pending export per learner", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		first := ports.Export{ID: uuid.NewString(), UserID: u.ID(), Status: ports.ExportPending, CreatedAt: T0}
		require.NoError(t, s.Exports.CreateExport(ctx, first))
		err := s.Exports.CreateExport(ctx, ports.Export{ID: uuid.NewString(), UserID: u.ID(), Status: ports.ExportPending, CreatedAt: T0})
		e, ok := errs.As(err)
		require.True(t, ok, "%v", err)
		assert.Equal(t, errs.CodeExportInProgress, e.Code)

		held, err := s.Exports.ClaimExport(ctx, first.ID, "a", T0, T0.Add(time.Minute))
		require.NoError(t, err)
		assert.True(t, held, "a free export is claimed")
		held, err = s.Exports.ClaimExport(ctx, first.ID, "b", T0.Add(time.Second), T0.Add(time.Minute))
		require.NoError(t, err)
		assert.False(t, held, "another builder's unexpired lease holds")
		held, err = s.Exports.ClaimExport(ctx, first.ID, "a", T0.Add(30*time.Second), T0.Add(90*time.Second))
		require.NoError(t, err)
		assert.True(t, held, "the holder renews")
		held, err = s.Exports.ClaimExport(ctx, first.ID, "b", T0.Add(91*time.Second), T0.Add(3*time.Minute))
		require.NoError(t, err)
		assert.True(t, held, "an expired lease is taken over")

		ready := first
		ready.Status, ready.CompletedAt, ready.ExpiresAt = ports.ExportReady, T0.Add(time.Minute), T0.Add(time.Hour)
		ready.FileKey, ready.DownloadToken, ready.SizeBytes = "tok-0123456789abcdef.zip", "tok-0123456789abcdef", 42
		won, err := s.Exports.FinishExport(ctx, ready, nil)
		require.NoError(t, err)
		assert.True(t, won)
		won, err = s.Exports.FinishExport(ctx, ready, nil)
		require.NoError(t, err)
		assert.False(t, won, "a finished export is finished once")
		held, err = s.Exports.ClaimExport(ctx, first.ID, "c", T0.Add(time.Hour), T0.Add(2*time.Hour))
		require.NoError(t, err)
		assert.False(t, held, "a finished export is claimed by nobody")
		require.NoError(t, s.Exports.CreateExport(ctx, ports.Export{ID: uuid.NewString(), UserID: u.ID(), Status: ports.ExportPending, CreatedAt: T0.Add(time.Minute)}),
			"a new export once the first is ready")

		got, err := s.Exports.Export(ctx, u.ID(), first.ID)
		require.NoError(t, err)
		assert.Equal(t, ports.ExportReady, got.Status)
		assert.Equal(t, int64(42), got.SizeBytes)
		assert.True(t, got.ExpiresAt.Equal(ready.ExpiresAt))
		byToken, err := s.Exports.ExportByToken(ctx, ready.DownloadToken)
		require.NoError(t, err)
		assert.Equal(t, first.ID, byToken.ID)
		other := StoredUser(t, s.Users, T0)
		_, err = s.Exports.Export(ctx, other.ID(), first.ID)
		assert.True(t, errs.Is(err, errs.NotFound), "another learner's export")

		expired, err := s.Exports.ExpiredExports(ctx, T0.Add(time.Hour), 10)
		require.NoError(t, err)
		require.Len(t, expired, 1)
		assert.Equal(t, first.ID, expired[0].ID)
		pending, err := s.Exports.PendingExports(ctx, 10)
		require.NoError(t, err)
		assert.Len(t, pending, 1)
		require.NoError(t, s.Exports.DeleteExport(ctx, first.ID))
		_, err = s.Exports.Export(ctx, u.ID(), first.ID)
		assert.True(t, errs.Is(err, errs.NotFound))
	})

	t.Run("events are read oldest first, page by page", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		var want []string
		for i := range 7 {
			// Received in one order, occurred in the reverse: the reader
			// follows occurred_at.
			ev := Client("app_opened", T0.Add(-time.Duration(i)*time.Minute))
			ev.Received = T0
			want = append([]string{Send(t, s.Progress, u.ID(), ev).Event.Event.ID()}, want...)
		}
		var got []string
		require.NoError(t, s.Reader.EventsOldestFirst(ctx, u.ID(), 3, func(e ports.ExportedEvent) error {
			got = append(got, e.Event.ID())
			_, voided := e.Event.VoidedAt()
			assert.False(t, voided)
			return nil
		}))
		assert.Equal(t, want, got)
	})
}
