package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
)

// queryProblems collects query-parameter problems, each on its name.
type queryProblems []errs.FieldError

func (q *queryProblems) add(field, msg string) { *q = append(*q, errs.Field(field, msg)) }

func (h *AnalyticsHandler) listEvents(c *gin.Context) {
	userID, admin := h.gate.caller(c)
	var (
		q        analytics.ListQuery
		problems queryProblems
	)
	if v, ok := c.GetQuery("user_id"); ok {
		if !admin {
			Fail(c, errs.E(errs.Forbidden, errs.CodeForbidden, "Only an admin may list another user's events."))
			return
		}
		if !learning.IsUUID(v) {
			problems.add("user_id", "must be a UUID")
		} else {
			userID = strings.ToLower(v)
		}
	}
	if v := c.Query("event_type"); v != "" {
		for _, name := range strings.Split(v, ",") {
			t, err := learning.ParseEventType(strings.TrimSpace(name))
			if err != nil {
				problems.add("event_type", "must be a comma-separated list of event types")
				break
			}
			q.Types = append(q.Types, t)
		}
	}
	if v := c.Query("category"); v != "" {
		cat, err := learning.ParseCategory(v)
		if err != nil {
			problems.add("category", "must be one of session, learning, exercise, progress")
		}
		q.Category = cat
	}
	for _, p := range []struct {
		name string
		dst  *string
	}{{"course_id", &q.CourseID}, {"lesson_id", &q.LessonID}} {
		if v := c.Query(p.name); v != "" {
			if !learning.IsUUID(v) {
				problems.add(p.name, "must be a UUID")
			}
			*p.dst = strings.ToLower(v)
		}
	}
	if v := c.Query("session_id"); v != "" {
		if len([]rune(v)) > learning.MaxSessionIDLen {
			problems.add("session_id", "must be at most 64 characters")
		}
		q.SessionID = v
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if v := c.Query(p.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				problems.add(p.name, "must be an RFC 3339 instant")
			}
			*p.dst = t
		}
	}
	if v, ok := c.GetQuery("limit"); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			problems.add("limit", "must be an integer")
		}
		q.Limit = max(n, 1) // 0 and below clamp to 1, above 200 to 200
	}
	q.Cursor = c.Query("cursor")
	q.IncludeVoided = parseBoolQuery(c, "include_voided", &problems)
	if err := errs.Validation(problems...); err != nil {
		Fail(c, err)
		return
	}
	page, err := h.svc.Events(c.Request.Context(), userID, q)
	if err != nil {
		Fail(c, err)
		return
	}
	data, pagination := eventPageDTO(page)
	OKWith(c, http.StatusOK, data, "Events retrieved", map[string]any{"pagination": pagination})
}

func parseBoolQuery(c *gin.Context, name string, problems *queryProblems) bool {
	v, ok := c.GetQuery(name)
	if !ok {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		problems.add(name, "must be true or false")
	}
	return b
}

func (h *AnalyticsHandler) progress(c *gin.Context) {
	userID, _ := h.gate.caller(c)
	var problems queryProblems
	global := parseBoolQuery(c, "include_global", &problems)
	if err := errs.Validation(problems...); err != nil {
		Fail(c, err)
		return
	}
	p, err := h.svc.Progress(c.Request.Context(), userID, global)
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, progressDTO(p), "Progress retrieved")
}

func (h *AnalyticsHandler) userStats(c *gin.Context) {
	userID, _ := h.gate.caller(c)
	var problems queryProblems
	days := analytics.DefaultDays
	if v, ok := c.GetQuery("days"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > analytics.MaxDays {
			problems.add("days", "must be an integer from 1 to 365")
		}
		days = n
	}
	history := parseBoolQuery(c, "include_history", &problems)
	if err := errs.Validation(problems...); err != nil {
		Fail(c, err)
		return
	}
	s, err := h.svc.Stats(c.Request.Context(), userID, days, history)
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, statsDTO(s), "User stats retrieved")
}

// parseRangeBound reads an RFC 3339 instant or a YYYY-MM-DD date (UTC); a
// date given as `to` means the end of that day, so the day is included.
func parseRangeBound(v string, end bool) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), true
	}
	d, err := calendar.ParseDate(v)
	if err != nil {
		return time.Time{}, false
	}
	if end {
		d = d.AddDays(1)
	}
	return d.Start(time.UTC), true
}

func (h *AnalyticsHandler) metrics(c *gin.Context) {
	var (
		from, to time.Time
		problems queryProblems
	)
	for _, p := range []struct {
		name string
		dst  *time.Time
		end  bool
	}{{"from", &from, false}, {"to", &to, true}} {
		if v := c.Query(p.name); v != "" {
			t, ok := parseRangeBound(v, p.end)
			if !ok {
				problems.add(p.name, "must be an RFC 3339 instant or a YYYY-MM-DD date")
			}
			*p.dst = t
		}
	}
	if err := errs.Validation(problems...); err != nil {
		Fail(c, err)
		return
	}
	m, err := h.svc.Metrics(c.Request.Context(), from, to)
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, metricsDTO(m), "Metrics retrieved")
}

func (h *AnalyticsHandler) health(c *gin.Context) {
	OK(c, http.StatusOK, analyticsHealthDTO(h.svc.Health(c.Request.Context(), h.timeout)), "Analytics health retrieved")
}
