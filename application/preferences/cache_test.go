package preferences_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/clock"
	apppreferences "github.com/lingo-labs/lingo/application/preferences"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/preferences"
	"github.com/lingo-labs/lingo/test/mocks"
)

// TestProgressBumpOnZoneOrGoalChange checks that the learner's cached
// progress reads are invalidated by exactly the changes they depend on.
func TestProgressBumpOnZoneOrGoalChange(t *testing.T) {
	cases := []struct {
		name  string
		patch preferences.Patch
		bumps int
	}{
		{"time zone", preferences.Patch{Timezone: preferences.Set("Europe/Paris")}, 1},
		{"daily goal", preferences.Patch{Learning: preferences.LearningPatch{DailyXPGoal: preferences.Set(40)}}, 1},
		{"both", preferences.Patch{Timezone: preferences.Set("Asia/Tokyo"), Learning: preferences.LearningPatch{DailyXPGoal: preferences.Set(50)}}, 1},
		{"the same goal again", preferences.Patch{Learning: preferences.LearningPatch{DailyXPGoal: preferences.Set(preferences.DefaultDailyXPGoal)}}, 0},
		{"notifications only", preferences.Patch{Notifications: preferences.NotificationsPatch{EmailEnabled: preferences.Set(false)}}, 0},
		{"an invalid goal", preferences.Patch{Learning: preferences.LearningPatch{DailyXPGoal: preferences.Set(501)}}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cache := mocks.NewCache(t)
			if c.bumps > 0 {
				cache.EXPECT().Bump(mock.Anything, "progress:u1").Return(nil).Times(c.bumps)
			}
			svc := apppreferences.New(apppreferences.Deps{Prefs: &repo{stored: map[string]preferences.Preferences{}},
				Clock: clock.NewFake(t0), Cache: cache})
			_, _, _ = svc.Update(context.Background(), "u1", c.patch)
		})
	}
}

// TestProgressBumpFailureKeepsTheChange checks that a committed change
// stands when its bump fails, and that the failure is reported.
func TestProgressBumpFailureKeepsTheChange(t *testing.T) {
	cache := mocks.NewCache(t)
	cache.EXPECT().Bump(mock.Anything, "progress:u1").Return(errs.E(errs.Unavailable, errs.CodeCacheUnavailable, "down")).Once()
	var reported []string
	svc := apppreferences.New(apppreferences.Deps{Prefs: &repo{stored: map[string]preferences.Preferences{}},
		Clock: clock.NewFake(t0), Cache: cache, OnBumpError: func(ns string, _ error) { reported = append(reported, ns) }})
	p, changed, err := svc.Update(context.Background(), "u1", preferences.Patch{Timezone: preferences.Set("Europe/Paris")})
	require.NoError(t, err)
	assert.Equal(t, []string{preferences.PathTimezone}, changed)
	assert.Equal(t, "Europe/Paris", p.Snapshot().Timezone)
	assert.Equal(t, []string{"progress:u1"}, reported)
}
