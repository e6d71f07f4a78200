// Command load drives a started Lingo with a scenario mix (register, login,
// single events, batches, progress, stats) at a constant rate with vegeta,
// and reports throughput, p50, p99 and error rate per scenario.
//
// With -phases it also splits the answers by the phases a fault script marks
// while it runs (Redis down, PostgreSQL down, both back) and, with
// -check-faults, fails unless the answers kept Lingo's promises in each. With
// -acks it writes the event_id of every event an answer acknowledged, one a
// line, for the script to count against the database.
//
//	go run ./test/load -url http://127.0.0.1:8080 -duration 30s -rate 50
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type options struct {
	url         string
	duration    time.Duration
	rate        int
	users       int
	timeout     time.Duration
	phases      string
	acks        string
	report      string
	checkFaults bool
	batchSize   int
}

func run(args []string, stdout io.Writer) error {
	var o options
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.StringVar(&o.url, "url", os.Getenv("LINGO_URL"), "base URL of a started Lingo (loopback only)")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "how long to attack")
	fs.IntVar(&o.rate, "rate", 50, "requests per second over all scenarios")
	fs.IntVar(&o.users, "users", 20, "learners registered before the attack")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "per-request timeout; an answer slower than this counts as a hang")
	fs.StringVar(&o.phases, "phases", "", "file of `unix_nanos phase` lines a fault script appends while the load runs")
	fs.StringVar(&o.acks, "acks", "", "write acknowledged event ids here, one a line")
	fs.StringVar(&o.report, "report", "", "also write the report (Markdown) here")
	fs.BoolVar(&o.checkFaults, "check-faults", false, "fail unless each phase kept its promise (needs -phases)")
	fs.IntVar(&o.batchSize, "batch", 10, "events per batch request")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.url == "" {
		return errors.New("-url (or LINGO_URL) is required")
	}
	if !strings.HasPrefix(o.url, "http://127.0.0.1:") && !strings.HasPrefix(o.url, "http://localhost:") {
		return fmt.Errorf("-url %q is not on loopback; this tool sends traffic nowhere else", o.url)
	}
	if o.checkFaults && o.phases == "" {
		return errors.New("-check-faults needs -phases")
	}

	m, err := newMix(o)
	if err != nil {
		return err
	}
	rep := m.attack()
	var out bytes.Buffer
	rep.write(&out, o)
	if _, err := stdout.Write(out.Bytes()); err != nil {
		return err
	}
	if o.report != "" {
		if err := os.WriteFile(o.report, out.Bytes(), 0o644); err != nil {
			return err
		}
	}
	if o.acks != "" {
		if err := m.writeAcks(o.acks); err != nil {
			return err
		}
	}
	if o.checkFaults {
		return rep.checkFaults()
	}
	return nil
}

// learner is one registered account of the pool the scenarios draw from.
type learner struct {
	email, password string
	token           string
}

// mix holds the shared state of the scenarios; the targeter and the result
// loop use it from several goroutines, hence the mutex.
type mix struct {
	o       options
	http    *http.Client
	lessons []string

	mu       sync.Mutex
	rng      *rand.Rand
	learners []*learner
	pending  map[string]*learner // register requests in flight, by email
	acked    map[string]bool
}

func newMix(o options) (*mix, error) {
	m := &mix{
		o:       o,
		http:    &http.Client{Timeout: o.timeout},
		rng:     rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 8)),
		pending: map[string]*learner{},
		acked:   map[string]bool{},
	}
	for i := 0; i < o.users; i++ {
		l := &learner{email: fmt.Sprintf("load-%s@example.com", uuid.NewString()), password: "load-password-1"}
		var sess struct {
			Data struct {
				Tokens struct {
					AccessToken string `json:"access_token"`
				} `json:"tokens"`
			} `json:"data"`
		}
		if err := m.do("POST", "/api/auth/register", "", map[string]string{
			"email": l.email, "password": l.password, "display_name": "Load learner"}, &sess); err != nil {
			return nil, fmt.Errorf("register the pool: %w", err)
		}
		l.token = sess.Data.Tokens.AccessToken
		m.learners = append(m.learners, l)
	}
	var courses struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := m.do("GET", "/api/courses", m.learners[0].token, nil, &courses); err != nil {
		return nil, fmt.Errorf("read the catalog: %w", err)
	}
	for _, c := range courses.Data {
		var detail struct {
			Data struct {
				Lessons []struct {
					ID string `json:"id"`
				} `json:"lessons"`
			} `json:"data"`
		}
		if err := m.do("GET", "/api/courses/"+c.ID, m.learners[0].token, nil, &detail); err != nil {
			return nil, fmt.Errorf("read course %s: %w", c.ID, err)
		}
		for _, l := range detail.Data.Lessons {
			m.lessons = append(m.lessons, l.ID)
		}
	}
	if len(m.lessons) == 0 {
		return nil, errors.New("the catalog has no lessons: start Lingo with LINGO_DATABASE_SEED_DEMO=true")
	}
	return m, nil
}

