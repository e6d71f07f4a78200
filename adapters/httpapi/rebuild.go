package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/lingo-labs/lingo/application/analytics"
)

// RebuildHandler serves voids and rebuilds (docs/rebuild.md): a learner
// voids their own event; an admin voids any learner's event and rebuilds a
// learner's progress from their events.
type RebuildHandler struct {
	svc  *analytics.Service
	gate Gate
}

// NewRebuildHandler makes the void and rebuild routes.
func NewRebuildHandler(svc *analytics.Service, gate Gate) *RebuildHandler {
	return &RebuildHandler{svc: svc, gate: gate}
}

func (h *RebuildHandler) Routes() []Route {
	return []Route{
		{http.MethodPost, "/analytics/events/:event_id/void", ClassAnalytics, SignedIn, h.void},
		{http.MethodPost, "/admin/users/:id/events/:event_id/void", ClassAuth, AdminOnly, h.adminVoid},
		{http.MethodPost, "/admin/users/:id/progress/rebuild", ClassAuth, AdminOnly, h.rebuild},
	}
}

type voidDTO struct {
	Event   EventDTO   `json:"event"`
	Effects EffectsDTO `json:"effects"`
}

type rebuildDTO struct {
	Changed bool               `json:"changed"`
	Before  progressSummaryDTO `json:"before"`
	After   progressSummaryDTO `json:"after"`
}

func (h *RebuildHandler) void(c *gin.Context) {
	userID, _ := h.gate.caller(c)
	v, err := h.svc.Void(c.Request.Context(), userID, c.Param("event_id"))
	h.answerVoid(c, v, err)
}

func (h *RebuildHandler) adminVoid(c *gin.Context) {
	userID, ok := adminTarget(c)
	if !ok {
		return
	}
	v, err := h.svc.AdminVoid(c.Request.Context(), userID, c.Param("event_id"))
	h.answerVoid(c, v, err)
}

func (h *RebuildHandler) answerVoid(c *gin.Context, v analytics.Voided, err error) {
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, voidDTO{Event: eventDTO(v.Event), Effects: effectsDTO(v.Effects)}, "Event voided")
}

func (h *RebuildHandler) rebuild(c *gin.Context) {
	userID, ok := adminTarget(c)
	if !ok {
		return
	}
	r, err := h.svc.Rebuild(c.Request.Context(), userID)
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, rebuildDTO{Changed: r.Changed, Before: progressDTO(r.Before), After: progressDTO(r.After)}, "Progress rebuilt")
}
