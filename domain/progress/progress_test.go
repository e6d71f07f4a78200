package progress_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
)

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func TestLevelOf(t *testing.T) {
	cases := []struct {
		name  string
		total int
		want  progress.Level
	}{
		{"nothing yet", 0, progress.Level{Level: 1, XPInLevel: 0, XPToNextLevel: 1000, Progress: 0}},
		{"one short of level 2", 999, progress.Level{Level: 1, XPInLevel: 999, XPToNextLevel: 1, Progress: 0.999}},
		{"exactly 1000", 1000, progress.Level{Level: 2, XPInLevel: 0, XPToNextLevel: 1000, Progress: 0}},
		{"halfway", 1500, progress.Level{Level: 2, XPInLevel: 500, XPToNextLevel: 500, Progress: 0.5}},
		{"unrounded progress", 2333, progress.Level{Level: 3, XPInLevel: 333, XPToNextLevel: 667, Progress: 0.333}},
		{"level 10", 9000, progress.Level{Level: 10, XPInLevel: 0, XPToNextLevel: 1000, Progress: 0}},
		{"negative is zero", -5, progress.Level{Level: 1, XPInLevel: 0, XPToNextLevel: 1000, Progress: 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { assert.Equal(t, c.want, progress.LevelOf(c.total)) })
	}
}

func TestXPRules(t *testing.T) {
	cases := []struct {
		name    string
		before  []learning.EventInput // events applied first
		event   learning.EventInput
		wantXP  int
		lesson  string // newly completed lesson
		course  string // newly completed course
		comment string
	}{
		{name: "first completion is the reward", event: lessonDone(lesson2, 80, t0), wantXP: 20, lesson: lesson2},
		{name: "first completion at 100 adds the bonus", event: lessonDone(lesson2, 100, t0), wantXP: 25, lesson: lesson2},
		{name: "first completion at 99 has no bonus", event: lessonDone(lesson3, 99, t0), wantXP: 30, lesson: lesson3},
		{name: "repeat completion is 5", before: []learning.EventInput{lessonDone(lesson2, 80, t0)}, event: lessonDone(lesson2, 60, t0), wantXP: 5},
		{name: "repeat at 100 is still 5", before: []learning.EventInput{lessonDone(lesson2, 80, t0)}, event: lessonDone(lesson2, 100, t0), wantXP: 5},
		{name: "practice is 10", event: practice(70, t0), wantXP: 10},
		{name: "practice at 100 is 15", event: practice(100, t0), wantXP: 15},
		{name: "course with every lesson done is 50",
			before: []learning.EventInput{lessonDone(lesson1, 50, t0), lessonDone(lesson2, 50, t0), lessonDone(lesson3, 50, t0)},
			event:  courseDone(t0), wantXP: 50, course: courseID},
		{name: "course completed again is 0",
			before: []learning.EventInput{lessonDone(lesson1, 50, t0), lessonDone(lesson2, 50, t0), lessonDone(lesson3, 50, t0), courseDone(t0)},
			event:  courseDone(t0), wantXP: 0},
		{name: "app_opened is 0", event: learning.EventInput{EventType: "app_opened"}, wantXP: 0},
		{name: "exercise_attempted is 0", event: learning.EventInput{EventType: "exercise_attempted", IsCorrect: ptr(true)}, wantXP: 0},
		{name: "lesson_started is 0", event: learning.EventInput{EventType: "lesson_started", LessonID: ptr(lesson1)}, wantXP: 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newStore(t, "UTC")
			for _, in := range c.before {
				s.must(in, t0)
			}
			before := s.total
			o := s.must(c.event, t0)
			assert.Equal(t, c.wantXP, o.XPAwarded)
			assert.Equal(t, before+c.wantXP, o.TotalXP)
			assert.Equal(t, c.lesson, o.LessonCompleted)
			assert.Equal(t, c.course, o.CourseCompleted)
		})
	}
}

