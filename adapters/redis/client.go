package redis

import (
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Timeouts of the application's client (cache and health). They are longer
// than the limiter's own 40 ms client, because a cache read that gives up
// early only costs a database read, while a health check must be able to
// see a slow Redis (≥ 500 ms is degraded) rather than time out first. The
// request's context still bounds every call (ContextTimeoutEnabled).
const (
	clientDialTimeout = 1 * time.Second
	clientIOTimeout   = 1 * time.Second
	clientPoolTimeout = 1 * time.Second
)

// Options is where the Redis server is and how to log in to it; bootstrap
// maps the configuration into it.
type Options struct {
	Addr     string
	Password string
	DB       int
}

// NewClient makes the Redis client for the cache and the health probe. It
// does not connect; the first command does, so a Redis that is down at start
// makes the health report degraded instead of failing the start.
func NewClient(cfg Options) *goredis.Client {
	return goredis.NewClient(&goredis.Options{
		Addr:                  cfg.Addr,
		Password:              cfg.Password,
		DB:                    cfg.DB,
		DialTimeout:           clientDialTimeout,
		ReadTimeout:           clientIOTimeout,
		WriteTimeout:          clientIOTimeout,
		PoolTimeout:           clientPoolTimeout,
		ContextTimeoutEnabled: true,
		// No retries: a retry waits a backoff (8 to 512 ms) first, which a
		// dead Redis charged to every cached read. A connection the server
		// closed while idle costs one cache miss (a database read) instead.
		MaxRetries: -1,
		// The dialer's own retries (5 by default, 100 ms apart) would make a
		// dead Redis cost every call half a second before it fails.
		DialerRetries: 1,
		// CLIENT SETINFO on every new connection is one more round trip that
		// older servers refuse; nothing here reads the client's name.
		DisableIdentity: true,
	})
}
