package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/application/internal/fakes"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
	"github.com/lingo-labs/lingo/test/mocks"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func day(t *testing.T, r progress.DayRecord) progress.Day {
	t.Helper()
	d, err := progress.RestoreDay(r)
	require.NoError(t, err)
	return d
}

// fixture is a service over mocked stores. Each test says how often it
// expects every store read, so a read served from the cache shows as a
// store call that did not happen.
type fixture struct {
	settings *mocks.LearnerSettings
	store    *mocks.ProgressStore
	clock    *clock.Fake
}

func newFixture(t *testing.T) *fixture {
	return &fixture{settings: mocks.NewLearnerSettings(t), store: mocks.NewProgressStore(t), clock: clock.NewFake(now)}
}

func (f *fixture) service(cache ports.Cache) *analytics.Service {
	var opts []analytics.Option
	if cache != nil {
		opts = append(opts, analytics.WithCache(cache, nil))
	}
	return analytics.NewService(nil, nil, f.store, f.settings, f.clock, &fakes.IDs{}, opts...)
}

func TestCachedReadsEqualLoadedOnes(t *testing.T) {
	today := calendar.DateOf(now, time.UTC)
	cases := []struct {
		name string
		snap func(t *testing.T) ports.LearnerSnapshot
		days func(t *testing.T) []progress.Day
	}{
		{"a learner who never did anything", func(*testing.T) ports.LearnerSnapshot {
			return ports.LearnerSnapshot{Today: progress.NewDay(today)}
		}, func(*testing.T) []progress.Day { return nil }},
		{"a learner with a history", func(t *testing.T) ports.LearnerSnapshot {
			return ports.LearnerSnapshot{
				TotalXP: 1234, Streak: progress.NewStreak([]calendar.Date{today.AddDays(-2), today.AddDays(-1), today}),
				Today: day(t, progress.DayRecord{Date: today, XP: 30, CreditedXP: 25, GoalXP: 20, GoalMet: true, Active: true,
					LessonsCompleted: 2, TimeSpentSeconds: 300}),
				Achievements: []progress.Unlock{{Achievement: progress.FirstLesson, UnlockedAt: now.Add(-48 * time.Hour)},
					{Achievement: progress.Streak3, UnlockedAt: now.Add(-time.Minute)}},
				Counters:         ports.Counters{PracticeSessions: 3, ExercisesAttempted: 7, ExercisesCorrect: 5, TimeSpentSeconds: 900, Sessions: 4},
				LessonsCompleted: 6, CoursesCompleted: 1,
				Courses: []ports.CourseProgress{{CourseID: "c1", Title: "Spanish", LessonsCompleted: 6, LessonsTotal: 6},
					{CourseID: "c2", Title: "French", LessonsCompleted: 1, LessonsTotal: 3}},
			}
		}, func(t *testing.T) []progress.Day {
			return []progress.Day{
				day(t, progress.DayRecord{Date: today.AddDays(-2), XP: 10, CreditedXP: 10, GoalXP: 20, Active: true}),
				day(t, progress.DayRecord{Date: today, XP: 30, CreditedXP: 25, GoalXP: 20, GoalMet: true, Active: true,
					LessonsCompleted: 2, TimeSpentSeconds: 300}),
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.settings.EXPECT().Settings(mock.Anything, "u1").Return(calendar.Zone{}, 20, nil)
			f.store.EXPECT().Snapshot(mock.Anything, "u1", today).Return(c.snap(t), nil)
			f.store.EXPECT().Days(mock.Anything, "u1", mock.Anything, today).Return(c.days(t), nil)
			f.store.EXPECT().Global(mock.Anything, "u1").Return(ports.GlobalStats{Learners: 3, SumXP: 2000, Below: 1}, nil)
			ctx := context.Background()
			plain, cached := f.service(nil), f.service(memory.NewCache(f.clock, memory.CacheOptions{}))

			for _, global := range []bool{false, true} {
				want, err := plain.Progress(ctx, "u1", global)
				require.NoError(t, err)
				for range 2 {
					got, err := cached.Progress(ctx, "u1", global)
					require.NoError(t, err)
					assert.Equal(t, want, got)
				}
			}
			for _, history := range []bool{false, true} {
				want, err := plain.Stats(ctx, "u1", 7, history)
				require.NoError(t, err)
				for range 2 {
					got, err := cached.Stats(ctx, "u1", 7, history)
					require.NoError(t, err)
					assert.Equal(t, want, got)
				}
			}
		})
	}
}

func TestProgressCacheNames(t *testing.T) {
	today := calendar.DateOf(now, time.UTC)
	cases := []struct {
		name string
		// between runs between the two reads.
		between func(f *fixture)
		goals   [2]int
		// loads is how often each read reaches the store.
		summaryLoads, globalLoads int
	}{
		{"the same day and goal: the second read is cached", func(*fixture) {}, [2]int{20, 20}, 1, 1},
		{"a few seconds on: the global part is loaded again, the learner's is not",
			func(f *fixture) { f.clock.Advance(analytics.GlobalTTL) }, [2]int{20, 20}, 1, 2},
		{"past the TTL: both are loaded again", func(f *fixture) { f.clock.Advance(analytics.ProgressTTL) }, [2]int{20, 20}, 2, 2},
		{"another daily goal: the learner's part is loaded again", func(*fixture) {}, [2]int{20, 30}, 2, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.settings.EXPECT().Settings(mock.Anything, "u1").Return(calendar.Zone{}, c.goals[0], nil).Once()
			f.settings.EXPECT().Settings(mock.Anything, "u1").Return(calendar.Zone{}, c.goals[1], nil).Once()
			f.store.EXPECT().Snapshot(mock.Anything, "u1", today).Return(ports.LearnerSnapshot{Today: progress.NewDay(today)}, nil).Times(c.summaryLoads)
			f.store.EXPECT().Global(mock.Anything, "u1").Return(ports.GlobalStats{Learners: 1}, nil).Times(c.globalLoads)
			svc := f.service(memory.NewCache(f.clock, memory.CacheOptions{}))
			_, err := svc.Progress(context.Background(), "u1", true)
			require.NoError(t, err)
			c.between(f)
			p, err := svc.Progress(context.Background(), "u1", true)
			require.NoError(t, err)
			assert.Equal(t, c.goals[1], p.DailyGoal.GoalXP)
		})
	}
}

