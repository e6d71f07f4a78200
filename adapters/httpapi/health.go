package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	apphealth "github.com/lingo-labs/lingo/application/health"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/health"
)

// HealthHandler serves /api/health and its sub-routes.
type HealthHandler struct {
	svc *apphealth.Service
}

// NewHealthHandler makes the health routes.
func NewHealthHandler(svc *apphealth.Service) *HealthHandler { return &HealthHandler{svc: svc} }

func (h *HealthHandler) Register(api *gin.RouterGroup) {
	api.GET("/health", h.live)
	api.GET("/health/live", h.live)
	api.GET("/health/ready", h.ready)
}

type livenessDTO struct {
	Status        string  `json:"status"`
	Version       string  `json:"version"`
	UptimeSeconds float64 `json:"uptime_seconds"`
}

func (h *HealthHandler) live(c *gin.Context) {
	OK(c, http.StatusOK, livenessDTO{Status: "healthy", Version: h.svc.Version(), UptimeSeconds: h.svc.Uptime().Seconds()}, "Service is alive")
}

// ComponentDTO is one component's check as every health answer shows it.
type ComponentDTO struct {
	Status         string         `json:"status"`
	ResponseTimeMS float64        `json:"response_time_ms"`
	Critical       bool           `json:"critical"`
	Error          string         `json:"error,omitempty"`
	CheckedAt      string         `json:"checked_at"`
	Details        map[string]any `json:"details,omitempty"`
}

// ComponentOf maps a check to its DTO.
func ComponentOf(ch health.Check) ComponentDTO {
	return ComponentDTO{Status: ch.Status.String(), ResponseTimeMS: Millis(ch.Latency), Critical: ch.Critical,
		Error: ch.Error, CheckedAt: FormatTime(ch.CheckedAt), Details: ch.Details}
}

// Millis is a duration in milliseconds with microsecond precision.
func Millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

type readinessDTO struct {
	Status     string                  `json:"status"`
	Ready      bool                    `json:"ready"`
	Components map[string]ComponentDTO `json:"components"`
}

func (h *HealthHandler) ready(c *gin.Context) {
	r := h.svc.Ready(c.Request.Context())
	dto := readinessDTO{Status: r.Status.String(), Ready: r.Ready, Components: map[string]ComponentDTO{}}
	for _, ch := range r.Checks {
		dto.Components[ch.Component] = ComponentOf(ch)
	}
	if !r.Ready {
		e := errs.E(errs.Unavailable, "service_unavailable", "A critical component is not answering.")
		for _, ch := range r.Checks {
			if ch.Critical && ch.Status == health.Unavailable {
				e.Fields = append(e.Fields, errs.FieldError{Code: "component_unavailable", Message: ch.Component + " is not answering",
					Details: map[string]any{"component": ch.Component, "status": ch.Status.String(), "error": ch.Error,
						"response_time_ms": Millis(ch.Latency)}})
			}
		}
		Fail(c, e)
		return
	}
	OK(c, http.StatusOK, dto, "Service is ready")
}
