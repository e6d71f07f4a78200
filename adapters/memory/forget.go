package memory

import (
	"context"
	"strings"

	"github.com/lingo-labs/lingo/ports"
)

var (
	_ ports.CacheForgetter = (*Cache)(nil)
	_ ports.LimitForgetter = (*RateLimiter)(nil)
)

// ForgetNamespace drops namespace's version token and every value stored
// under it (keys "<namespace>:<version>:<name>"), as the Redis cache does.
func (c *Cache) ForgetNamespace(_ context.Context, namespace string) error {
	prefix := namespace + ":"
	for _, s := range c.shards {
		s.mu.Lock()
		for k, el := range s.items {
			if k == versionPrefix+namespace || strings.HasPrefix(k, prefix) {
				s.remove(el)
			}
		}
		s.mu.Unlock()
	}
	return nil
}

// ForgetKey drops the client key's state under every class.
func (l *RateLimiter) ForgetKey(_ context.Context, key string) error {
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		for k := range s.entries {
			if k.key == key {
				delete(s.entries, k)
			}
		}
		s.mu.Unlock()
	}
	return nil
}
