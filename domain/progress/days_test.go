package progress_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
)

// TestDSTDays puts events at 00:30 and 23:30 local time on the days DST
// starts and ends: both belong to the same day (one active date, one goal),
// and 00:30 of the next day extends the streak.
func TestDSTDays(t *testing.T) {
	cases := []struct{ zone, day, next string }{
		{"America/New_York", "2026-03-08", "2026-03-09"},
		{"America/New_York", "2026-11-01", "2026-11-02"},
		{"Europe/Berlin", "2026-03-29", "2026-03-30"},
		{"Europe/Berlin", "2026-10-25", "2026-10-26"},
	}
	for _, c := range cases {
		t.Run(c.zone+" "+c.day, func(t *testing.T) {
			s := newStore(t, c.zone)
			loc := s.zone.Location()
			d, n := date(t, c.day), date(t, c.next)
			early := time.Date(d.Year(), d.Month(), d.Day(), 0, 30, 0, 0, loc)
			late := time.Date(d.Year(), d.Month(), d.Day(), 23, 30, 0, 0, loc)
			nextEarly := time.Date(n.Year(), n.Month(), n.Day(), 0, 30, 0, 0, loc)

			o := s.must(practice(50, early), early.Add(time.Minute))
			assert.Equal(t, c.day, o.Day.Date().String())
			assert.True(t, o.Streak.Extended)

			o = s.must(practice(50, late), late.Add(time.Minute))
			assert.Equal(t, c.day, o.Day.Date().String())
			assert.False(t, o.Streak.Extended, "23:30 is the same day")
			assert.Equal(t, progress.GoalEffect{GoalXP: 20, TodayXP: 20, Met: true, JustMet: true}, o.DailyGoal)

			o = s.must(practice(50, nextEarly), nextEarly.Add(time.Minute))
			assert.Equal(t, c.next, o.Day.Date().String())
			assert.Equal(t, progress.StreakEffect{Current: 2, Longest: 2, Extended: true}, o.Streak)
			assert.Equal(t, 10, o.DailyGoal.TodayXP)
		})
	}
}

func TestExtremeZones(t *testing.T) {
	// Two events an hour apart: 09:30 and 10:30 UTC on Nov 26. In Kiritimati
	// (UTC+14) they are 23:30 on the 26th and 00:30 on the 27th: two days.
	// In Pago Pago (UTC-11) they are 22:30 and 23:30 on the 25th: one day.
	first := time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)
	second := first.Add(time.Hour)
	cases := []struct {
		zone        string
		wantDates   []string
		wantCurrent int
	}{
		{"Pacific/Kiritimati", []string{"2026-11-26", "2026-11-27"}, 2},
		{"Pacific/Pago_Pago", []string{"2026-11-25", "2026-11-25"}, 1},
	}
	for _, c := range cases {
		t.Run(c.zone, func(t *testing.T) {
			s := newStore(t, c.zone)
			o1 := s.must(practice(50, first), first)
			o2 := s.must(practice(50, second), second)
			assert.Equal(t, c.wantDates, []string{o1.Day.Date().String(), o2.Day.Date().String()})
			assert.Equal(t, c.wantCurrent, o2.Streak.Current)
		})
	}
}

func TestTimeZoneChangeKeepsPastDates(t *testing.T) {
	s := newStore(t, "Europe/Berlin")
	// 22:30 UTC on June 1 is 00:30 on June 2 in Berlin.
	at1 := time.Date(2026, 6, 1, 22, 30, 0, 0, time.UTC)
	o := s.must(practice(50, at1), at1)
	assert.Equal(t, "2026-06-02", o.Day.Date().String())

	s.zone = zone(t, "America/New_York")
	// 14:00 UTC on June 2 is 10:00 on June 2 in New York: the same date,
	// already active; the earlier event keeps June 2.
	at2 := time.Date(2026, 6, 2, 14, 0, 0, 0, time.UTC)
	o = s.must(practice(50, at2), at2)
	assert.Equal(t, "2026-06-02", o.Day.Date().String())
	assert.False(t, o.Streak.Extended)
	assert.Equal(t, 20, o.Day.GoalXPEarned())

	// A late event from 23:00 UTC on June 2 is now 19:00 on June 2 in New
	// York (it would have been June 3 in Berlin).
	late := time.Date(2026, 6, 2, 23, 0, 0, 0, time.UTC)
	o = s.must(practice(50, late), late.Add(time.Hour))
	assert.Equal(t, "2026-06-02", o.Day.Date().String())

	at3 := time.Date(2026, 6, 3, 14, 0, 0, 0, time.UTC)
	o = s.must(practice(50, at3), at3)
	assert.Equal(t, progress.StreakEffect{Current: 2, Longest: 2, Extended: true}, o.Streak)
	assert.Equal(t, []calendar.Date{date(t, "2026-06-02"), date(t, "2026-06-03")}, progress.NewStreak(s.active).Dates())
}

func TestDayAggregates(t *testing.T) {
	s := newStore(t, "UTC")
	withDuration := func(in learning.EventInput, d int) learning.EventInput {
		in.DurationSeconds = &d
		return in
	}
	s.must(withDuration(lessonDone(lesson1, 80, t0), 300), t0)
	s.must(withDuration(lessonDone(lesson1, 90, t0), 200), t0) // a repeat counts as a completion event
	s.must(withDuration(practice(50, t0), 100), t0)
	s.must(withDuration(learning.EventInput{EventType: "session_ended"}, 1000), t0)
	o := s.must(learning.EventInput{EventType: "hint_used"}, t0)
	assert.Equal(t, progress.DayRecord{
		Date: date(t, "2026-11-26"), XP: 25, CreditedXP: 25, GoalXP: 20, GoalMet: true, Active: true,
		LessonsCompleted: 2, TimeSpentSeconds: 1600,
	}, o.Day.Record())
}
