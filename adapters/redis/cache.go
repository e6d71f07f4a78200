package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
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

// Bump and Delete are bounded like lookups: a hung Redis must cost a write
// no more than a read (the OpenAPI document promises at most 50 ms a request
// for a Redis that never answers, and the limiter takes 40 of them). An
// invalidation lost that way does not serve old values: see unsynced.

// downFor is how long the cache stops asking Redis after a call failed: a
// hung Redis then costs one lookup's timeout a second in all, not one per
// cache call, however many calls a request makes.
const downFor = time.Second

// unsyncedFor is how long a namespace whose Bump failed is read around the
// cache: longer than any value's TTL (the catalog's minute), so every value
// cached under the old version has expired by the time reads return to it.
const unsyncedFor = 2 * time.Minute

// Cache implements ports.Cache on Redis, shared by every instance: values
// under <prefix>d:<key> with their TTL, namespace version tokens under
// <prefix>v:<namespace>. Hit and miss counts are this process's own.
type Cache struct {
	client       goredis.UniversalClient
	prefix       string
	timeout      time.Duration // every call
	hits, misses atomic.Uint64
	downUntil    atomic.Int64 // Unix nanoseconds; calls before it fail at once
	downFor      time.Duration

	// unsynced holds the namespaces whose last Bump failed, with when they
	// may be read through the cache again. A failed invalidation is the
	// cache's to repair, not the reader's to suffer: until the namespace's
	// version is bumped after all (Version retries it) or every value under
	// the old version has expired, Version answers Unavailable, so
	// ReadThrough loads from the database and stores nothing. Without it a
	// learner whose write's Bump was lost read their old progress for the
	// TTL (30 s). It is this process's memory: another instance may serve
	// the old value until its TTL when Redis lost only this one call, but
	// when Redis is down or hung every instance reads around it anyway.
	mu       sync.Mutex
	unsynced map[string]time.Time
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
	return &Cache{client: client, prefix: prefix, timeout: lookupTimeout, downFor: downFor, unsynced: map[string]time.Time{}}
}

// errDown answers calls while the cache stays away from a Redis that failed.
var errDown = errors.New("redis failed a call less than a second ago")

// bounded gives one call its deadline (the request's, if sooner), or fails
// at once while Redis is considered down.
func (c *Cache) bounded(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if time.Now().UnixNano() < c.downUntil.Load() {
		return nil, nil, errDown
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	return ctx, cancel, nil
}

// failed classifies a call's error and, for anything but an absent key,
// keeps the cache away from Redis for downFor.
func (c *Cache) failed(op string, err error) error {
	if !errors.Is(err, errDown) {
		c.downUntil.Store(time.Now().Add(c.downFor).UnixNano())
	}
	return unavailable(op, err)
}

// markUnsynced records that namespace's Bump was lost.
func (c *Cache) markUnsynced(namespace string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	for ns, until := range c.unsynced {
		if now.After(until) {
			delete(c.unsynced, ns)
		}
	}
	c.unsynced[namespace] = now.Add(unsyncedFor)
}

// isUnsynced reports whether namespace's last Bump was lost and its old
// values may still be cached.
func (c *Cache) isUnsynced(namespace string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	until, ok := c.unsynced[namespace]
	if ok && time.Now().After(until) {
		delete(c.unsynced, namespace)
		return false
	}
	return ok
}

func (c *Cache) clearUnsynced(namespace string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.unsynced, namespace)
}

func unavailable(op string, err error) error {
	return errs.Wrap(errs.Unavailable, errs.CodeCacheUnavailable, errors.New("redis cache "+op+": "+err.Error()))
}

// Get implements ports.Cache; a failed GET counts as a miss.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	ctx, cancel, err := c.bounded(ctx)
	if err != nil {
		c.misses.Add(1)
		return nil, false, c.failed("get", err)
	}
	defer cancel()
	b, err := c.client.Get(ctx, c.prefix+"d:"+key).Bytes()
	switch {
	case errors.Is(err, goredis.Nil):
		c.misses.Add(1)
		return nil, false, nil
	case err != nil:
		c.misses.Add(1)
		return nil, false, c.failed("get", err)
	}
	c.hits.Add(1)
	return b, true, nil
}

// Set implements ports.Cache.
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return nil
	}
	ctx, cancel, err := c.bounded(ctx)
	if err != nil {
		return c.failed("set", err)
	}
	defer cancel()
	if err := c.client.Set(ctx, c.prefix+"d:"+key, value, ttl).Err(); err != nil {
		return c.failed("set", err)
	}
	return nil
}

// Delete implements ports.Cache.
func (c *Cache) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	ctx, cancel, err := c.bounded(ctx)
	if err != nil {
		return c.failed("delete", err)
	}
	defer cancel()
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = c.prefix + "d:" + k
	}
	if err := c.client.Del(ctx, full...).Err(); err != nil {
		return c.failed("delete", err)
	}
	return nil
}

// Version implements ports.Cache. When the namespace has no token yet, the
// first instance to SET NX one wins and every other reads the winner's. A
// namespace whose last Bump was lost is bumped now; until that succeeds
// Version answers Unavailable, so nothing cached under the old token is read.
func (c *Cache) Version(ctx context.Context, namespace string) (string, error) {
	if c.isUnsynced(namespace) {
		tok, err := c.bump(ctx, namespace)
		if err != nil {
			return "", err
		}
		c.clearUnsynced(namespace)
		return tok, nil
	}
	ctx, cancel, err := c.bounded(ctx)
	if err != nil {
		return "", c.failed("version", err)
	}
	defer cancel()
	key := c.prefix + "v:" + namespace
	v, err := c.client.Get(ctx, key).Result()
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, goredis.Nil) {
		return "", c.failed("version", err)
	}
	tok := newToken()
	ok, err := c.client.SetNX(ctx, key, tok, versionTTL).Result()
	if err != nil {
		return "", c.failed("version", err)
	}
	if ok {
		return tok, nil
	}
	v, err = c.client.Get(ctx, key).Result()
	if err != nil {
		return "", c.failed("version", err)
	}
	return v, nil
}

// Bump implements ports.Cache. A failed Bump leaves the namespace unsynced
// (see Cache), so the reads after the write that asked for it are right.
func (c *Cache) Bump(ctx context.Context, namespace string) error {
	if _, err := c.bump(ctx, namespace); err != nil {
		c.markUnsynced(namespace)
		return err
	}
	return nil
}

func (c *Cache) bump(ctx context.Context, namespace string) (string, error) {
	ctx, cancel, err := c.bounded(ctx)
	if err != nil {
		return "", c.failed("bump", err)
	}
	defer cancel()
	tok := newToken()
	if err := c.client.Set(ctx, c.prefix+"v:"+namespace, tok, versionTTL).Err(); err != nil {
		return "", c.failed("bump", err)
	}
	return tok, nil
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
