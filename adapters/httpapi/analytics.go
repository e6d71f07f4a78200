package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/config"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
)

// MaxBatch is the most events one batch may carry.
const MaxBatch = 100

// AnalyticsHandler serves the learning-event routes of API.md §5.
type AnalyticsHandler struct {
	svc     *analytics.Service
	gate    Gate
	timeout time.Duration
}

// NewAnalyticsHandler makes the analytics routes.
func NewAnalyticsHandler(svc *analytics.Service, gate Gate, cfg config.Config) *AnalyticsHandler {
	return &AnalyticsHandler{svc: svc, gate: gate, timeout: cfg.Health.CheckTimeout}
}

func (h *AnalyticsHandler) Register(api *gin.RouterGroup) {
	g := api.Group("/analytics")
	u := g.Group("", h.gate.User)
	u.GET("/health", h.health)
	u.POST("/events", h.postEvent)
	u.POST("/events/batch", h.postBatch)
	u.POST("/lesson-completion", h.lessonCompletion)
	u.POST("/course-completion", h.courseCompletion)
	u.GET("/events", h.listEvents)
	u.GET("/progress", h.progress)
	u.GET("/user-stats", h.userStats)
	u.GET("/metrics", h.gate.Admin, h.metrics)
}

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
	if in.ExercisesTotal != nil && in.ExercisesCorrect != nil && *in.ExercisesCorrect > *in.ExercisesTotal {
		err = errs.Merge(err, errs.Validation(errs.Field("exercises_correct", "must not be more than exercises_total")))
	}
	at, terr := parseInstant("completed_at", in.CompletedAt)
	if err := errs.Merge(err, terr); err != nil {
		lesson := in.LessonID
		Fail(c, errs.Merge(err, learning.CheckInput(learning.EventInput{EventID: in.EventID,
			EventType: learning.LessonCompleted.String(), OccurredAt: at, LessonID: &lesson, Score: in.Score,
			DurationSeconds: in.DurationSeconds, SessionID: in.SessionID, DeviceType: in.DeviceType,
			Platform: in.Platform, AppVersion: in.AppVersion})))
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
	at, terr := parseInstant("completed_at", in.CompletedAt)
	if err := errs.Merge(err, terr); err != nil {
		course := in.CourseID
		Fail(c, errs.Merge(err, renameField(learning.CheckInput(learning.EventInput{EventID: in.EventID,
			EventType: learning.CourseCompleted.String(), OccurredAt: at, CourseID: &course, Score: in.FinalScore}),
			"score", "final_score")))
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
			Fail(c, errs.E(errs.Forbidden, "forbidden", "Only an admin may list another user's events."))
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
	if err := errs.Validation(problems...); err != nil {
		Fail(c, err)
		return
	}
	page, err := h.svc.Events(c.Request.Context(), userID, q)
	if err != nil {
		Fail(c, err)
		return
	}
	items := make([]EventDTO, 0, len(page.Items))
	for _, e := range page.Items {
		items = append(items, eventDTO(e))
	}
	var next *string
	if page.NextCursor != "" {
		next = &page.NextCursor
	}
	OKWith(c, http.StatusOK, gin.H{"items": items, "next_cursor": next}, "Events retrieved",
		map[string]any{"pagination": gin.H{"limit": page.Limit, "has_more": next != nil, "next_cursor": next}})
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
	s := h.svc.Health(c.Request.Context(), h.timeout)
	OK(c, http.StatusOK, gin.H{
		"status":                 s.Status.String(),
		"event_store":            gin.H{"status": s.Status.String(), "response_time_ms": Millis(s.Latency)},
		"last_event_received_at": FormatTimePtr(s.LastReceivedAt),
	}, "Analytics health retrieved")
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
		Metadata: md, XPAwarded: r.XPAwarded,
	}
}

type streakDTO struct {
	Current  int  `json:"current"`
	Longest  int  `json:"longest"`
	Extended bool `json:"extended"`
}

