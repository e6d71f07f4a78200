package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/redis"
	"github.com/lingo-labs/lingo/ports"
)

// TestForgetRemovesExactlyTheSubjectsKeys: an erasure drops one learner's
// cache namespace (every version) and limiter buckets (every class), and
// nothing of another learner whose id shares a prefix.
func TestForgetRemovesExactlyTheSubjectsKeys(t *testing.T) {
	ctx := context.Background()
	mr := miniredis.RunT(t)
	client := goredis.NewClient(&goredis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	cache := redis.NewCache(client, "p:cache:", time.Second)
	limiter := redis.NewRateLimiter(client, redis.WithKeyPrefix("p:rl:"))
	const gone, kept = "01a24e9a-0000-7000-8000-000000000001", "01a24e9a-0000-7000-8000-0000000000012"
	for _, id := range []string{gone, kept} {
		ns := "progress:" + id
		key, err := ports.VersionedKey(ctx, cache, ns, "summary")
		require.NoError(t, err)
		require.NoError(t, cache.Set(ctx, key, []byte("x"), time.Minute))
		require.NoError(t, cache.Bump(ctx, ns))
		key, err = ports.VersionedKey(ctx, cache, ns, "stats")
		require.NoError(t, err)
		require.NoError(t, cache.Set(ctx, key, []byte("y"), time.Minute))
		for _, class := range []string{"user", "analytics"} {
			p, err := ports.NewPolicy(class, 10, time.Minute)
			require.NoError(t, err)
			_, err = limiter.Allow(ctx, p, id)
			require.NoError(t, err)
		}
	}
	require.NoError(t, cache.ForgetNamespace(ctx, "progress:"+gone))
	require.NoError(t, limiter.ForgetKey(ctx, gone))
	for _, k := range mr.Keys() {
		assert.NotContains(t, k+"}", gone+"}", "key %s of the forgotten learner is left", k)
		assert.NotRegexp(t, gone+`(:|\})`, k, "key %s of the forgotten learner is left", k)
	}
	var keptKeys int
	for _, k := range mr.Keys() {
		if assert.Contains(t, k, kept) {
			keptKeys++
		}
	}
	assert.Equal(t, 5, keptKeys, "the other learner keeps its version, two values and two buckets: %v", mr.Keys())
}
