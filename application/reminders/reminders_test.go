package reminders_test

import (
	"context"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/application/reminders"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/preferences"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// memStore is the reminder store of one learner in memory.
type memStore struct {
	rows map[webhook.EventType]time.Time
	sent map[string]bool
}

func (m *memStore) Schedule(_ context.Context, _ string, k webhook.EventType, at time.Time) error {
	if at.IsZero() {
		delete(m.rows, k)
	} else {
		m.rows[k] = at
	}
	return nil
}
func (m *memStore) Due(_ context.Context, now time.Time, _ int) ([]ports.ReminderDue, error) {
	var out []ports.ReminderDue
	for k, at := range m.rows {
		if !at.After(now) {
			out = append(out, ports.ReminderDue{UserID: "u", Kind: k, DueAt: at})
		}
	}
	return out, nil
}
func (m *memStore) Move(_ context.Context, _ string, k webhook.EventType, from, to time.Time) (bool, error) {
	if !m.rows[k].Equal(from) {
		return false, nil
	}
	m.rows[k] = to
	return true, nil
}
func (m *memStore) MarkSent(_ context.Context, _ string, k webhook.EventType, d calendar.Date, _ time.Time) (bool, error) {
	key := string(k) + d.String()
	if m.sent[key] {
		return false, nil
	}
	m.sent[key] = true
	return true, nil
}

type prefs struct{ ports.PreferencesRepository }

func (prefs) Get(context.Context, string) (preferences.Preferences, error) {
	return preferences.Default(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), nil
}

type progress struct{ ports.ProgressStore }

func (progress) Snapshot(context.Context, string, calendar.Date) (ports.LearnerSnapshot, error) {
	return ports.LearnerSnapshot{}, nil
}

type outbox struct{ published []webhook.Message }

func (o *outbox) Atomically(ctx context.Context, fn func(context.Context) error) error {
	return fn(ctx)
}
func (o *outbox) Publish(_ context.Context, msgs ...webhook.Message) error {
	o.published = append(o.published, msgs...)
	return nil
}
func (o *outbox) Redeliver(context.Context, string) error { return nil }

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

type ids struct{}

func (ids) NewID() string { return "id" }

func setup(now time.Time) (*reminders.Service, *memStore, *outbox, *clock) {
	st := &memStore{rows: map[webhook.EventType]time.Time{}, sent: map[string]bool{}}
	ob, clk := &outbox{}, &clock{now: now}
	return reminders.New(reminders.Deps{Store: st, Prefs: prefs{}, Progress: progress{}, Outbox: ob, Clock: clk, IDs: ids{}}), st, ob, clk
}

// TestStaleRowMovesWithoutSending: a row due at an instant that is no
// occurrence (planned under other preferences, or seeded by the migration)
// moves to the next occurrence and sends nothing.
func TestStaleRowMovesWithoutSending(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	svc, st, ob, _ := setup(now)
	st.rows[webhook.ReminderDaily] = now.Add(-time.Minute)
	if err := svc.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(ob.published) != 0 || !st.rows[webhook.ReminderDaily].Equal(time.Date(2026, 11, 26, 19, 0, 0, 0, time.UTC)) {
		t.Fatalf("published %v, row at %v", ob.published, st.rows[webhook.ReminderDaily])
	}
}

// TestDueRowSendsOnceAndMovesToTomorrow: at 19:00:30 the daily reminder
// goes once; the row moves to tomorrow; a row put back (another
// instance's stale read) finds the date already sent.
func TestDueRowSendsOnceAndMovesToTomorrow(t *testing.T) {
	at := time.Date(2026, 11, 26, 19, 0, 0, 0, time.UTC)
	svc, st, ob, _ := setup(at.Add(30 * time.Second))
	st.rows[webhook.ReminderDaily] = at
	for range 2 {
		if err := svc.RunDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		st.rows[webhook.ReminderDaily] = at
	}
	if len(ob.published) != 1 || ob.published[0].Data["date"] != "2026-11-26" {
		t.Fatalf("published %+v", ob.published)
	}
}

// TestLateRowMovesUnsent: a reminder found more than the grace after its
// time (the engine was down all evening) is not sent late.
func TestLateRowMovesUnsent(t *testing.T) {
	at := time.Date(2026, 11, 26, 19, 0, 0, 0, time.UTC)
	svc, st, ob, _ := setup(at.Add(reminders.Grace + time.Minute))
	st.rows[webhook.ReminderDaily] = at
	if err := svc.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(ob.published) != 0 || !st.rows[webhook.ReminderDaily].Equal(at.Add(24*time.Hour)) {
		t.Fatalf("published %v, row at %v", ob.published, st.rows[webhook.ReminderDaily])
	}
}
