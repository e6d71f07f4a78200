package webhooks_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/application/webhooks"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

type store struct {
	ports.WebhookStore
	endpoint webhook.Endpoint
	delivery webhook.Delivery
}

func (s *store) Delivery(context.Context, string) (webhook.Delivery, error) {
	if s.delivery.ID == "" {
		return webhook.Delivery{}, errs.E(errs.NotFound, errs.CodeNotFound, "")
	}
	return s.delivery, nil
}
func (s *store) Endpoint(context.Context, string) (webhook.Endpoint, error) { return s.endpoint, nil }
func (s *store) SaveAttempt(_ context.Context, d webhook.Delivery) error {
	s.delivery = d
	return nil
}
func (s *store) UpdateEndpoint(_ context.Context, _ string, fn func(*webhook.Endpoint) error) (webhook.Endpoint, error) {
	err := fn(&s.endpoint)
	return s.endpoint, err
}

type sender struct {
	outcome webhook.Outcome
	calls   int
}

func (s *sender) Send(context.Context, webhook.Endpoint, webhook.Delivery, time.Time) webhook.Outcome {
	s.calls++
	return s.outcome
}

type clock struct{}

func (clock) Now() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }

func setup(o webhook.Outcome) (*webhooks.Service, *store, *sender) {
	st := &store{endpoint: webhook.Endpoint{ID: "e", Enabled: true}, delivery: webhook.Delivery{ID: "d", EndpointID: "e", Status: webhook.Pending}}
	snd := &sender{outcome: o}
	return webhooks.New(webhooks.Deps{Store: st, Sender: snd, Clock: clock{},
		RetrySchedule: []time.Duration{time.Second, time.Minute}}), st, snd
}

func TestDeliverOutcomes(t *testing.T) {
	cases := []struct {
		name       string
		outcome    webhook.Outcome
		attempt    int
		last       bool
		wantStatus webhook.DeliveryStatus
		wantRetry  bool
		wantNext   time.Duration
		enabled    bool
	}{
		{"2xx succeeds", webhook.Outcome{StatusCode: 204}, 1, false, webhook.Succeeded, false, 0, true},
		{"500 retries on the schedule", webhook.Outcome{StatusCode: 500, Err: "answered 500"}, 2, false, webhook.Pending, true, time.Minute, true},
		{"the last failure exhausts", webhook.Outcome{StatusCode: 500, Err: "answered 500"}, 3, true, webhook.Exhausted, false, 0, true},
		{"410 fails and disables", webhook.Outcome{StatusCode: 410, Err: "answered 410"}, 1, false, webhook.Failed, false, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			svc, st, _ := setup(c.outcome)
			err := svc.Deliver(context.Background(), "d", c.attempt, c.last)
			if got := errors.Is(err, webhooks.ErrRetry); got != c.wantRetry {
				t.Fatalf("retry = %v (%v), want %v", got, err, c.wantRetry)
			}
			d := st.delivery
			if d.Status != c.wantStatus || d.Attempts != 1 || st.endpoint.Enabled != c.enabled {
				t.Fatalf("delivery %+v, endpoint enabled %v", d, st.endpoint.Enabled)
			}
			if c.wantNext > 0 && !d.NextAttemptAt.Equal(clock{}.Now().Add(c.wantNext)) {
				t.Fatalf("next attempt %v", d.NextAttemptAt)
			}
		})
	}
}

func TestDeliverLeavesSettledAndGoneDeliveriesAlone(t *testing.T) {
	svc, st, snd := setup(webhook.Outcome{StatusCode: 200})
	st.delivery.Status = webhook.Succeeded
	if err := svc.Deliver(context.Background(), "d", 1, false); err != nil || snd.calls != 0 {
		t.Fatalf("a settled delivery was sent again: %v, %d calls", err, snd.calls)
	}
	st.delivery = webhook.Delivery{}
	if err := svc.Deliver(context.Background(), "d", 1, false); err != nil || snd.calls != 0 {
		t.Fatalf("a deleted delivery: %v, %d calls", err, snd.calls)
	}
	st.delivery = webhook.Delivery{ID: "d", EndpointID: "e", Status: webhook.Pending}
	st.endpoint.Enabled = false
	if err := svc.Deliver(context.Background(), "d", 1, false); err != nil || snd.calls != 0 || st.delivery.Status != webhook.Failed {
		t.Fatalf("a disabled endpoint: %v, %d calls, %s", err, snd.calls, st.delivery.Status)
	}
}