func TestCourseIncomplete(t *testing.T) {
	s := newStore(t, "UTC")
	s.must(lessonDone(lesson2, 90, t0), t0)
	_, err := s.send(courseDone(t0), t0)
	require.Error(t, err)
	assert.Equal(t, errs.Conflict, errs.KindOf(err))
	assert.Equal(t, progress.CodeCourseIncomplete, errs.CodeOf(err))
	e, _ := errs.As(err)
	assert.Equal(t, map[string]any{"lessons_remaining": 2, "lesson_ids": []string{lesson1, lesson3}}, e.Details)
	assert.Equal(t, 20, s.total, "a refused completion changes nothing")
	assert.False(t, s.coursesDone[courseID])
}

func TestLevelUpAtExactly1000(t *testing.T) {
	cases := []struct {
		name      string
		start     int
		wantUp    bool
		wantLevel int
	}{
		{"990 + 10 is level 2", 990, true, 2},
		{"989 + 10 stays level 1", 989, false, 1},
		{"1000 + 10 stays level 2", 1000, false, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newStore(t, "UTC")
			s.total = c.start
			o := s.must(lessonDone(lesson1, 50, t0), t0)
			assert.Equal(t, c.wantUp, o.LeveledUp)
			assert.Equal(t, c.wantLevel, o.Level.Level)
			ups := s.recordedOf(learning.LevelUp)
			if c.wantUp {
				require.Len(t, ups, 1)
				assert.Equal(t, map[string]any{"level": 2}, ups[0].Metadata)
				assert.Equal(t, t0, ups[0].OccurredAt)
				assert.Equal(t, "2026-11-26", ups[0].LocalDate.String())
			} else {
				assert.Empty(t, ups)
			}
		})
	}
}

func TestStreakCalendar(t *testing.T) {
	days := func(ss ...string) []calendar.Date {
		var out []calendar.Date
		for _, s := range ss {
			out = append(out, date(t, s))
		}
		return out
	}
	cases := []struct {
		name        string
		active      []calendar.Date
		today       string
		wantCurrent int
		wantLongest int
		wantLast    string
	}{
		{"empty", nil, "2026-11-26", 0, 0, ""},
		{"only today", days("2026-11-26"), "2026-11-26", 1, 1, "2026-11-26"},
		{"ending yesterday still counts", days("2026-11-24", "2026-11-25"), "2026-11-26", 2, 2, "2026-11-25"},
		{"ending the day before yesterday is broken", days("2026-11-23", "2026-11-24"), "2026-11-26", 0, 2, "2026-11-24"},
		{"unsorted with duplicates", days("2026-11-26", "2026-11-24", "2026-11-25", "2026-11-25"), "2026-11-26", 3, 3, "2026-11-26"},
		{"longest in the past", days("2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-11-26"), "2026-11-26", 1, 4, "2026-11-26"},
		{"across a month and a year", days("2026-12-30", "2026-12-31", "2027-01-01"), "2027-01-01", 3, 3, "2027-01-01"},
		{"across February in a leap year", days("2028-02-28", "2028-02-29", "2028-03-01"), "2028-03-01", 3, 3, "2028-03-01"},
		{"a date after today does not count", days("2026-11-27"), "2026-11-26", 0, 1, "2026-11-27"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := progress.NewStreak(c.active)
			assert.Equal(t, c.wantCurrent, s.Current(date(t, c.today)))
			assert.Equal(t, c.wantLongest, s.Longest())
			last, ok := s.LastActive()
			assert.Equal(t, c.wantLast != "", ok)
			if ok {
				assert.Equal(t, c.wantLast, last.String())
			}
		})
	}

	t.Run("recording", func(t *testing.T) {
		s := progress.NewStreak(days("2026-11-20", "2026-11-22"))
		assert.True(t, s.RecordActiveDay(date(t, "2026-11-21")), "a new date extends")
		assert.False(t, s.RecordActiveDay(date(t, "2026-11-21")), "a known date does not")
		assert.False(t, s.RecordActiveDay(calendar.Date{}), "the zero date is not a day")
		assert.Equal(t, 3, s.Longest())
		assert.Equal(t, 3, s.ActiveDays())
		assert.Equal(t, days("2026-11-20", "2026-11-21", "2026-11-22"), s.Dates())
		assert.Equal(t, 2, s.RunEndingAt(date(t, "2026-11-21")))
	})

	t.Run("clone is independent", func(t *testing.T) {
		s := progress.NewStreak(days("2026-11-20"))
		c := s.Clone()
		c.RecordActiveDay(date(t, "2026-11-21"))
		assert.Equal(t, 1, s.ActiveDays())
	})
}

