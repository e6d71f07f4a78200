package redis

import (
	"context"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/ports"
)

var (
	_ ports.CacheForgetter = (*Cache)(nil)
	_ ports.LimitForgetter = (*RateLimiter)(nil)
)

// globEscape quotes the glob characters of s for a SCAN MATCH pattern.
func globEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`).Replace(s)
}

// deleteMatching deletes every key matching pattern, a SCAN page at a time.
// It runs on an erasure, not on a request's hot path, so it takes ctx's own
// deadline rather than the lookup timeout.
func deleteMatching(ctx context.Context, client goredis.UniversalClient, pattern string) error {
	var cursor uint64
	for {
		keys, next, err := client.Scan(ctx, cursor, pattern, 500).Result()
		if err != nil {
			return errs.Wrap(errs.Unavailable, errs.CodeCacheUnavailable, err)
		}
		if len(keys) > 0 {
			// One DEL per key: in a Cluster the keys of one page may sit
			// in different slots.
			for _, k := range keys {
				if err := client.Del(ctx, k).Err(); err != nil {
					return errs.Wrap(errs.Unavailable, errs.CodeCacheUnavailable, err)
				}
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// ForgetNamespace deletes namespace's version token and every value stored
// under any of its versions: <prefix>v:<namespace> and
// <prefix>d:<namespace>:*.
func (c *Cache) ForgetNamespace(ctx context.Context, namespace string) error {
	if err := c.client.Del(ctx, c.prefix+"v:"+namespace).Err(); err != nil {
		return errs.Wrap(errs.Unavailable, errs.CodeCacheUnavailable, err)
	}
	c.clearUnsynced(namespace)
	return deleteMatching(ctx, c.client, globEscape(c.prefix+"d:"+namespace+":")+"*")
}

// ForgetKey deletes the client key's bucket, lockout and escalation memory
// under every class: <prefix>{<class>:<key>}:*.
func (l *RateLimiter) ForgetKey(ctx context.Context, key string) error {
	return deleteMatching(ctx, l.client, globEscape(l.prefix+"{")+"*"+globEscape(":"+key+"}:")+"*")
}
