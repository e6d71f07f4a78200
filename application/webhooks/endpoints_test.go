package webhooks_test

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

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
