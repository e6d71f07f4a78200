package memory

import (
	"container/list"
	"context"
	"hash/maphash"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lingo-labs/lingo/ports"
)

// Defaults of the in-process cache: enough for the catalog and the progress
// summaries of a few thousand active learners, small enough to never matter
// next to the process's own memory.
const (
	DefaultCacheMaxEntries = 50_000
	DefaultCacheMaxBytes   = 64 << 20
	cacheShards            = 16
	// entryOverhead is a rough per-entry cost (map slot, list element,
	// struct) added to the key and value lengths, so that the byte bound
	// means something for many small values too.
	entryOverhead = 96
)

// versionPrefix marks the keys that hold namespace version tokens. The NUL
// byte keeps them apart from any key a caller builds.
const versionPrefix = "\x00version:"

// CacheOptions bound the in-process cache. Zero values take the defaults.
type CacheOptions struct {
	MaxEntries int
	MaxBytes   int64
}

// Cache implements ports.Cache in process: sharded maps, each shard an LRU
// bounded by entries and bytes, TTLs read from the injected clock (expired
// entries are dropped when met or when their shard needs room).
type Cache struct {
	clock   ports.Clock
	seed    maphash.Seed
	shards  [cacheShards]*cacheShard
	started time.Time
	maxB    int64

	hits, misses, ops, evictions atomic.Uint64
	versions                     atomic.Uint64
	used, peak                   atomic.Int64
}

type cacheShard struct {
	mu         sync.Mutex
	items      map[string]*list.Element
	lru        *list.List // front: most recently used
	bytes      int64
	maxEntries int
	maxBytes   int64
	total      *atomic.Int64 // the whole cache's bytes, for Inspect
}

type cacheEntry struct {
	key     string
	value   []byte
	expires time.Time // zero: never (version tokens)
}

var (
	_ ports.Cache          = (*Cache)(nil)
	_ ports.CacheInspector = (*Cache)(nil)
)

// NewCache makes an empty in-process cache.
func NewCache(clock ports.Clock, opts CacheOptions) *Cache {
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultCacheMaxEntries
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultCacheMaxBytes
	}
	c := &Cache{clock: clock, seed: maphash.MakeSeed(), started: clock.Now(), maxB: opts.MaxBytes}
	perEntries := max(1, opts.MaxEntries/cacheShards)
	perBytes := max(1, opts.MaxBytes/cacheShards)
	for i := range c.shards {
		c.shards[i] = &cacheShard{items: map[string]*list.Element{}, lru: list.New(), maxEntries: perEntries, maxBytes: perBytes, total: &c.used}
	}
	return c
}

func (c *Cache) shard(key string) *cacheShard {
	return c.shards[maphash.String(c.seed, key)%cacheShards]
}

// Get implements ports.Cache. It never fails.
func (c *Cache) Get(_ context.Context, key string) ([]byte, bool, error) {
	c.ops.Add(1)
	v, ok := c.shard(key).get(key, c.clock.Now())
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return v, ok, nil
}

// Set implements ports.Cache. It never fails; a value larger than a shard's
// byte bound is not stored.
func (c *Cache) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	c.ops.Add(1)
	if ttl <= 0 {
		return nil
	}
	c.put(key, append([]byte(nil), value...), c.clock.Now().Add(ttl))
	return nil
}

// Delete implements ports.Cache. It never fails.
func (c *Cache) Delete(_ context.Context, keys ...string) error {
	c.ops.Add(1)
	for _, k := range keys {
		s := c.shard(k)
		s.mu.Lock()
		if el, ok := s.items[k]; ok {
			s.remove(el)
		}
		s.mu.Unlock()
	}
	return nil
}

// Version implements ports.Cache. It never fails. Version tokens are not
// counted as hits or misses: they are bookkeeping, not reads.
func (c *Cache) Version(_ context.Context, namespace string) (string, error) {
	c.ops.Add(1)
	key := versionPrefix + namespace
	s := c.shard(key)
	now := c.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.getLocked(key, now); ok {
		return string(v), nil
	}
	tok := c.newToken()
	c.evicted(s.putLocked(key, []byte(tok), time.Time{}, now))
	c.notePeak()
	return tok, nil
}

