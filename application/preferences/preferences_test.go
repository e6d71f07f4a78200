package preferences_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/clock"
	apppreferences "github.com/lingo-labs/lingo/application/preferences"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/preferences"
	"github.com/lingo-labs/lingo/ports"
)

var t0 = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

// repo is an in-memory PreferencesRepository that counts writes.
type repo struct {
	mu     sync.Mutex
	stored map[string]preferences.Preferences
	writes int
	calls  int
}

var _ ports.PreferencesRepository = (*repo)(nil)

func (r *repo) Get(_ context.Context, id string) (preferences.Preferences, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.stored[id]; ok {
		return p, nil
	}
	return preferences.Default(t0), nil
}

func (r *repo) Update(_ context.Context, id string, fn func(*preferences.Preferences) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	p, ok := r.stored[id]
	if !ok {
		p = preferences.Default(t0)
	}
	before := p.Snapshot()
	if err := fn(&p); err != nil {
		return err
	}
	if p.Snapshot() != before {
		r.stored[id] = p
		r.writes++
	}
	return nil
}

func setup() (*apppreferences.Service, *repo, *clock.Fake) {
	r := &repo{stored: map[string]preferences.Preferences{}}
	clk := clock.NewFake(t0.Add(time.Hour))
	return apppreferences.New(apppreferences.Deps{Prefs: r, Clock: clk}), r, clk
}

func TestUpdateMovesUpdatedAtOnlyOnChange(t *testing.T) {
	svc, r, clk := setup()
	ctx := context.Background()
	goal := preferences.Patch{Learning: preferences.LearningPatch{DailyXPGoal: preferences.Set(40)}}

	p, changed, err := svc.Update(ctx, "u", goal)
	require.NoError(t, err)
	assert.Equal(t, []string{preferences.PathDailyXPGoal}, changed)
	assert.Equal(t, t0.Add(time.Hour), p.UpdatedAt())
	assert.Equal(t, t0, p.CreatedAt())

	clk.Advance(time.Hour)
	p, changed, err = svc.Update(ctx, "u", goal)
	require.NoError(t, err)
	assert.Empty(t, changed)
	assert.Equal(t, t0.Add(time.Hour), p.UpdatedAt(), "nothing changed, so updated_at stays")
	assert.Equal(t, 1, r.writes)

	got, err := svc.Get(ctx, "u")
	require.NoError(t, err)
	assert.Equal(t, 40, got.DailyXPGoal())
}

func TestInvalidUpdateChangesNothing(t *testing.T) {
	svc, r, _ := setup()
	ctx := context.Background()
	bad := preferences.Patch{
		Timezone: preferences.Set("Europe/Berlin"), // valid, but its neighbour is not
		Learning: preferences.LearningPatch{DailyXPGoal: preferences.Set(501)},
	}
	_, _, err := svc.Update(ctx, "u", bad)
	e, ok := errs.As(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, errs.Invalid, e.Kind)
	require.Len(t, e.Fields, 1)
	assert.Equal(t, preferences.PathDailyXPGoal, e.Fields[0].Field)
	assert.Zero(t, r.calls, "refused before the row is locked")
	got, err := svc.Get(ctx, "u")
	require.NoError(t, err)
	assert.Equal(t, "UTC", got.Zone().Name())
}
