package reminder_test

import (
	"testing"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/reminder"
	"github.com/lingo-labs/lingo/domain/webhook"
)

func zone(t *testing.T, name string) calendar.Zone {
	z, err := calendar.ParseZone(name)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func TestNext(t *testing.T) {
	berlin := reminder.Settings{Zone: zone(t, "Europe/Berlin"), ReminderTime: 19 * 60, DailyReminder: true, StreakAlerts: true, WeeklySummary: true}
	cases := []struct {
		name  string
		kind  webhook.EventType
		s     reminder.Settings
		after string
		want  string
	}{
		{"daily later today", webhook.ReminderDaily, berlin, "2026-11-26T12:00:00Z", "2026-11-26T18:00:00Z"},
		{"daily exactly at the time is the next day", webhook.ReminderDaily, berlin, "2026-11-26T18:00:00Z", "2026-11-27T18:00:00Z"},
		{"streak at 20:00 local", webhook.ReminderStreakAtRisk, berlin, "2026-11-26T12:00:00Z", "2026-11-26T19:00:00Z"},
		{"weekly on Sunday", webhook.SummaryWeekly, berlin, "2026-11-26T12:00:00Z", "2026-11-29T18:00:00Z"},
		{"weekly after Sunday's time is next Sunday", webhook.SummaryWeekly, berlin, "2026-11-29T18:30:00Z", "2026-12-06T18:00:00Z"},
		{"summer time in Berlin", webhook.ReminderDaily, berlin, "2026-07-01T00:00:00Z", "2026-07-01T17:00:00Z"},
		{"a skipped local hour is normalised", webhook.ReminderDaily,
			reminder.Settings{Zone: zone(t, "Europe/Berlin"), ReminderTime: 2*60 + 30, DailyReminder: true}, "2026-03-29T00:00:00Z", "2026-03-29T01:30:00Z"},
		{"ahead of UTC the local date is tomorrow", webhook.ReminderDaily,
			reminder.Settings{Zone: zone(t, "Pacific/Auckland"), ReminderTime: 7 * 60, DailyReminder: true}, "2026-11-26T20:00:00Z", "2026-11-27T18:00:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			after, _ := time.Parse(time.RFC3339, c.after)
			got, ok := reminder.Next(c.kind, c.s, after)
			if !ok || got.Format(time.RFC3339) != c.want {
				t.Fatalf("Next = %v %v, want %s", got.Format(time.RFC3339), ok, c.want)
			}
		})
	}
}

func TestNextOff(t *testing.T) {
	s := reminder.Settings{Zone: zone(t, "UTC"), ReminderTime: 60}
	for _, k := range reminder.Kinds {
		if _, ok := reminder.Next(k, s, time.Now()); ok {
			t.Errorf("%s is off but got a time", k)
		}
	}
}
