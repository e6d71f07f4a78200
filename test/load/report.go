package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// phase is a stretch of the run a fault script named: from its start to the
// next phase's start.
type phase struct {
	name  string
	start time.Time
}

func readPhases(path string) ([]phase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ps []phase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			continue
		}
		ns, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("phases: %q: %w", sc.Text(), err)
		}
		ps = append(ps, phase{name: fields[1], start: time.Unix(0, ns)})
	}
	return ps, sc.Err()
}

type report struct {
	byScenario map[string]*vegeta.Metrics
	all        *vegeta.Metrics
	samples    []sample
	elapsed    time.Duration
	acked      int
	phases     []phase
	phaseErr   error
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func (r *report) write(w io.Writer, o options) {
	fmt.Fprintf(w, "Scenario mix at %d requests/s for %s (%d requests, %d acknowledged events)\n\n",
		o.rate, o.duration, r.all.Requests, r.acked)
	fmt.Fprintln(w, "| scenario | requests | throughput (ok/s) | p50 | p99 | max | error rate | status codes |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---|")
	row := func(name string, met *vegeta.Metrics) {
		fmt.Fprintf(w, "| %s | %d | %.1f | %s | %s | %s | %.2f %% | %s |\n", name, met.Requests, met.Throughput,
			ms(met.Latencies.P50), ms(met.Latencies.P99), ms(met.Latencies.Max), 100*(1-met.Success), codes(met.StatusCodes))
	}
	for _, s := range scenarios {
		if met := r.byScenario[s.name]; met != nil {
			row(s.name, met)
		}
	}
	row("all", r.all)
	if len(r.phases) == 0 {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| phase | requests | 2xx | 5xx | of which 503 envelopes | no answer (timeout) | p50 | p99 | max |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, p := range r.phaseStats() {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d | %s | %s | %s |\n", p.name, p.n, p.ok, p.fivexx, p.env503, p.noAnswer,
			ms(p.p50), ms(p.p99), ms(p.max))
	}
	r.writeFailures(w)
}

// writeFailures lists the answers that were not 2xx by the phase their
// request began in and the one it was answered in, scenario, status and
// error code, so a failed check says where to look.
func (r *report) writeFailures(w io.Writer) {
	type key struct {
		phase, answered, scenario, detail string
		code                              uint16
	}
	counts := map[key]int{}
	var keys []key
	for _, s := range r.samples {
		if s.code >= 200 && s.code < 300 {
			continue
		}
		k := key{phase: r.phaseOf(s.at), answered: r.phaseOf(s.at.Add(s.latency)), scenario: s.scenario, detail: s.detail, code: s.code}
		if counts[k] == 0 {
			keys = append(keys, k)
		}
		counts[k]++
	}
	if len(keys) == 0 {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| began in phase | answered in phase | scenario | status | error | answers |")
	fmt.Fprintln(w, "|---|---|---|---:|---|---:|")
	for _, k := range keys {
		fmt.Fprintf(w, "| %s | %s | %s | %d | %s | %d |\n", k.phase, k.answered, k.scenario, k.code, k.detail, counts[k])
	}
}

// phaseOf names the phase a request started in ("before" the first mark).
func (r *report) phaseOf(at time.Time) string {
	name := "before"
	for _, p := range r.phases {
		if !at.Before(p.start) {
			name = p.name
		}
	}
	return name
}

func codes(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, m[k])
	}
	return strings.Join(parts, " ")
}

type phaseStat struct {
	name                                     string
	n, ok, fivexx, env503, noAnswer, other4x int
	p50, p99, max                            time.Duration
}

func (r *report) phaseStats() []phaseStat {
	stats := make([]phaseStat, len(r.phases))
	lat := make([][]time.Duration, len(r.phases))
	for i, p := range r.phases {
		stats[i].name = p.name
	}
	for _, s := range r.samples {
		i := -1
		for j, p := range r.phases {
			if !s.at.Before(p.start) {
				i = j
			}
		}
		if i < 0 {
			continue
		}
		st := &stats[i]
		st.n++
		lat[i] = append(lat[i], s.latency)
		switch {
		case s.code == 0:
			st.noAnswer++
		case s.code >= 200 && s.code < 300:
			st.ok++
		case s.code >= 500:
			st.fivexx++
			if s.envelope503 {
				st.env503++
			}
		default:
			st.other4x++
		}
	}
	for i := range stats {
		l := lat[i]
		if len(l) == 0 {
			continue
		}
		sort.Slice(l, func(a, b int) bool { return l[a] < l[b] })
		stats[i].p50 = l[len(l)/2]
		stats[i].p99 = l[min(len(l)-1, len(l)*99/100)]
		stats[i].max = l[len(l)-1]
	}
	return stats
}

// checkFaults holds each phase to its promise: with Redis down nothing fails
// (the limiter fails open); with PostgreSQL down every failure is a 503
// envelope answered in time, never a hang or a 500; once both are back (the
// "recovered" phase) everything succeeds, without Lingo being restarted.
func (r *report) checkFaults() error {
	if r.phaseErr != nil {
		return r.phaseErr
	}
	var problems []string
	seen := map[string]bool{}
	for _, p := range r.phaseStats() {
		seen[p.name] = true
		if p.n == 0 {
			problems = append(problems, fmt.Sprintf("phase %s saw no requests", p.name))
			continue
		}
		switch p.name {
		case "redis_down":
			if p.fivexx+p.noAnswer+p.other4x > 0 {
				problems = append(problems, fmt.Sprintf("redis_down: %d 5xx, %d unanswered, %d other errors; want none", p.fivexx, p.noAnswer, p.other4x))
			}
		case "postgres_down":
			if p.noAnswer > 0 {
				problems = append(problems, fmt.Sprintf("postgres_down: %d requests hung past the timeout", p.noAnswer))
			}
			if p.fivexx != p.env503 {
				problems = append(problems, fmt.Sprintf("postgres_down: %d 5xx of which only %d were 503 envelopes", p.fivexx, p.env503))
			}
			if p.env503 == 0 {
				problems = append(problems, "postgres_down: no 503 at all: was PostgreSQL really down?")
			}
		case "recovered":
			if p.ok != p.n {
				problems = append(problems, fmt.Sprintf("recovered: %d of %d answers were not 2xx", p.n-p.ok, p.n))
			}
		}
	}
	for _, want := range []string{"redis_down", "postgres_down", "recovered"} {
		if !seen[want] {
			problems = append(problems, "no phase "+want+" was marked")
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}
