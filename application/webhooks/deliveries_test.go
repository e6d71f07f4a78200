package webhooks_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/application/webhooks"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/webhook"
)

// seed stores n deliveries of endpoint e, one a second apart, d-10 oldest;
// the odd ones succeeded.
func seed(st *memStore, e string, n int) {
	for i := range n {
		status := webhook.Failed
		if i%2 == 1 {
			status = webhook.Succeeded
		}
		id := "d-" + strconv.Itoa(10+i)
		st.deliveries[id] = webhook.Delivery{ID: id, EndpointID: e, Status: status,
			CreatedAt: clock{}.Now().Add(time.Duration(i) * time.Second)}
	}
}

func TestDeliveriesPagesNewestFirst(t *testing.T) {
	ctx := context.Background()
	svc, st, _ := admin(false)
	st.endpoints["e"] = webhook.Endpoint{ID: "e"}
	st.endpoints["other"] = webhook.Endpoint{ID: "other"}
	seed(st, "e", 5)
	st.deliveries["x"] = webhook.Delivery{ID: "x", EndpointID: "other", Status: webhook.Failed}

	var seen []string
	q := webhooks.DeliveryQuery{Limit: 2}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		page, err := svc.Deliveries(ctx, "e", q)
		if err != nil {
			t.Fatal(err)
		}
		if page.Limit != 2 || len(page.Deliveries) > 2 {
			t.Fatalf("page %+v", page)
		}
		for _, d := range page.Deliveries {
			seen = append(seen, d.ID)
		}
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
	}
	if want := []string{"d-14", "d-13", "d-12", "d-11", "d-10"}; !slices.Equal(seen, want) {
		t.Fatalf("paged %v, want %v", seen, want)
	}

	page, err := svc.Deliveries(ctx, "e", webhooks.DeliveryQuery{Status: "succeeded"})
	if err != nil || page.Limit != webhooks.DefaultLimit || page.NextCursor != "" || len(page.Deliveries) != 2 {
		t.Fatalf("succeeded only: %+v, %v", page, err)
	}
	for _, d := range page.Deliveries {
		if d.Status != webhook.Succeeded {
			t.Fatalf("status filter let %+v through", d)
		}
	}
}

func TestDeliveriesLimits(t *testing.T) {
	cases := []struct {
		name  string
		limit int
		want  int
	}{
		{"zero takes the default", 0, webhooks.DefaultLimit},
		{"negative is one", -3, 1},
		{"over the maximum is the maximum", webhooks.MaxLimit + 1, webhooks.MaxLimit},
		{"in range is kept", 7, 7},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			svc, st, _ := admin(false)
			st.endpoints["e"] = webhook.Endpoint{ID: "e"}
			page, err := svc.Deliveries(context.Background(), "e", webhooks.DeliveryQuery{Limit: c.limit})
			if err != nil || page.Limit != c.want {
				t.Fatalf("limit %d, %v; want %d", page.Limit, err, c.want)
			}
		})
	}
}

func TestDeliveriesRefusals(t *testing.T) {
	storeFailure := errors.New("disk on fire")
	cases := []struct {
		name       string
		endpoint   string
		q          webhooks.DeliveryQuery
		failList   error
		wantKind   errs.Kind
		wantFields []string
	}{
		{"unknown status", "e", webhooks.DeliveryQuery{Status: "lost"}, nil, errs.Invalid, []string{"status"}},
		{"cursor not base64", "e", webhooks.DeliveryQuery{Cursor: "***"}, nil, errs.Invalid, []string{"cursor"}},
		{"cursor without separator", "e", webhooks.DeliveryQuery{Cursor: "MTIz"}, nil, errs.Invalid, []string{"cursor"}},
		{"cursor with a bad time", "e", webhooks.DeliveryQuery{Cursor: "eHx5"}, nil, errs.Invalid, []string{"cursor"}},
		{"both bad", "e", webhooks.DeliveryQuery{Status: "x", Cursor: "***"}, nil, errs.Invalid, []string{"cursor", "status"}},
		{"unknown endpoint", "missing", webhooks.DeliveryQuery{}, nil, errs.NotFound, nil},
		{"store failure", "e", webhooks.DeliveryQuery{}, storeFailure, errs.Internal, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			svc, st, _ := admin(false)
			st.endpoints["e"] = webhook.Endpoint{ID: "e"}
			st.failList = c.failList
			_, err := svc.Deliveries(context.Background(), c.endpoint, c.q)
			if err == nil || errs.KindOf(err) != c.wantKind {
				t.Fatalf("err %v, want kind %v", err, c.wantKind)
			}
			if c.wantFields != nil && !slices.Equal(fields(t, err), c.wantFields) {
				t.Fatalf("fields %v", fields(t, err))
			}
			if c.failList != nil && !errors.Is(err, c.failList) {
				t.Fatalf("the store's error is lost: %v", err)
			}
		})
	}
}

