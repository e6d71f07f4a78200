package memory

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// Queue takes the delivery jobs of committed deliveries; the in-process job
// runner (Runner) implements it, as River does for the SQL store.
type Queue interface {
	// EnqueueDeliveries plans one delivery job per id, to run now.
	EnqueueDeliveries(deliveryIDs []string)
}

// UseQueue attaches the job runner and the ids of new deliveries; until
// then publishing makes nothing, as on the SQL store.
func (s *Store) UseQueue(q Queue, ids ports.IDGenerator) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue, s.ids = q, ids
}

// txKey carries the transaction of Outbox.Atomically in a context.
type txKey struct{}

// tx is a memory transaction. Writes go to the maps at once (readers
// outside may see them before the commit: memory does not isolate), and
// each one leaves an undo that a rollback runs, newest first. What must not
// be seen before the commit is held back: published deliveries join the
// store, and their jobs the queue, only when fn returns nil.
type tx struct {
	mu         sync.Mutex
	undo       []func() // run under s.mu
	deliveries []webhook.Delivery
	jobs       []string
}

func txOf(ctx context.Context) *tx {
	t, _ := ctx.Value(txKey{}).(*tx)
	return t
}

// onRollback records how to take back a write made under s.mu in ctx's
// transaction, if any. The caller holds s.mu.
func onRollback(ctx context.Context, undo func()) {
	if t := txOf(ctx); t != nil {
		t.mu.Lock()
		t.undo = append(t.undo, undo)
		t.mu.Unlock()
	}
}

// Outbox is ports.Outbox in memory: a published message becomes one
// delivery per subscribed enabled endpoint at publish time, as in the SQL
// store, kept back until its transaction commits.
type Outbox struct{ s *Store }

// NewOutbox gives the store as the outbox.
func NewOutbox(s *Store) Outbox { return Outbox{s} }

// Atomically runs fn in a memory transaction; inside another one it joins
// it, as a nested call would join a database transaction.
func (o Outbox) Atomically(ctx context.Context, fn func(ctx context.Context) error) error {
	if txOf(ctx) != nil {
		return fn(ctx)
	}
	t := &tx{}
	if err := fn(context.WithValue(ctx, txKey{}, t)); err != nil {
		o.s.mu.Lock()
		for _, undo := range slices.Backward(t.undo) {
			undo()
		}
		o.s.mu.Unlock()
		return err
	}
	o.s.mu.Lock()
	o.s.commit(t.deliveries)
	queue := o.s.queue
	o.s.mu.Unlock()
	if queue != nil && len(t.jobs) > 0 {
		queue.EnqueueDeliveries(t.jobs)
	}
	return nil
}

func (o Outbox) Publish(ctx context.Context, msgs ...webhook.Message) error {
	return o.s.publish(ctx, msgs)
}

func (o Outbox) Redeliver(ctx context.Context, deliveryID string) error {
	o.s.mu.RLock()
	queue := o.s.queue
	o.s.mu.RUnlock()
	if queue == nil {
		return errs.E(errs.Unavailable, errs.CodeJobsUnavailable, "The job engine is not running.")
	}
	if t := txOf(ctx); t != nil {
		t.mu.Lock()
		t.jobs = append(t.jobs, deliveryID)
		t.mu.Unlock()
		return nil
	}
	queue.EnqueueDeliveries([]string{deliveryID})
	return nil
}

// publish fans msgs out to the enabled endpoints subscribed now: inside a
// transaction they wait for its commit, outside they are committed at once.
func (s *Store) publish(ctx context.Context, msgs []webhook.Message) error {
	ds, err := s.prepare(msgs)
	if err != nil {
		return err
	}
	s.deliver(ctx, ds)
	return nil
}

// prepare is fanOut under s.mu.
func (s *Store) prepare(msgs []webhook.Message) ([]webhook.Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fanOut(msgs)
}

// deliver adds prepared deliveries to ctx's transaction, or stores them and
// queues their jobs now outside one.
func (s *Store) deliver(ctx context.Context, ds []webhook.Delivery) {
	if len(ds) == 0 {
		return
	}
	if t := txOf(ctx); t != nil {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.deliveries = append(t.deliveries, ds...)
		t.jobs = append(t.jobs, ids(ds)...)
		return
	}
	s.mu.Lock()
	s.commit(ds)
	queue := s.queue
	s.mu.Unlock()
	queue.EnqueueDeliveries(ids(ds))
}

// fanOut makes the pending deliveries of msgs; none without a queue. The
// caller holds s.mu.
func (s *Store) fanOut(msgs []webhook.Message) ([]webhook.Delivery, error) {
	if len(msgs) == 0 || s.queue == nil {
		return nil, nil
	}
	var subs []webhook.Endpoint
	for _, e := range s.endpoints {
		if e.Enabled {
			subs = append(subs, e)
		}
	}
	now := at(time.Now())
	var out []webhook.Delivery
	for _, m := range msgs {
		var body []byte
		for _, e := range subs {
			if !e.Types.Has(m.Type) {
				continue
			}
			if body == nil {
				var err error
				if body, err = m.Body(); err != nil {
					return nil, errs.Wrap(errs.Internal, "", err)
				}
			}
			out = append(out, webhook.Delivery{ID: s.ids.NewID(), EndpointID: e.ID, MessageID: m.ID, Type: m.Type,
				UserID: m.UserID, Payload: body, Status: webhook.Pending, NextAttemptAt: now, CreatedAt: now})
		}
	}
	return out, nil
}

// commit stores deliveries whose endpoint still exists (one deleted
// meanwhile took its log with it, as the SQL store's foreign key does).
// The caller holds s.mu.
func (s *Store) commit(ds []webhook.Delivery) {
	for _, d := range ds {
		if _, ok := s.endpoints[d.EndpointID]; ok {
			s.deliveries[d.ID] = d
		}
	}
}

func ids(ds []webhook.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}