// TestProgressReadsSurviveAFailingCache checks that the cache is an
// optimisation only: a store that does not answer costs loads, not errors.
func TestProgressReadsSurviveAFailingCache(t *testing.T) {
	today := calendar.DateOf(now, time.UTC)
	f := newFixture(t)
	down := errs.E(errs.Unavailable, errs.CodeCacheUnavailable, "the cache does not answer")
	cache := mocks.NewCache(t)
	cache.EXPECT().Version(mock.Anything, "progress:u1").Return("", down)
	f.settings.EXPECT().Settings(mock.Anything, "u1").Return(calendar.Zone{}, 20, nil)
	f.store.EXPECT().Snapshot(mock.Anything, "u1", today).Return(ports.LearnerSnapshot{TotalXP: 42, Today: progress.NewDay(today)}, nil).Times(4)
	f.store.EXPECT().Days(mock.Anything, "u1", mock.Anything, today).Return(nil, nil).Times(2)
	svc := f.service(cache)
	for range 2 {
		p, err := svc.Progress(context.Background(), "u1", false)
		require.NoError(t, err)
		assert.Equal(t, 42, p.TotalXP)
		s, err := svc.Stats(context.Background(), "u1", 30, false)
		require.NoError(t, err)
		assert.Equal(t, 42, s.Totals.TotalXP)
	}
}
