package memory_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/ids"
	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/adapters/storetest"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/health"
	"github.com/lingo-labs/lingo/ports"
)

func subject(*testing.T) storetest.Subject {
	s := memory.NewStore()
	return storetest.Subject{
		Users: memory.NewUsers(s), Tokens: memory.NewRefreshTokens(s), Preferences: memory.NewPreferences(s),
		Settings: memory.NewSettings(s), Catalog: memory.NewCatalog(s), Events: memory.NewEvents(s), Progress: memory.NewProgress(s),
		Streaks: memory.NewStreaks(s), Rebuilds: memory.NewRebuild(s), Leagues: memory.NewLeagues(s),
	}
}

func TestStoreContract(t *testing.T) { storetest.Run(t, subject) }

// TestProbeSaysTheStoreIsNotDurable: readiness follows the "database"
// probe, which the memory store always passes, saying it keeps nothing
// across restarts; there is no pool to report.
func TestProbeSaysTheStoreIsNotDurable(t *testing.T) {
	s := memory.NewStore()
	storetest.StoredUser(t, memory.NewUsers(s), storetest.T0)
	p := memory.NewProbe(s)
	c := p.Check(context.Background())
	assert.Equal(t, "database", p.Component())
	assert.True(t, p.Critical())
	assert.Equal(t, health.Healthy, c.Status)
	assert.Equal(t, map[string]any{"dialect": "memory", "durable": false, "users": 1, "events": 0}, c.Details)
	assert.Equal(t, ports.PoolStats{}, s.PoolStats())
}

// TestUpdateWaitsForTheLearnerLockOnlyAsLongAsTheContext: a transaction
// queued behind another one of the same learner gives up when its context
// ends, as a database lock wait does.
func TestUpdateWaitsForTheLearnerLockOnlyAsLongAsTheContext(t *testing.T) {
	s := memory.NewStore()
	prog := memory.NewProgress(s)
	held, release := make(chan struct{}), make(chan struct{})
	go func() {
		_ = prog.Update(context.Background(), "u1", func(ports.LearnerTx) error { close(held); <-release; return nil })
	}()
	<-held
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := prog.Update(ctx, "u1", func(ports.LearnerTx) error { t.Error("ran without the lock"); return nil })
	assert.True(t, errs.Is(err, errs.Unavailable), "%v", err)
	require.NoError(t, prog.Update(context.Background(), "u2", func(ports.LearnerTx) error { return nil }), "another learner is not held up")
	close(release)
}

// queued records the delivery jobs the store queues.
type queued struct {
	mu  sync.Mutex
	ids []string
}

func (q *queued) EnqueueDeliveries(ids []string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ids = append(q.ids, ids...)
}

func (q *queued) all() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.ids)
}

func TestJobsContract(t *testing.T) {
	storetest.RunJobs(t, func(*testing.T) storetest.Jobs {
		s, q := memory.NewStore(), &queued{}
		s.UseQueue(q, ids.UUIDv7{})
		return storetest.Jobs{Users: memory.NewUsers(s), Progress: memory.NewProgress(s), Outbox: memory.NewOutbox(s), Webhooks: memory.NewWebhooks(s),
			Reminders: memory.NewReminders(s), Queued: q.all}
	})
}

func TestLifecycleContract(t *testing.T) {
	storetest.RunLifecycle(t, func(*testing.T) storetest.Lifecycle {
		s := memory.NewStore()
		l := memory.NewLifecycle(s)
		return storetest.Lifecycle{Users: memory.NewUsers(s), Tokens: memory.NewRefreshTokens(s), Preferences: memory.NewPreferences(s),
			Events: memory.NewEvents(s), Progress: memory.NewProgress(s), Erasure: l, Exports: l, Reader: l}
	})
}
