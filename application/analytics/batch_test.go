package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/adapters/memory"
	"github.com/lingo-labs/lingo/application/analytics"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/ports"
)

func TestRecordBatchSettlesEachItem(t *testing.T) {
	w := newWorld(t)
	before := submission(practice(50), "before")
	w.mustRecord(before)
	conflicting := before
	conflicting.BodyHash = "another body"

	early, late := practice(100), lessonDone(w.lessons[0].ID(), 100)
	early.OccurredAt, late.OccurredAt = ptr(now.Add(-2*time.Minute)), ptr(now.Add(-time.Minute))
	lateSub, earlySub := submission(late, "late"), submission(early, "early")
	repeated := earlySub
	items := []analytics.BatchItem{
		{Submission: lateSub},     // 0 created (applied second: occurred later)
		{Submission: earlySub},    // 1 created
		{Submission: repeated},    // 2 the same event_id again in the batch
		{Submission: before},      // 3 stored before, same body: a duplicate
		{Submission: conflicting}, // 4 the event_id of item 3 again, with another body
		{Submission: submission(lessonDone(uuid.NewString(), 80), "x")},   // 5 not in the catalog
		{Err: errs.Validation(errs.Field("score", "must be an integer"))}, // 6 unreadable
	}
	r, err := w.svc.RecordBatch(context.Background(), w.user, items, nil)
	require.NoError(t, err)

	status := func(i int) analytics.ItemStatus { return r.Results[i].Status }
	assert.Equal(t, analytics.ItemCreated, status(0))
	assert.Equal(t, analytics.ItemCreated, status(1))
	assert.Equal(t, analytics.ItemRejected, status(2))
	assert.Equal(t, errs.CodeDuplicateInBatch, fieldCode(r.Results[2].Err))
	assert.Equal(t, analytics.ItemDuplicate, status(3))
	assert.Equal(t, analytics.ItemRejected, status(4))
	assert.Equal(t, errs.CodeDuplicateInBatch, fieldCode(r.Results[4].Err), "an event_id seen earlier in the batch")
	assert.Equal(t, analytics.ItemRejected, status(5))
	assert.Equal(t, errs.CodeNotInCatalog, fieldCode(r.Results[5].Err))
	assert.Equal(t, analytics.ItemRejected, status(6))
	assert.Equal(t, "", r.Results[6].EventID, "an item sent without an event_id")
	for i, res := range r.Results {
		assert.Equal(t, i, res.Index)
	}
	assert.Equal(t, analytics.BatchSummary{Received: 7, Created: 2, Duplicates: 1, Rejected: 4}, r.Summary)

	// Effects add up the created items and end at the learner's state after.
	assert.Equal(t, 15+15, r.Effects.XPAwarded)
	assert.Equal(t, 10+30, r.Effects.TotalXP)
	assert.Equal(t, w.snapshot().TotalXP, r.Effects.TotalXP)
	assert.ElementsMatch(t, []string{"first_lesson", "perfect_lesson"}, r.Effects.AchievementsUnlocked)
	assert.Equal(t, 20, r.Effects.DailyGoal.GoalXP)
	assert.True(t, r.Effects.DailyGoal.Met)
	assert.Equal(t, 1, r.Effects.Streak.Current)
}

func TestRecordBatchConflictOfAStoredEvent(t *testing.T) {
	w := newWorld(t)
	sub := submission(practice(50), "a")
	w.mustRecord(sub)
	sub.BodyHash = "b"
	r, err := w.svc.RecordBatch(context.Background(), w.user, []analytics.BatchItem{{Submission: sub}}, nil)
	require.NoError(t, err)
	assert.Equal(t, analytics.ItemRejected, r.Results[0].Status)
	assert.Equal(t, errs.CodeEventIDConflict, errs.CodeOf(r.Results[0].Err))
	assert.Equal(t, 10, r.Effects.TotalXP, "the state, read once when nothing was applied")
}

