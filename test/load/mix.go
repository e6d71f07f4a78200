package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/lingo-labs/lingo/domain/errs"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

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
		return a.Metadata.ErrorCode == errs.CodeServiceUnavailable, detail
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