func TestStreakThroughEvents(t *testing.T) {
	s := newStore(t, "UTC")
	cases := []struct {
		name         string
		in           learning.EventInput
		received     time.Time
		wantCurrent  int
		wantLongest  int
		wantExtended bool
	}{
		{"first day of a streak extends", practice(50, noon(t, calendar.UTC, "2026-11-20")), noon(t, calendar.UTC, "2026-11-20"), 1, 1, true},
		{"same day again does not", lessonDone(lesson1, 50, noon(t, calendar.UTC, "2026-11-20").Add(time.Hour)), noon(t, calendar.UTC, "2026-11-20").Add(time.Hour), 1, 1, false},
		{"app_opened does not make a day active", learning.EventInput{EventType: "app_opened"}, noon(t, calendar.UTC, "2026-11-21"), 1, 1, false},
		{"course_started does not either", learning.EventInput{EventType: "course_started", CourseID: ptr(courseID)}, noon(t, calendar.UTC, "2026-11-21"), 1, 1, false},
		{"next day extends", lessonDone(lesson1, 50, noon(t, calendar.UTC, "2026-11-21")), noon(t, calendar.UTC, "2026-11-21"), 2, 2, true},
		{"a day off keeps it until the end of the next day", learning.EventInput{EventType: "app_opened"}, noon(t, calendar.UTC, "2026-11-22"), 2, 2, false},
		{"two days off break it", learning.EventInput{EventType: "app_opened"}, noon(t, calendar.UTC, "2026-11-23"), 0, 2, false},
		{"a new run starts at 1", practice(10, noon(t, calendar.UTC, "2026-11-24")), noon(t, calendar.UTC, "2026-11-24"), 1, 2, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := s.must(c.in, c.received)
			assert.Equal(t, progress.StreakEffect{Current: c.wantCurrent, Longest: c.wantLongest, Extended: c.wantExtended}, o.Streak)
			assert.Equal(t, c.wantExtended, o.ActiveDateAdded)
		})
	}
	assert.Len(t, s.recordedOf(learning.StreakExtended), 3, "one streak_extended per active date")
}

func TestLateEventJoinsRuns(t *testing.T) {
	z := calendar.UTC
	// Active 20-22 and 24-25; the learner did a lesson on the 23rd offline
	// and it arrives on the 25th.
	s := newStore(t, "UTC")
	for _, d := range []string{"2026-11-20", "2026-11-21", "2026-11-22", "2026-11-24", "2026-11-25"} {
		s.must(practice(50, noon(t, z, d)), noon(t, z, d))
	}
	s.recorded = nil
	received := noon(t, z, "2026-11-25").Add(3 * time.Hour)
	o := s.must(lessonDone(lesson1, 70, noon(t, z, "2026-11-23")), received)
	assert.Equal(t, progress.StreakEffect{Current: 6, Longest: 6, Extended: true}, o.Streak)
	assert.Equal(t, "2026-11-23", o.Day.Date().String())
	ext := s.recordedOf(learning.StreakExtended)
	require.Len(t, ext, 1)
	assert.Equal(t, "2026-11-23", ext[0].LocalDate.String(), "streak_extended carries the past date")
	assert.Equal(t, noon(t, z, "2026-11-23"), ext[0].OccurredAt)
	assert.Equal(t, 10, o.DailyGoal.TodayXP, "today's goal XP is the practice of the 25th only")
	assert.False(t, o.DailyGoal.JustMet)
}

