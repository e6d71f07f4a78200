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
// object keys; numbers are kept as written; ids in lower case).
func bodyHash(raw any) string {
	lowerIDs(raw)
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
	at, terr := parseInstant("occurred_at", in.OccurredAt)
	input := learning.EventInput{
		EventID: in.EventID, EventType: in.EventType, OccurredAt: at, SessionID: in.SessionID, CourseID: in.CourseID,
		LessonID: in.LessonID, ExerciseID: in.ExerciseID, DurationSeconds: in.DurationSeconds, Score: in.Score,
		IsCorrect: in.IsCorrect, DeviceType: in.DeviceType, Platform: in.Platform, AppVersion: in.AppVersion,
		Metadata: in.Metadata, MetadataSize: metadataSize(in.Metadata),
	}
	if err := errs.Merge(err, terr); err != nil {
		return analytics.Submission{}, errs.Merge(err, learning.CheckInput(input))
	}
	return analytics.Submission{BodyHash: bodyHash(raw), Input: input}, nil
}

// postEvent is a SignedInByTx route: analytics.Record confirms the token
// (Submission.Token); what this handler refuses itself it refuses only
// once Gate.Confirm has.
func (h *AnalyticsHandler) postEvent(c *gin.Context) {
	body, err := ReadBody(c, MaxJSONBody)
	if err == nil {
		var sub analytics.Submission
		if sub, err = decodeEvent(body); err == nil {
			v, ok := h.gate.TokenVersion(c)
			switch {
			case ok:
				sub.Token = &v
			case !h.gate.Confirm(c): // not behind the token step: the user is read here
				return
			}
			h.record(c, sub, "Event recorded")
			return
		}
	}
	if h.gate.Confirm(c) {
		Fail(c, err)
	}
}

func (h *AnalyticsHandler) record(c *gin.Context, sub analytics.Submission, msg string) {
	userID, _ := h.gate.caller(c)
	res, err := h.svc.Record(c.Request.Context(), userID, sub)
	h.answer(c, res, err, msg)
}

// answer writes an ingest's outcome: 201 for a new event, 200 for a replay
// (marked in metadata) or a course completed before.
func (h *AnalyticsHandler) answer(c *gin.Context, res analytics.Result, err error, msg string) {
	if errs.Is(err, errs.Unauthorized) {
		unauthorized(c, err) // a token Record refused (Submission.Token)
		return
	}
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

// lessonCompletionDTO is the lesson-completion body; its rules are the
// application's (analytics.LessonCompletion).
type lessonCompletionDTO struct {
	LessonID         string  `json:"lesson_id"`
	Score            *int    `json:"score"`
	DurationSeconds  *int    `json:"duration_seconds"`
	EventID          *string `json:"event_id"`
	CompletedAt      *string `json:"completed_at"`
	ExercisesTotal   *int    `json:"exercises_total"`
	ExercisesCorrect *int    `json:"exercises_correct"`
	Mistakes         *int    `json:"mistakes"`
	HintsUsed        *int    `json:"hints_used"`
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
	at, terr := parseInstant("completed_at", in.CompletedAt)
	completion := analytics.LessonCompletion{
		LessonID: in.LessonID, Score: in.Score, DurationSeconds: in.DurationSeconds, EventID: in.EventID,
		CompletedAt: at, ExercisesTotal: in.ExercisesTotal, ExercisesCorrect: in.ExercisesCorrect,
		Mistakes: in.Mistakes, HintsUsed: in.HintsUsed, SessionID: in.SessionID, DeviceType: in.DeviceType,
		Platform: in.Platform, AppVersion: in.AppVersion,
	}
	if err := errs.Merge(err, terr); err != nil {
		Fail(c, errs.Merge(err, completion.Check()))
		return
	}
	completion.BodyHash = bodyHash(raw)
	userID, _ := h.gate.caller(c)
	res, err := h.svc.RecordLessonCompletion(c.Request.Context(), userID, completion)
	h.answer(c, res, err, "Lesson completion recorded")
}

// courseCompletionDTO is the course-completion body; its rules are the
// application's (analytics.CourseCompletion).
type courseCompletionDTO struct {
	CourseID         string  `json:"course_id"`
	EventID          *string `json:"event_id"`
	CompletedAt      *string `json:"completed_at"`
	FinalScore       *int    `json:"final_score"`
	TotalTimeSeconds *int    `json:"total_time_seconds"`
}

func (h *AnalyticsHandler) courseCompletion(c *gin.Context) {
	body, err := ReadBody(c, MaxJSONBody)
	if err != nil {
		Fail(c, err)
		return
	}
	var in courseCompletionDTO
	raw, err := BindRaw(body, &in)
	at, terr := parseInstant("completed_at", in.CompletedAt)
	completion := analytics.CourseCompletion{CourseID: in.CourseID, EventID: in.EventID, CompletedAt: at,
		FinalScore: in.FinalScore, TotalTimeSeconds: in.TotalTimeSeconds}
	if err := errs.Merge(err, terr); err != nil {
		Fail(c, errs.Merge(err, completion.Check()))
		return
	}
	completion.BodyHash = bodyHash(raw)
	userID, _ := h.gate.caller(c)
	res, err := h.svc.RecordCourseCompletion(c.Request.Context(), userID, completion)
	h.answer(c, res, err, "Course completion recorded")
}

func (h *AnalyticsHandler) postBatch(c *gin.Context) {
	body, err := ReadBody(c, MaxJSONBody)
	var items []analytics.BatchItem
	if err == nil {
		items, err = readBatch(body)
	}
	if err != nil {
		if h.gate.Confirm(c) {
			Fail(c, err)
		}
		return
	}
	var token *int
	v, ok := h.gate.TokenVersion(c)
	switch {
	case ok:
		token = &v
	case !h.gate.Confirm(c): // not behind the token step: the user is read here
		return
	}
	userID, _ := h.gate.caller(c)
	res, err := h.svc.RecordBatch(c.Request.Context(), userID, items, token)
	if errs.Is(err, errs.Unauthorized) {
		unauthorized(c, err) // a token RecordBatch refused
		return
	}
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
