package memory

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// Webhooks is the store as ports.WebhookStore: endpoints and their delivery
// log. Listing deliveries scans the map, which is fine for what memory is
// for (tests and development), not for a large log.
type Webhooks struct{ s *Store }

// NewWebhooks gives the store as the webhook store.
func NewWebhooks(s *Store) Webhooks { return Webhooks{s} }

func endpointAt(e webhook.Endpoint) webhook.Endpoint {
	e.CreatedAt, e.UpdatedAt = at(e.CreatedAt), at(e.UpdatedAt)
	if e.PreviousSecret == "" {
		e.PreviousSecretUntil = time.Time{}
	} else {
		e.PreviousSecretUntil = at(e.PreviousSecretUntil)
	}
	return e
}

func (w Webhooks) CreateEndpoint(ctx context.Context, e webhook.Endpoint) error {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	if _, ok := w.s.endpoints[e.ID]; ok {
		return errs.E(errs.Conflict, errs.CodeConflict, "An endpoint with this id exists.")
	}
	w.s.endpoints[e.ID] = endpointAt(e)
	onRollback(ctx, func() { delete(w.s.endpoints, e.ID) })
	return nil
}

func (w Webhooks) Endpoint(_ context.Context, id string) (webhook.Endpoint, error) {
	w.s.mu.RLock()
	defer w.s.mu.RUnlock()
	e, ok := w.s.endpoints[id]
	if !ok {
		return webhook.Endpoint{}, errs.E(errs.NotFound, errs.CodeNotFound, "")
	}
	return e, nil
}

func (w Webhooks) Endpoints(context.Context) ([]webhook.Endpoint, error) {
	w.s.mu.RLock()
	out := make([]webhook.Endpoint, 0, len(w.s.endpoints))
	for _, e := range w.s.endpoints {
		out = append(out, e)
	}
	w.s.mu.RUnlock()
	slices.SortFunc(out, func(a, b webhook.Endpoint) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// UpdateEndpoint holds the endpoint's row lock around load, fn and store.
func (w Webhooks) UpdateEndpoint(ctx context.Context, id string, fn func(*webhook.Endpoint) error) (webhook.Endpoint, error) {
	unlock, err := w.s.rows.lock(ctx, "endpoint:"+id)
	if err != nil {
		return webhook.Endpoint{}, err
	}
	defer unlock()
	e, err := w.Endpoint(ctx, id)
	if err != nil {
		return webhook.Endpoint{}, err
	}
	if err := fn(&e); err != nil {
		return webhook.Endpoint{}, err
	}
	e.ID = id
	e = endpointAt(e)
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	before, ok := w.s.endpoints[id]
	if !ok {
		return webhook.Endpoint{}, errs.E(errs.NotFound, errs.CodeNotFound, "")
	}
	w.s.endpoints[id] = e
	onRollback(ctx, func() { w.s.endpoints[id] = before })
	return e, nil
}

// DeleteEndpoint removes the endpoint and its delivery log.
func (w Webhooks) DeleteEndpoint(ctx context.Context, id string) error {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	e, ok := w.s.endpoints[id]
	if !ok {
		return errs.E(errs.NotFound, errs.CodeNotFound, "")
	}
	delete(w.s.endpoints, id)
	var log []webhook.Delivery
	for did, d := range w.s.deliveries {
		if d.EndpointID == id {
			log = append(log, d)
			delete(w.s.deliveries, did)
		}
	}
	onRollback(ctx, func() {
		w.s.endpoints[id] = e
		for _, d := range log {
			w.s.deliveries[d.ID] = d
		}
	})
	return nil
}

func (w Webhooks) Delivery(_ context.Context, id string) (webhook.Delivery, error) {
	w.s.mu.RLock()
	defer w.s.mu.RUnlock()
	d, ok := w.s.deliveries[id]
	if !ok {
		return webhook.Delivery{}, errs.E(errs.NotFound, errs.CodeNotFound, "")
	}
	d.Payload = slices.Clone(d.Payload)
	return d, nil
}

// Deliveries lists newest first (created_at, then id, descending), after
// the cursor when there is one.
func (w Webhooks) Deliveries(_ context.Context, q ports.DeliveryQuery) ([]webhook.Delivery, error) {
	w.s.mu.RLock()
	var out []webhook.Delivery
	for _, d := range w.s.deliveries {
		if d.EndpointID != q.EndpointID || q.Status != "" && d.Status != q.Status {
			continue
		}
		if a := q.After; a != nil {
			c := at(a.CreatedAt)
			if !(d.CreatedAt.Before(c) || d.CreatedAt.Equal(c) && d.ID < a.ID) {
				continue
			}
		}
		d.Payload = slices.Clone(d.Payload)
		out = append(out, d)
	}
	w.s.mu.RUnlock()
	slices.SortFunc(out, func(a, b webhook.Delivery) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ID, a.ID))
	})
	if q.Limit >= 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// SaveAttempt writes the delivery's outcome fields; a delivery that is gone
// (its endpoint deleted) is left gone, as an UPDATE of no row is.
func (w Webhooks) SaveAttempt(ctx context.Context, d webhook.Delivery) error {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	before, ok := w.s.deliveries[d.ID]
	if !ok {
		return nil
	}
	next := before
	next.Status, next.Attempts, next.LastStatusCode, next.LastError = d.Status, d.Attempts, d.LastStatusCode, d.LastError
	next.NextAttemptAt = time.Time{}
	if !d.NextAttemptAt.IsZero() {
		next.NextAttemptAt = at(d.NextAttemptAt)
	}
	w.s.deliveries[d.ID] = next
	onRollback(ctx, func() { w.s.deliveries[d.ID] = before })
	return nil
}
