// Package webhooks holds the webhook use cases: the admin's endpoints, their
// delivery log and manual retry, and the delivery job's attempt.
package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/paging"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// Paging limits of the delivery log.
const (
	DefaultLimit      = paging.Default
	MaxLimit          = paging.Max
	maxDescriptionLen = 500
)

// Deps are the ports the service uses.
type Deps struct {
	Store  ports.WebhookStore
	Outbox ports.Outbox
	Sender ports.WebhookSender
	Clock  ports.Clock
	IDs    ports.IDGenerator
	// AllowPrivate lets URLs name loopback, private and link-local hosts.
	AllowPrivate bool
	// RetrySchedule is the wait after each failed attempt.
	RetrySchedule []time.Duration
	// Observe, when set, counts each attempt's outcome.
	Observe func(outcome string)
}

// Service runs the webhook use cases.
type Service struct{ d Deps }

var _ ports.Deliverer = (*Service)(nil)

// New returns the service.
func New(d Deps) *Service {
	if len(d.RetrySchedule) == 0 {
		d.RetrySchedule = webhook.RetrySchedule
	}
	if d.Observe == nil {
		d.Observe = func(string) {}
	}
	return &Service{d: d}
}

func (s *Service) now() time.Time { return s.d.Clock.Now().UTC().Truncate(time.Microsecond) }

// Input is an endpoint as an admin creates it, or the fields of a PATCH
// (nil: unchanged).
type Input struct {
	URL         *string
	EventTypes  []string // nil: unchanged
	Description *string
	Enabled     *bool
}

func (s *Service) check(in Input, e *webhook.Endpoint) error {
	var problems []errs.FieldError
	if in.URL != nil {
		u, err := webhook.ParseURL(*in.URL, s.d.AllowPrivate)
		if err != nil {
			problems = append(problems, errs.FieldCode("url", errs.CodeInvalidURL, err.Error()))
		}
		e.URL = u
	}
	if in.EventTypes != nil {
		sub, err := webhook.ParseSubscription(in.EventTypes)
		if err != nil {
			problems = append(problems, errs.Field("event_types", err.Error()))
		}
		e.Types = sub
	}
	if in.Description != nil {
		d := *in.Description
		switch {
		case !utf8.ValidString(d) || strings.ContainsFunc(d, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' }):
			problems = append(problems, errs.Field("description", "must be UTF-8 text without control characters but tab and newline"))
		case utf8.RuneCountInString(d) > maxDescriptionLen:
			problems = append(problems, errs.Field("description", fmt.Sprintf("must be at most %d characters", maxDescriptionLen)))
		}
		e.Description = d
	}
	if in.Enabled != nil {
		e.Enabled = *in.Enabled
	}
	return errs.Validation(problems...)
}

// Create registers an endpoint, enabled, with a new secret; the answer is
// the only time the secret is shown besides a rotation.
func (s *Service) Create(ctx context.Context, in Input) (webhook.Endpoint, error) {
	var problems []errs.FieldError
	if in.URL == nil {
		problems = append(problems, errs.Field("url", "is required"))
	}
	if in.EventTypes == nil {
		problems = append(problems, errs.Field("event_types", "is required"))
	}
	e := webhook.Endpoint{Enabled: true}
	if err := s.check(in, &e); err != nil || len(problems) > 0 {
		if ve, ok := errs.As(err); ok {
			problems = append(problems, ve.Fields...)
		}
		return webhook.Endpoint{}, errs.Validation(problems...)
	}
	secret, err := newSecret()
	if err != nil {
		return webhook.Endpoint{}, err
	}
	now := s.now()
	e.ID, e.Secret, e.Enabled, e.CreatedAt, e.UpdatedAt = s.d.IDs.NewID(), secret, true, now, now
	if err := s.d.Store.CreateEndpoint(ctx, e); err != nil {
		return webhook.Endpoint{}, fmt.Errorf("create webhook endpoint: %w", err)
	}
	return e, nil
}

func newSecret() (webhook.Secret, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return "", errs.Wrap(errs.Internal, "", err)
	}
	return webhook.NewSecret(key)
}

// List returns every endpoint.
func (s *Service) List(ctx context.Context) ([]webhook.Endpoint, error) {
	return s.d.Store.Endpoints(ctx)
}

// Get returns one endpoint, or NotFound.
func (s *Service) Get(ctx context.Context, id string) (webhook.Endpoint, error) {
	return s.d.Store.Endpoint(ctx, id)
}

// Update applies a PATCH; an invalid one changes nothing.
func (s *Service) Update(ctx context.Context, id string, in Input) (webhook.Endpoint, error) {
	if _, err := s.d.Store.Endpoint(ctx, id); err != nil {
		return webhook.Endpoint{}, err
	}
	probe := webhook.Endpoint{}
	if err := s.check(in, &probe); err != nil {
		return webhook.Endpoint{}, err
	}
	return s.d.Store.UpdateEndpoint(ctx, id, func(e *webhook.Endpoint) error {
		if err := s.check(in, e); err != nil {
			return err
		}
		e.UpdatedAt = s.now()
		return nil
	})
}

// Delete removes the endpoint and its log; its pending deliveries go too.
func (s *Service) Delete(ctx context.Context, id string) error {
	return s.d.Store.DeleteEndpoint(ctx, id)
}

