package users_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/application/auth"
	"github.com/lingo-labs/lingo/application/users"
	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/errs"
)

func TestListUsersPages(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	var want []string
	for i := range 7 {
		s := e.register(t, fmt.Sprintf("user%d@example.com", i))
		want = append(want, s.User.ID())
		if i%2 == 0 { // pairs share a creation time, so the id breaks ties
			e.clock.Advance(time.Second)
		}
	}
	var got []string
	cursor := ""
	pages := 0
	for {
		p, err := e.svc.ListUsers(ctx, users.ListQuery{Cursor: cursor, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, u := range p.Users {
			got = append(got, u.ID())
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if pages != 3 || len(got) != len(want) {
		t.Fatalf("%d pages, %d users; want 3 pages, %d users", pages, len(got), len(want))
	}
	seen := map[string]bool{}
	var prev account.User
	for i, id := range got {
		u, err := e.svc.Me(ctx, id)
		if err != nil || seen[id] {
			t.Fatalf("user %s repeated or unknown: %v", id, err)
		}
		seen[id] = true
		if i > 0 && (u.CreatedAt().Before(prev.CreatedAt()) || u.CreatedAt().Equal(prev.CreatedAt()) && u.ID() < prev.ID()) {
			t.Fatalf("%s comes after %s out of (created_at, id) order", u.ID(), prev.ID())
		}
		prev = u
	}
}

func TestListUsersExactPageHasNoNextCursor(t *testing.T) {
	e := newEnv(t)
	for i := range 3 {
		e.register(t, fmt.Sprintf("user%d@example.com", i))
	}
	p, err := e.svc.ListUsers(context.Background(), users.ListQuery{Limit: 3})
	if err != nil || len(p.Users) != 3 || p.NextCursor != "" {
		t.Fatalf("got %d users, cursor %q, %v", len(p.Users), p.NextCursor, err)
	}
}

func TestListUsersLimit(t *testing.T) {
	cases := []struct {
		name      string
		in, limit int
	}{
		{"default", 0, 50},
		{"negative clamps to one", -5, 1},
		{"over the maximum", 1000, 200},
		{"as asked", 20, 20},
	}
	e := newEnv(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := e.svc.ListUsers(context.Background(), users.ListQuery{Limit: c.in})
			if err != nil || p.Limit != c.limit {
				t.Fatalf("limit %d, %v; want %d", p.Limit, err, c.limit)
			}
		})
	}
}

func TestListUsersSearch(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mk := func(email, name string) {
		r, _ := auth.ParseRegistration(email, "correct horse", name)
		if _, err := e.auth.Register(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	mk("ana@example.com", "Ana María")
	mk("bob@school.org", "Robert")
	mk("carla@example.com", "Carla ANA")
	cases := []struct {
		q    string
		want int
	}{
		{"ana", 2}, {"ANA", 2}, {"  school ", 1}, {"rob", 1}, {"example.com", 2}, {"zzz", 0}, {"", 3},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			p, err := e.svc.ListUsers(ctx, users.ListQuery{Search: c.q})
			if err != nil || len(p.Users) != c.want {
				t.Fatalf("got %d, %v; want %d", len(p.Users), err, c.want)
			}
		})
	}
}

// cursor forges a cursor holding raw.
func cursor(raw string) string { return base64.RawURLEncoding.EncodeToString([]byte(raw)) }

func TestListUsersRefusesBadInput(t *testing.T) {
	cases := []struct {
		name, field string
		q           users.ListQuery
	}{
		{"not base64", "cursor", users.ListQuery{Cursor: "!!!"}},
		{"no separator", "cursor", users.ListQuery{Cursor: "MTIz"}},
		{"id not a UUID", "cursor", users.ListQuery{Cursor: cursor("1700000000000000|x'; drop table users")}},
		{"instant past year 9999", "cursor", users.ListQuery{Cursor: cursor("9223372036854775807|0b8f6c9e-1c1e-4c8a-9a43-4c1f2f5d8e11")}},
		{"instant before 1970", "cursor", users.ListQuery{Cursor: cursor("-9223372036854775808|0b8f6c9e-1c1e-4c8a-9a43-4c1f2f5d8e11")}},
		{"long search", "q", users.ListQuery{Search: string(make([]byte, 300))}},
	}
	e := newEnv(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.svc.ListUsers(context.Background(), c.q)
			e2, ok := errs.As(err)
			if !ok || e2.Kind != errs.Invalid || e2.Fields[0].Field != c.field {
				t.Fatalf("got %v", err)
			}
		})
	}
}