// do is one setup request outside the measured attack.
func (m *mix) do(method, path, token string, body, into any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, m.o.url+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return json.Unmarshal(b, into)
}

// Scenario names, in report order, with their share of the requests.
var scenarios = []struct {
	name   string
	weight int
}{
	{"register", 5}, {"login", 10}, {"event", 35}, {"batch", 15}, {"progress", 20}, {"stats", 15},
}

// scenarioOf names a request's scenario from its method and path.
func scenarioOf(method, url string) string {
	path := url
	if i := strings.Index(url, "/api/"); i >= 0 {
		path = url[i:]
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	switch {
	case path == "/api/auth/register":
		return "register"
	case path == "/api/auth/login":
		return "login"
	case path == "/api/analytics/events/batch":
		return "batch"
	case path == "/api/analytics/events" && method == "POST":
		return "event"
	case path == "/api/analytics/progress":
		return "progress"
	case path == "/api/analytics/user-stats":
		return "stats"
	}
	return "other"
}

func (m *mix) pick() (string, *learner) {
	m.mu.Lock()
	defer m.mu.Unlock()
	total := 0
	for _, s := range scenarios {
		total += s.weight
	}
	n := m.rng.IntN(total)
	name := ""
	for _, s := range scenarios {
		if n < s.weight {
			name = s.name
			break
		}
		n -= s.weight
	}
	return name, m.learners[m.rng.IntN(len(m.learners))]
}

func (m *mix) intn(n int) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rng.IntN(n)
}

// event makes one client event: mostly lesson completions, some exercises,
// with occurred_at spread over the last three days as an offline phone's are.
func (m *mix) event() map[string]any {
	at := time.Now().Add(-time.Duration(m.intn(3*24*3600)) * time.Second).UTC().Format(time.RFC3339)
	e := map[string]any{"event_id": uuid.NewString(), "occurred_at": at, "device_type": "phone", "platform": "android"}
	if m.intn(3) == 0 {
		e["event_type"] = "exercise_attempted"
		e["is_correct"] = m.intn(2) == 0
		e["duration_seconds"] = 5 + m.intn(60)
		return e
	}
	e["event_type"] = "lesson_completed"
	e["lesson_id"] = m.lessons[m.intn(len(m.lessons))]
	e["score"] = 50 + m.intn(51)
	e["duration_seconds"] = 60 + m.intn(600)
	return e
}

func (m *mix) targeter() vegeta.Targeter {
	return func(t *vegeta.Target) error {
		name, l := m.pick()
		t.Header = http.Header{"Content-Type": []string{"application/json"}}
		var body any
		switch name {
		case "register":
			nl := &learner{email: fmt.Sprintf("load-%s@example.com", uuid.NewString()), password: "load-password-1"}
			m.mu.Lock()
			m.pending[nl.email] = nl
			m.mu.Unlock()
			t.Method, t.URL = "POST", m.o.url+"/api/auth/register"
			body = map[string]string{"email": nl.email, "password": nl.password, "display_name": "Load learner"}
		case "login":
			t.Method, t.URL = "POST", m.o.url+"/api/auth/login"
			body = map[string]string{"email": l.email, "password": l.password}
		case "event":
			t.Method, t.URL = "POST", m.o.url+"/api/analytics/events"
			body = m.event()
		case "batch":
			events := make([]map[string]any, m.o.batchSize)
			for i := range events {
				events[i] = m.event()
			}
			t.Method, t.URL = "POST", m.o.url+"/api/analytics/events/batch"
			body = map[string]any{"events": events}
		case "progress":
			t.Method, t.URL = "GET", m.o.url+"/api/analytics/progress"
		case "stats":
			t.Method, t.URL = "GET", m.o.url+"/api/analytics/user-stats?days=30&include_history=true"
		}
		if name != "register" && name != "login" {
			m.mu.Lock()
			t.Header.Set("Authorization", "Bearer "+l.token)
			m.mu.Unlock()
		}
		t.Body = nil
		if body != nil {
			b, err := json.Marshal(body)
			if err != nil {
				return err
			}
			t.Body = b
		}
		return nil
	}
}

