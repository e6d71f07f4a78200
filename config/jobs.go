package config

import (
	"fmt"
	"time"

	"github.com/spf13/viper"
)

// Jobs configures the background job engine, webhooks and reminders.
type Jobs struct {
	// Enabled runs the job workers in this process; off, jobs are still
	// inserted with their changes and another instance works them.
	Enabled bool
	// PollInterval is how often idle workers look for new jobs.
	PollInterval time.Duration
	// Workers bounds the jobs this instance works at once.
	Workers int
	// RemindersInterval is how often the leader looks for due reminders.
	RemindersInterval time.Duration
	Webhooks          Webhooks
}

// Webhooks configures webhook deliveries.
type Webhooks struct {
	// AllowPrivate lets endpoints point at loopback, private and link-local
	// addresses (development and tests).
	AllowPrivate bool
	// Timeout bounds one attempt.
	Timeout time.Duration
	// EndpointConcurrency bounds the attempts to one endpoint at once, per instance.
	EndpointConcurrency int
	// RetrySchedule is the wait after each failed attempt; an internal knob
	// that tests shorten. Empty: the schedule of the OpenAPI document.
	RetrySchedule []time.Duration
}

func init() {
	for k, d := range map[string]any{
		"jobs.enabled":                  true,
		"jobs.poll_interval":            "1s",
		"jobs.workers":                  10,
		"jobs.reminders_interval":       "1m",
		"webhooks.allow_private":        false,
		"webhooks.timeout":              "15s",
		"webhooks.endpoint_concurrency": 4,
		"webhooks.retry_schedule":       "",
	} {
		keys[k] = d
	}
}

func loadJobs(v *viper.Viper) (Jobs, []string) {
	j := Jobs{
		Enabled:           v.GetBool("jobs.enabled"),
		PollInterval:      v.GetDuration("jobs.poll_interval"),
		Workers:           v.GetInt("jobs.workers"),
		RemindersInterval: v.GetDuration("jobs.reminders_interval"),
		Webhooks: Webhooks{
			AllowPrivate:        v.GetBool("webhooks.allow_private"),
			Timeout:             v.GetDuration("webhooks.timeout"),
			EndpointConcurrency: v.GetInt("webhooks.endpoint_concurrency"),
		},
	}
	var problems []string
	for _, s := range list(v.Get("webhooks.retry_schedule")) {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			problems = append(problems, fmt.Sprintf("LINGO_WEBHOOKS_RETRY_SCHEDULE: %q is not a positive duration", s))
			continue
		}
		j.Webhooks.RetrySchedule = append(j.Webhooks.RetrySchedule, d)
	}
	if j.PollInterval < 10*time.Millisecond {
		problems = append(problems, "LINGO_JOBS_POLL_INTERVAL: must be at least 10ms")
	}
	if j.Workers < 1 {
		problems = append(problems, "LINGO_JOBS_WORKERS: must be at least 1")
	}
	if j.RemindersInterval < time.Second || j.RemindersInterval > 2*time.Minute {
		problems = append(problems, "LINGO_JOBS_REMINDERS_INTERVAL: must be between 1s and 2m (reminders are due within 2 minutes)")
	}
	if j.Webhooks.Timeout <= 0 {
		problems = append(problems, "LINGO_WEBHOOKS_TIMEOUT: must be positive")
	}
	if j.Webhooks.EndpointConcurrency < 1 {
		problems = append(problems, "LINGO_WEBHOOKS_ENDPOINT_CONCURRENCY: must be at least 1")
	}
	return j, problems
}
