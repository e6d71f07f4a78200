package analytics

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/health"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/paging"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// Limits of the event list (the OpenAPI document's listEvents).
const (
	DefaultLimit = paging.Default
	MaxLimit     = paging.Max
)

// ListQuery is the event list's parameters, parsed at the edge.
type ListQuery struct {
	Types     []learning.EventType
	Category  learning.Category // zero: any
	CourseID  string
	LessonID  string
	SessionID string
	From, To  time.Time
	Cursor    string
	Limit     int
	// IncludeVoided lists voided events too.
	IncludeVoided bool
}

// Page is one page of events.
type Page struct {
	Items      []learning.Event
	NextCursor string // "" when nothing follows
	Limit      int
}

// EncodeCursor makes the opaque cursor of a position: base64 of the
// occurred_at and id of the last event shown. It names a position in the
// order, not an offset, so new events never shift the pages after it.
func EncodeCursor(c ports.EventCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.OccurredAt.UTC().Format(time.RFC3339Nano) + "|" + c.ID))
}

// DecodeCursor reads a cursor made by EncodeCursor; anything else is Invalid
// on field "cursor".
func DecodeCursor(s string) (ports.EventCursor, error) {
	bad := errs.Validation(errs.FieldCode("cursor", errs.CodeInvalidCursor, "is not a cursor this server made"))
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return ports.EventCursor{}, bad
	}
	at, id, ok := strings.Cut(string(b), "|")
	if !ok || !learning.IsUUID(id) {
		return ports.EventCursor{}, bad
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return ports.EventCursor{}, bad
	}
	return ports.EventCursor{OccurredAt: t, ID: id}, nil
}

// Events lists one learner's events, newest first. Filters that cannot
// match (a category and types of other categories) give an empty page.
func (s *Service) Events(ctx context.Context, userID string, q ListQuery) (Page, error) {
	limit := paging.Limit(q.Limit)
	f := ports.EventFilter{UserID: userID, Types: q.Types, CourseID: q.CourseID, LessonID: q.LessonID,
		SessionID: q.SessionID, From: q.From, To: q.To, Limit: limit + 1, IncludeVoided: q.IncludeVoided}
	if q.Category.Valid() {
		var types []learning.EventType
		for _, t := range q.Category.EventTypes() {
			if len(q.Types) == 0 || containsType(q.Types, t) {
				types = append(types, t)
			}
		}
		if len(types) == 0 {
			return Page{Items: []learning.Event{}, Limit: limit}, nil
		}
		f.Types = types
	}
	if q.Cursor != "" {
		c, err := DecodeCursor(q.Cursor)
		if err != nil {
			return Page{}, err
		}
		f.After = &c
	}
	items, err := s.events.List(ctx, f)
	if err != nil {
		return Page{}, err
	}
	p := Page{Items: items, Limit: limit}
	if len(items) > limit {
		p.Items = items[:limit]
		last := p.Items[limit-1]
		p.NextCursor = EncodeCursor(ports.EventCursor{OccurredAt: last.OccurredAt(), ID: last.ID()})
	}
	return p, nil
}