// RotateSecret gives the endpoint a new secret; deliveries carry the old
// secret's signature too for webhook.RotationOverlap.
func (s *Service) RotateSecret(ctx context.Context, id string) (webhook.Secret, error) {
	secret, err := newSecret()
	if err != nil {
		return "", err
	}
	_, err = s.d.Store.UpdateEndpoint(ctx, id, func(e *webhook.Endpoint) error {
		e.Rotate(secret, s.now())
		return nil
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// DeliveryQuery is the log's query as the client sent it.
type DeliveryQuery struct {
	Status string
	Cursor string
	Limit  int
}

// DeliveryPage is one page of the log; NextCursor is "" when nothing follows.
type DeliveryPage struct {
	Deliveries []webhook.Delivery
	Limit      int
	NextCursor string
}

// Deliveries pages through an endpoint's log, newest first.
func (s *Service) Deliveries(ctx context.Context, endpointID string, q DeliveryQuery) (DeliveryPage, error) {
	limit := paging.Limit(q.Limit)
	query := ports.DeliveryQuery{EndpointID: endpointID, Limit: limit + 1}
	var problems []errs.FieldError
	if q.Status != "" {
		st, err := webhook.ParseDeliveryStatus(q.Status)
		if err != nil {
			problems = append(problems, errs.Field("status", "must be pending, succeeded, failed or exhausted"))
		}
		query.Status = st
	}
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor)
		if err != nil {
			problems = append(problems, errs.FieldCode("cursor", errs.CodeInvalidCursor, "is not a cursor this server issued"))
		}
		query.After = &c
	}
	if err := errs.Validation(problems...); err != nil {
		return DeliveryPage{}, err
	}
	if _, err := s.d.Store.Endpoint(ctx, endpointID); err != nil {
		return DeliveryPage{}, err
	}
	list, err := s.d.Store.Deliveries(ctx, query)
	if err != nil {
		return DeliveryPage{}, fmt.Errorf("list deliveries: %w", err)
	}
	page := DeliveryPage{Deliveries: list, Limit: limit}
	if len(list) > limit {
		page.Deliveries = list[:limit]
		last := page.Deliveries[limit-1]
		page.NextCursor = encodeCursor(ports.DeliveryCursor{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	return page, nil
}

// Retry plans another attempt of a delivery now, whatever its status; the
// delivery is pending again until that attempt ends.
func (s *Service) Retry(ctx context.Context, endpointID, deliveryID string) error {
	d, err := s.d.Store.Delivery(ctx, deliveryID)
	if err != nil {
		return err
	}
	if d.EndpointID != endpointID {
		return errs.E(errs.NotFound, errs.CodeNotFound, "")
	}
	return s.d.Outbox.Atomically(ctx, func(ctx context.Context) error {
		d.Status, d.NextAttemptAt = webhook.Pending, s.now()
		if err := s.d.Store.SaveAttempt(ctx, d); err != nil {
			return err
		}
		return s.d.Outbox.Redeliver(ctx, d.ID)
	})
}

// ErrRetry asks the job engine to attempt the delivery again later.
var ErrRetry = errors.New("delivery attempt failed; retrying")

// Deliver makes one attempt of a delivery. A delivery that is gone (its
// endpoint deleted) or settled (a duplicate job after a manual retry) is
// left alone; one whose endpoint is disabled fails without an attempt.
func (s *Service) Deliver(ctx context.Context, deliveryID string, attempt int, last bool) error {
	d, err := s.d.Store.Delivery(ctx, deliveryID)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if d.Status != webhook.Pending {
		return nil
	}
	e, err := s.d.Store.Endpoint(ctx, d.EndpointID)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !e.Enabled {
		d.Status, d.LastError, d.NextAttemptAt = webhook.Failed, "endpoint disabled", time.Time{}
		s.d.Observe("skipped")
		return s.d.Store.SaveAttempt(ctx, d)
	}
	o := s.d.Sender.Send(ctx, e, d, s.d.Clock.Now())
	d.Attempts++
	d.LastStatusCode, d.LastError, d.NextAttemptAt = o.StatusCode, o.Err, time.Time{}
	var retry error
	switch {
	case o.Success():
		d.Status = webhook.Succeeded
		s.d.Observe("succeeded")
	case o.Gone():
		d.Status = webhook.Failed
		s.d.Observe("gone")
		if _, err := s.d.Store.UpdateEndpoint(ctx, e.ID, func(e *webhook.Endpoint) error {
			e.Enabled, e.UpdatedAt = false, s.now()
			return nil
		}); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
	case last:
		d.Status = webhook.Exhausted
		s.d.Observe("exhausted")
	default:
		d.Status = webhook.Pending
		d.NextAttemptAt = s.now().Add(retryWait(s.d.RetrySchedule, attempt))
		s.d.Observe("retried")
		retry = ErrRetry
	}
	if err := s.d.Store.SaveAttempt(ctx, d); err != nil {
		return err
	}
	return retry
}

func retryWait(schedule []time.Duration, attempt int) time.Duration {
	i := min(max(attempt-1, 0), len(schedule)-1)
	return schedule[i]
}

// A cursor is "<unix microseconds>|<id>" in base64url.
func encodeCursor(c ports.DeliveryCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.CreatedAt.UnixMicro(), 10) + "|" + c.ID))
}

func decodeCursor(s string) (ports.DeliveryCursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return ports.DeliveryCursor{}, err
	}
	micros, id, ok := strings.Cut(string(raw), "|")
	if !ok || id == "" || len(id) > 64 {
		return ports.DeliveryCursor{}, errors.New("malformed cursor")
	}
	us, err := strconv.ParseInt(micros, 10, 64)
	if err != nil {
		return ports.DeliveryCursor{}, err
	}
	return ports.DeliveryCursor{CreatedAt: time.UnixMicro(us).UTC(), ID: id}, nil
}
