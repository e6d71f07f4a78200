package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Job engine series.
const (
	WebhookDeliveriesTotal = "lingo_webhook_deliveries_total"
	JobQueueDepth          = "lingo_jobs_queue_depth"
	JobWaitSeconds         = "lingo_jobs_wait_seconds"
	JobRunSeconds          = "lingo_jobs_run_seconds"
)

// DeliveryOutcomes are the label values of WebhookDeliveriesTotal: an
// attempt that succeeded, was retried, exhausted the schedule, met a 410, or
// was skipped because the endpoint was disabled.
var DeliveryOutcomes = []string{"succeeded", "retried", "exhausted", "gone", "skipped"}

// JobMetrics are the job engine's series, registered on the app's registry.
type JobMetrics struct {
	deliveries *prometheus.CounterVec
	wait, run  *prometheus.HistogramVec
}

var jobBuckets = []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300}

// WatchJobs registers the job series; depth, read at each scrape, counts
// the jobs by state (available, scheduled, retryable, running).
func (m *Metrics) WatchJobs(depth func(ctx context.Context) (map[string]int64, error)) *JobMetrics {
	j := &JobMetrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: WebhookDeliveriesTotal,
			Help: "Webhook delivery attempts, by outcome."}, []string{"outcome"}),
		wait: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: JobWaitSeconds,
			Help: "Time jobs waited in the queue before they ran, by kind.", Buckets: jobBuckets}, []string{"kind"}),
		run: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: JobRunSeconds,
			Help: "Time jobs took to run, by kind.", Buckets: jobBuckets}, []string{"kind"}),
	}
	for _, o := range DeliveryOutcomes {
		j.deliveries.WithLabelValues(o)
	}
	m.reg.MustRegister(j.deliveries, j.wait, j.run, &depthCollector{read: depth,
		desc: prometheus.NewDesc(JobQueueDepth, "Jobs in the queue, by state.", []string{"state"}, nil)})
	return j
}

// Delivery counts one attempt's outcome.
func (j *JobMetrics) Delivery(outcome string) { j.deliveries.WithLabelValues(outcome).Inc() }

// Job records a finished job's queue wait and run time.
func (j *JobMetrics) Job(kind string, wait, run time.Duration) {
	j.wait.WithLabelValues(kind).Observe(wait.Seconds())
	j.run.WithLabelValues(kind).Observe(run.Seconds())
}

// depthCollector reads the queue depth when scraped, within a second.
type depthCollector struct {
	read func(ctx context.Context) (map[string]int64, error)
	desc *prometheus.Desc
}

func (c *depthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *depthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	counts, err := c.read(ctx)
	if err != nil {
		return // a scrape without the series says the database did not answer
	}
	for state, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), state)
	}
}
