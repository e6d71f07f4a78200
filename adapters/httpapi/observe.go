package httpapi

import (
	"github.com/gin-gonic/gin"

	"github.com/lingo-labs/lingo/adapters/metrics"
	"github.com/lingo-labs/lingo/ports"
)

// NewObserve is the "observe" middleware: every request's method, route
// template (never the raw path, whose ids would explode the label set),
// status and latency go to the metrics. It runs after recovery, so a panic's
// 500 is counted too.
func NewObserve(m *metrics.Metrics, clock ports.Clock) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := clock.Now()
		c.Next()
		m.ObserveRequest(c.Request.Method, routeTemplate(c), c.Writer.Status(), clock.Now().Sub(start))
	}
}

// MetricsRoute mounts GET /metrics, outside /api: Prometheus text, no
// envelope, not rate limited (the OpenAPI document).
func MetricsRoute(m *metrics.Metrics) func(*gin.Engine) {
	h := m.Handler()
	return func(r *gin.Engine) {
		serve := func(c *gin.Context) { h.ServeHTTP(c.Writer, c.Request) }
		r.GET("/metrics", serve)
		r.HEAD("/metrics", serve)
	}
}
