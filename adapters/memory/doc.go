// Package memory holds the in-process adapters: the rate limiter and cache
// of the embedded default (one process, no Redis, the same semantics as the
// Redis adapters, held to it by the same contract suites), and Store, every
// storage port in memory for LINGO_DATABASE_DRIVER=memory and for the
// application's tests, held to adapters/storetest like sqlstore.
package memory
