package redis_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/cachetest"
	"github.com/lingo-labs/lingo/adapters/redis"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
	"github.com/lingo-labs/lingo/test/harness"
)

// cacheTestPrefix is a key prefix of its own per cache on a shared Redis, so
// reruns start clean without flushing anything.
func cacheTestPrefix() string { return "lingo:cachetest:" + uuid.NewString() + ":" }

func TestCacheContractMiniredis(t *testing.T) {
	cachetest.Run(t, func(t *testing.T) cachetest.Subject {
		mr := miniredis.RunT(t)
		client := redis.NewClient(redis.Options{Addr: mr.Addr()})
		t.Cleanup(func() { client.Close() })
		return cachetest.Subject{Cache: redis.NewCache(client, cacheTestPrefix(), contractTimeout), Advance: mr.FastForward}
	})
}

func TestCacheContractRealRedis(t *testing.T) {
	addr := harness.Redis(t)
	client := redis.NewClient(redis.Options{Addr: addr})
	t.Cleanup(func() { client.Close() })
	cachetest.Run(t, func(t *testing.T) cachetest.Subject {
		prefix := cacheTestPrefix()
		t.Cleanup(func() { deleteUnder(t, client, prefix) })
		return cachetest.Subject{Cache: redis.NewCache(client, prefix, contractTimeout)}
	})
}

func TestCacheKeysHaveTTLs(t *testing.T) {
	mr := miniredis.RunT(t)
	client := redis.NewClient(redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { client.Close() })
	c := redis.NewCache(client, "p:", contractTimeout)
	ctx := context.Background()
	require.NoError(t, c.Set(ctx, "k", []byte("v"), 30*time.Second))
	_, err := c.Version(ctx, "progress:u")
	require.NoError(t, err)
	for _, k := range mr.Keys() {
		assert.Positive(t, mr.TTL(k), "key %s has no TTL", k)
	}
	assert.ElementsMatch(t, []string{"p:d:k", "p:v:progress:u"}, mr.Keys())
}

func TestCacheDeadRedis(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens here now
	client := redis.NewClient(redis.Options{Addr: addr})
	t.Cleanup(func() { client.Close() })
	c := redis.NewCache(client, "", contractTimeout)
	ctx := context.Background()

	cases := map[string]func() error{
		"get":     func() error { _, _, err := c.Get(ctx, "k"); return err },
		"set":     func() error { return c.Set(ctx, "k", []byte("v"), time.Minute) },
		"delete":  func() error { return c.Delete(ctx, "k") },
		"version": func() error { _, err := c.Version(ctx, "n"); return err },
		"bump":    func() error { return c.Bump(ctx, "n") },
	}
	for name, op := range cases {
		t.Run(name+" is unavailable", func(t *testing.T) {
			err := op()
			require.Error(t, err)
			assert.True(t, errs.Is(err, errs.Unavailable), "kind of %v", err)
		})
	}
	t.Run("read-through falls back to the loader", func(t *testing.T) {
		got, err := ports.ReadThrough(ctx, c, "catalog", "courses", time.Minute, ports.JSONCodec[string](),
			func(context.Context) (string, error) { return "from the database", nil })
		require.NoError(t, err)
		assert.Equal(t, "from the database", got)
	})
	assert.Equal(t, uint64(1), c.Stats().Misses, "the failed get counted as a miss")
}

func deleteUnder(t *testing.T, client goredis.UniversalClient, prefix string) {
	ctx := context.Background()
	iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		client.Del(ctx, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("clean up %s: %v", prefix, err)
	}
}

// contractTimeout is generous: the contract suite checks what the cache
// means, under -race on a shared machine, not how fast it must answer
// (test/faults measures that with the production bound).
const contractTimeout = time.Second