type goalDTO struct {
	GoalXP  int  `json:"goal_xp"`
	TodayXP int  `json:"today_xp"`
	Met     bool `json:"met"`
	JustMet bool `json:"just_met"`
}

// EffectsDTO is effects.
type EffectsDTO struct {
	XPAwarded            int       `json:"xp_awarded"`
	TotalXP              int       `json:"total_xp"`
	Level                int       `json:"level"`
	LeveledUp            bool      `json:"leveled_up"`
	Streak               streakDTO `json:"streak"`
	DailyGoal            goalDTO   `json:"daily_goal"`
	AchievementsUnlocked []string  `json:"achievements_unlocked"`
}

func effectsDTO(e analytics.Effects) EffectsDTO {
	a := e.AchievementsUnlocked
	if a == nil {
		a = []string{}
	}
	return EffectsDTO{XPAwarded: e.XPAwarded, TotalXP: e.TotalXP, Level: e.Level, LeveledUp: e.LeveledUp,
		Streak:               streakDTO{Current: e.Streak.Current, Longest: e.Streak.Longest, Extended: e.Streak.Extended},
		DailyGoal:            goalDTO{GoalXP: e.DailyGoal.GoalXP, TodayXP: e.DailyGoal.TodayXP, Met: e.DailyGoal.Met, JustMet: e.DailyGoal.JustMet},
		AchievementsUnlocked: a}
}

type lessonProgressDTO struct {
	CourseID         string  `json:"course_id"`
	LessonsCompleted int     `json:"lessons_completed"`
	LessonsTotal     int     `json:"lessons_total"`
	CompletionRate   float64 `json:"completion_rate"`
}

type ingestAnswerDTO struct {
	Event            EventDTO           `json:"event"`
	Effects          EffectsDTO         `json:"effects"`
	LessonProgress   *lessonProgressDTO `json:"lesson_progress,omitempty"`
	Course           *CourseDTO         `json:"course,omitempty"`
	AlreadyCompleted *bool              `json:"already_completed,omitempty"`
}

func ingestDTO(r analytics.Result) ingestAnswerDTO {
	out := ingestAnswerDTO{Event: eventDTO(r.Event), Effects: effectsDTO(r.Effects)}
	if lp := r.LessonProgress; lp != nil {
		out.LessonProgress = &lessonProgressDTO{CourseID: lp.CourseID, LessonsCompleted: lp.LessonsCompleted,
			LessonsTotal: lp.LessonsTotal, CompletionRate: lp.CompletionRate}
	}
	if cv := r.Course; cv != nil {
		out.Course = &CourseDTO{ID: cv.ID, Slug: cv.Slug, Title: cv.Title, Language: cv.Language, Level: cv.Level,
			Description: cv.Description, LessonCount: cv.LessonCount, TotalXP: cv.TotalXP}
		done := r.AlreadyCompleted
		out.AlreadyCompleted = &done
	}
	return out
}

type batchItemDTO struct {
	Index   int         `json:"index"`
	EventID *string     `json:"event_id"`
	Status  string      `json:"status"`
	Event   *EventDTO   `json:"event,omitempty"`
	Errors  []ErrorItem `json:"errors,omitempty"`
}

type batchSummaryDTO struct {
	Received   int `json:"received"`
	Created    int `json:"created"`
	Duplicates int `json:"duplicates"`
	Rejected   int `json:"rejected"`
}

type batchDTO struct {
	Results []batchItemDTO  `json:"results"`
	Summary batchSummaryDTO `json:"summary"`
	Effects EffectsDTO      `json:"effects"`
}

func dateOrNil(d calendar.Date) *string {
	if d.IsZero() {
		return nil
	}
	s := d.String()
	return &s
}

