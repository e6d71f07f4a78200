package ports

import (
	"context"
	"encoding/json"
	"time"
)

// Cache is the service's read-through cache: catalog and progress reads are
// kept in it for a short time, and its hit and miss counts are what
// /api/health/cache reports as "application".
//
// Invalidation rule (what makes "a read right after a write never shows
// stale data" hold): every cached value lives under a key built by
// VersionedKey from a namespace ("catalog", "progress:<user id>") and that
// namespace's current version token. A write first commits its transaction,
// then calls Bump on every namespace it touched, and only then answers its
// caller. Bump replaces the token with a new, never-reused one, so every key
// built on the old token becomes unreachable at once; a reader that loaded
// the old value before the commit and stores it afterwards stores it under
// the old token, where nobody looks any more. A delete-on-write scheme would
// lose that race, which is why the port offers versions. Tokens are random,
// not counters, so a version lost to eviction or a Redis restart can never
// come back and uncover an old value.
//
// A cache failure is never a request failure: ReadThrough falls back to the
// loader when Get or Set fails. When Bump fails after a committed write the
// write still succeeded; the caller logs it, and the values' TTL bounds how
// long a stale value can be served, so callers keep TTLs short (seconds to a
// few minutes).
type Cache interface {
	// Get returns the value under key and true, or false when there is none
	// (absent or expired). It returns an error of kind Unavailable when the
	// store does not answer; callers treat that as a miss.
	Get(ctx context.Context, key string) ([]byte, bool, error)
	// Set stores value under key for ttl (which must be positive). It
	// returns an error of kind Unavailable when the store does not answer.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Delete removes the keys; absent keys are not an error. It returns an
	// error of kind Unavailable when the store does not answer.
	Delete(ctx context.Context, keys ...string) error
	// Version returns namespace's current version token, making one when
	// there is none. It returns an error of kind Unavailable when the store
	// does not answer.
	Version(ctx context.Context, namespace string) (string, error)
	// Bump gives namespace a new version token, so every key built on the
	// old one is never read again. It returns an error of kind Unavailable
	// when the store does not answer.
	Bump(ctx context.Context, namespace string) error
	// Stats returns the application's hit and miss counts since start. It
	// never blocks on the store.
	Stats() CacheStats
}

// CacheStats counts Get calls of this process: a hit found a value, a miss
// did not (absent, expired, or the store failed).
type CacheStats struct {
	Hits   uint64
	Misses uint64
}

// HitRatio is hits over lookups, 0 before the first lookup.
func (s CacheStats) HitRatio() float64 {
	if s.Hits+s.Misses == 0 {
		return 0
	}
	return float64(s.Hits) / float64(s.Hits+s.Misses)
}

// VersionedKey builds the cache key of name inside namespace at the
// namespace's current version: "<namespace>:<version>:<name>".
func VersionedKey(ctx context.Context, c Cache, namespace, name string) (string, error) {
	v, err := c.Version(ctx, namespace)
	if err != nil {
		return "", err
	}
	return namespace + ":" + v + ":" + name, nil
}

// Codec turns a cached type into bytes and back.
type Codec[T any] struct {
	Encode func(T) ([]byte, error)
	Decode func([]byte) (T, error)
}

// JSONCodec is a Codec for types with exported fields (read models, DTO-like
// snapshots). Domain values with unexported fields need a codec of their own
// that goes through their Restore constructor.
func JSONCodec[T any]() Codec[T] {
	return Codec[T]{
		Encode: func(v T) ([]byte, error) { return json.Marshal(v) },
		Decode: func(b []byte) (T, error) {
			var v T
			err := json.Unmarshal(b, &v)
			return v, err
		},
	}
}

// ReadThrough returns the value of name in namespace from the cache, or
// loads it, stores it for ttl and returns it. The cache is an optimisation
// only: when it fails, or holds bytes that no longer decode, the value is
// loaded; only load's own error is returned.
func ReadThrough[T any](ctx context.Context, c Cache, namespace, name string, ttl time.Duration, codec Codec[T],
	load func(context.Context) (T, error)) (T, error) {
	key, err := VersionedKey(ctx, c, namespace, name)
	if err != nil {
		return load(ctx)
	}
	if b, ok, err := c.Get(ctx, key); err == nil && ok {
		if v, err := codec.Decode(b); err == nil {
			return v, nil
		}
	}
	v, err := load(ctx)
	if err != nil {
		return v, err
	}
	if b, err := codec.Encode(v); err == nil {
		_ = c.Set(ctx, key, b, ttl) // a failed store only costs the next read a load
	}
	return v, nil
}

// CacheInspector describes the cache's backing store for /api/health/cache
// and the cache's health probe.
type CacheInspector interface {
	// Inspect asks the store for its figures within ctx's deadline. It never
	// returns an error: an unreachable store is a report with Connected false
	// and Error set.
	Inspect(ctx context.Context) CacheReport
}

// CacheReport is what the backing store says about itself. Mode is "redis"
// or "embedded". Server, Memory and Clients are nil when the store did not
// answer (or, for a store that does not report a section, that section).
type CacheReport struct {
	Mode      string
	Connected bool
	Latency   time.Duration
	Error     string // a short, safe description
	Server    *CacheServer
	Memory    *CacheMemory
	Clients   *CacheClients
	Pool      CachePool
	App       CacheStats
}

// CacheServer is the store's identity and its own lookup counts.
type CacheServer struct {
	Version        string
	Uptime         time.Duration
	OpsPerSec      float64
	KeyspaceHits   uint64
	KeyspaceMisses uint64
}

// HitRatio is the store's keyspace hits over lookups, 0 before the first.
func (s CacheServer) HitRatio() float64 {
	return CacheStats{Hits: s.KeyspaceHits, Misses: s.KeyspaceMisses}.HitRatio()
}

// CacheMemory is the store's memory use. MaxBytes 0 means no limit.
type CacheMemory struct {
	UsedBytes          int64
	PeakBytes          int64
	MaxBytes           int64
	FragmentationRatio float64
	EvictionPolicy     string
}

// CacheClients counts the store's client connections.
type CacheClients struct {
	Connected                int64
	Blocked                  int64
	RejectedConnections      int64
	TotalConnectionsReceived int64
}

// CachePool is the client-side connection pool of this process.
type CachePool struct {
	Hits, Misses, Timeouts            uint64
	TotalConns, IdleConns, StaleConns uint64
}
