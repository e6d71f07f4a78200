// The tests of a command live in its own package: package main cannot be
// imported by an external _test package.
package main

import (
	"strings"
	"testing"
	"time"
)

func TestScenarioOf(t *testing.T) {
	tests := []struct {
		name, method, url, want string
	}{
		{"register", "POST", "http://127.0.0.1:1/api/auth/register", "register"},
		{"login", "POST", "http://127.0.0.1:1/api/auth/login", "login"},
		{"single event", "POST", "http://127.0.0.1:1/api/analytics/events", "event"},
		{"event list is not the event scenario", "GET", "http://127.0.0.1:1/api/analytics/events", "other"},
		{"batch", "POST", "http://127.0.0.1:1/api/analytics/events/batch", "batch"},
		{"progress with a query", "GET", "http://127.0.0.1:1/api/analytics/progress?include_global=true", "progress"},
		{"stats with a query", "GET", "http://127.0.0.1:1/api/analytics/user-stats?days=30&include_history=true", "stats"},
		{"anything else", "GET", "http://127.0.0.1:1/api/health", "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scenarioOf(tt.method, tt.url); got != tt.want {
				t.Fatalf("scenarioOf(%s %s) = %q, want %q", tt.method, tt.url, got, tt.want)
			}
		})
	}
}

// faultRun builds a report whose phases start one second apart, in order,
// with the given samples in each.
func faultRun(phases []string, samples map[string][]sample) *report {
	t0 := time.Unix(1_800_000_000, 0)
	r := &report{}
	for i, name := range phases {
		start := t0.Add(time.Duration(i) * time.Second)
		r.phases = append(r.phases, phase{name: name, start: start})
		for j, s := range samples[name] {
			s.at = start.Add(time.Duration(j+1) * time.Millisecond)
			r.samples = append(r.samples, s)
		}
	}
	return r
}

var (
	ok       = sample{code: 201, latency: 5 * time.Millisecond}
	env503   = sample{code: 503, latency: 2 * time.Millisecond, envelope503: true}
	bare503  = sample{code: 503, latency: 2 * time.Millisecond}
	err500   = sample{code: 500, latency: 2 * time.Millisecond}
	hung     = sample{code: 0, latency: 10 * time.Second}
	order    = []string{"baseline", "redis_down", "redis_back", "postgres_down", "postgres_back", "recovered"}
	goodRuns = map[string][]sample{
		"baseline": {ok}, "redis_down": {ok, ok}, "redis_back": {ok}, "postgres_down": {ok, env503, env503},
		"postgres_back": {env503, ok}, "recovered": {ok, ok},
	}
)

func with(name string, s ...sample) map[string][]sample {
	out := map[string][]sample{}
	for k, v := range goodRuns {
		out[k] = v
	}
	out[name] = s
	return out
}

func TestCheckFaultsPasses(t *testing.T) {
	if err := faultRun(order, goodRuns).checkFaults(); err != nil {
		t.Fatalf("a run that kept every promise failed: %v", err)
	}
}

func TestCheckFaultsFails(t *testing.T) {
	tests := []struct {
		name    string
		phases  []string
		samples map[string][]sample
		want    string
	}{
		{"a 5xx while Redis is down", order, with("redis_down", ok, env503), "redis_down: 1 5xx"},
		{"a hang while Redis is down", order, with("redis_down", ok, hung), "redis_down: 0 5xx, 1 unanswered"},
		{"a 500 while PostgreSQL is down", order, with("postgres_down", env503, err500), "only 1 were 503 envelopes"},
		{"a 503 that is not the envelope", order, with("postgres_down", env503, bare503), "only 1 were 503 envelopes"},
		{"a hang while PostgreSQL is down", order, with("postgres_down", env503, hung), "hung past the timeout"},
		{"PostgreSQL never really down", order, with("postgres_down", ok, ok), "no 503 at all"},
		{"no recovery", order, with("recovered", ok, env503), "recovered: 1 of 2"},
		{"a phase without requests", order, with("redis_down"), "phase redis_down saw no requests"},
		{"a phase never marked", []string{"baseline", "redis_down", "postgres_down"}, goodRuns, "no phase recovered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := faultRun(tt.phases, tt.samples).checkFaults()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("checkFaults() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
