package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// Jobs are the ports of the job engine's storage, over one store, with a
// job queue attached that records what it is given.
type Jobs struct {
	Users     ports.UserRepository
	Progress  ports.ProgressStore
	Outbox    ports.Outbox
	Webhooks  ports.WebhookStore
	Reminders ports.ReminderStore
	// Queued is the ids of the deliveries that have a job, in the order
	// queued (a manual retry queues an id again).
	Queued func() []string
}

// NewEndpoint makes an enabled endpoint (not stored) subscribed to types
// ("*" for all).
func NewEndpoint(t testing.TB, created time.Time, types ...string) webhook.Endpoint {
	t.Helper()
	sub, err := webhook.ParseSubscription(types)
	require.NoError(t, err)
	secret, err := webhook.NewSecret([]byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	return webhook.Endpoint{ID: uuid.NewString(), URL: "https://hooks.example.com/" + uuid.NewString()[:8], Types: sub,
		Description: "test", Enabled: true, Secret: secret, CreatedAt: created, UpdatedAt: created}
}

// NewMessage makes a message of type typ about user (may be "").
func NewMessage(t testing.TB, typ webhook.EventType, user string) webhook.Message {
	t.Helper()
	m, err := webhook.NewMessage(uuid.NewString(), typ, T0, user, map[string]any{"n": 1})
	require.NoError(t, err)
	return m
}

// deliveries lists every delivery of endpoint, newest first.
func deliveries(t testing.TB, s ports.WebhookStore, endpoint string) []webhook.Delivery {
	t.Helper()
	out, err := s.Deliveries(context.Background(), ports.DeliveryQuery{EndpointID: endpoint, Limit: 100})
	require.NoError(t, err)
	return out
}

// RunJobs runs the suites of the job engine's storage ports: the outbox,
// the webhook store and the reminder store.
func RunJobs(t *testing.T, fresh func(t *testing.T) Jobs) {
	t.Run("outbox", func(t *testing.T) { RunOutbox(t, fresh) })
	t.Run("webhooks", func(t *testing.T) { RunWebhooks(t, fresh) })
	t.Run("reminders", func(t *testing.T) { RunReminders(t, fresh) })
}

// RunOutbox holds a ports.Outbox to its contract: a message exists exactly
// when the transaction that publishes it commits.
func RunOutbox(t *testing.T, fresh func(t *testing.T) Jobs) {
	ctx := context.Background()

	t.Run("a rolled-back transaction publishes nothing and keeps none of its writes", func(t *testing.T) {
		s := fresh(t)
		e := NewEndpoint(t, T0, "*")
		require.NoError(t, s.Webhooks.CreateEndpoint(ctx, e))
		u := NewUser(t, "ana@example.com", "Ana", T0)
		boom := errors.New("boom")
		err := s.Outbox.Atomically(ctx, func(ctx context.Context) error {
			require.NoError(t, s.Users.Create(ctx, u))
			require.NoError(t, s.Outbox.Publish(ctx, NewMessage(t, webhook.UserRegistered, u.ID())))
			return boom
		})
		assert.Same(t, boom, err, "fn's error is returned as is")
		assert.Empty(t, deliveries(t, s.Webhooks, e.ID))
		assert.Empty(t, s.Queued())
		_, err = s.Users.ByID(ctx, u.ID())
		assert.True(t, errs.Is(err, errs.NotFound), "the user was rolled back: %v", err)
	})

	t.Run("a commit makes one pending delivery and job per enabled endpoint subscribed to the type", func(t *testing.T) {
		s := fresh(t)
		all, only, other, off := NewEndpoint(t, T0, "*"), NewEndpoint(t, T0, string(webhook.UserRegistered)),
			NewEndpoint(t, T0, string(webhook.ExportReady)), NewEndpoint(t, T0, "*")
		off.Enabled = false
		for _, e := range []webhook.Endpoint{all, only, other, off} {
			require.NoError(t, s.Webhooks.CreateEndpoint(ctx, e))
		}
		u := StoredUser(t, s.Users, T0)
		m := NewMessage(t, webhook.UserRegistered, u.ID())
		require.NoError(t, s.Outbox.Atomically(ctx, func(ctx context.Context) error { return s.Outbox.Publish(ctx, m) }))
		body, err := m.Body()
		require.NoError(t, err)
		var made []string
		for _, e := range []webhook.Endpoint{all, only} {
			ds := deliveries(t, s.Webhooks, e.ID)
			require.Len(t, ds, 1)
			d := ds[0]
			assert.Equal(t, e.ID, d.EndpointID)
			assert.Equal(t, m.ID, d.MessageID)
			assert.Equal(t, m.Type, d.Type)
			assert.Equal(t, u.ID(), d.UserID)
			assert.JSONEq(t, string(body), string(d.Payload))
			assert.Equal(t, webhook.Pending, d.Status)
			assert.Zero(t, d.Attempts)
			made = append(made, d.ID)
		}
		assert.Empty(t, deliveries(t, s.Webhooks, other.ID), "not subscribed")
		assert.Empty(t, deliveries(t, s.Webhooks, off.ID), "disabled")
		assert.ElementsMatch(t, made, s.Queued())
	})

	t.Run("a learner transaction's messages are published only when it commits", func(t *testing.T) {
		s := fresh(t)
		e := NewEndpoint(t, T0, "*")
		require.NoError(t, s.Webhooks.CreateEndpoint(ctx, e))
		u := StoredUser(t, s.Users, T0)
		boom := errors.New("boom")
		write := func(fail bool) error {
			return s.Progress.Update(ctx, u.ID(), func(tx ports.LearnerTx) error {
				a, err := Prepare(tx, u.ID(), Practice(T0, 100))
				require.NoError(t, err)
				a.Messages = []webhook.Message{NewMessage(t, webhook.LearningEventRecorded, u.ID())}
				require.NoError(t, tx.Append(a))
				if fail {
					return boom
				}
				return nil
			})
		}
		assert.Same(t, boom, write(true))
		assert.Empty(t, deliveries(t, s.Webhooks, e.ID))
		assert.Empty(t, s.Queued())
		require.NoError(t, write(false))
		ds := deliveries(t, s.Webhooks, e.ID)
		require.Len(t, ds, 1)
		assert.Equal(t, webhook.LearningEventRecorded, ds[0].Type)
		assert.Equal(t, []string{ds[0].ID}, s.Queued())
	})

	t.Run("outside a transaction a publish commits at once; with no endpoint it makes nothing", func(t *testing.T) {
		s := fresh(t)
		require.NoError(t, s.Outbox.Publish(ctx, NewMessage(t, webhook.ExportReady, "")))
		assert.Empty(t, s.Queued())
		e := NewEndpoint(t, T0, "*")
		require.NoError(t, s.Webhooks.CreateEndpoint(ctx, e))
		require.NoError(t, s.Outbox.Publish(ctx, NewMessage(t, webhook.ExportReady, ""), NewMessage(t, webhook.ExportReady, "")))
		ds := deliveries(t, s.Webhooks, e.ID)
		require.Len(t, ds, 2)
		assert.Empty(t, ds[0].UserID)
		assert.ElementsMatch(t, []string{ds[0].ID, ds[1].ID}, s.Queued())
	})

	t.Run("a redelivery is queued only when its transaction commits", func(t *testing.T) {
		s := fresh(t)
		e := NewEndpoint(t, T0, "*")
		require.NoError(t, s.Webhooks.CreateEndpoint(ctx, e))
		require.NoError(t, s.Outbox.Publish(ctx, NewMessage(t, webhook.ExportReady, "")))
		d := deliveries(t, s.Webhooks, e.ID)[0]
		boom := errors.New("boom")
		assert.Same(t, boom, s.Outbox.Atomically(ctx, func(ctx context.Context) error {
			require.NoError(t, s.Outbox.Redeliver(ctx, d.ID))
			return boom
		}))
		assert.Equal(t, []string{d.ID}, s.Queued())
		require.NoError(t, s.Outbox.Atomically(ctx, func(ctx context.Context) error { return s.Outbox.Redeliver(ctx, d.ID) }))
		assert.Equal(t, []string{d.ID, d.ID}, s.Queued())
	})
}

// RunWebhooks holds a ports.WebhookStore to its contract.
func RunWebhooks(t *testing.T, fresh func(t *testing.T) Jobs) {
	ctx := context.Background()

	t.Run("endpoints read back, oldest first; unknown ones are NotFound", func(t *testing.T) {
		s := fresh(t)
		late, early := NewEndpoint(t, T0.Add(time.Minute), "*"), NewEndpoint(t, T0, string(webhook.UserRegistered))
		early.PreviousSecret, early.PreviousSecretUntil = late.Secret, T0.Add(time.Hour)
		require.NoError(t, s.Webhooks.CreateEndpoint(ctx, late))
		require.NoError(t, s.Webhooks.CreateEndpoint(ctx, early))
		got, err := s.Webhooks.Endpoint(ctx, early.ID)
		require.NoError(t, err)
		assert.Equal(t, early, got)
		list, err := s.Webhooks.Endpoints(ctx)
		require.NoError(t, err)
		assert.Equal(t, []webhook.Endpoint{early, late}, list)
		for _, id := range []string{uuid.NewString(), "nope"} {
			_, err := s.Webhooks.Endpoint(ctx, id)
			assert.True(t, errs.Is(err, errs.NotFound), "%s: %v", id, err)
			assert.True(t, errs.Is(s.Webhooks.DeleteEndpoint(ctx, id), errs.NotFound), id)
			_, err = s.Webhooks.UpdateEndpoint(ctx, id, func(*webhook.Endpoint) error { return nil })
			assert.True(t, errs.Is(err, errs.NotFound), "%s: %v", id, err)
		}
	})

	t.Run("an update keeps fn's changes; fn's error changes nothing and is returned as is", func(t *testing.T) {
		s := fresh(t)
		e := NewEndpoint(t, T0, "*")
		require.NoError(t, s.Webhooks.CreateEndpoint(ctx, e))
		boom := errors.New("boom")
		_, err := s.Webhooks.UpdateEndpoint(ctx, e.ID, func(e *webhook.Endpoint) error { e.Enabled = false; return boom })
		assert.Same(t, boom, err)
		got, err := s.Webhooks.Endpoint(ctx, e.ID)
		require.NoError(t, err)
		assert.True(t, got.Enabled)
		updated, err := s.Webhooks.UpdateEndpoint(ctx, e.ID, func(e *webhook.Endpoint) error {
			e.Enabled, e.Description, e.UpdatedAt = false, "paused", T0.Add(time.Hour)
			return nil
		})
		require.NoError(t, err)
		got, err = s.Webhooks.Endpoint(ctx, e.ID)
		require.NoError(t, err)
		assert.Equal(t, updated, got)
		assert.False(t, got.Enabled)
		assert.Equal(t, "paused", got.Description)
		assert.Equal(t, T0.Add(time.Hour), got.UpdatedAt)
	})

	t.Run("deliveries list newest first, by status, after a cursor, up to the limit; attempts are saved", func(t *testing.T) {
		s := fresh(t)
		e := NewEndpoint(t, T0, "*")
		require.NoError(t, s.Webhooks.CreateEndpoint(ctx, e))
		for range 3 {
			require.NoError(t, s.Outbox.Publish(ctx, NewMessage(t, webhook.ExportReady, "")))
		}
		all := deliveries(t, s.Webhooks, e.ID)
		require.Len(t, all, 3)
		assert.True(t, slices.IsSortedFunc(all, func(a, b webhook.Delivery) int {
			if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(b.ID, a.ID)
		}), "newest first")

		d := all[1]
		d.Status, d.Attempts, d.LastStatusCode, d.LastError, d.NextAttemptAt = webhook.Exhausted, 8, 503, "server error", time.Time{}
		require.NoError(t, s.Webhooks.SaveAttempt(ctx, d))
		got, err := s.Webhooks.Delivery(ctx, d.ID)
		require.NoError(t, err)
		assert.Equal(t, d, got)

		exhausted, err := s.Webhooks.Deliveries(ctx, ports.DeliveryQuery{EndpointID: e.ID, Status: webhook.Exhausted, Limit: 10})
		require.NoError(t, err)
		assert.Equal(t, []webhook.Delivery{d}, exhausted)
		page, err := s.Webhooks.Deliveries(ctx, ports.DeliveryQuery{EndpointID: e.ID, Limit: 1,
			After: &ports.DeliveryCursor{CreatedAt: all[0].CreatedAt, ID: all[0].ID}})
		require.NoError(t, err)
		require.Len(t, page, 1)
		assert.Equal(t, all[1].ID, page[0].ID)
		_, err = s.Webhooks.Delivery(ctx, uuid.NewString())
		assert.True(t, errs.Is(err, errs.NotFound), "%v", err)
	})

	t.Run("deleting an endpoint deletes its delivery log", func(t *testing.T) {
		s := fresh(t)
		e, kept := NewEndpoint(t, T0, "*"), NewEndpoint(t, T0, "*")
		require.NoError(t, s.Webhooks.CreateEndpoint(ctx, e))
		require.NoError(t, s.Webhooks.CreateEndpoint(ctx, kept))
		require.NoError(t, s.Outbox.Publish(ctx, NewMessage(t, webhook.ExportReady, "")))
		d := deliveries(t, s.Webhooks, e.ID)[0]
		require.NoError(t, s.Webhooks.DeleteEndpoint(ctx, e.ID))
		_, err := s.Webhooks.Delivery(ctx, d.ID)
		assert.True(t, errs.Is(err, errs.NotFound), "%v", err)
		assert.Len(t, deliveries(t, s.Webhooks, kept.ID), 1)
		assert.True(t, errs.Is(s.Webhooks.DeleteEndpoint(ctx, e.ID), errs.NotFound))
	})
}