// answer is the part of an answer the load reads back.
type answer struct {
	Data struct {
		Event *struct {
			EventID string `json:"event_id"`
		} `json:"event"`
		Results []struct {
			EventID *string `json:"event_id"`
			Status  string  `json:"status"`
		} `json:"results"`
		User *struct {
			Email string `json:"email"`
		} `json:"user"`
		Tokens *struct {
			AccessToken string `json:"access_token"`
		} `json:"tokens"`
	} `json:"data"`
	Errors []struct {
		Code string `json:"code"`
	} `json:"errors"`
	Metadata struct {
		ErrorCode string `json:"error_code"`
	} `json:"metadata"`
}

// observe reads what an answer says back into the mix: acknowledged events,
// new learners and fresh tokens. It reports whether a 503 answer was Lingo's
// error envelope, and for a failure what it was (the envelope's first error
// code, or the client's error when nothing was answered).
func (m *mix) observe(scenario string, r *vegeta.Result) (envelope503 bool, detail string) {
	var a answer
	if r.Code == 0 {
		return false, "no answer: " + r.Error
	}
	if len(r.Body) == 0 || json.Unmarshal(r.Body, &a) != nil {
		return false, "not JSON"
	}
	if len(a.Errors) > 0 {
		detail = a.Errors[0].Code
	}
	if r.Code == http.StatusServiceUnavailable {
		return a.Metadata.ErrorCode == "service_unavailable", detail
	}
	if r.Code != 200 && r.Code != 201 {
		return false, detail
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch scenario {
	case "event":
		if a.Data.Event != nil {
			m.acked[a.Data.Event.EventID] = true
		}
	case "batch":
		for _, it := range a.Data.Results {
			if (it.Status == "created" || it.Status == "duplicate") && it.EventID != nil {
				m.acked[*it.EventID] = true
			}
		}
	case "register", "login":
		if a.Data.User == nil || a.Data.Tokens == nil {
			return false, ""
		}
		if nl, ok := m.pending[a.Data.User.Email]; ok && scenario == "register" {
			delete(m.pending, nl.email)
			nl.token = a.Data.Tokens.AccessToken
			m.learners = append(m.learners, nl)
			return false, ""
		}
		for _, l := range m.learners {
			if l.email == a.Data.User.Email {
				l.token = a.Data.Tokens.AccessToken
			}
		}
	}
	return false, ""
}

func (m *mix) writeAcks(path string) error {
	m.mu.Lock()
	ids := make([]string, 0, len(m.acked))
	for id := range m.acked {
		ids = append(ids, id)
	}
	m.mu.Unlock()
	sort.Strings(ids)
	return os.WriteFile(path, []byte(strings.Join(ids, "\n")+"\n"), 0o644)
}

// sample is one answer, kept for the split by phase.
type sample struct {
	at          time.Time
	scenario    string
	code        uint16
	latency     time.Duration
	envelope503 bool
	detail      string
}

func (m *mix) attack() *report {
	atk := vegeta.NewAttacker(
		vegeta.Timeout(m.o.timeout),
		vegeta.KeepAlive(true),
		vegeta.Workers(8),
		vegeta.MaxWorkers(256),
		vegeta.Redirects(vegeta.NoFollow),
	)
	rate := vegeta.Rate{Freq: m.o.rate, Per: time.Second}
	rep := &report{byScenario: map[string]*vegeta.Metrics{}, all: &vegeta.Metrics{}}
	start := time.Now()
	for r := range atk.Attack(m.targeter(), rate, m.o.duration, "lingo") {
		sc := scenarioOf(r.Method, r.URL)
		env, detail := m.observe(sc, r)
		met := rep.byScenario[sc]
		if met == nil {
			met = &vegeta.Metrics{}
			rep.byScenario[sc] = met
		}
		met.Add(r)
		rep.all.Add(r)
		rep.samples = append(rep.samples, sample{at: r.Timestamp, scenario: sc, code: r.Code, latency: r.Latency, envelope503: env, detail: detail})
	}
	rep.elapsed = time.Since(start)
	for _, met := range rep.byScenario {
		met.Close()
	}
	rep.all.Close()
	m.mu.Lock()
	rep.acked = len(m.acked)
	m.mu.Unlock()
	if m.o.phases != "" {
		rep.phases, rep.phaseErr = readPhases(m.o.phases)
	}
	return rep
}

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
