package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

// DefaultCachePrefix starts every key the cache writes.
const DefaultCachePrefix = "lingo:cache:"

// versionTTL is how long a namespace's version token is kept. It is far
// longer than any value's TTL; when a token expires anyway a new random one
// is made, which only turns the next reads into misses.
const versionTTL = 24 * time.Hour

// DefaultCacheOpTimeout bounds each lookup and fill (Get, Version, Set). A
// cache that answers later than a database read is no use, so a slow or dead
// Redis costs a read at most this much before ReadThrough falls back to the
// database (its first call failing skips the rest). With the limiter's 40 ms,
// a frozen Redis costs a cached read about 46 ms in all; a healthy one
// answers in well under a millisecond on loopback. A lookup that times out
// is only a miss.
const DefaultCacheOpTimeout = 5 * time.Millisecond

// invalidateTimeout bounds Bump and Delete. It is longer than a lookup's
// because a lost invalidation on a Redis that is slow but alive would let
// later reads serve stale values until their TTL; a dead Redis fails these
// at once (connection refused) and serves no reads either.
const invalidateTimeout = 250 * time.Millisecond

// Cache implements ports.Cache on Redis, shared by every instance: values
// under <prefix>d:<key> with their TTL, namespace version tokens under
// <prefix>v:<namespace>. Hit and miss counts are this process's own.
type Cache struct {
	client       goredis.UniversalClient
	prefix       string
	timeout      time.Duration // lookups and fills
	hits, misses atomic.Uint64
}

var _ ports.Cache = (*Cache)(nil)

// NewCache makes the cache over client; prefix "" takes DefaultCachePrefix,
// lookupTimeout 0 takes DefaultCacheOpTimeout.
func NewCache(client goredis.UniversalClient, prefix string, lookupTimeout time.Duration) *Cache {
	if prefix == "" {
		prefix = DefaultCachePrefix
	}
	if lookupTimeout <= 0 {
		lookupTimeout = DefaultCacheOpTimeout
	}
	return &Cache{client: client, prefix: prefix, timeout: lookupTimeout}
}

// bounded gives one lookup or fill its deadline (the request's, if sooner).
func (c *Cache) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.timeout)
}

// boundedInvalidate gives one invalidation its deadline.
func (c *Cache) boundedInvalidate(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, invalidateTimeout)
}

func unavailable(op string, err error) error {
	return errs.Wrap(errs.Unavailable, errs.CodeCacheUnavailable, errors.New("redis cache "+op+": "+err.Error()))
}

// Get implements ports.Cache; a failed GET counts as a miss.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	b, err := c.client.Get(ctx, c.prefix+"d:"+key).Bytes()
	switch {
	case errors.Is(err, goredis.Nil):
		c.misses.Add(1)
		return nil, false, nil
	case err != nil:
		c.misses.Add(1)
		return nil, false, unavailable("get", err)
	}
	c.hits.Add(1)
	return b, true, nil
}

// Set implements ports.Cache.
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	if ttl <= 0 {
		return nil
	}
	if err := c.client.Set(ctx, c.prefix+"d:"+key, value, ttl).Err(); err != nil {
		return unavailable("set", err)
	}
	return nil
}

// Delete implements ports.Cache.
func (c *Cache) Delete(ctx context.Context, keys ...string) error {
	ctx, cancel := c.boundedInvalidate(ctx)
	defer cancel()
	if len(keys) == 0 {
		return nil
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = c.prefix + "d:" + k
	}
	if err := c.client.Del(ctx, full...).Err(); err != nil {
		return unavailable("delete", err)
	}
	return nil
}

// Version implements ports.Cache. When the namespace has no token yet, the
// first instance to SET NX one wins and every other reads the winner's.
func (c *Cache) Version(ctx context.Context, namespace string) (string, error) {
	ctx, cancel := c.bounded(ctx)
	defer cancel()
	key := c.prefix + "v:" + namespace
	v, err := c.client.Get(ctx, key).Result()
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, goredis.Nil) {
		return "", unavailable("version", err)
	}
	tok := newToken()
	ok, err := c.client.SetNX(ctx, key, tok, versionTTL).Result()
	if err != nil {
		return "", unavailable("version", err)
	}
	if ok {
		return tok, nil
	}
	v, err = c.client.Get(ctx, key).Result()
	if err != nil {
		return "", unavailable("version", err)
	}
	return v, nil
}

// Bump implements ports.Cache.
func (c *Cache) Bump(ctx context.Context, namespace string) error {
	ctx, cancel := c.boundedInvalidate(ctx)
	defer cancel()
	if err := c.client.Set(ctx, c.prefix+"v:"+namespace, newToken(), versionTTL).Err(); err != nil {
		return unavailable("bump", err)
	}
	return nil
}

// Stats implements ports.Cache.
func (c *Cache) Stats() ports.CacheStats {
	return ports.CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load()}
}

// newToken is random so that a token lost to eviction or a restart of Redis
// is never made again (a counter would restart and could uncover old values).
func newToken() string {
	b := make([]byte, 9)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