func TestRecordBatchAnswersARetryAsAReplayWhateverTheRulesSayNow(t *testing.T) {
	w := newWorld(t)
	in := practice(50)
	in.OccurredAt = ptr(now)
	retry := submission(in, "a")
	first := w.mustRecord(retry)
	// The clock moves back: the stored event's occurred_at is now in the
	// future, which validation refuses.
	w.clock.Set(now.Add(-2 * time.Hour))
	other := practice(50)
	other.OccurredAt = ptr(now.Add(-3 * time.Hour))
	for name, items := range map[string][]analytics.BatchItem{
		"beside a new event (looked up in its transaction)": {{Submission: retry}, {Submission: submission(other, "b")}},
		"alone (looked up with no transaction)":             {{Submission: retry}},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := w.svc.RecordBatch(context.Background(), w.user, items, nil)
			require.NoError(t, err)
			require.Equal(t, analytics.ItemDuplicate, r.Results[0].Status, "%v", r.Results[0].Err)
			assert.Equal(t, first.Event.ID(), r.Results[0].Event.ID())
			assert.Equal(t, len(items)-1, r.Summary.Created)
		})
	}
}

// flakyProgress fails every multi-item write (the batch's one transaction)
// and every write of the event_ids in fail, as a store failing now and then
// would.
type flakyProgress struct {
	ports.ProgressStore
	fail map[string]bool
}

func (p flakyProgress) Update(ctx context.Context, userID string, fn func(ports.LearnerTx) error) error {
	return p.ProgressStore.Update(ctx, userID, func(tx ports.LearnerTx) error { return fn(flakyTx{tx, p.fail}) })
}

type flakyTx struct {
	ports.LearnerTx
	fail map[string]bool
}

var storeDown = errs.E(errs.Unavailable, errs.CodeDatabaseUnavailable, "the database does not answer")

func (t flakyTx) AppendAll([]ports.Append) error { return storeDown }

func (t flakyTx) Append(a ports.Append) error {
	if t.fail[a.Event.Event.EventID()] {
		return storeDown
	}
	return t.LearnerTx.Append(a)
}

func TestRecordBatchFallsBackToOneTransactionPerItem(t *testing.T) {
	w := newWorld(t)
	ok1, bad, ok2 := submission(practice(50), "1"), submission(practice(50), "2"), submission(lessonDone(w.lessons[0].ID(), 50), "3")
	w.progress = flakyProgress{ProgressStore: w.progress, fail: map[string]bool{*bad.Input.EventID: true}}
	w.build()
	r, err := w.svc.RecordBatch(context.Background(), w.user, []analytics.BatchItem{{Submission: ok1}, {Submission: bad}, {Submission: ok2}}, nil)
	require.NoError(t, err)
	assert.Equal(t, analytics.ItemCreated, r.Results[0].Status)
	assert.Equal(t, analytics.ItemRejected, r.Results[1].Status)
	assert.Equal(t, errs.CodeStoreFailed, errs.CodeOf(r.Results[1].Err))
	assert.Equal(t, errs.Unavailable, errs.KindOf(r.Results[1].Err))
	assert.Equal(t, analytics.ItemCreated, r.Results[2].Status)
	assert.Equal(t, analytics.BatchSummary{Received: 3, Created: 2, Rejected: 1}, r.Summary)
	assert.Equal(t, 20, r.Effects.XPAwarded)
	assert.Equal(t, 20, r.Effects.TotalXP, "the state after, read from the store")
	assert.Equal(t, []string{"first_lesson"}, r.Effects.AchievementsUnlocked)
	assert.Equal(t, 20, w.snapshot().TotalXP)
}

func TestRecordBatchOfNothingToApply(t *testing.T) {
	w := newWorld(t)
	r, err := w.svc.RecordBatch(context.Background(), w.user, []analytics.BatchItem{{Err: errs.Validation(errs.Field("event_type", "is required"))}}, nil)
	require.NoError(t, err)
	assert.Equal(t, analytics.BatchSummary{Received: 1, Rejected: 1}, r.Summary)
	assert.Equal(t, []string{}, r.Effects.AchievementsUnlocked)
}