func TestLateJoinUnlocksStreak7OnlyForTheCurrentRun(t *testing.T) {
	z := calendar.UTC
	t.Run("joined run reaching today unlocks", func(t *testing.T) {
		s := newStore(t, "UTC")
		for _, d := range []string{"2026-11-20", "2026-11-21", "2026-11-22", "2026-11-24", "2026-11-25", "2026-11-26"} {
			s.must(practice(50, noon(t, z, d)), noon(t, z, d))
		}
		assert.Contains(t, s.achievements, progress.Streak3)
		assert.NotContains(t, s.achievements, progress.Streak7)
		o := s.must(practice(50, noon(t, z, "2026-11-23")), noon(t, z, "2026-11-26").Add(time.Hour))
		assert.Equal(t, 7, o.Streak.Current)
		assert.Equal(t, []string{"streak_7"}, o.AchievementCodes())
		un := s.recordedOf(learning.AchievementUnlocked)
		assert.Equal(t, map[string]any{"code": "streak_7"}, un[len(un)-1].Metadata)
		assert.Equal(t, "2026-11-23", un[len(un)-1].LocalDate.String())
	})
	t.Run("joined run ending before yesterday does not", func(t *testing.T) {
		s := newStore(t, "UTC")
		for _, d := range []string{"2026-11-15", "2026-11-16", "2026-11-17", "2026-11-19", "2026-11-20", "2026-11-21"} {
			s.must(practice(50, noon(t, z, d)), noon(t, z, d))
		}
		// Received on the 25th: the 18th is within 168 hours, but the joined
		// run 15..21 ends four days ago.
		o := s.must(practice(50, noon(t, z, "2026-11-18").Add(time.Hour)), noon(t, z, "2026-11-25"))
		assert.Equal(t, progress.StreakEffect{Current: 0, Longest: 7, Extended: true}, o.Streak)
		assert.Empty(t, o.Unlocked)
		assert.NotContains(t, s.achievements, progress.Streak7)
	})
}

func TestCreditWindow(t *testing.T) {
	received := t0
	cases := []struct {
		name         string
		age          time.Duration
		wantCredited bool
	}{
		{"exactly 7 days old earns credit", 168 * time.Hour, true},
		{"7 days and 1 s old earns none", 168*time.Hour + time.Second, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newStore(t, "UTC")
			at := received.Add(-c.age)
			o := s.must(lessonDone(lesson3, 100, at), received)
			assert.Equal(t, 35, o.XPAwarded, "XP is earned either way")
			assert.Equal(t, 35, o.TotalXP)
			assert.Equal(t, "2026-11-19", o.Day.Date().String())
			assert.Equal(t, 35, o.Day.XP(), "the day's history XP counts it either way")
			assert.Equal(t, c.wantCredited, o.Streak.Extended)
			assert.Equal(t, c.wantCredited, o.Day.Active())
			assert.Equal(t, c.wantCredited, o.Day.GoalMet())
			if c.wantCredited {
				assert.Equal(t, 35, o.Day.GoalXPEarned())
				assert.Len(t, s.recordedOf(learning.DailyGoalMet), 1)
				assert.Len(t, s.recordedOf(learning.StreakExtended), 1)
			} else {
				assert.Equal(t, 0, o.Day.GoalXPEarned())
				_, fixed := o.Day.GoalInForce()
				assert.False(t, fixed, "an uncredited event does not fix the day's goal")
				assert.Empty(t, s.recordedOf(learning.DailyGoalMet))
				assert.Empty(t, s.recordedOf(learning.StreakExtended))
			}
			assert.Equal(t, progress.GoalEffect{GoalXP: 20, TodayXP: 0, Met: false, JustMet: false}, o.DailyGoal, "today is untouched")
			assert.Equal(t, []string{"first_lesson", "perfect_lesson"}, o.AchievementCodes(), "achievements do not need credit")
		})
	}
}