func containsType(ts []learning.EventType, t learning.EventType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// CourseProgress is one begun course in the summary.
type CourseProgress struct {
	ports.CourseProgress
	CompletionRate float64
}

// Global is the summary's comparison with every active learner.
type Global struct {
	Learners     int
	AverageXP    float64
	XPPercentile float64
}

// ProgressSummary is GET /analytics/progress.
type ProgressSummary struct {
	progress.Summary
	LessonsCompleted int
	CoursesCompleted int
	Courses          []CourseProgress
	Achievements     []progress.Unlock
	Global           *Global
}

// Progress reads the learner's summary from aggregates only.
func (s *Service) Progress(ctx context.Context, userID string, includeGlobal bool) (ProgressSummary, error) {
	zone, goal, err := s.settings.Settings(ctx, userID)
	if err != nil {
		return ProgressSummary{}, err
	}
	today := zone.Today(s.now())
	// The name holds what the figures depend on besides the stored
	// aggregates: the learner's local date (a new day never serves
	// yesterday's streak and goal) and the goal in force.
	name := fmt.Sprintf("summary:%s:goal=%d", today, goal)
	out, err := readThrough(ctx, s, userID, name, ProgressTTL, summaryCodec, func(ctx context.Context) (ProgressSummary, error) {
		return s.summary(ctx, userID, today, goal)
	})
	if err != nil {
		return ProgressSummary{}, err
	}
	if includeGlobal {
		// The global part is cached apart, under the learner's namespace (the
		// learner's own XP moves the percentile) but for GlobalTTL only, as
		// other learners' writes move it too.
		g, err := readThrough(ctx, s, userID, "global", GlobalTTL, ports.JSONCodec[Global](), func(ctx context.Context) (Global, error) {
			g, err := s.progress.Global(ctx, userID)
			if err != nil {
				return Global{}, err
			}
			return Global{Learners: g.Learners, AverageXP: progress.AverageXP(g.SumXP, g.Learners),
				XPPercentile: progress.XPPercentile(g.Below, g.Learners)}, nil
		})
		if err != nil {
			return ProgressSummary{}, err
		}
		out.Global = &g
	}
	return out, nil
}

// summary computes the learner's own part of the progress summary.
func (s *Service) summary(ctx context.Context, userID string, today calendar.Date, goal int) (ProgressSummary, error) {
	snap, err := s.progress.Snapshot(ctx, userID, today)
	if err != nil {
		return ProgressSummary{}, err
	}
	out := ProgressSummary{
		Summary:          progress.Summarize(snap.TotalXP, snap.Streak.WithFreezeMax(s.freezeMax), snap.Today, goal),
		LessonsCompleted: snap.LessonsCompleted, CoursesCompleted: snap.CoursesCompleted,
		Courses: make([]CourseProgress, 0, len(snap.Courses)), Achievements: snap.Achievements,
	}
	for _, c := range snap.Courses {
		out.Courses = append(out.Courses, CourseProgress{CourseProgress: c, CompletionRate: progress.CompletionRate(c.LessonsCompleted, c.LessonsTotal)})
	}
	return out, nil
}

// Limits of user stats' days.
const (
	DefaultDays = 30
	MaxDays     = 365
)

// Totals is user stats' totals.
type Totals struct {
	TotalXP, Level                       int
	LessonsCompleted, CoursesCompleted   int
	PracticeSessions                     int
	ExercisesAttempted, ExercisesCorrect int
	Accuracy                             *float64
	TimeSpentSeconds, Sessions           int
	ActiveDays                           int
}

// UserStats is GET /analytics/user-stats.
type UserStats struct {
	Totals           Totals
	Current, Longest int
	Last7Days        progress.DayTotals
	History          []progress.Day // nil unless asked for
}

// Stats reads the learner's dashboard from aggregates: the counters, the
// active dates and the day records of the range, never the events.
func (s *Service) Stats(ctx context.Context, userID string, days int, includeHistory bool) (UserStats, error) {
	if days < 1 || days > MaxDays {
		return UserStats{}, errs.Validation(errs.Field("days", "must be between 1 and 365"))
	}
	zone, _, err := s.settings.Settings(ctx, userID)
	if err != nil {
		return UserStats{}, err
	}
	today := zone.Today(s.now())
	name := fmt.Sprintf("stats:%s:days=%d:history=%t", today, days, includeHistory)
	return readThrough(ctx, s, userID, name, ProgressTTL, statsCodec, func(ctx context.Context) (UserStats, error) {
		return s.stats(ctx, userID, today, days, includeHistory)
	})
}

// stats computes user stats from the aggregates.
func (s *Service) stats(ctx context.Context, userID string, today calendar.Date, days int, includeHistory bool) (UserStats, error) {
	snap, err := s.progress.Snapshot(ctx, userID, today)
	if err != nil {
		return UserStats{}, err
	}
	span := max(days, 7)
	records, err := s.progress.Days(ctx, userID, today.AddDays(-(span - 1)), today)
	if err != nil {
		return UserStats{}, err
	}
	streak := snap.Streak.WithFreezeMax(s.freezeMax)
	set := streak.Settle(today)
	c := snap.Counters
	out := UserStats{
		Totals: Totals{
			TotalXP: snap.TotalXP, Level: progress.LevelOf(snap.TotalXP).Level,
			LessonsCompleted: snap.LessonsCompleted, CoursesCompleted: snap.CoursesCompleted,
			PracticeSessions: c.PracticeSessions, ExercisesAttempted: c.ExercisesAttempted, ExercisesCorrect: c.ExercisesCorrect,
			TimeSpentSeconds: c.TimeSpentSeconds, Sessions: c.Sessions, ActiveDays: streak.ActiveDays(),
		},
		Current: set.Current, Longest: set.Longest,
		Last7Days: progress.SumDays(progress.History(today, 7, records)),
	}
	if acc, ok := progress.Accuracy(c.ExercisesCorrect, c.ExercisesAttempted); ok {
		out.Totals.Accuracy = &acc
	}
	if includeHistory {
		out.History = progress.History(today, days, records)
	}
	return out, nil
}

// MetricsReport is GET /analytics/metrics.
type MetricsReport struct {
	From, To time.Time
	ports.Metrics
}

// Metrics counts events with occurred_at in [from, to); a zero from or to
// means the last 30 days ending now. The timeline has every UTC day of the
// range, empty days included.
func (s *Service) Metrics(ctx context.Context, from, to time.Time) (MetricsReport, error) {
	now := s.now()
	if to.IsZero() {
		to = now
	}
	if from.IsZero() {
		from = to.Add(-30 * 24 * time.Hour)
	}
	if !from.Before(to) {
		return MetricsReport{}, errs.Validation(errs.Field("from", "must be before to"))
	}
	if to.Sub(from) > 366*24*time.Hour {
		return MetricsReport{}, errs.Validation(errs.Field("from", "the range must be at most 366 days"))
	}
	m, err := s.events.Metrics(ctx, from, to)
	if err != nil {
		return MetricsReport{}, err
	}
	byDate := map[calendar.Date]ports.TimelineDay{}
	for _, d := range m.Timeline {
		byDate[d.Date] = d
	}
	m.Timeline = nil
	last := calendar.DateOf(to.Add(-time.Nanosecond), time.UTC)
	for d := calendar.DateOf(from, time.UTC); !d.After(last); d = d.AddDays(1) {
		td, ok := byDate[d]
		if !ok {
			td = ports.TimelineDay{Date: d}
		}
		m.Timeline = append(m.Timeline, td)
	}
	return MetricsReport{From: from, To: to, Metrics: m}, nil
}

// StoreHealth is GET /analytics/health.
type StoreHealth struct {
	Status         health.Status
	Latency        time.Duration
	LastReceivedAt time.Time // zero when no event was ever received
}

// Health checks the event store with a deadline and reports the latest
// receipt. A store that does not answer is unavailable, not an error.
func (s *Service) Health(ctx context.Context, timeout time.Duration) StoreHealth {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	err := s.events.Ping(ctx)
	h := StoreHealth{Latency: time.Since(start)}
	if err != nil {
		h.Status = health.Unavailable
		return h
	}
	h.Status = health.FromLatency(h.Latency)
	if t, ok, err := s.events.LastReceivedAt(ctx); err == nil && ok {
		h.LastReceivedAt = t
	}
	return h
}
