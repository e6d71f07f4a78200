package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/lingo-labs/lingo/application/webhooks"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/webhook"
)

// WebhooksHandler serves the admin's webhook endpoints and their delivery
// log (the OpenAPI document's Webhooks tag).
type WebhooksHandler struct {
	svc *webhooks.Service
}

// NewWebhooksHandler makes the /api/admin/webhooks routes.
func NewWebhooksHandler(svc *webhooks.Service) *WebhooksHandler {
	return &WebhooksHandler{svc: svc}
}

func (h *WebhooksHandler) Routes() []Route {
	return []Route{
		{http.MethodPost, "/admin/webhooks", ClassAuth, AdminOnly, h.create},
		{http.MethodGet, "/admin/webhooks", ClassAuth, AdminOnly, h.list},
		{http.MethodGet, "/admin/webhooks/:id", ClassAuth, AdminOnly, h.get},
		{http.MethodPatch, "/admin/webhooks/:id", ClassAuth, AdminOnly, h.update},
		{http.MethodDelete, "/admin/webhooks/:id", ClassAuth, AdminOnly, h.delete},
		{http.MethodPost, "/admin/webhooks/:id/rotate-secret", ClassAuth, AdminOnly, h.rotate},
		{http.MethodGet, "/admin/webhooks/:id/deliveries", ClassAuth, AdminOnly, h.deliveries},
		{http.MethodPost, "/admin/webhooks/:id/deliveries/:delivery_id/retry", ClassAuth, AdminOnly, h.retry},
	}
}

// WebhookDTO is an endpoint; Secret only in the answer to create.
type WebhookDTO struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	EventTypes  []string `json:"event_types"`
	Description string   `json:"description"`
	Enabled     bool     `json:"enabled"`
	Secret      string   `json:"secret,omitempty"`
	CreatedAt   string   `json:"created_at"`
	UpdatedAt   string   `json:"updated_at"`
}

func newWebhookDTO(e webhook.Endpoint) WebhookDTO {
	return WebhookDTO{ID: e.ID, URL: e.URL, EventTypes: e.Types.Names(), Description: e.Description, Enabled: e.Enabled,
		CreatedAt: FormatTime(e.CreatedAt), UpdatedAt: FormatTime(e.UpdatedAt)}
}

type webhookBody struct {
	URL         *string   `json:"url"`
	EventTypes  *[]string `json:"event_types"`
	Description *string   `json:"description"`
	Enabled     *bool     `json:"enabled"`
}

func (b webhookBody) input() webhooks.Input {
	in := webhooks.Input{URL: b.URL, Description: b.Description, Enabled: b.Enabled}
	if b.EventTypes != nil {
		in.EventTypes = *b.EventTypes
		if in.EventTypes == nil {
			in.EventTypes = []string{}
		}
	}
	return in
}

func (h *WebhooksHandler) create(c *gin.Context) {
	var b webhookBody
	if err := Bind(c, &b); err != nil {
		Fail(c, err)
		return
	}
	if b.Enabled != nil {
		Fail(c, errs.Validation(errs.FieldCode("enabled", errs.CodeUnknownField, "is not a known field")))
		return
	}
	e, err := h.svc.Create(c.Request.Context(), b.input())
	if err != nil {
		Fail(c, err)
		return
	}
	dto := newWebhookDTO(e)
	dto.Secret = string(e.Secret)
	OK(c, http.StatusCreated, dto, "Webhook endpoint created")
}

func (h *WebhooksHandler) list(c *gin.Context) {
	list, err := h.svc.List(c.Request.Context())
	if err != nil {
		Fail(c, err)
		return
	}
	out := make([]WebhookDTO, 0, len(list))
	for _, e := range list {
		out = append(out, newWebhookDTO(e))
	}
	OK(c, http.StatusOK, out, "Webhook endpoints")
}

func (h *WebhooksHandler) get(c *gin.Context) {
	e, err := h.svc.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, newWebhookDTO(e), "Webhook endpoint")
}

func (h *WebhooksHandler) update(c *gin.Context) {
	var b webhookBody
	if err := Bind(c, &b); err != nil {
		Fail(c, err)
		return
	}
	e, err := h.svc.Update(c.Request.Context(), c.Param("id"), b.input())
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, newWebhookDTO(e), "Webhook endpoint updated")
}

func (h *WebhooksHandler) delete(c *gin.Context) {
	if err := h.svc.Delete(c.Request.Context(), c.Param("id")); err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, nil, "Webhook endpoint deleted")
}

func (h *WebhooksHandler) rotate(c *gin.Context) {
	s, err := h.svc.RotateSecret(c.Request.Context(), c.Param("id"))
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, gin.H{"secret": string(s)}, "Webhook secret rotated")
}

// DeliveryDTO is one entry of the delivery log.
type DeliveryDTO struct {
	ID             string  `json:"id"`
	EventType      string  `json:"event_type"`
	Status         string  `json:"status"`
	Attempts       int     `json:"attempts"`
	LastStatusCode *int    `json:"last_status_code"`
	LastError      *string `json:"last_error"`
	NextAttemptAt  *string `json:"next_attempt_at"`
	CreatedAt      string  `json:"created_at"`
}

func newDeliveryDTO(d webhook.Delivery) DeliveryDTO {
	dto := DeliveryDTO{ID: d.ID, EventType: string(d.Type), Status: string(d.Status), Attempts: d.Attempts,
		CreatedAt: FormatTime(d.CreatedAt)}
	if d.LastStatusCode != 0 {
		code := d.LastStatusCode
		dto.LastStatusCode = &code
	}
	if d.LastError != "" {
		e := d.LastError
		dto.LastError = &e
	}
	if d.Status == webhook.Pending && !d.NextAttemptAt.IsZero() {
		dto.NextAttemptAt = FormatTimePtr(d.NextAttemptAt)
	}
	return dto
}

type deliveryPageDTO struct {
	Items      []DeliveryDTO `json:"items"`
	NextCursor *string       `json:"next_cursor"`
}

func (h *WebhooksHandler) deliveries(c *gin.Context) {
	q := webhooks.DeliveryQuery{Cursor: c.Query("cursor"), Status: c.Query("status")}
	if raw, given := c.GetQuery("limit"); given {
		n, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil {
			Fail(c, errs.Validation(errs.Field("limit", "must be an integer")))
			return
		}
		q.Limit = max(n, 1)
	}
	p, err := h.svc.Deliveries(c.Request.Context(), c.Param("id"), q)
	if err != nil {
		Fail(c, err)
		return
	}
	items := make([]DeliveryDTO, 0, len(p.Deliveries))
	for _, d := range p.Deliveries {
		items = append(items, newDeliveryDTO(d))
	}
	var next *string
	if p.NextCursor != "" {
		next = &p.NextCursor
	}
	OKWith(c, http.StatusOK, deliveryPageDTO{Items: items, NextCursor: next}, "Webhook deliveries",
		map[string]any{"pagination": map[string]any{"limit": p.Limit, "has_more": next != nil, "next_cursor": next}})
}

func (h *WebhooksHandler) retry(c *gin.Context) {
	if err := h.svc.Retry(c.Request.Context(), c.Param("id"), c.Param("delivery_id")); err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusAccepted, gin.H{"status": "pending"}, "Delivery retry planned")
}