func progressDTO(p analytics.ProgressSummary) gin.H {
	courses := make([]gin.H, 0, len(p.Courses))
	for _, c := range p.Courses {
		courses = append(courses, gin.H{"course_id": c.CourseID, "title": c.Title, "lessons_completed": c.LessonsCompleted,
			"lessons_total": c.LessonsTotal, "completion_rate": c.CompletionRate})
	}
	achievements := make([]gin.H, 0, len(p.Achievements))
	for _, a := range p.Achievements {
		achievements = append(achievements, gin.H{"code": a.Achievement.String(), "unlocked_at": FormatTime(a.UnlockedAt)})
	}
	out := gin.H{
		"total_xp": p.TotalXP, "level": p.Level.Level, "xp_in_level": p.Level.XPInLevel,
		"xp_to_next_level": p.Level.XPToNextLevel, "level_progress": p.Level.Progress,
		"current_streak": p.CurrentStreak, "longest_streak": p.LongestStreak, "streak_active_today": p.StreakActiveToday,
		"last_active_date":  dateOrNil(p.LastActiveDate),
		"daily_goal":        gin.H{"goal_xp": p.DailyGoal.GoalXP, "today_xp": p.DailyGoal.TodayXP, "met": p.DailyGoal.Met},
		"lessons_completed": p.LessonsCompleted, "courses_completed": p.CoursesCompleted,
		"courses": courses, "achievements": achievements,
	}
	if g := p.Global; g != nil {
		out["global"] = gin.H{"learners": g.Learners, "average_xp": g.AverageXP, "xp_percentile": g.XPPercentile}
	}
	return out
}

func statsDTO(s analytics.UserStats) gin.H {
	t := s.Totals
	out := gin.H{
		"totals": gin.H{"total_xp": t.TotalXP, "level": t.Level, "lessons_completed": t.LessonsCompleted,
			"courses_completed": t.CoursesCompleted, "practice_sessions": t.PracticeSessions,
			"exercises_attempted": t.ExercisesAttempted, "exercises_correct": t.ExercisesCorrect, "accuracy": t.Accuracy,
			"time_spent_seconds": t.TimeSpentSeconds, "sessions": t.Sessions, "active_days": t.ActiveDays},
		"streak": gin.H{"current": s.Current, "longest": s.Longest},
		"last_7_days": gin.H{"xp": s.Last7Days.XP, "lessons_completed": s.Last7Days.LessonsCompleted,
			"time_spent_seconds": s.Last7Days.TimeSpentSeconds, "active_days": s.Last7Days.ActiveDays},
	}
	if s.History != nil {
		out["history"] = historyDTO(s.History)
	}
	return out
}

func historyDTO(days []progress.Day) []gin.H {
	out := make([]gin.H, 0, len(days))
	for _, d := range days {
		out = append(out, gin.H{"date": d.Date().String(), "xp": d.XP(), "lessons_completed": d.LessonsCompleted(),
			"time_spent_seconds": d.TimeSpentSeconds(), "goal_met": d.GoalMet()})
	}
	return out
}

func metricsDTO(m analytics.MetricsReport) gin.H {
	timeline := make([]gin.H, 0, len(m.Timeline))
	for _, d := range m.Timeline {
		timeline = append(timeline, gin.H{"date": d.Date.String(), "active_users": d.ActiveUsers, "events": d.Events, "xp": d.XP})
	}
	return gin.H{
		"range": gin.H{"from": FormatTime(m.From), "to": FormatTime(m.To)},
		"users": gin.H{"total": m.UsersTotal, "new": m.UsersNew, "active_daily": m.ActiveDaily,
			"active_weekly": m.ActiveWeekly, "active_monthly": m.ActiveMonth},
		"events":   gin.H{"total": m.EventsTotal, "by_type": m.ByType},
		"learning": gin.H{"lessons_completed": m.LessonsCompleted, "courses_completed": m.CoursesCompleted, "xp_awarded": m.XPAwarded, "average_score": m.AverageScore},
		"timeline": timeline,
	}
}
