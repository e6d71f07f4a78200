package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/ports"
)

// TestForgetRemovesExactlyTheSubjectsEntries mirrors the Redis adapter's
// test: one learner's namespace and buckets go, another's stay.
func TestForgetRemovesExactlyTheSubjectsEntries(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	cache := memory.NewCache(clk, memory.CacheOptions{})
	limiter := memory.NewRateLimiter(clk)
	const gone, kept = "u-1", "u-12"
	p, err := ports.NewPolicy("user", 1, time.Minute)
	require.NoError(t, err)
	for _, id := range []string{gone, kept} {
		key, err := ports.VersionedKey(ctx, cache, "progress:"+id, "summary")
		require.NoError(t, err)
		require.NoError(t, cache.Set(ctx, key, []byte("x"), time.Minute))
		_, err = limiter.Allow(ctx, p, id)
		require.NoError(t, err)
	}
	require.Equal(t, 4, cache.Len())
	require.NoError(t, cache.ForgetNamespace(ctx, "progress:"+gone))
	require.NoError(t, limiter.ForgetKey(ctx, gone))
	assert.Equal(t, 2, cache.Len(), "the other learner's version and value stay")
	d, err := limiter.Allow(ctx, p, gone)
	require.NoError(t, err)
	assert.True(t, d.Allowed, "the forgotten learner's bucket is whole again")
	d, err = limiter.Allow(ctx, p, kept)
	require.NoError(t, err)
	assert.False(t, d.Allowed, "the other learner's bucket is kept")
}
