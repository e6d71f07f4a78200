package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/ports"
)

// RunEvents holds a ports.EventStore to its contract, writing through the
// ProgressStore as the service does.
func RunEvents(t *testing.T, fresh func(t *testing.T) Learning) {
	ctx := context.Background()

	t.Run("an event reads back as stored, with its body hash and answer, for its learner only", func(t *testing.T) {
		s := fresh(t)
		ana, bob := StoredUser(t, s.Users, T0), StoredUser(t, s.Users, T0)
		sent := Send(t, s.Progress, ana.ID(), Practice(T0, 100))
		got, err := s.Events.Find(ctx, ana.ID(), sent.Event.Event.EventID())
		require.NoError(t, err)
		assert.Equal(t, sent.Event.Event.Record(), got.Event.Record())
		assert.Equal(t, sent.Event.BodyHash, got.BodyHash)
		assert.JSONEq(t, string(sent.Event.Answer), string(got.Answer))
		assert.Equal(t, 15, got.Event.XPAwarded())

		_, err = s.Events.Find(ctx, bob.ID(), sent.Event.Event.EventID())
		assert.True(t, errs.Is(err, errs.NotFound), "another learner's event: %v", err)
		_, err = s.Events.Find(ctx, ana.ID(), uuid.NewString())
		assert.True(t, errs.Is(err, errs.NotFound), "an unknown event_id: %v", err)

		other := Send(t, s.Progress, ana.ID(), Practice(T0.Add(time.Minute), 50))
		unknown := uuid.NewString()
		many, err := s.Events.FindMany(ctx, ana.ID(), []string{sent.Event.Event.EventID(), other.Event.Event.EventID(), unknown})
		require.NoError(t, err)
		assert.Len(t, many, 2)
		assert.Equal(t, other.Event.Event.Record(), many[other.Event.Event.EventID()].Event.Record())
		none, err := s.Events.FindMany(ctx, bob.ID(), []string{sent.Event.Event.EventID()})
		require.NoError(t, err)
		assert.Empty(t, none)
		empty, err := s.Events.FindMany(ctx, ana.ID(), nil)
		require.NoError(t, err)
		assert.Empty(t, empty)
	})

	t.Run("List is newest first, ties by id descending, and its cursor pages without gaps or repeats", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		// Three events share an instant, so the id must break the tie.
		at := []time.Time{T0, T0.Add(time.Second), T0.Add(time.Second), T0.Add(time.Second), T0.Add(time.Minute)}
		for _, a := range at {
			Send(t, s.Progress, u.ID(), Client("app_opened", a))
		}
		all, err := s.Events.List(ctx, ports.EventFilter{UserID: u.ID(), Limit: 100})
		require.NoError(t, err)
		require.Len(t, all, len(at))
		sorted := slices.IsSortedFunc(all, func(a, b learning.Event) int {
			if c := b.OccurredAt().Compare(a.OccurredAt()); c != 0 {
				return c
			}
			return strings.Compare(b.ID(), a.ID())
		})
		assert.True(t, sorted, "newest occurred_at first, ties by id descending")

		var walked []string
		var after *ports.EventCursor
		for range 10 {
			page, err := s.Events.List(ctx, ports.EventFilter{UserID: u.ID(), After: after, Limit: 2})
			require.NoError(t, err)
			for _, e := range page {
				walked = append(walked, e.ID())
			}
			if len(page) < 2 {
				break
			}
			last := page[len(page)-1]
			after = &ports.EventCursor{OccurredAt: last.OccurredAt(), ID: last.ID()}
		}
		var want []string
		for _, e := range all {
			want = append(want, e.ID())
		}
		assert.Equal(t, want, walked)
	})

	t.Run("List filters by type, course, lesson, session and [from, to)", func(t *testing.T) {
		s := fresh(t)
		u := StoredUser(t, s.Users, T0)
		c := NewCourse(t, "c", "C")
		require.NoError(t, s.Catalog.CreateCourse(ctx, c))
		l := AddLesson(t, s.Catalog, c.ID(), "l", 10)
		Send(t, s.Progress, u.ID(), Client("session_started", T0))
		Send(t, s.Progress, u.ID(), Practice(T0.Add(time.Minute), 50))
		done := Send(t, s.Progress, u.ID(), LessonDone(T0.Add(2*time.Minute), l.ID(), c.ID(), 10, 80))
		ids := func(f ports.EventFilter) []string {
			if f.UserID == "" {
				f.UserID = u.ID()
			}
			f.Limit = 100
			got, err := s.Events.List(ctx, f)
			require.NoError(t, err)
			var out []string
			for _, e := range got {
				out = append(out, e.Type().String())
			}
			return out
		}
		assert.Equal(t, []string{"practice_completed"}, ids(ports.EventFilter{Types: []learning.EventType{learning.PracticeCompleted}}))
		assert.Equal(t, []string{"lesson_completed"}, ids(ports.EventFilter{LessonID: l.ID()}))
		assert.Empty(t, ids(ports.EventFilter{CourseID: c.ID()}), "a lesson_completed carries no course_id")
		assert.Equal(t, []string{"session_started"}, ids(ports.EventFilter{SessionID: "s-1"}))
		assert.ElementsMatch(t, []string{"practice_completed", "streak_extended"},
			ids(ports.EventFilter{From: T0.Add(time.Minute), To: T0.Add(2 * time.Minute)}),
			"from is inclusive, to exclusive; server events carry their cause's occurred_at")
		assert.Contains(t, ids(ports.EventFilter{From: done.Event.Event.OccurredAt()}), "achievement_unlocked",
			"server events are listed beside the client's")
		other := StoredUser(t, s.Users, T0)
		assert.Empty(t, ids(ports.EventFilter{UserID: other.ID()}), "another learner's events")
	})

	t.Run("Metrics counts events in [from, to) and active learners in windows ending at to", func(t *testing.T) {
		s := fresh(t)
		ana, bob := StoredUser(t, s.Users, T0), StoredUser(t, s.Users, T0.Add(-48*time.Hour))
		c := NewCourse(t, "c", "C")
		require.NoError(t, s.Catalog.CreateCourse(ctx, c))
		l := AddLesson(t, s.Catalog, c.ID(), "l", 10)
		Send(t, s.Progress, ana.ID(), LessonDone(T0, l.ID(), c.ID(), 10, 80))                  // 10 XP, first_lesson
		Send(t, s.Progress, ana.ID(), Practice(T0.Add(time.Hour), 50))                         // 10 XP
		Send(t, s.Progress, bob.ID(), Practice(T0.Add(-36*time.Hour), 50))                     // a day and a half before
		Send(t, s.Progress, bob.ID(), LessonDone(T0.Add(2*time.Hour), l.ID(), c.ID(), 10, 40)) // 10 XP
		from, to := T0.Add(-24*time.Hour), T0.Add(24*time.Hour)
		m, err := s.Events.Metrics(ctx, from, to)
		require.NoError(t, err)
		assert.Equal(t, 2, m.UsersTotal)
		assert.Equal(t, 1, m.UsersNew)
		assert.Equal(t, 2, m.LessonsCompleted)
		assert.Equal(t, 1, m.ByType["practice_completed"])
		assert.Equal(t, 2, m.ByType["achievement_unlocked"], "server events count in by_type")
		assert.Equal(t, 30, m.XPAwarded)
		require.NotNil(t, m.AverageScore)
		assert.InDelta(t, 60, *m.AverageScore, 1e-9)
		assert.Equal(t, m.EventsTotal, sum(m.ByType))
		assert.Equal(t, 2, m.ActiveDaily)
		assert.Equal(t, 2, m.ActiveWeekly)
		require.Len(t, m.Timeline, 1)
		assert.Equal(t, calendar.DateOf(T0, time.UTC), m.Timeline[0].Date)
		assert.Equal(t, 2, m.Timeline[0].ActiveUsers)
		assert.Equal(t, m.EventsTotal, m.Timeline[0].Events)
		assert.Equal(t, 30, m.Timeline[0].XP)

		empty, err := s.Events.Metrics(ctx, T0.Add(-1000*time.Hour), T0.Add(-999*time.Hour))
		require.NoError(t, err)
		assert.Zero(t, empty.EventsTotal)
		assert.Nil(t, empty.AverageScore)
		assert.Empty(t, empty.Timeline)
	})

	t.Run("LastReceivedAt is the latest receipt, false before any; Ping answers", func(t *testing.T) {
		s := fresh(t)
		require.NoError(t, s.Events.Ping(ctx))
		_, ok, err := s.Events.LastReceivedAt(ctx)
		require.NoError(t, err)
		assert.False(t, ok)
		u := StoredUser(t, s.Users, T0)
		Send(t, s.Progress, u.ID(), Practice(T0.Add(time.Hour), 50))
		Send(t, s.Progress, u.ID(), Practice(T0, 50))
		last, ok, err := s.Events.LastReceivedAt(ctx)
		require.NoError(t, err)
		assert.True(t, ok)
		assert.True(t, last.Equal(T0.Add(time.Hour)), "got %v", last)
	})
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
