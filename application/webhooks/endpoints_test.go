package webhooks_test

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/application/webhooks"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// memStore is a whole webhook store in memory, for the admin use cases.
type memStore struct {
	endpoints  map[string]webhook.Endpoint
	deliveries map[string]webhook.Delivery
	failList   error // returned by Deliveries when set
}

func newMemStore() *memStore {
	return &memStore{endpoints: map[string]webhook.Endpoint{}, deliveries: map[string]webhook.Delivery{}}
}

func notFound() error { return errs.E(errs.NotFound, errs.CodeNotFound, "") }

func (s *memStore) CreateEndpoint(_ context.Context, e webhook.Endpoint) error {
	s.endpoints[e.ID] = e
	return nil
}

func (s *memStore) Endpoint(_ context.Context, id string) (webhook.Endpoint, error) {
	e, ok := s.endpoints[id]
	if !ok {
		return webhook.Endpoint{}, notFound()
	}
	return e, nil
}

func (s *memStore) Endpoints(context.Context) ([]webhook.Endpoint, error) {
	var out []webhook.Endpoint
	for _, e := range s.endpoints {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (s *memStore) UpdateEndpoint(_ context.Context, id string, fn func(*webhook.Endpoint) error) (webhook.Endpoint, error) {
	e, ok := s.endpoints[id]
	if !ok {
		return webhook.Endpoint{}, notFound()
	}
	if err := fn(&e); err != nil {
		return webhook.Endpoint{}, err
	}
	s.endpoints[id] = e
	return e, nil
}

func (s *memStore) DeleteEndpoint(_ context.Context, id string) error {
	if _, ok := s.endpoints[id]; !ok {
		return notFound()
	}
	delete(s.endpoints, id)
	return nil
}

func (s *memStore) Delivery(_ context.Context, id string) (webhook.Delivery, error) {
	d, ok := s.deliveries[id]
	if !ok {
		return webhook.Delivery{}, notFound()
	}
	return d, nil
}

// Deliveries orders newest first, by (CreatedAt, ID) descending, as the port says.
func (s *memStore) Deliveries(_ context.Context, q ports.DeliveryQuery) ([]webhook.Delivery, error) {
	if s.failList != nil {
		return nil, s.failList
	}
	var out []webhook.Delivery
	for _, d := range s.deliveries {
		if d.EndpointID != q.EndpointID || (q.Status != "" && d.Status != q.Status) {
			continue
		}
		if a := q.After; a != nil && !(d.CreatedAt.Before(a.CreatedAt) || d.CreatedAt.Equal(a.CreatedAt) && d.ID < a.ID) {
			continue
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].ID > out[j].ID
	})
	return out[:min(len(out), q.Limit)], nil
}

func (s *memStore) SaveAttempt(_ context.Context, d webhook.Delivery) error {
	s.deliveries[d.ID] = d
	return nil
}

// outbox runs fn directly and records redeliveries; failRedeliver makes
// Redeliver fail, so a test can see that the caller returns the error.
type outbox struct {
	redelivered   []string
	failRedeliver error
}

func (o *outbox) Atomically(ctx context.Context, fn func(context.Context) error) error {
	return fn(ctx)
}
func (o *outbox) Publish(context.Context, ...webhook.Message) error { return nil }
func (o *outbox) Redeliver(_ context.Context, id string) error {
	if o.failRedeliver != nil {
		return o.failRedeliver
	}
	o.redelivered = append(o.redelivered, id)
	return nil
}

type ids struct{ n int }

func (g *ids) NewID() string { g.n++; return "id-" + strconv.Itoa(g.n) }

func admin(allowPrivate bool) (*webhooks.Service, *memStore, *outbox) {
	st, ob := newMemStore(), &outbox{}
	return webhooks.New(webhooks.Deps{Store: st, Outbox: ob, Clock: clock{}, IDs: &ids{}, AllowPrivate: allowPrivate}), st, ob
}

func ptr[T any](v T) *T { return &v }

// fields lists the field names of a validation error, or fails the test.
func fields(t *testing.T, err error) []string {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.Invalid {
		t.Fatalf("want a validation error, got %v", err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	sort.Strings(out)
	return out
}

func TestCreate(t *testing.T) {
	cases := []struct {
		name         string
		in           webhooks.Input
		allowPrivate bool
		wantFields   []string // nil: created
	}{
		{"a public URL and one type", webhooks.Input{URL: ptr("https://example.com/hook"), EventTypes: []string{"user.registered"}}, false, nil},
		{"every type", webhooks.Input{URL: ptr("https://example.com/hook"), EventTypes: []string{"*"}, Description: ptr("all\tof it\n")}, false, nil},
		{"loopback when private hosts are allowed", webhooks.Input{URL: ptr("http://127.0.0.1:9/h"), EventTypes: []string{"*"}}, true, nil},
		{"nothing given", webhooks.Input{}, false, []string{"event_types", "url"}},
		{"loopback refused", webhooks.Input{URL: ptr("http://127.0.0.1:9/h"), EventTypes: []string{"*"}}, false, []string{"url"}},
		{"unknown type", webhooks.Input{URL: ptr("https://example.com/h"), EventTypes: []string{"nope"}}, false, []string{"event_types"}},
		{"no types", webhooks.Input{URL: ptr("https://example.com/h"), EventTypes: []string{}}, false, []string{"event_types"}},
		{"control character in the description", webhooks.Input{URL: ptr("https://example.com/h"), EventTypes: []string{"*"}, Description: ptr("a\x00b")}, false, []string{"description"}},
		{"description too long", webhooks.Input{URL: ptr("https://example.com/h"), EventTypes: []string{"*"}, Description: ptr(strings.Repeat("é", 501))}, false, []string{"description"}},
		{"URL missing, description bad", webhooks.Input{EventTypes: []string{"*"}, Description: ptr("\x01")}, false, []string{"description", "url"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			svc, st, _ := admin(c.allowPrivate)
			e, err := svc.Create(context.Background(), c.in)
			if c.wantFields != nil {
				if got := fields(t, err); !slices.Equal(got, c.wantFields) {
					t.Fatalf("fields %v, want %v", got, c.wantFields)
				}
				if len(st.endpoints) != 0 {
					t.Fatalf("an invalid create stored %v", st.endpoints)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			stored, ok := st.endpoints[e.ID]
			if !ok || e.ID == "" || !e.Enabled || e.Secret == "" || !e.CreatedAt.Equal(clock{}.Now()) || e.URL != *c.in.URL {
				t.Fatalf("created %+v, stored %v", e, ok)
			}
			if key, err := stored.Secret.Key(); err != nil || len(key) != 32 {
				t.Fatalf("secret key %d bytes, %v", len(key), err)
			}
			if !slices.Equal(e.Types.Names(), c.in.EventTypes) {
				t.Fatalf("types %v", e.Types.Names())
			}
		})
	}
}

func TestCreateGivesEachEndpointItsOwnSecret(t *testing.T) {
	svc, _, _ := admin(false)
	in := webhooks.Input{URL: ptr("https://example.com/h"), EventTypes: []string{"*"}}
	a, errA := svc.Create(context.Background(), in)
	b, errB := svc.Create(context.Background(), in)
	if errA != nil || errB != nil || a.Secret == b.Secret || a.ID == b.ID {
		t.Fatalf("%v %v: two endpoints share %q / %q", errA, errB, a.Secret, a.ID)
	}
}

func TestListGetDelete(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := admin(false)
	a, _ := svc.Create(ctx, webhooks.Input{URL: ptr("https://a.example/h"), EventTypes: []string{"*"}})
	b, _ := svc.Create(ctx, webhooks.Input{URL: ptr("https://b.example/h"), EventTypes: []string{"*"}})
	list, err := svc.List(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("list %v, %v", list, err)
	}
	if got, err := svc.Get(ctx, b.ID); err != nil || got.URL != b.URL {
		t.Fatalf("get %+v, %v", got, err)
	}
	if err := svc.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Get(ctx, a.ID); !errs.Is(err, errs.NotFound) {
		t.Fatalf("deleted endpoint: %v", err)
	}
	if err := svc.Delete(ctx, a.ID); !errs.Is(err, errs.NotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestUpdate(t *testing.T) {
	cases := []struct {
		name       string
		id         string
		in         webhooks.Input
		wantKind   errs.Kind // Internal: no error
		wantFields []string
		check      func(t *testing.T, e webhook.Endpoint)
	}{
		{"disable only", "", webhooks.Input{Enabled: ptr(false)}, errs.Internal, nil, func(t *testing.T, e webhook.Endpoint) {
			if e.Enabled || e.URL != "https://a.example/h" || !slices.Equal(e.Types.Names(), []string{"*"}) {
				t.Fatalf("%+v", e)
			}
		}},
		{"new URL, types and description", "", webhooks.Input{URL: ptr("https://b.example/x"), EventTypes: []string{"user.deleted"}, Description: ptr("b")}, errs.Internal, nil,
			func(t *testing.T, e webhook.Endpoint) {
				if e.URL != "https://b.example/x" || e.Description != "b" || !e.Enabled || !slices.Equal(e.Types.Names(), []string{"user.deleted"}) {
					t.Fatalf("%+v", e)
				}
			}},
		{"invalid URL changes nothing", "", webhooks.Input{URL: ptr("ftp://b.example"), Enabled: ptr(false)}, errs.Invalid, []string{"url"}, nil},
		{"unknown endpoint", "missing", webhooks.Input{Enabled: ptr(false)}, errs.NotFound, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			svc, st, _ := admin(false)
			orig, err := svc.Create(ctx, webhooks.Input{URL: ptr("https://a.example/h"), EventTypes: []string{"*"}})
			if err != nil {
				t.Fatal(err)
			}
			id := orig.ID
			if c.id != "" {
				id = c.id
			}
			e, err := svc.Update(ctx, id, c.in)
			if c.wantKind != errs.Internal {
				if !errs.Is(err, c.wantKind) {
					t.Fatalf("err %v, want kind %v", err, c.wantKind)
				}
				if c.wantFields != nil && !slices.Equal(fields(t, err), c.wantFields) {
					t.Fatalf("fields %v", fields(t, err))
				}
				if got := st.endpoints[orig.ID]; got.URL != orig.URL || got.Enabled != orig.Enabled {
					t.Fatalf("a refused update changed %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, e)
			if got := st.endpoints[orig.ID]; got.URL != e.URL || got.Enabled != e.Enabled {
				t.Fatalf("stored %+v, answered %+v", got, e)
			}
		})
	}
}

func TestRotateSecretKeepsTheOldOneForTheOverlap(t *testing.T) {
	ctx := context.Background()
	svc, st, _ := admin(false)
	e, _ := svc.Create(ctx, webhooks.Input{URL: ptr("https://a.example/h"), EventTypes: []string{"*"}})
	secret, err := svc.RotateSecret(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := st.endpoints[e.ID]
	if secret == e.Secret || got.Secret != secret || got.PreviousSecret != e.Secret ||
		!got.PreviousSecretUntil.Equal(clock{}.Now().Add(webhook.RotationOverlap)) {
		t.Fatalf("rotated to %q: %+v", secret, got)
	}
	if _, err := svc.RotateSecret(ctx, "missing"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("rotating an unknown endpoint: %v", err)
	}
}

// seed stores n deliveries of endpoint e, one a second apart, d-00 oldest;
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
	svc, st, _ := setup(webhook.Outcome{StatusCode: 410})
	gone := &goneOnUpdate{store: st}
	svc = webhooks.New(webhooks.Deps{Store: gone, Sender: &sender{outcome: webhook.Outcome{StatusCode: 410}}, Clock: clock{}})
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
