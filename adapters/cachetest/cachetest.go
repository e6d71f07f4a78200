// Package cachetest is the contract suite of ports.Cache. Every adapter runs
// it (memory, miniredis, a real Redis), so that the service behaves the same
// on the embedded default and on Redis.
package cachetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/ports"
)

// Subject is one fresh, empty cache for one case, with a way to move its
// time. Advance is nil when the store's time cannot be moved (a real
// Redis); the expiry cases are skipped then, rather than waited for.
type Subject struct {
	Cache   ports.Cache
	Advance func(time.Duration)
}

// Run runs every case; fresh makes a new, empty cache for each.
func Run(t *testing.T, fresh func(t *testing.T) Subject) {
	ctx := context.Background()

	t.Run("an absent key is a miss", func(t *testing.T) {
		c := fresh(t).Cache
		_, ok, err := c.Get(ctx, "absent")
		require.NoError(t, err)
		assert.False(t, ok)
		assert.Equal(t, ports.CacheStats{Misses: 1}, c.Stats())
	})

	t.Run("a stored value is a hit until overwritten or deleted", func(t *testing.T) {
		c := fresh(t).Cache
		require.NoError(t, c.Set(ctx, "k", []byte("one"), time.Minute))
		got, ok, err := c.Get(ctx, "k")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, "one", string(got))

		require.NoError(t, c.Set(ctx, "k", []byte("two"), time.Minute))
		got, _, _ = c.Get(ctx, "k")
		assert.Equal(t, "two", string(got))

		require.NoError(t, c.Delete(ctx, "k", "never-set"))
		_, ok, _ = c.Get(ctx, "k")
		assert.False(t, ok)
		assert.Equal(t, ports.CacheStats{Hits: 2, Misses: 1}, c.Stats())
		assert.InDelta(t, 2.0/3, c.Stats().HitRatio(), 1e-9)
	})

	t.Run("an empty value is a value", func(t *testing.T) {
		c := fresh(t).Cache
		require.NoError(t, c.Set(ctx, "empty", []byte{}, time.Minute))
		got, ok, err := c.Get(ctx, "empty")
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Empty(t, got)
	})

	t.Run("the caller's bytes are not shared with the cache", func(t *testing.T) {
		c := fresh(t).Cache
		in := []byte("abc")
		require.NoError(t, c.Set(ctx, "k", in, time.Minute))
		in[0] = 'X'
		out, _, _ := c.Get(ctx, "k")
		require.Equal(t, "abc", string(out))
		out[1] = 'Y'
		again, _, _ := c.Get(ctx, "k")
		assert.Equal(t, "abc", string(again))
	})

	t.Run("a value expires after its TTL", func(t *testing.T) {
		s := fresh(t)
		if s.Advance == nil {
			t.Skip("this store's time cannot be moved; expiry is covered on the others")
		}
		require.NoError(t, s.Cache.Set(ctx, "short", []byte("v"), 2*time.Second))
		require.NoError(t, s.Cache.Set(ctx, "long", []byte("v"), time.Minute))
		s.Advance(1900 * time.Millisecond)
		_, ok, _ := s.Cache.Get(ctx, "short")
		assert.True(t, ok, "still there just before its TTL")
		s.Advance(200 * time.Millisecond)
		_, ok, _ = s.Cache.Get(ctx, "short")
		assert.False(t, ok, "gone after its TTL")
		_, ok, _ = s.Cache.Get(ctx, "long")
		assert.True(t, ok, "a longer TTL is untouched")
	})

	t.Run("a version is stable until bumped and never comes back", func(t *testing.T) {
		c := fresh(t).Cache
		v1, err := c.Version(ctx, "progress:u1")
		require.NoError(t, err)
		require.NotEmpty(t, v1)
		again, _ := c.Version(ctx, "progress:u1")
		assert.Equal(t, v1, again)

		seen := map[string]bool{v1: true}
		for range 50 {
			require.NoError(t, c.Bump(ctx, "progress:u1"))
			v, err := c.Version(ctx, "progress:u1")
			require.NoError(t, err)
			require.False(t, seen[v], "token %q was used before", v)
			seen[v] = true
		}
	})

	t.Run("namespaces are independent", func(t *testing.T) {
		c := fresh(t).Cache
		a, _ := c.Version(ctx, "progress:a")
		b, _ := c.Version(ctx, "progress:b")
		require.NoError(t, c.Bump(ctx, "progress:a"))
		a2, _ := c.Version(ctx, "progress:a")
		b2, _ := c.Version(ctx, "progress:b")
		assert.NotEqual(t, a, a2)
		assert.Equal(t, b, b2)
	})

	t.Run("read-through loads once, then hits", func(t *testing.T) {
		c := fresh(t).Cache
		store := newStore("v1")
		for range 3 {
			got, err := store.read(ctx, c, nil)
			require.NoError(t, err)
			assert.Equal(t, "v1", got.Value)
		}
		assert.Equal(t, 1, store.loadCount())
		assert.Equal(t, ports.CacheStats{Hits: 2, Misses: 1}, c.Stats())
	})

	t.Run("a read right after a write shows the write", func(t *testing.T) {
		c := fresh(t).Cache
		store := newStore("v1")
		got, _ := store.read(ctx, c, nil)
		require.Equal(t, "v1", got.Value)
		got, _ = store.read(ctx, c, nil) // now cached
		require.Equal(t, "v1", got.Value)

		require.NoError(t, store.write(ctx, c, "v2"))
		got, err := store.read(ctx, c, nil)
		require.NoError(t, err)
		assert.Equal(t, "v2", got.Value)
	})

	t.Run("a slow reader that loaded before a write cannot plant the old value", func(t *testing.T) {
		c := fresh(t).Cache
		store := newStore("v1")
		// The reader's load returns v1, but the write (commit, then bump)
		// happens between the load and the reader's Set, the interleaving
		// that defeats delete-on-write.
		got, err := store.read(ctx, c, func() { require.NoError(t, store.write(ctx, c, "v2")) })
		require.NoError(t, err)
		assert.Equal(t, "v1", got.Value, "the slow reader itself saw the old state")

		for range 2 {
			got, err = store.read(ctx, c, nil)
			require.NoError(t, err)
			assert.Equal(t, "v2", got.Value, "a read after the write shows the write")
		}
	})

	t.Run("a failed load is returned and not cached", func(t *testing.T) {
		c := fresh(t).Cache
		boom := fmt.Errorf("database is down")
		_, err := ports.ReadThrough(ctx, c, "catalog", "courses", time.Minute, ports.JSONCodec[snapshot](),
			func(context.Context) (snapshot, error) { return snapshot{}, boom })
		require.ErrorIs(t, err, boom)
		got, err := ports.ReadThrough(ctx, c, "catalog", "courses", time.Minute, ports.JSONCodec[snapshot](),
			func(context.Context) (snapshot, error) { return snapshot{Value: "ok"}, nil })
		require.NoError(t, err)
		assert.Equal(t, "ok", got.Value)
	})

	t.Run("bytes that no longer decode are reloaded", func(t *testing.T) {
		c := fresh(t).Cache
		key, err := ports.VersionedKey(ctx, c, "catalog", "courses")
		require.NoError(t, err)
		require.NoError(t, c.Set(ctx, key, []byte("{not json"), time.Minute))
		got, err := ports.ReadThrough(ctx, c, "catalog", "courses", time.Minute, ports.JSONCodec[snapshot](),
			func(context.Context) (snapshot, error) { return snapshot{Value: "fresh"}, nil })
		require.NoError(t, err)
		assert.Equal(t, "fresh", got.Value)
	})

	t.Run("concurrent readers and writers never read a value older than the last finished write", func(t *testing.T) {
		c := fresh(t).Cache
		store := newStore("0")
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := range 25 {
					v := fmt.Sprintf("%d-%d", w, i)
					if err := store.write(ctx, c, v); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		for range 4 {
			wg.Go(func() {
				for range 50 {
					floor := store.committedSeq()
					got, err := store.read(ctx, c, nil)
					if err != nil {
						t.Error(err)
						return
					}
					if got.Seq < floor {
						t.Errorf("read seq %d after write %d had finished", got.Seq, floor)
						return
					}
				}
			})
		}
		wg.Wait()
	})
}

