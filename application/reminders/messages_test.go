package reminders_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/application/reminders"
	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/preferences"
	dprogress "github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// The day these tests run on: Thursday 2026-11-26, UTC (the default zone).
var (
	today  = calendar.NewDate(2026, 11, 26)
	sunday = calendar.NewDate(2026, 11, 29)
)

// prefsOf answers one learner's preferences, or err.
type prefsOf struct {
	ports.PreferencesRepository
	p   preferences.Preferences
	err error
}

func (p prefsOf) Get(context.Context, string) (preferences.Preferences, error) { return p.p, p.err }

// learner is one learner's progress: their streak and day records.
type learner struct {
	ports.ProgressStore
	streak  dprogress.Streak
	days    []dprogress.Day
	failing error
}

func (l learner) Snapshot(context.Context, string, calendar.Date) (ports.LearnerSnapshot, error) {
	return ports.LearnerSnapshot{Streak: l.streak}, l.failing
}

func (l learner) Days(_ context.Context, _ string, from, to calendar.Date) ([]dprogress.Day, error) {
	var out []dprogress.Day
	for _, d := range l.days {
		if !d.Date().Before(from) && !d.Date().After(to) {
			out = append(out, d)
		}
	}
	return out, nil
}

func day(t *testing.T, d calendar.Date, xp, lessons int) dprogress.Day {
	t.Helper()
	out, err := dprogress.RestoreDay(dprogress.DayRecord{Date: d, XP: xp, Active: xp > 0, LessonsCompleted: lessons})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// defaults returns the default preferences with change applied to their snapshot.
func defaults(t *testing.T, change func(*preferences.Snapshot)) preferences.Preferences {
	t.Helper()
	s := preferences.Default(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).Snapshot()
	if change != nil {
		change(&s)
	}
	p, err := preferences.Restore(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func service(st *memStore, p ports.PreferencesRepository, l ports.ProgressStore, freezeMax int, now time.Time) (*reminders.Service, *outbox) {
	ob := &outbox{}
	return reminders.New(reminders.Deps{Store: st, Prefs: p, Progress: l, Outbox: ob, Clock: &clock{now: now},
		IDs: ids{}, FreezeMax: freezeMax}), ob
}

func newStore() *memStore {
	return &memStore{rows: map[webhook.EventType]time.Time{}, sent: map[string]bool{}}
}

func TestRemindersAtTheirTime(t *testing.T) {
	dailyAt := time.Date(2026, 11, 26, 19, 0, 0, 0, time.UTC)
	streakAt := time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC)
	weeklyAt := time.Date(2026, 11, 29, 19, 0, 0, 0, time.UTC)
	run := dprogress.NewStreak([]calendar.Date{today.AddDays(-3), today.AddDays(-2), today.AddDays(-1)})
	cases := []struct {
		name      string
		kind      webhook.EventType
		due       time.Time
		learner   learner
		freezeMax int
		want      map[string]any // nil: nothing sent
	}{
		{"daily to an idle learner", webhook.ReminderDaily, dailyAt, learner{}, 0,
			map[string]any{"date": "2026-11-26", "reminder_time": "19:00", "timezone": "UTC", "user_id": "u"}},
		{"no daily to a learner active today", webhook.ReminderDaily, dailyAt,
			learner{streak: dprogress.NewStreak([]calendar.Date{today})}, 0, nil},
		{"streak at risk", webhook.ReminderStreakAtRisk, streakAt, learner{streak: run}, 0,
			map[string]any{"date": "2026-11-26", "current_streak": 3, "user_id": "u"}},
		{"no streak alert without a streak", webhook.ReminderStreakAtRisk, streakAt, learner{}, 0, nil},
		{"no streak alert when active today", webhook.ReminderStreakAtRisk, streakAt,
			learner{streak: dprogress.NewStreak([]calendar.Date{today.AddDays(-1), today})}, 0, nil},
		{"no streak alert while a freeze is held", webhook.ReminderStreakAtRisk, streakAt,
			learner{streak: run.WithLedger([]dprogress.Grant{{Date: today.AddDays(-3), Count: 1}}, nil, nil)}, 2, nil},
		{"a grant is no freeze held when the maximum is zero", webhook.ReminderStreakAtRisk, streakAt,
			learner{streak: run.WithLedger([]dprogress.Grant{{Date: today.AddDays(-3), Count: 1}}, nil, nil)}, 0,
			map[string]any{"date": "2026-11-26", "current_streak": 3, "user_id": "u"}},
		{"weekly summary of the last seven days", webhook.SummaryWeekly, weeklyAt,
			learner{days: []dprogress.Day{day(t, sunday.AddDays(-7), 99, 9), day(t, sunday.AddDays(-6), 10, 1),
				day(t, sunday.AddDays(-2), 0, 0), day(t, sunday, 25, 2)}}, 0,
			map[string]any{"week_ending": "2026-11-29", "xp": 35, "lessons_completed": 3, "active_days": 2, "user_id": "u"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := newStore()
			st.rows[c.kind] = c.due
			svc, ob := service(st, prefsOf{p: defaults(t, nil)}, c.learner, c.freezeMax, c.due.Add(time.Minute))
			if err := svc.RunDue(context.Background()); err != nil {
				t.Fatal(err)
			}
			if !st.rows[c.kind].After(c.due) {
				t.Fatalf("row not moved on: %v", st.rows[c.kind])
			}
			if c.want == nil {
				if len(ob.published) != 0 {
					t.Fatalf("sent %+v", ob.published)
				}
				return
			}
			if len(ob.published) != 1 {
				t.Fatalf("sent %d messages, want 1", len(ob.published))
			}
			m := ob.published[0]
			if m.Type != c.kind || m.UserID != "u" || len(m.Data) != len(c.want) {
				t.Fatalf("message %+v", m)
			}
			for k, v := range c.want {
				if m.Data[k] != v {
					t.Fatalf("data[%s] = %v (%T), want %v; all %v", k, m.Data[k], m.Data[k], v, m.Data)
				}
			}
		})
	}
}

func TestRowsOfLearnersWhoTurnedOffOrLeftGo(t *testing.T) {
	at := time.Date(2026, 11, 26, 19, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		prefs prefsOf
	}{
		{"the learner is gone", prefsOf{err: errs.E(errs.NotFound, errs.CodeNotFound, "")}},
		{"daily reminder turned off", prefsOf{p: defaults(t, func(s *preferences.Snapshot) { s.DailyReminder = false })}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := newStore()
			st.rows[webhook.ReminderDaily] = at
			svc, ob := service(st, c.prefs, learner{}, 0, at.Add(time.Minute))
			if err := svc.RunDue(context.Background()); err != nil {
				t.Fatal(err)
			}
			if _, ok := st.rows[webhook.ReminderDaily]; ok || len(ob.published) != 0 {
				t.Fatalf("row %v, sent %v", st.rows, ob.published)
			}
		})
	}
}

func TestRunDueReportsFailures(t *testing.T) {
	at := time.Date(2026, 11, 26, 19, 0, 0, 0, time.UTC)
	boom := errors.New("boom")
	cases := []struct {
		name    string
		prefs   prefsOf
		learner learner
		store   func(*memStore) ports.ReminderStore
	}{
		{"preferences unreadable", prefsOf{err: boom}, learner{}, nil},
		{"progress unreadable", prefsOf{}, learner{failing: boom}, nil},
		{"due rows unreadable", prefsOf{}, learner{}, func(m *memStore) ports.ReminderStore { return failingDue{m, boom} }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := newStore()
			st.rows[webhook.ReminderDaily] = at
			if c.prefs.err == nil {
				c.prefs.p = defaults(t, nil)
			}
			var store ports.ReminderStore = st
			if c.store != nil {
				store = c.store(st)
			}
			ob := &outbox{}
			svc := reminders.New(reminders.Deps{Store: store, Prefs: c.prefs, Progress: c.learner, Outbox: ob,
				Clock: &clock{now: at.Add(time.Minute)}, IDs: ids{}})
			if err := svc.RunDue(context.Background()); !errors.Is(err, boom) {
				t.Fatalf("err %v, want %v", err, boom)
			}
			if !st.rows[webhook.ReminderDaily].Equal(at) || len(ob.published) != 0 {
				t.Fatalf("a failed run changed the row to %v or sent %v", st.rows[webhook.ReminderDaily], ob.published)
			}
		})
	}
}

