package ports

import (
	"context"
	"time"

	"github.com/lingo-labs/lingo/domain/webhook"
)

// Outbox publishes messages in the transaction of the change they report, so
// a message exists exactly when its change does: a rollback sends nothing,
// a commit is delivered at least once, also across a crash.
type Outbox interface {
	// Atomically runs fn in one database transaction: the stores called
	// with the ctx fn receives take part in it, and so does Publish. fn's
	// error rolls everything back and is returned as is.
	Atomically(ctx context.Context, fn func(ctx context.Context) error) error
	// Publish makes, for each message, one pending delivery (and its job)
	// per enabled endpoint subscribed to its type at this moment. Inside
	// Atomically it joins that transaction; outside it runs in its own.
	Publish(ctx context.Context, msgs ...webhook.Message) error
	// Redeliver plans one more attempt of a stored delivery now, in ctx's
	// transaction as Publish does.
	Redeliver(ctx context.Context, deliveryID string) error
}

// DeliveryQuery selects one endpoint's deliveries, newest first.
type DeliveryQuery struct {
	EndpointID string
	Status     webhook.DeliveryStatus // "": every status
	After      *DeliveryCursor
	Limit      int
}

// DeliveryCursor is a position in the newest-first delivery order.
type DeliveryCursor struct {
	CreatedAt time.Time
	ID        string
}

// WebhookStore keeps endpoints and the delivery log.
type WebhookStore interface {
	// CreateEndpoint stores a new endpoint.
	CreateEndpoint(ctx context.Context, e webhook.Endpoint) error
	// Endpoint returns the endpoint, or NotFound.
	Endpoint(ctx context.Context, id string) (webhook.Endpoint, error)
	// Endpoints lists every endpoint, oldest first.
	Endpoints(ctx context.Context) ([]webhook.Endpoint, error)
	// UpdateEndpoint changes the endpoint under a row lock; NotFound when
	// it does not exist; fn's error changes nothing and is returned as is.
	UpdateEndpoint(ctx context.Context, id string, fn func(*webhook.Endpoint) error) (webhook.Endpoint, error)
	// DeleteEndpoint removes the endpoint and its delivery log; NotFound
	// when it does not exist.
	DeleteEndpoint(ctx context.Context, id string) error
	// Delivery returns one delivery, or NotFound.
	Delivery(ctx context.Context, id string) (webhook.Delivery, error)
	// Deliveries lists up to q.Limit deliveries of an endpoint.
	Deliveries(ctx context.Context, q DeliveryQuery) ([]webhook.Delivery, error)
	// SaveAttempt writes a delivery's status, attempts, last answer and
	// next attempt.
	SaveAttempt(ctx context.Context, d webhook.Delivery) error
}

// WebhookSender posts one attempt of a delivery to its endpoint.
type WebhookSender interface {
	// Send posts the payload, signed for instant at, and reports how the
	// receiver answered; it never returns an error, a failure is an Outcome.
	Send(ctx context.Context, e webhook.Endpoint, d webhook.Delivery, at time.Time) webhook.Outcome
}