func TestFutureEvents(t *testing.T) {
	t.Run("4m59s ahead is clamped and counts today", func(t *testing.T) {
		s := newStore(t, "UTC")
		o := s.must(practice(100, t0.Add(4*time.Minute+59*time.Second)), t0)
		assert.Equal(t, 15, o.XPAwarded)
		assert.True(t, o.Streak.Extended)
		assert.Equal(t, 15, o.DailyGoal.TodayXP)
		assert.Equal(t, t0, s.recordedOf(learning.StreakExtended)[0].OccurredAt, "the clamped instant")
	})
	t.Run("5m01s ahead is refused and changes nothing", func(t *testing.T) {
		s := newStore(t, "UTC")
		_, err := s.send(practice(100, t0.Add(5*time.Minute+time.Second)), t0)
		require.Error(t, err)
		e, _ := errs.As(err)
		require.Len(t, e.Fields, 1)
		assert.Equal(t, "occurred_at", e.Fields[0].Field)
		assert.Equal(t, "occurred_at_in_future", e.Fields[0].Code)
		assert.Equal(t, 0, s.total)
		assert.Empty(t, s.days)
	})
}

func TestDailyGoal(t *testing.T) {
	t.Run("goal in force is fixed by the day's first credited event", func(t *testing.T) {
		s := newStore(t, "UTC") // goal 20
		o := s.must(practice(50, t0), t0)
		assert.Equal(t, progress.GoalEffect{GoalXP: 20, TodayXP: 10, Met: false, JustMet: false}, o.DailyGoal)

		s.goal = 50 // the learner raises the goal mid-day
		o = s.must(practice(50, t0.Add(time.Hour)), t0.Add(time.Hour))
		assert.Equal(t, progress.GoalEffect{GoalXP: 20, TodayXP: 20, Met: true, JustMet: true}, o.DailyGoal)
		met := s.recordedOf(learning.DailyGoalMet)
		require.Len(t, met, 1)
		assert.Equal(t, map[string]any{"date": "2026-11-26", "goal_xp": 20, "xp": 20}, met[0].Metadata)

		o = s.must(practice(50, t0.Add(2*time.Hour)), t0.Add(2*time.Hour))
		assert.Equal(t, progress.GoalEffect{GoalXP: 20, TodayXP: 30, Met: true, JustMet: false}, o.DailyGoal)
		assert.Len(t, s.recordedOf(learning.DailyGoalMet), 1, "once per date")

		// The next day takes the new goal.
		next := t0.Add(24 * time.Hour)
		o = s.must(practice(50, next), next)
		assert.Equal(t, progress.GoalEffect{GoalXP: 50, TodayXP: 10, Met: false, JustMet: false}, o.DailyGoal)
	})
	t.Run("a goal change before the first credited event applies", func(t *testing.T) {
		s := newStore(t, "UTC")
		s.goal = 10
		o := s.must(practice(50, t0), t0)
		assert.Equal(t, progress.GoalEffect{GoalXP: 10, TodayXP: 10, Met: true, JustMet: true}, o.DailyGoal)
	})
	t.Run("a credited 0 XP event fixes the goal", func(t *testing.T) {
		s := newStore(t, "UTC")
		o := s.must(learning.EventInput{EventType: "app_opened"}, t0)
		assert.Equal(t, progress.GoalEffect{GoalXP: 20, TodayXP: 0}, o.DailyGoal)
		s.goal = 100
		o = s.must(practice(100, t0), t0)
		assert.Equal(t, progress.GoalEffect{GoalXP: 20, TodayXP: 15}, o.DailyGoal)
	})
	t.Run("before any event the current goal is shown", func(t *testing.T) {
		s := newStore(t, "UTC")
		s.goal = 35
		o := s.must(learning.EventInput{EventType: "app_opened", OccurredAt: ptr(t0.Add(-200 * time.Hour))}, t0)
		assert.Equal(t, progress.GoalEffect{GoalXP: 35}, o.DailyGoal)
	})
	t.Run("a late event meets a past date's goal but effects report today", func(t *testing.T) {
		s := newStore(t, "UTC")
		yesterday := t0.Add(-24 * time.Hour)
		s.must(practice(50, yesterday), yesterday)
		o := s.must(practice(50, t0), t0)
		assert.False(t, o.DailyGoal.Met)
		o = s.must(practice(50, yesterday.Add(time.Hour)), t0.Add(time.Minute))
		assert.Equal(t, progress.GoalEffect{GoalXP: 20, TodayXP: 10, Met: false, JustMet: false}, o.DailyGoal)
		assert.True(t, o.Day.GoalMet())
		assert.Equal(t, "2026-11-25", o.Day.Date().String())
		met := s.recordedOf(learning.DailyGoalMet)
		require.Len(t, met, 1)
		assert.Equal(t, "2026-11-25", met[0].LocalDate.String())
		assert.Equal(t, yesterday.Add(time.Hour), met[0].OccurredAt)
	})
}

