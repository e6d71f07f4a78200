// Package reminder decides when a learner's reminders are due: each kind at
// its local time in the learner's zone, found by computing the next instant
// rather than by checking every learner every minute.
package reminder

import (
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/webhook"
)

// Kinds are the reminder message types, each with its own schedule.
var Kinds = []webhook.EventType{webhook.ReminderDaily, webhook.ReminderStreakAtRisk, webhook.SummaryWeekly}

// StreakAtRiskAt is the local time of reminder.streak_at_risk.
const StreakAtRiskAt = 20 * 60

// Settings are the preferences that drive reminders.
type Settings struct {
	Zone          calendar.Zone
	ReminderTime  int // minutes after local midnight
	DailyReminder bool
	StreakAlerts  bool
	WeeklySummary bool
}

// Next is the first instant strictly after after at which the reminder of
// kind is due, and false when the learner turned it off. A local time that
// a DST change skips falls on the instant time.Date normalises it to; one
// that occurs twice is due at its first occurrence.
func Next(kind webhook.EventType, s Settings, after time.Time) (time.Time, bool) {
	loc := s.Zone.Location()
	var minutes int
	switch kind {
	case webhook.ReminderDaily:
		if !s.DailyReminder {
			return time.Time{}, false
		}
		minutes = s.ReminderTime
	case webhook.ReminderStreakAtRisk:
		if !s.StreakAlerts {
			return time.Time{}, false
		}
		minutes = StreakAtRiskAt
	case webhook.SummaryWeekly:
		if !s.WeeklySummary {
			return time.Time{}, false
		}
		minutes = s.ReminderTime
	default:
		return time.Time{}, false
	}
	day := calendar.DateOf(after, loc).AddDays(-1) // a day back covers an instant before a skipped hour
	for range 16 {
		if kind != webhook.SummaryWeekly || weekday(day) == time.Sunday {
			at := time.Date(day.Year(), day.Month(), day.Day(), minutes/60, minutes%60, 0, 0, loc)
			if at.After(after) {
				return at.UTC(), true
			}
		}
		day = day.AddDays(1)
	}
	return time.Time{}, false
}

// DateOf is the local date a reminder due at is for.
func DateOf(at time.Time, s Settings) calendar.Date { return calendar.DateOf(at, s.Zone.Location()) }

func weekday(d calendar.Date) time.Weekday {
	return time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, time.UTC).Weekday()
}
