package httpapi

import (
	"net/http"
	"time"

	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/domain/learning"
)

// AnalyticsHandler serves the learning-event routes (the OpenAPI document's analytics tag).
type AnalyticsHandler struct {
	svc     *analytics.Service
	gate    Gate
	timeout time.Duration
}

// NewAnalyticsHandler makes the analytics routes.
func NewAnalyticsHandler(svc *analytics.Service, gate Gate, opts Options) *AnalyticsHandler {
	return &AnalyticsHandler{svc: svc, gate: gate, timeout: opts.HealthCheckTimeout}
}

func (h *AnalyticsHandler) Routes() []Route {
	return []Route{
		{http.MethodGet, "/analytics/health", ClassAnalytics, SignedIn, h.health},
		{http.MethodPost, "/analytics/events", ClassAnalytics, SignedInByTx, h.postEvent},
		{http.MethodPost, "/analytics/events/batch", ClassAnalytics, SignedInByTx, h.postBatch},
		{http.MethodPost, "/analytics/lesson-completion", ClassAnalytics, SignedIn, h.lessonCompletion},
		{http.MethodPost, "/analytics/course-completion", ClassAnalytics, SignedIn, h.courseCompletion},
		{http.MethodGet, "/analytics/events", ClassAnalytics, SignedIn, h.listEvents},
		{http.MethodGet, "/analytics/progress", ClassAnalytics, SignedIn, h.progress},
		{http.MethodGet, "/analytics/user-stats", ClassAnalytics, SignedIn, h.userStats},
		{http.MethodGet, "/analytics/metrics", ClassAnalytics, AdminOnly, h.metrics},
	}
}

// EventDTO is a stored event.
type EventDTO struct {
	ID              string         `json:"id"`
	UserID          string         `json:"user_id"`
	EventID         string         `json:"event_id"`
	EventType       string         `json:"event_type"`
	Category        string         `json:"category"`
	OccurredAt      string         `json:"occurred_at"`
	ReceivedAt      string         `json:"received_at"`
	LocalDate       string         `json:"local_date"`
	SessionID       *string        `json:"session_id"`
	CourseID        *string        `json:"course_id"`
	LessonID        *string        `json:"lesson_id"`
	ExerciseID      *string        `json:"exercise_id"`
	DurationSeconds *int           `json:"duration_seconds"`
	Score           *int           `json:"score"`
	IsCorrect       *bool          `json:"is_correct"`
	DeviceType      *string        `json:"device_type"`
	Platform        *string        `json:"platform"`
	AppVersion      *string        `json:"app_version"`
	Metadata        map[string]any `json:"metadata"`
	XPAwarded       int            `json:"xp_awarded"`
	// VoidedAt is null unless the event was voided (docs/rebuild.md).
	VoidedAt *string `json:"voided_at"`
}

func orNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func eventDTO(e learning.Event) EventDTO {
	r := e.Record()
	md := r.Metadata
	if md == nil {
		md = map[string]any{}
	}
	return EventDTO{
		ID: r.ID, UserID: r.UserID, EventID: r.EventID, EventType: r.EventType, Category: e.Category().String(),
		OccurredAt: FormatTime(r.OccurredAt), ReceivedAt: FormatTime(r.ReceivedAt), LocalDate: r.LocalDate.String(),
		SessionID: r.SessionID, CourseID: r.CourseID, LessonID: r.LessonID, ExerciseID: r.ExerciseID,
		DurationSeconds: r.DurationSeconds, Score: r.Score, IsCorrect: r.IsCorrect,
		DeviceType: orNil(r.DeviceType), Platform: orNil(r.Platform), AppVersion: r.AppVersion,
		Metadata: md, XPAwarded: r.XPAwarded, VoidedAt: voidedAtDTO(e),
	}
}

func voidedAtDTO(e learning.Event) *string {
	if t, ok := e.VoidedAt(); ok {
		s := FormatTime(t)
		return &s
	}
	return nil
}
