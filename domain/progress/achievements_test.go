package progress_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
)

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
