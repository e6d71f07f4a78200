package redis_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/clock"
	"github.com/lingo-labs/lingo/adapters/redis"
	"github.com/lingo-labs/lingo/domain/health"
	"github.com/lingo-labs/lingo/test/harness"
)

// fakeInfo answers INFO with a crafted reply, so that memory figures a
// miniredis does not have can be put in front of the probe.
type fakeInfo struct{ reply string }

func (f fakeInfo) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (f fakeInfo) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if strings.EqualFold(cmd.Name(), "info") {
			cmd.(*goredis.StringCmd).SetVal(f.reply)
			return nil
		}
		return next(ctx, cmd)
	}
}
func (f fakeInfo) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}

func memoryInfo(used, max int64) string {
	return fmt.Sprintf("# Server\r\nredis_version:7.2.4\r\nuptime_in_seconds:3600\r\n# Clients\r\nconnected_clients:3\r\nblocked_clients:0\r\n"+
		"# Memory\r\nused_memory:%d\r\nused_memory_peak:%d\r\nmaxmemory:%d\r\nmaxmemory_policy:allkeys-lru\r\nmem_fragmentation_ratio:1.25\r\n"+
		"# Stats\r\ninstantaneous_ops_per_sec:42\r\nkeyspace_hits:90\r\nkeyspace_misses:10\r\nrejected_connections:0\r\ntotal_connections_received:7\r\n",
		used, used, max)
}

func TestProbeStatuses(t *testing.T) {
	mr := miniredis.RunT(t)
	cases := []struct {
		name    string
		latency time.Duration
		info    string // "" leaves miniredis' own INFO
		want    health.Status
	}{
		{"fast with room", time.Millisecond, memoryInfo(10<<20, 100<<20), health.Healthy},
		{"fast, no maxmemory", time.Millisecond, memoryInfo(10<<20, 0), health.Healthy},
		{"fast on miniredis, no memory section", time.Millisecond, "", health.Healthy},
		{"slow PING", 600 * time.Millisecond, memoryInfo(10<<20, 100<<20), health.Degraded},
		{"very slow PING", 1200 * time.Millisecond, memoryInfo(10<<20, 100<<20), health.Unhealthy},
		{"memory at 90 %", time.Millisecond, memoryInfo(90<<20, 100<<20), health.Degraded},
		{"memory at 96 %", time.Millisecond, memoryInfo(96<<20, 100<<20), health.Unhealthy},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			client := redis.NewClient(redis.Options{Addr: mr.Addr()})
			t.Cleanup(func() { client.Close() })
			if c.info != "" {
				client.AddHook(fakeInfo{reply: c.info})
			}
			p := redis.NewProbe(client, clock.NewStepping(time.Unix(0, 0), c.latency), nil)
			got := p.Check(context.Background())
			assert.Equal(t, c.want, got.Status, "error: %s", got.Error)
			assert.Equal(t, c.latency, got.Latency)
			assert.Equal(t, "redis", got.Details["mode"])
		})
	}
}

func TestProbeUnreachableIsUnavailable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	client := redis.NewClient(redis.Options{Addr: addr})
	t.Cleanup(func() { client.Close() })
	p := redis.NewProbe(client, clock.NewStepping(time.Unix(0, 0), time.Millisecond), nil)

	got := p.Check(context.Background())
	assert.Equal(t, health.Unavailable, got.Status)
	assert.Equal(t, "redis did not answer", got.Error)
	assert.NotContains(t, got.Error, addr, "no address in a client-visible message")
	assert.False(t, p.Critical(), "Redis down keeps the service ready")

	r := p.Inspect(context.Background())
	assert.False(t, r.Connected)
	assert.Nil(t, r.Server)
	assert.Nil(t, r.Memory)
}

func TestProbeInspectParsesInfo(t *testing.T) {
	mr := miniredis.RunT(t)
	client := redis.NewClient(redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { client.Close() })
	client.AddHook(fakeInfo{reply: memoryInfo(50<<20, 100<<20)})
	cache := redis.NewCache(client, cacheTestPrefix(), contractTimeout)
	_, _, _ = cache.Get(context.Background(), "absent")

	r := redis.NewProbe(client, clock.NewStepping(time.Unix(0, 0), 2*time.Millisecond), cache).Inspect(context.Background())
	require.True(t, r.Connected)
	assert.Equal(t, "redis", r.Mode)
	assert.Equal(t, 2*time.Millisecond, r.Latency)
	assert.Equal(t, "7.2.4", r.Server.Version)
	assert.Equal(t, time.Hour, r.Server.Uptime)
	assert.Equal(t, 42.0, r.Server.OpsPerSec)
	assert.InDelta(t, 0.9, r.Server.HitRatio(), 1e-9)
	assert.Equal(t, int64(50<<20), r.Memory.UsedBytes)
	assert.Equal(t, int64(100<<20), r.Memory.MaxBytes)
	assert.Equal(t, 1.25, r.Memory.FragmentationRatio)
	assert.Equal(t, "allkeys-lru", r.Memory.EvictionPolicy)
	assert.Equal(t, int64(3), r.Clients.Connected)
	assert.Equal(t, int64(7), r.Clients.TotalConnectionsReceived)
	assert.Equal(t, uint64(1), r.App.Misses, "application counts come from the cache")
	assert.Positive(t, r.Pool.TotalConns, "the PING opened a pooled connection")
}

func TestProbeRealRedis(t *testing.T) {
	addr := harness.Redis(t)
	client := redis.NewClient(redis.Options{Addr: addr})
	t.Cleanup(func() { client.Close() })
	p := redis.NewProbe(client, clock.System{}, nil)

	c := p.Check(context.Background())
	assert.NotEqual(t, health.Unavailable, c.Status)
	r := p.Inspect(context.Background())
	require.True(t, r.Connected)
	require.NotNil(t, r.Server)
	require.NotNil(t, r.Memory)
	require.NotNil(t, r.Clients)
	assert.NotEmpty(t, r.Server.Version)
	assert.Positive(t, r.Server.Uptime)
	assert.Positive(t, r.Memory.UsedBytes)
	assert.GreaterOrEqual(t, r.Memory.PeakBytes, int64(0))
	assert.NotEmpty(t, r.Memory.EvictionPolicy)
	assert.GreaterOrEqual(t, r.Clients.Connected, int64(1))
}