func fieldCode(err error) string {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 {
		return ""
	}
	return e.Fields[0].Code
}

func TestRecordBatchCompletesACourseOnce(t *testing.T) {
	w := newWorld(t)
	at := func(in learning.EventInput, m int) learning.EventInput {
		in.OccurredAt = ptr(now.Add(time.Duration(m-10) * time.Minute))
		return in
	}
	items := []analytics.BatchItem{
		{Submission: submission(at(lessonDone(w.lessons[0].ID(), 50), 1), "1")},
		{Submission: submission(at(lessonDone(w.lessons[1].ID(), 50), 2), "2")},
		{Submission: submission(at(courseDone(w.course.ID()), 3), "3")},
		{Submission: submission(at(courseDone(w.course.ID()), 4), "4")},
	}
	r, err := w.svc.RecordBatch(context.Background(), w.user, items, nil)
	require.NoError(t, err)
	assert.Equal(t, analytics.BatchSummary{Received: 4, Created: 3, Duplicates: 1}, r.Summary)
	assert.Equal(t, analytics.ItemDuplicate, r.Results[3].Status, "the course was completed by item 2")
	assert.Equal(t, r.Results[2].Event.ID(), r.Results[3].Event.ID())
	assert.Equal(t, 10+20+50, r.Effects.XPAwarded)
	assert.Contains(t, r.Effects.AchievementsUnlocked, "course_complete")
	assert.Equal(t, 1, w.snapshot().CoursesCompleted)
}

// countingCache counts bumps and fails them when told to.
type countingCache struct {
	ports.Cache
	bumps int
	fail  error
}

func (c *countingCache) Bump(ctx context.Context, ns string) error {
	c.bumps++
	if c.fail != nil {
		return c.fail
	}
	return c.Cache.Bump(ctx, ns)
}

func TestWritesBumpTheLearnersCachedReads(t *testing.T) {
	w := newWorld(t)
	cache := &countingCache{Cache: memory.NewCache(w.clock, memory.CacheOptions{})}
	var failed []string
	w.build(analytics.WithCache(cache, func(ns string, err error) { failed = append(failed, ns) }))
	ctx := context.Background()

	p, err := w.svc.Progress(ctx, w.user, false)
	require.NoError(t, err)
	assert.Zero(t, p.TotalXP)
	sub := submission(practice(50), "a")
	w.mustRecord(sub)
	p, err = w.svc.Progress(ctx, w.user, false)
	require.NoError(t, err)
	assert.Equal(t, 10, p.TotalXP, "the write made the cached summary stale")
	assert.Equal(t, 1, cache.bumps)

	w.mustRecord(sub)
	assert.Equal(t, 1, cache.bumps, "a replay stores nothing and bumps nothing")

	cache.fail = storeDown
	_, err = w.svc.RecordBatch(ctx, w.user, []analytics.BatchItem{{Submission: submission(practice(50), "b")}}, nil)
	require.NoError(t, err, "a failed bump does not fail the committed write")
	assert.Equal(t, []string{analytics.Namespace(w.user)}, failed)
}

// A batch is validated with the settings cached by an earlier event; its
// transaction finds the stored ones moved and takes the batch again with
// them, as Record does (TestRecordTakesTheSettingsStoredUnderTheLock).
func TestRecordBatchTakesTheSettingsStoredUnderTheLock(t *testing.T) {
	w := newWorld(t)
	w.moveSettingsBehindTheCache(t)

	r, err := w.svc.RecordBatch(context.Background(), w.user, []analytics.BatchItem{{Submission: submission(practice(100), "b")}}, nil)
	require.NoError(t, err)
	require.Equal(t, analytics.ItemCreated, r.Results[0].Status)
	assert.Equal(t, "2026-11-27", r.Results[0].Event.LocalDate().String(), "the local date of the zone stored now")
	assert.Equal(t, 50, r.Effects.DailyGoal.GoalXP, "the goal stored now")
}
