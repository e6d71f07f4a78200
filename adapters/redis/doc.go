// Package redis holds the adapters that keep Lingo's shared state in Redis
// (rate limiter, cache) and Redis' health probe, so that every instance of
// the service sees the same limits and the same cached values.
package redis
