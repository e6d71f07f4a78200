package redis_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/lingo-labs/lingo/adapters/redis"
	"github.com/lingo-labs/lingo/ports"
)

// The two benchmarks run in one `go test -bench` call against the same
// Redis, so that a decision's latency can be read beside a bare PING's: the
// limiter's target is at most 1.5 times a PING. Both use the limiter's own
// client (NewLimiterClient) and run one request at a time, which is latency,
// not throughput.

// BenchmarkLimiterDecision measures one Allow: one EVALSHA of the GCRA script.
// The quota is large so that every decision takes the allowing path, which
// writes a key and is the slowest path of the script.
func BenchmarkLimiterDecision(b *testing.B) {
	addr := realRedisAddr(b)
	client := redis.NewLimiterClient(addr)
	b.Cleanup(func() { _ = client.Close() })
	prefix := testPrefix()
	l := redis.NewRateLimiter(client, redis.WithKeyPrefix(prefix))
	policy, err := ports.NewPolicy("general", ports.MaxPolicyQuota, 24*time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	warmUp(b, l, policy)
	b.Cleanup(func() {
		for _, k := range l.Keys(policy, "bench") {
			_ = client.Del(context.Background(), k).Err()
		}
	})
	var r latencies
	for b.Loop() {
		began := time.Now()
		_, err := l.Allow(ctx, policy, "bench")
		r.add(time.Since(began), err)
	}
	r.report(b)
}

// BenchmarkRedisPing measures a bare round trip on the same kind of client,
// the floor any one-round-trip decision stands on.
func BenchmarkRedisPing(b *testing.B) {
	addr := realRedisAddr(b)
	client := redis.NewLimiterClient(addr)
	b.Cleanup(func() { _ = client.Close() })
	ctx := context.Background()
	var r latencies
	for b.Loop() {
		began := time.Now()
		err := client.Ping(ctx).Err()
		r.add(time.Since(began), err)
	}
	r.report(b)
}

// BenchmarkLimiterDecisionOverPing alternates one decision and one PING on
// one client and reports their medians and the ratio. The machine this runs
// on is shared, and its load drifts between two benchmarks run one after
// the other; alternating puts both under the same load, so the ratio is the
// figure to hold against the 1.5 target.
func BenchmarkLimiterDecisionOverPing(b *testing.B) {
	addr := realRedisAddr(b)
	client := redis.NewLimiterClient(addr)
	b.Cleanup(func() { _ = client.Close() })
	l := redis.NewRateLimiter(client, redis.WithKeyPrefix(testPrefix()))
	policy, err := ports.NewPolicy("general", ports.MaxPolicyQuota, 24*time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	warmUp(b, l, policy)
	b.Cleanup(func() {
		for _, k := range l.Keys(policy, "bench") {
			_ = client.Del(context.Background(), k).Err()
		}
	})
	var decisions, pings latencies
	for b.Loop() {
		began := time.Now()
		_, err := l.Allow(ctx, policy, "bench")
		decisions.add(time.Since(began), err)
		began = time.Now()
		err = client.Ping(ctx).Err()
		pings.add(time.Since(began), err)
	}
	d, p := decisions.median(), pings.median()
	b.ReportMetric(float64(d.Nanoseconds()), "decision-p50-ns")
	b.ReportMetric(float64(p.Nanoseconds()), "ping-p50-ns")
	if p > 0 {
		b.ReportMetric(float64(d)/float64(p), "decision/ping")
	}
	b.ReportMetric(float64(decisions.errors+pings.errors), "errors")
}

// latencies collects each operation's duration so that the benchmarks can
// report the median and the 99th percentile beside the mean: on a shared
// machine one 50 ms timeout moves the mean far more than it moves a typical
// decision. A timed-out operation is counted, not fatal, because that is what
// the limiter does with it in service (it fails open).
type latencies struct {
	took   []time.Duration
	errors int
}

func (l *latencies) add(d time.Duration, err error) {
	l.took = append(l.took, d)
	if err != nil {
		l.errors++
	}
}

func (l *latencies) report(b *testing.B) {
	if len(l.took) == 0 {
		return
	}
	if l.errors == len(l.took) {
		b.Fatalf("every one of %d operations failed", l.errors)
	}
	slices.Sort(l.took)
	b.ReportMetric(float64(l.median().Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(l.took[len(l.took)*99/100].Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(l.errors), "errors")
}

// median returns the middle duration; it sorts the samples.
func (l *latencies) median() time.Duration {
	if len(l.took) == 0 {
		return 0
	}
	slices.Sort(l.took)
	return l.took[len(l.took)/2]
}

// warmUp loads the script and opens a connection before the clock starts. It
// tries a few times because on a busy machine one call can pass the 50 ms
// timeout of the limiter's client.
func warmUp(b *testing.B, l *redis.RateLimiter, policy ports.Policy) {
	b.Helper()
	var err error
	for range 10 {
		if _, err = l.Allow(context.Background(), policy, "bench"); err == nil {
			return
		}
	}
	b.Fatal(err)
}
