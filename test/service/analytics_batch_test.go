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

// failingStore fails every write that contains an event of the poisoned
// lesson, after the writes were sent, as a database failing mid-batch would.
// The batch's one-transaction path then fails as a whole, and the
// one-transaction-per-item fallback fails on that item only.
type failingStore struct {
	ports.ProgressStore
	poison atomic.Value // lesson id
}

type failingTx struct {
	ports.LearnerTx
	poison string
}

func (f *failingStore) Update(ctx context.Context, userID string, fn func(ports.LearnerTx) error) error {
	p, _ := f.poison.Load().(string)
	return f.ProgressStore.Update(ctx, userID, func(tx ports.LearnerTx) error {
		return fn(&failingTx{LearnerTx: tx, poison: p})
	})
}

func (t *failingTx) Append(a ports.Append) error { return t.AppendAll([]ports.Append{a}) }

func (t *failingTx) AppendAll(as []ports.Append) error {
	if err := t.LearnerTx.AppendAll(as); err != nil {
		return err
	}
	for _, a := range as {
		if id, _ := a.Event.Event.LessonID(); t.poison != "" && id == t.poison {
			return errors.New("injected: the disk is gone") // after the writes: they must roll back
		}
	}
	return nil
}

func TestBatchItemFailingToStore(t *testing.T) {
	t.Parallel()
	fs := &failingStore{}
	app := startEngine(t, fx.Decorate(func(s ports.ProgressStore) ports.ProgressStore { fs.ProgressStore = s; return fs }))
	_, tok := app.learner(t)
	lessons := app.courses(t, tok)[0].Lessons
	now := app.clock.Now()
	items := make([]any, 3)
	for i := range items {
		items[i] = map[string]any{"event_type": "lesson_completed", "lesson_id": lessons[i].ID, "score": 60,
			"occurred_at": now.Add(time.Duration(i-3) * time.Minute).Format(time.RFC3339)}
	}
	fs.poison.Store(lessons[2].ID)
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
	fs.poison.Store("")

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