func TestRetry(t *testing.T) {
	redeliverFailure := errors.New("queue down")
	cases := []struct {
		name          string
		endpoint      string
		delivery      string
		failRedeliver error
		wantKind      errs.Kind // Internal with wantErr false: no error
		wantErr       bool
	}{
		{"an exhausted delivery is pending again", "e", "d-10", nil, errs.Internal, false},
		{"another endpoint's delivery is not found", "other", "d-10", nil, errs.NotFound, true},
		{"an unknown delivery", "e", "nope", nil, errs.NotFound, true},
		{"the outbox fails", "e", "d-10", redeliverFailure, errs.Internal, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			svc, st, ob := admin(false)
			st.deliveries["d-10"] = webhook.Delivery{ID: "d-10", EndpointID: "e", Status: webhook.Exhausted, Attempts: 8}
			ob.failRedeliver = c.failRedeliver
			err := svc.Retry(context.Background(), c.endpoint, c.delivery)
			if !c.wantErr {
				d := st.deliveries["d-10"]
				if err != nil || d.Status != webhook.Pending || !d.NextAttemptAt.Equal(clock{}.Now()) || d.Attempts != 8 ||
					!slices.Equal(ob.redelivered, []string{"d-10"}) {
					t.Fatalf("%v: %+v, redelivered %v", err, d, ob.redelivered)
				}
				return
			}
			if err == nil || errs.KindOf(err) != c.wantKind || len(ob.redelivered) != 0 {
				t.Fatalf("err %v, want kind %v; redelivered %v", err, c.wantKind, ob.redelivered)
			}
			if c.failRedeliver != nil && !errors.Is(err, c.failRedeliver) {
				t.Fatalf("the outbox's error is lost: %v", err)
			}
		})
	}
}

func TestDeliverGoneEndpointAlreadyDeleted(t *testing.T) {
	// A 410 while the endpoint is being deleted: the delivery still fails
	// and the missing endpoint is no error.
	_, st, _ := setup(webhook.Outcome{StatusCode: 410})
	gone := &goneOnUpdate{store: st}
	svc := webhooks.New(webhooks.Deps{Store: gone, Sender: &sender{outcome: webhook.Outcome{StatusCode: 410}}, Clock: clock{}})
	if err := svc.Deliver(context.Background(), "d", 1, false); err != nil || st.delivery.Status != webhook.Failed {
		t.Fatalf("%v, %s", err, st.delivery.Status)
	}
	gone.err = errors.New("database down")
	st.delivery.Status = webhook.Pending
	if err := svc.Deliver(context.Background(), "d", 1, false); !errors.Is(err, gone.err) {
		t.Fatalf("the store's failure is lost: %v", err)
	}
}

type goneOnUpdate struct {
	*store
	err error
}

func (g *goneOnUpdate) UpdateEndpoint(context.Context, string, func(*webhook.Endpoint) error) (webhook.Endpoint, error) {
	if g.err != nil {
		return webhook.Endpoint{}, g.err
	}
	return webhook.Endpoint{}, notFound()
}
