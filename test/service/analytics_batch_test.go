package service_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/lingo-labs/lingo/ports"
)

// failingStore fails the nth Update after arming, as a database failing
// mid-batch would.
type failingStore struct {
	ports.ProgressStore
	armed atomic.Bool
	calls atomic.Int64
	nth   int64
}

func (f *failingStore) Update(ctx context.Context, userID string, fn func(ports.LearnerTx) error) error {
	if f.armed.Load() && f.calls.Add(1) == f.nth {
		return f.ProgressStore.Update(ctx, userID, func(tx ports.LearnerTx) error {
			if err := fn(tx); err != nil {
				return err
			}
			return errors.New("injected: the disk is gone") // after the writes: they must roll back
		})
	}
	return f.ProgressStore.Update(ctx, userID, fn)
}

func TestBatchItemFailingToStore(t *testing.T) {
	fs := &failingStore{nth: 3}
	app := startEngine(t, fx.Decorate(func(s ports.ProgressStore) ports.ProgressStore { fs.ProgressStore = s; return fs }))
	_, tok := app.learner(t)
	lessons := app.courses(t, tok)[0].Lessons
	now := app.clock.Now()
	items := make([]any, 3)
	for i := range items {
		items[i] = map[string]any{"event_type": "lesson_completed", "lesson_id": lessons[i].ID, "score": 60,
			"occurred_at": now.Add(time.Duration(i-3) * time.Minute).Format(time.RFC3339)}
	}
	fs.armed.Store(true)
	r := app.post(t, tok, "/api/analytics/events/batch", map[string]any{"events": items})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	var out struct {
		Results []struct {
			Status string `json:"status"`
		} `json:"results"`
	}
	r.Decode(t, &out)
	require.Len(t, out.Results, 3)
	assert.Equal(t, "created", out.Results[0].Status)
	assert.Equal(t, "created", out.Results[1].Status)
	assert.Equal(t, "rejected", out.Results[2].Status)
	fs.armed.Store(false)

	var p struct {
		TotalXP          int `json:"total_xp"`
		LessonsCompleted int `json:"lessons_completed"`
	}
	app.get(t, tok, "/api/analytics/progress").Decode(t, &p)
	assert.Equal(t, lessons[0].XPReward+lessons[1].XPReward, p.TotalXP, "items 1 and 2 with their effects, nothing of item 3")
	assert.Equal(t, 2, p.LessonsCompleted)
	var page struct {
		Items []eventOut `json:"items"`
	}
	app.get(t, tok, "/api/analytics/events?event_type=lesson_completed").Decode(t, &page)
	assert.Len(t, page.Items, 2)
}
