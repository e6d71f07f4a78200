// Package memory holds the in-process adapters of the embedded default (rate
// limiter, cache): one process, no Redis, the same semantics as the Redis
// adapters, held to it by the same contract suites.
package memory
