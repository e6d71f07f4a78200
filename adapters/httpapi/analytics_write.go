package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
)

// eventInputDTO is one event as a client sends it. occurred_at is a string
// so that a bad one is reported on its own field.
type eventInputDTO struct {
	EventID         *string        `json:"event_id"`
	EventType       string         `json:"event_type" validate:"required"`
	OccurredAt      *string        `json:"occurred_at"`
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
}

// bodyHash identifies a request body whatever its spacing and key order:
// the SHA-256 of the body decoded and encoded again (encoding/json sorts
// object keys; numbers are kept as written).
func bodyHash(raw any) string {
	b, ok := appendCanonical(make([]byte, 0, 512), raw)
	if !ok {
		b, _ = json.Marshal(raw)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func parseInstant(field string, s *string) (*time.Time, error) {
	if s == nil {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		return nil, errs.Validation(errs.Field(field, "must be an RFC 3339 instant with an offset"))
	}
	return &t, nil
}

func metadataSize(m map[string]any) int {
	if m == nil {
		return 0
	}
	b, _ := json.Marshal(m)
	return len(b)
}

// decodeEvent reads one event body into a submission.
func decodeEvent(body []byte) (analytics.Submission, error) {
	var in eventInputDTO
	raw, err := bindEvent(body, &in)
	if err != nil {
		return analytics.Submission{}, err
	}
	at, err := parseInstant("occurred_at", in.OccurredAt)
	if err != nil {
		return analytics.Submission{}, err
	}
	return analytics.Submission{BodyHash: bodyHash(raw), Input: learning.EventInput{
		EventID: in.EventID, EventType: in.EventType, OccurredAt: at, SessionID: in.SessionID, CourseID: in.CourseID,
		LessonID: in.LessonID, ExerciseID: in.ExerciseID, DurationSeconds: in.DurationSeconds, Score: in.Score,
		IsCorrect: in.IsCorrect, DeviceType: in.DeviceType, Platform: in.Platform, AppVersion: in.AppVersion,
		Metadata: in.Metadata, MetadataSize: metadataSize(in.Metadata),
	}}, nil
}

func (h *AnalyticsHandler) postEvent(c *gin.Context) {
	body, err := ReadBody(c, MaxJSONBody)
	if err != nil {
		Fail(c, err)
		return
	}
	sub, err := decodeEvent(body)
	if err != nil {
		Fail(c, err)
		return
	}
	h.record(c, sub, "Event recorded")
}

func (h *AnalyticsHandler) record(c *gin.Context, sub analytics.Submission, msg string) {
	userID, _ := h.gate.caller(c)
	res, err := h.svc.Record(c.Request.Context(), userID, sub)
	if err != nil {
		Fail(c, err)
		return
	}
	status, meta := http.StatusCreated, map[string]any{}
	switch {
	case res.Replay:
		status, meta["idempotent_replay"] = http.StatusOK, true
	case res.AlreadyCompleted:
		status = http.StatusOK
	}
	OKWith(c, status, ingestDTO(res), msg, meta)
}

type lessonCompletionDTO struct {
	LessonID         string  `json:"lesson_id" validate:"required"`
	Score            *int    `json:"score" validate:"required"`
	DurationSeconds  *int    `json:"duration_seconds" validate:"required"`
	EventID          *string `json:"event_id"`
	CompletedAt      *string `json:"completed_at"`
	ExercisesTotal   *int    `json:"exercises_total" validate:"omitempty,gte=0,lte=10000"`
	ExercisesCorrect *int    `json:"exercises_correct" validate:"omitempty,gte=0,lte=10000"`
	Mistakes         *int    `json:"mistakes" validate:"omitempty,gte=0,lte=10000"`
	HintsUsed        *int    `json:"hints_used" validate:"omitempty,gte=0,lte=10000"`
	SessionID        *string `json:"session_id"`
	DeviceType       *string `json:"device_type"`
	Platform         *string `json:"platform"`
	AppVersion       *string `json:"app_version"`
}

func (h *AnalyticsHandler) lessonCompletion(c *gin.Context) {
	body, err := ReadBody(c, MaxJSONBody)
	if err != nil {
		Fail(c, err)
		return
	}
	var in lessonCompletionDTO
	raw, err := BindRaw(body, &in)
	if err != nil {
		Fail(c, err)
		return
	}
	if in.ExercisesTotal != nil && in.ExercisesCorrect != nil && *in.ExercisesCorrect > *in.ExercisesTotal {
		Fail(c, errs.Validation(errs.Field("exercises_correct", "must not be more than exercises_total")))
		return
	}
	at, err := parseInstant("completed_at", in.CompletedAt)
	if err != nil {
		Fail(c, err)
		return
	}
	// The completion details have no column of their own; they travel in
	// the event's metadata, where the event list shows them.
	md := map[string]any{}
	for k, v := range map[string]*int{"exercises_total": in.ExercisesTotal, "exercises_correct": in.ExercisesCorrect,
		"mistakes": in.Mistakes, "hints_used": in.HintsUsed} {
		if v != nil {
			md[k] = *v
		}
	}
	if len(md) == 0 {
		md = nil
	}
	lesson := in.LessonID
	h.record(c, analytics.Submission{BodyHash: bodyHash(raw), TimeField: "completed_at", Input: learning.EventInput{
		EventID: in.EventID, EventType: learning.LessonCompleted.String(), OccurredAt: at, LessonID: &lesson,
		Score: in.Score, DurationSeconds: in.DurationSeconds, SessionID: in.SessionID, DeviceType: in.DeviceType,
		Platform: in.Platform, AppVersion: in.AppVersion, Metadata: md, MetadataSize: metadataSize(md),
	}}, "Lesson completion recorded")
}

type courseCompletionDTO struct {
	CourseID         string  `json:"course_id" validate:"required"`
	EventID          *string `json:"event_id"`
	CompletedAt      *string `json:"completed_at"`
	FinalScore       *int    `json:"final_score"`
	TotalTimeSeconds *int    `json:"total_time_seconds" validate:"omitempty,gte=0"`
}

func (h *AnalyticsHandler) courseCompletion(c *gin.Context) {
	body, err := ReadBody(c, MaxJSONBody)
	if err != nil {
		Fail(c, err)
		return
	}
	var in courseCompletionDTO
	raw, err := BindRaw(body, &in)
	if err != nil {
		Fail(c, err)
		return
	}
	at, err := parseInstant("completed_at", in.CompletedAt)
	if err != nil {
		Fail(c, err)
		return
	}
	// total_time_seconds is kept in metadata rather than duration_seconds:
	// the course's time is its lessons' time, already counted once.
	var md map[string]any
	if in.TotalTimeSeconds != nil {
		md = map[string]any{"total_time_seconds": *in.TotalTimeSeconds}
	}
	course := in.CourseID
	sub := analytics.Submission{BodyHash: bodyHash(raw), TimeField: "completed_at", Input: learning.EventInput{
		EventID: in.EventID, EventType: learning.CourseCompleted.String(), OccurredAt: at, CourseID: &course,
		Score: in.FinalScore, Metadata: md, MetadataSize: metadataSize(md),
	}}
	userID, _ := h.gate.caller(c)
	res, err := h.svc.Record(c.Request.Context(), userID, sub)
	if err != nil {
		Fail(c, renameField(err, "score", "final_score"))
		return
	}
	status, meta := http.StatusCreated, map[string]any{}
	switch {
	case res.Replay:
		status, meta["idempotent_replay"] = http.StatusOK, true
	case res.AlreadyCompleted:
		status = http.StatusOK
	}
	OKWith(c, status, ingestDTO(res), "Course completion recorded", meta)
}

func renameField(err error, from, to string) error {
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	out := *e
	out.Fields = append([]errs.FieldError(nil), e.Fields...)
	for i := range out.Fields {
		if out.Fields[i].Field == from {
			out.Fields[i].Field = to
		}
	}
	return &out
}

func (h *AnalyticsHandler) postBatch(c *gin.Context) {
	body, err := ReadBody(c, MaxJSONBody)
	if err != nil {
		Fail(c, err)
		return
	}
	events, err := bindBatchEvents(body)
	if err != nil {
		Fail(c, err)
		return
	}
	if len(events) < 1 || len(events) > MaxBatch {
		Fail(c, errs.Validation(errs.Field("events", "must hold 1 to 100 events")))
		return
	}
	items := make([]analytics.BatchItem, len(events))
	forEachParallel(len(events), func(i int) {
		rawItem := events[i]
		sub, err := decodeEvent(rawItem)
		if err != nil {
			// The key of an item that cannot be read is still reported when
			// it is there, so the client can match the rejection.
			var probe struct {
				EventID *string `json:"event_id"`
			}
			if json.Unmarshal(rawItem, &probe) == nil {
				sub.Input.EventID = probe.EventID
			}
		}
		items[i] = analytics.BatchItem{Submission: sub, Err: err}
	})
	userID, _ := h.gate.caller(c)
	res, err := h.svc.RecordBatch(c.Request.Context(), userID, items)
	if err != nil {
		Fail(c, err)
		return
	}
	out := batchDTO{Results: make([]batchItemDTO, len(res.Results)), Effects: effectsDTO(res.Effects),
		Summary: batchSummaryDTO{Received: res.Summary.Received, Created: res.Summary.Created,
			Duplicates: res.Summary.Duplicates, Rejected: res.Summary.Rejected}}
	for i, r := range res.Results {
		item := batchItemDTO{Index: r.Index, Status: string(r.Status)}
		if r.EventID != "" {
			id := r.EventID
			item.EventID = &id
		}
		if r.Event != nil {
			ev := eventDTO(*r.Event)
			item.Event = &ev
		}
		if r.Err != nil {
			item.Errors = errorItems(errs.Prefix("events["+strconv.Itoa(i)+"]", r.Err))
		}
		out.Results[i] = item
	}
	OK(c, http.StatusOK, out, "Batch processed")
}

// errorItems are an error's problems as the envelope lists them, for
// answers that carry errors inside data (batch results).
func errorItems(err error) []ErrorItem {
	e, ok := errs.As(err)
	if !ok {
		e = &errs.Error{Kind: errs.Internal}
	}
	def := defaults[StatusOf(e)]
	var items []ErrorItem
	for _, f := range e.Fields {
		field := f.Field
		code := f.Code
		if code == "" {
			code = def.code
		}
		items = append(items, ErrorItem{Code: code, Message: f.Message, Field: &field, Details: f.Details})
	}
	if len(items) == 0 {
		code, msg := e.Code, e.Message
		if code == "" {
			code = def.code
		}
		if msg == "" || e.Kind == errs.Internal || e.Kind == errs.Unavailable {
			msg = def.message
		}
		items = []ErrorItem{{Code: code, Message: msg, Details: e.Details}}
	}
	return items
}