// Bump implements ports.Cache. It never fails.
func (c *Cache) Bump(_ context.Context, namespace string) error {
	c.ops.Add(1)
	c.put(versionPrefix+namespace, []byte(c.newToken()), time.Time{})
	return nil
}

// newToken is a token this process never made before; the cache does not
// outlive the process, so a counter is enough.
func (c *Cache) newToken() string { return strconv.FormatUint(c.versions.Add(1), 36) }

// Stats implements ports.Cache.
func (c *Cache) Stats() ports.CacheStats {
	return ports.CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load()}
}

// Len is the number of entries, version tokens included.
func (c *Cache) Len() int {
	n := 0
	for _, s := range c.shards {
		s.mu.Lock()
		n += len(s.items)
		s.mu.Unlock()
	}
	return n
}

// Inspect implements ports.CacheInspector with the in-process figures: the
// store's "keyspace" lookups are the application's own, memory is the
// entries' estimated size against the configured bound.
func (c *Cache) Inspect(context.Context) ports.CacheReport {
	used := c.used.Load()
	uptime := c.clock.Now().Sub(c.started)
	ops := 0.0
	if uptime > 0 {
		ops = float64(c.ops.Load()) / uptime.Seconds()
	}
	st := c.Stats()
	return ports.CacheReport{
		Mode: "embedded", Connected: true,
		Server: &ports.CacheServer{Version: "embedded (" + runtime.Version() + ")", Uptime: uptime, OpsPerSec: ops,
			KeyspaceHits: st.Hits, KeyspaceMisses: st.Misses},
		Memory: &ports.CacheMemory{UsedBytes: used, PeakBytes: max(c.peak.Load(), used), MaxBytes: c.maxB,
			FragmentationRatio: 1, EvictionPolicy: "allkeys-lru"},
		App: st,
	}
}

// Evictions counts entries dropped to make room (not expiries).
func (c *Cache) Evictions() uint64 { return c.evictions.Load() }

func (c *Cache) put(key string, value []byte, expires time.Time) {
	s := c.shard(key)
	s.mu.Lock()
	n := s.putLocked(key, value, expires, c.clock.Now())
	s.mu.Unlock()
	c.evicted(n)
	c.notePeak()
}

func (c *Cache) evicted(n int) {
	if n > 0 {
		c.evictions.Add(uint64(n))
	}
}

func (c *Cache) notePeak() {
	used := c.used.Load()
	for {
		p := c.peak.Load()
		if used <= p || c.peak.CompareAndSwap(p, used) {
			return
		}
	}
}

func (s *cacheShard) get(key string, now time.Time) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.getLocked(key, now)
	if !ok {
		return nil, false
	}
	return append([]byte(nil), v...), true
}

func (s *cacheShard) getLocked(key string, now time.Time) ([]byte, bool) {
	el, ok := s.items[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if !e.expires.IsZero() && !now.Before(e.expires) {
		s.remove(el)
		return nil, false
	}
	s.lru.MoveToFront(el)
	return e.value, true
}

// putLocked stores the entry and makes room by dropping the least recently
// used entries. It returns how many of those were still live (evictions, as
// opposed to expiries that had not been noticed yet).
func (s *cacheShard) putLocked(key string, value []byte, expires, now time.Time) int {
	size := int64(len(key) + len(value) + entryOverhead)
	if size > s.maxBytes {
		if el, ok := s.items[key]; ok {
			s.remove(el) // the old value must not outlive a newer write
		}
		return 0
	}
	if el, ok := s.items[key]; ok {
		s.remove(el)
	}
	s.items[key] = s.lru.PushFront(&cacheEntry{key: key, value: value, expires: expires})
	s.bytes += size
	s.total.Add(size)
	evicted := 0
	for len(s.items) > s.maxEntries || s.bytes > s.maxBytes {
		back := s.lru.Back()
		e := back.Value.(*cacheEntry)
		if e.expires.IsZero() || now.Before(e.expires) {
			evicted++
		}
		s.remove(back)
	}
	return evicted
}

func (s *cacheShard) remove(el *list.Element) {
	e := el.Value.(*cacheEntry)
	s.lru.Remove(el)
	delete(s.items, e.key)
	size := int64(len(e.key) + len(e.value) + entryOverhead)
	s.bytes -= size
	s.total.Add(-size)
}
