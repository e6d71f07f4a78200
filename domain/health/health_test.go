package health_test

import (
	"testing"
	"time"

	"github.com/lingo-labs/lingo/domain/health"
)

func TestFromLatency(t *testing.T) {
	cases := []struct {
		name string
		d    time.Duration
		want health.Status
	}{
		{"fast", 3 * time.Millisecond, health.Healthy},
		{"just under slow", 499 * time.Millisecond, health.Healthy},
		{"slow", 500 * time.Millisecond, health.Degraded},
		{"very slow", 1000 * time.Millisecond, health.Unhealthy},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := health.FromLatency(c.d); got != c.want {
				t.Fatalf("FromLatency(%v) = %v, want %v", c.d, got, c.want)
			}
		})
	}
}

func TestOverallAndReady(t *testing.T) {
	db := func(s health.Status) health.Check {
		return health.Check{Component: "database", Status: s, Critical: true}
	}
	redis := func(s health.Status) health.Check { return health.Check{Component: "redis", Status: s} }
	cases := []struct {
		name    string
		checks  []health.Check
		overall health.Status
		ready   bool
	}{
		{"all healthy", []health.Check{db(health.Healthy), redis(health.Healthy)}, health.Healthy, true},
		{"redis down", []health.Check{db(health.Healthy), redis(health.Unavailable)}, health.Degraded, true},
		{"database slow", []health.Check{db(health.Degraded), redis(health.Healthy)}, health.Degraded, true},
		{"database down", []health.Check{db(health.Unavailable), redis(health.Healthy)}, health.Unavailable, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := health.Overall(c.checks); got != c.overall {
				t.Errorf("Overall = %v, want %v", got, c.overall)
			}
			if got := health.Ready(c.checks); got != c.ready {
				t.Errorf("Ready = %v, want %v", got, c.ready)
			}
		})
	}
}

func TestFromMemory(t *testing.T) {
	cases := []struct {
		name      string
		used, max int64
		want      health.Status
	}{
		{"no limit", 1 << 40, 0, health.Healthy},
		{"half full", 50, 100, health.Healthy},
		{"just under 90 %", 899, 1000, health.Healthy},
		{"at 90 %", 900, 1000, health.Degraded},
		{"just under 95 %", 949, 1000, health.Degraded},
		{"at 95 %", 950, 1000, health.Unhealthy},
		{"over the limit", 1100, 1000, health.Unhealthy},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := health.FromMemory(c.used, c.max); got != c.want {
				t.Fatalf("FromMemory(%d, %d) = %v, want %v", c.used, c.max, got, c.want)
			}
		})
	}
}

func TestFromStore(t *testing.T) {
	cases := []struct {
		name      string
		reachable bool
		latency   time.Duration
		used, max int64
		want      health.Status
	}{
		{"fast with room", true, time.Millisecond, 10, 100, health.Healthy},
		{"slow with room", true, 600 * time.Millisecond, 10, 100, health.Degraded},
		{"fast and nearly full", true, time.Millisecond, 96, 100, health.Unhealthy},
		{"slow and filling", true, 700 * time.Millisecond, 91, 100, health.Degraded},
		{"very slow and filling", true, 1200 * time.Millisecond, 91, 100, health.Unhealthy},
		{"unreachable", false, 0, 0, 0, health.Unavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := health.FromStore(c.reachable, c.latency, c.used, c.max); got != c.want {
				t.Fatalf("FromStore = %v, want %v", got, c.want)
			}
		})
	}
}