// snapshot is what the fake store returns: a value and the number of the
// write that made it.
type snapshot struct {
	Value string `json:"value"`
	Seq   int    `json:"seq"`
}

// store is a database stand-in with the write path the port prescribes:
// change the row, then bump the namespace, then return.
type store struct {
	mu       sync.Mutex
	cur      snapshot
	loads    int
	finished int // seq of the last write that has bumped and returned
}

func newStore(v string) *store { return &store{cur: snapshot{Value: v}} }

func (s *store) loadCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loads
}

func (s *store) committedSeq() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.finished
}

const namespace = "progress:learner-1"

// read is a read-through progress read; between, when set, runs after the
// load and before the value is stored in the cache.
func (s *store) read(ctx context.Context, c ports.Cache, between func()) (snapshot, error) {
	return ports.ReadThrough(ctx, c, namespace, "summary", time.Minute, ports.JSONCodec[snapshot](),
		func(context.Context) (snapshot, error) {
			s.mu.Lock()
			v := s.cur
			s.loads++
			s.mu.Unlock()
			if between != nil {
				between()
			}
			return v, nil
		})
}

func (s *store) write(ctx context.Context, c ports.Cache, v string) error {
	s.mu.Lock()
	s.cur = snapshot{Value: v, Seq: s.cur.Seq + 1}
	seq := s.cur.Seq
	s.mu.Unlock()
	if err := c.Bump(ctx, namespace); err != nil { // after the commit
		return err
	}
	s.mu.Lock()
	s.finished = max(s.finished, seq)
	s.mu.Unlock()
	return nil
}
