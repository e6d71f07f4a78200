// Package httpapi is the HTTP adapter: the Gin router, its middleware, the
// handlers and their DTOs, and the OpenAPI document they are checked against.
package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/lingo-labs/lingo/domain/errs"
)

// APIVersion is the contract version every answer carries.
const APIVersion = "v1"

// Envelope is the one JSON shape of every /api answer (the OpenAPI document's SuccessEnvelope and ErrorEnvelope).
type Envelope struct {
	Success   bool           `json:"success"`
	Data      any            `json:"data"`
	Message   string         `json:"message"`
	Errors    []ErrorItem    `json:"errors"`
	Metadata  map[string]any `json:"metadata"`
	Timestamp string         `json:"timestamp"`
	RequestID string         `json:"request_id"`
}

// ErrorItem is one problem in an error answer.
type ErrorItem struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Field   *string        `json:"field"`
	Details map[string]any `json:"details"`
}

// statusOf is the one table from error kind to HTTP status.
var statusOf = map[errs.Kind]int{
	errs.BadRequest:       http.StatusBadRequest,
	errs.Invalid:          http.StatusUnprocessableEntity,
	errs.Unauthorized:     http.StatusUnauthorized,
	errs.Forbidden:        http.StatusForbidden,
	errs.NotFound:         http.StatusNotFound,
	errs.MethodNotAllowed: http.StatusMethodNotAllowed,
	errs.Conflict:         http.StatusConflict,
	errs.TooLarge:         http.StatusRequestEntityTooLarge,
	errs.UnsupportedMedia: http.StatusUnsupportedMediaType,
	errs.RateLimited:      http.StatusTooManyRequests,
	errs.Unavailable:      http.StatusServiceUnavailable,
	errs.Internal:         http.StatusInternalServerError,
}

type statusText struct{ code, message string }

// defaults are the contract's error_code and user-facing message per status.
var defaults = map[int]statusText{
	400: {errs.CodeBadRequest, "The request was invalid. Please check your input and try again."},
	401: {errs.CodeUnauthorized, "Authentication required. Please log in to continue."},
	403: {errs.CodeForbidden, "You don't have permission to access this resource."},
	404: {errs.CodeNotFound, "The requested resource was not found."},
	405: {errs.CodeMethodNotAllowed, "This method is not allowed for this resource."},
	409: {errs.CodeConflict, "This resource already exists or conflicts with existing data."},
	413: {errs.CodePayloadTooLarge, "The request is too large."},
	415: {errs.CodeUnsupportedMediaType, "This file type is not supported."},
	422: {errs.CodeValidation, "The provided data is invalid. Please check the required fields."},
	429: {errs.CodeRateLimitExceeded, "Too many requests. Please wait before trying again."},
	500: {errs.CodeInternal, "An unexpected error occurred. Please try again later."},
	503: {errs.CodeServiceUnavailable, "Service temporarily unavailable. Please try again later."},
}

// StatusOf maps an error to its HTTP status.
func StatusOf(err error) int { return statusOf[errs.KindOf(err)] }

// OK writes a success envelope.
func OK(c *gin.Context, status int, data any, message string) {
	writeEnvelope(c, status, Envelope{Success: true, Data: data, Message: message,
		Metadata: map[string]any{"response_type": "success", "api_version": APIVersion}})
}

// OKWith writes a success envelope with extra metadata (pagination, replay).
func OKWith(c *gin.Context, status int, data any, message string, meta map[string]any) {
	m := map[string]any{"response_type": "success", "api_version": APIVersion}
	for k, v := range meta {
		m[k] = v
	}
	writeEnvelope(c, status, Envelope{Success: true, Data: data, Message: message, Metadata: m})
}

// Fail writes the error envelope for err: its status from the kind, its
// items from the field problems or the code. Internal errors are logged here,
// once, with the request id, and shown as the generic message only.
func Fail(c *gin.Context, err error) {
	FailWith(c, err, nil)
}

// FailWith is Fail with extra metadata (rate-limit figures).
func FailWith(c *gin.Context, err error, meta map[string]any) {
	status := StatusOf(err)
	if status >= 500 && pastDeadline(c) {
		// Whatever failed, it failed because the deadline cancelled it (or
		// after it): the answer is the deadline's.
		timeout := errs.Wrap(errs.Unavailable, errs.CodeRequestTimeout, err)
		timeout.Message = "The request did not finish within its deadline. Please try again later."
		err, status = timeout, http.StatusServiceUnavailable
	}
	def := defaults[status]
	e, _ := errs.As(err)
	if e == nil {
		e = &errs.Error{Kind: errs.Internal}
	}
	if status >= 500 {
		logger(c).Error("request failed", zap.String("request_id", RequestID(c)), zap.Int("status", status),
			zap.String("code", e.Code), zap.Error(err))
	}
	var items []ErrorItem
	for _, f := range e.Fields {
		var field *string
		if f.Field != "" {
			name := f.Field
			field = &name
		}
		code := f.Code
		if code == "" {
			code = def.code
		}
		items = append(items, ErrorItem{Code: code, Message: f.Message, Field: field, Details: f.Details})
	}
	if len(items) == 0 {
		code, msg := e.Code, e.Message
		if code == "" || status >= 500 {
			code = def.code
		}
		if msg == "" || status == 500 {
			msg = def.message
		}
		items = []ErrorItem{{Code: code, Message: msg, Details: e.Details}}
	}
	m := map[string]any{"response_type": "error", "api_version": APIVersion, "status_code": status, "error_code": def.code}
	for k, v := range meta {
		m[k] = v
	}
	writeEnvelope(c, status, Envelope{Success: false, Message: def.message, Errors: items, Metadata: m})
}

func writeEnvelope(c *gin.Context, status int, env Envelope) {
	env.Timestamp = Timestamp(c)
	env.RequestID = RequestID(c)
	c.Abort()
	c.JSON(status, env)
}

// FormatTime is the contract's instant format: RFC 3339, UTC, milliseconds, Z.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// FormatTimePtr formats t, or gives nil for the zero time.
func FormatTimePtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := FormatTime(t)
	return &s
}