func TestAchievementsOnce(t *testing.T) {
	s := newStore(t, "UTC")
	day := func(n int) time.Time { return t0.AddDate(0, 0, n) }

	o := s.must(lessonDone(lesson1, 80, day(0)), day(0))
	assert.Equal(t, []string{"first_lesson"}, o.AchievementCodes())
	assert.Equal(t, day(0), s.unlockedAt[progress.FirstLesson], "unlocked_at is the server time")

	o = s.must(lessonDone(lesson2, 80, day(0)), day(0))
	assert.Empty(t, o.Unlocked, "first_lesson once")

	o = s.must(lessonDone(lesson1, 100, day(1)), day(1))
	assert.Equal(t, []string{"perfect_lesson"}, o.AchievementCodes(), "a perfect repeat counts")
	o = s.must(practice(100, day(1)), day(1))
	assert.Empty(t, o.Unlocked, "a perfect practice is no perfect_lesson")

	o = s.must(practice(50, day(2)), day(2))
	assert.Equal(t, []string{"streak_3"}, o.AchievementCodes())

	// Break the streak and build it again: streak_3 is not unlocked twice.
	for _, n := range []int{5, 6, 7} {
		o = s.must(practice(50, day(n)), day(n))
		assert.Empty(t, o.Unlocked, "day %d", n)
	}

	s.must(lessonDone(lesson3, 50, day(7)), day(7))
	o = s.must(courseDone(day(7)), day(7))
	assert.Equal(t, []string{"course_complete"}, o.AchievementCodes())

	s.total = 3990
	o = s.must(practice(50, day(7)), day(7))
	assert.Equal(t, []string{"level_5"}, o.AchievementCodes())
	assert.True(t, o.LeveledUp)
	s.total = 8995
	o = s.must(practice(50, day(7)), day(7))
	assert.Equal(t, []string{"level_10"}, o.AchievementCodes())
	o = s.must(practice(50, day(7)), day(7))
	assert.Empty(t, o.Unlocked)

	codes := map[string]int{}
	for _, e := range s.recordedOf(learning.AchievementUnlocked) {
		codes[e.Metadata["code"].(string)]++
	}
	assert.Equal(t, map[string]int{"first_lesson": 1, "perfect_lesson": 1, "streak_3": 1, "course_complete": 1, "level_5": 1, "level_10": 1}, codes)
}

