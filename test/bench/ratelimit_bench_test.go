package bench

import (
	"io"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkRateLimitedEndpoint interleaves requests to the same endpoint on
// two servers, one with the limiter on and one with it off, so both see the
// same machine noise; it reports each one's time per request and the
// throughput ratio on/off (target ≥ 0.6). With LINGO_TEST_REDIS_ADDR the
// limiter is the Redis one (a round trip per request), else in-process.
// "live" is the cheapest endpoint there is (the worst case for the ratio);
// "users-me" is a typical authenticated read.
func BenchmarkRateLimitedEndpoint(b *testing.B) {
	on := map[string]string{"LINGO_RATELIMIT_ENABLED": "true", "LINGO_RATELIMIT_HEALTH_LIMIT": "1000000",
		"LINGO_RATELIMIT_USER_LIMIT": "1000000", "LINGO_RATELIMIT_HEALTH_WINDOW": "24h", "LINGO_RATELIMIT_USER_WINDOW": "24h"}
	off := map[string]string{"LINGO_RATELIMIT_ENABLED": "false"}
	mode := "in-process"
	if addr := os.Getenv("LINGO_TEST_REDIS_ADDR"); addr != "" {
		mode = "redis"
		// Both servers use Redis (the cache, the health probe); only the
		// limiter differs between them.
		prefix := "lingo-bench-" + time.Now().Format("150405.000000") + ":"
		for _, env := range []map[string]string{on, off} {
			env["LINGO_REDIS_ADDR"] = addr
			env["LINGO_REDIS_KEY_PREFIX"] = prefix
		}
	}
	limited, plain := Start(b, on), Start(b, off)
	client := Client()
	tokens := map[*Server]string{limited: Register(b, client, limited), plain: Register(b, client, plain)}

	for _, path := range []struct{ name, path string }{{"live", "/api/health/live"}, {"users-me", "/api/users/me"}} {
		b.Run(path.name, func(b *testing.B) {
			get := func(s *Server) time.Duration {
				req, _ := http.NewRequest("GET", s.URL+path.path, nil)
				req.Header.Set("Authorization", "Bearer "+tokens[s])
				start := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return 0
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("status %d", resp.StatusCode)
				}
				return time.Since(start)
			}
			for i := 0; i < 200; i++ { // warm connections and code paths
				get(limited)
				get(plain)
			}
			var onNS, offNS atomic.Int64
			b.ResetTimer()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					onNS.Add(int64(get(limited)))
					offNS.Add(int64(get(plain)))
				}
			})
			b.StopTimer()
			n := float64(b.N)
			ratio := float64(offNS.Load()) / float64(onNS.Load())
			b.ReportMetric(float64(onNS.Load())/n, "ns/req-limited")
			b.ReportMetric(float64(offNS.Load())/n, "ns/req-unlimited")
			b.ReportMetric(ratio, "throughput-ratio")
			b.Logf("limiter %s, %s: on/off throughput ratio %.2f", mode, path.path, ratio)
		})
	}
}

// Register makes a learner on s and returns an access token.
func Register(tb testing.TB, client *http.Client, s *Server) string {
	_, token := register(tb, client, s.URL, "bench@example.com")
	return token
}