type failingDue struct {
	*memStore
	err error
}

func (f failingDue) Due(context.Context, time.Time, int) ([]ports.ReminderDue, error) {
	return nil, f.err
}

func TestJoinedAndChangedPlanEachKind(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	email, _ := account.ParseEmail("a@example.com")
	name, _ := account.ParseDisplayName("A")
	u, err := account.NewUser("u", email, name, "hash", account.RoleLearner, now)
	if err != nil {
		t.Fatal(err)
	}
	st := newStore()
	svc, _ := service(st, prefsOf{}, learner{}, 0, now)
	if err := svc.Joined(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	want := map[webhook.EventType]time.Time{
		webhook.ReminderDaily:        time.Date(2026, 11, 26, 19, 0, 0, 0, time.UTC),
		webhook.ReminderStreakAtRisk: time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC),
		webhook.SummaryWeekly:        time.Date(2026, 11, 29, 19, 0, 0, 0, time.UTC),
	}
	for k, at := range want {
		if !st.rows[k].Equal(at) {
			t.Fatalf("joined: %s at %v, want %v", k, st.rows[k], at)
		}
	}

	p := defaults(t, func(s *preferences.Snapshot) {
		s.Timezone, s.ReminderTime, s.StreakAlerts = "Europe/Berlin", "08:30", false
	})
	if err := svc.Changed(context.Background(), "u", p); err != nil {
		t.Fatal(err)
	}
	if _, ok := st.rows[webhook.ReminderStreakAtRisk]; ok {
		t.Fatal("the streak alert turned off still has a row")
	}
	if got := st.rows[webhook.ReminderDaily]; !got.Equal(time.Date(2026, 11, 27, 7, 30, 0, 0, time.UTC)) {
		t.Fatalf("changed: daily at %v", got)
	}
}

func TestPlanReportsTheStoresFailure(t *testing.T) {
	boom := errors.New("boom")
	svc := reminders.New(reminders.Deps{Store: failingSchedule{boom}, Clock: &clock{now: time.Now()}})
	if err := svc.Changed(context.Background(), "u", defaults(t, nil)); !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
}

type failingSchedule struct{ err error }

func (f failingSchedule) Schedule(context.Context, string, webhook.EventType, time.Time) error {
	return f.err
}
func (failingSchedule) Due(context.Context, time.Time, int) ([]ports.ReminderDue, error) {
	return nil, nil
}
func (failingSchedule) Move(context.Context, string, webhook.EventType, time.Time, time.Time) (bool, error) {
	return false, nil
}
func (failingSchedule) MarkSent(context.Context, string, webhook.EventType, calendar.Date, time.Time) (bool, error) {
	return false, nil
}