func TestStreakAchievements(t *testing.T) {
	cases := []struct {
		days int
		want []string
	}{
		{2, nil},
		{3, []string{"streak_3"}},
		{7, []string{"streak_3", "streak_7"}},
		{30, []string{"streak_3", "streak_7", "streak_30"}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d days", c.days), func(t *testing.T) {
			s := newStore(t, "Europe/Berlin")
			var got []string
			for n := range c.days {
				at := t0.AddDate(0, 0, n)
				got = append(got, s.must(practice(50, at), at).AchievementCodes()...)
			}
			assert.Equal(t, c.want, got)
		})
	}
}

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

func TestApplyLeavesStateUntouched(t *testing.T) {
	d := date(t, "2026-11-26")
	st := progress.State{Streak: progress.NewStreak([]calendar.Date{d.AddDays(-1)}), Day: progress.NewDay(d), Today: progress.NewDay(d)}
	e, err := learning.NewEvent("id", "u", practice(100, t0), t0, calendar.UTC)
	require.NoError(t, err)
	f := progress.Facts{Now: t0, Today: d, DailyXPGoal: 20}
	o1, err := progress.Apply(st, e, f)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Streak.ActiveDays())
	assert.Equal(t, 0, st.Day.XP())
	o2, err := progress.Apply(st, e, f)
	require.NoError(t, err)
	assert.Equal(t, o1, o2, "same input, same outcome")
}

func TestApplyRefusesBrokenInput(t *testing.T) {
	d := date(t, "2026-11-26")
	good, err := learning.NewEvent("id", "u", lessonDone(lesson1, 50, t0), t0, calendar.UTC)
	require.NoError(t, err)
	server, err := learning.NewServerEvent("id", "u", learning.LevelUp, t0, t0, d, nil)
	require.NoError(t, err)
	okState := progress.State{Day: progress.NewDay(d), Today: progress.NewDay(d)}
	okFacts := progress.Facts{Now: t0, Today: d, DailyXPGoal: 20, LessonXPReward: 10}
	cases := []struct {
		name  string
		state progress.State
		event learning.Event
		facts progress.Facts
	}{
		{"server-only event", okState, server, okFacts},
		{"zero event", okState, learning.Event{}, okFacts},
		{"day record of another date", progress.State{Day: progress.NewDay(d.AddDays(-1)), Today: progress.NewDay(d)}, good, okFacts},
		{"no goal", okState, good, progress.Facts{Now: t0, Today: d, LessonXPReward: 10}},
		{"no xp reward", okState, good, progress.Facts{Now: t0, Today: d, DailyXPGoal: 20}},
		{"negative total", progress.State{TotalXP: -1, Day: progress.NewDay(d), Today: progress.NewDay(d)}, good, okFacts},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := progress.Apply(c.state, c.event, c.facts)
			require.Error(t, err)
			assert.Equal(t, errs.Internal, errs.KindOf(err))
		})
	}
	t.Run("today's record of another date for a past event", func(t *testing.T) {
		past, err := learning.NewEvent("id", "u", practice(50, t0.Add(-24*time.Hour)), t0, calendar.UTC)
		require.NoError(t, err)
		st := progress.State{Day: progress.NewDay(d.AddDays(-1)), Today: progress.NewDay(d.AddDays(-2))}
		_, err = progress.Apply(st, past, okFacts)
		assert.Equal(t, errs.Internal, errs.KindOf(err))
	})
}

func TestAchievementCodes(t *testing.T) {
	want := []string{"first_lesson", "perfect_lesson", "streak_3", "streak_7", "streak_30", "level_5", "level_10", "course_complete",
		"streak_100", "streak_365"}
	all := progress.AllAchievements()
	require.Len(t, all, len(want))
	for i, a := range all {
		assert.Equal(t, want[i], a.String())
		p, err := progress.ParseAchievement(want[i])
		require.NoError(t, err)
		assert.Equal(t, a, p)
	}
	_, err := progress.ParseAchievement("streak_5")
	assert.Error(t, err)
	assert.Equal(t, "", progress.Achievement(0).String())
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
