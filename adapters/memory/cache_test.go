package memory_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/cachetest"
	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/memory"
)

var cacheEpoch = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

func TestCacheContract(t *testing.T) {
	cachetest.Run(t, func(t *testing.T) cachetest.Subject {
		clk := clock.NewFake(cacheEpoch)
		return cachetest.Subject{Cache: memory.NewCache(clk, memory.CacheOptions{}), Advance: clk.Advance}
	})
}

func TestCacheBounds(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name       string
		opts       memory.CacheOptions
		values     int
		valueBytes int
		maxLen     int
	}{
		// 16 shards of at most 4 entries each.
		{"by entries", memory.CacheOptions{MaxEntries: 64}, 1000, 10, 64},
		// 16 shards of 1 KiB: a 400-byte value (plus overhead) fits twice.
		{"by bytes", memory.CacheOptions{MaxBytes: 16 << 10}, 1000, 400, 32},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cache := memory.NewCache(clock.NewFake(cacheEpoch), c.opts)
			for i := range c.values {
				require.NoError(t, cache.Set(ctx, fmt.Sprintf("k%04d", i), make([]byte, c.valueBytes), time.Hour))
			}
			assert.LessOrEqual(t, cache.Len(), c.maxLen)
			assert.Positive(t, cache.Len())
			assert.Positive(t, cache.Evictions())
			r := cache.Inspect(ctx)
			assert.LessOrEqual(t, r.Memory.UsedBytes, r.Memory.MaxBytes)
			assert.GreaterOrEqual(t, r.Memory.PeakBytes, r.Memory.UsedBytes)
		})
	}
}

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	ctx := context.Background()
	// 16 entries over 16 shards is one per shard: every Set into a shard
	// evicts that shard's other entry, so recency is visible per shard.
	cache := memory.NewCache(clock.NewFake(cacheEpoch), memory.CacheOptions{MaxEntries: 16})
	require.NoError(t, cache.Set(ctx, "a", []byte("1"), time.Hour))
	_, ok, _ := cache.Get(ctx, "a")
	require.True(t, ok)
	// Fill until "a" is pushed out of its shard by a newer key.
	for i := 0; ; i++ {
		require.Less(t, i, 10000, "a was never evicted")
		require.NoError(t, cache.Set(ctx, fmt.Sprintf("other%d", i), []byte("x"), time.Hour))
		if _, ok, _ := cache.Get(ctx, "a"); !ok {
			break
		}
	}
	assert.LessOrEqual(t, cache.Len(), 16)
}

func TestCacheValueLargerThanAShardIsNotStored(t *testing.T) {
	ctx := context.Background()
	cache := memory.NewCache(clock.NewFake(cacheEpoch), memory.CacheOptions{MaxBytes: 16 << 10})
	require.NoError(t, cache.Set(ctx, "k", []byte("small"), time.Hour))
	require.NoError(t, cache.Set(ctx, "k", make([]byte, 4<<10), time.Hour))
	_, ok, _ := cache.Get(ctx, "k")
	assert.False(t, ok, "the old value must not outlive the newer write")
}

func TestCacheInspectIsEmbedded(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(cacheEpoch)
	cache := memory.NewCache(clk, memory.CacheOptions{MaxBytes: 1 << 20})
	require.NoError(t, cache.Set(ctx, "k", []byte("value"), time.Minute))
	_, _, _ = cache.Get(ctx, "k")
	_, _, _ = cache.Get(ctx, "absent")
	clk.Advance(10 * time.Second)

	r := cache.Inspect(ctx)
	assert.Equal(t, "embedded", r.Mode)
	assert.True(t, r.Connected)
	assert.Equal(t, 10*time.Second, r.Server.Uptime)
	assert.InDelta(t, 0.3, r.Server.OpsPerSec, 1e-9, "three operations in ten seconds")
	assert.Equal(t, uint64(1), r.Server.KeyspaceHits)
	assert.Equal(t, uint64(1), r.Server.KeyspaceMisses)
	assert.Equal(t, int64(1<<20), r.Memory.MaxBytes)
	assert.Positive(t, r.Memory.UsedBytes)
	assert.Equal(t, "allkeys-lru", r.Memory.EvictionPolicy)
	assert.Equal(t, uint64(1), r.App.Hits)
	assert.Nil(t, r.Clients, "an in-process cache has no clients to count")
}

func TestCacheProbeIsHealthyAndEmbedded(t *testing.T) {
	cache := memory.NewCache(clock.NewFake(cacheEpoch), memory.CacheOptions{})
	p := memory.NewCacheProbe(cache)
	c := p.Check(context.Background())
	assert.Equal(t, "redis", p.Component())
	assert.False(t, p.Critical())
	assert.Equal(t, "healthy", c.Status.String())
	assert.Equal(t, "embedded", c.Details["mode"])
}
