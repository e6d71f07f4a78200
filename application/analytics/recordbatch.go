package analytics

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// BatchItem is one entry of a batch: a submission, or the problem that kept
// it from being read (a wrong type or an unknown field).
type BatchItem struct {
	Submission
	Err error
}

// ItemStatus is a batch item's fate.
type ItemStatus string

const (
	ItemCreated   ItemStatus = "created"
	ItemDuplicate ItemStatus = "duplicate"
	ItemRejected  ItemStatus = "rejected"
)

// ItemResult is results[i].
type ItemResult struct {
	Index   int
	EventID string // "" for a rejected item sent without one
	Status  ItemStatus
	Event   *learning.Event
	Err     error
}

// BatchSummary is the batch's counts.
type BatchSummary struct{ Received, Created, Duplicates, Rejected int }

// BatchResult is the batch's answer.
type BatchResult struct {
	Results []ItemResult
	Summary BatchSummary
	Effects Effects
}

// RecordBatch takes in up to 100 events: valid items are stored even when
// others are rejected, in occurred_at order, each wholly or not at all. All
// items go in one transaction (applyBatch); when that fails to store, each
// item is retried in its own transaction.
//
// token, when set, is the version of the access token the request came
// with, taken on trust by its route: as Record does for Submission.Token,
// RecordBatch confirms it before any answer, in the batch's transaction
// when there is one, else with a read of the user, and answers
// Unauthorized, storing nothing, when it no longer speaks for the learner.
func (s *Service) RecordBatch(ctx context.Context, userID string, items []BatchItem, token *int) (BatchResult, error) {
	if len(items) < 1 || len(items) > MaxBatch {
		return BatchResult{}, errs.Validation(errs.Field("events", "must hold 1 to 100 events"))
	}
	chk := &checks{token: token}
	res, err := s.recordBatch(ctx, userID, items, chk)
	if token != nil && !chk.tokenConfirmed {
		// No transaction confirmed the token (no item passed validation,
		// or a failure).
		if terr := s.confirmTokenByRead(ctx, userID, *token); terr != nil {
			return BatchResult{}, terr
		}
	}
	return res, err
}

// recordBatch validates the batch with the learner's settings as cached
// and takes it again with the stored ones when the transaction finds they
// moved (as Record does).
func (s *Service) recordBatch(ctx context.Context, userID string, items []BatchItem, chk *checks) (BatchResult, error) {
	set, err := s.eventSettings(ctx, userID)
	if err != nil {
		return BatchResult{}, err
	}
	for attempt := 0; ; attempt++ {
		res, err := s.recordBatchWith(ctx, userID, items, set, chk)
		var moved *settingsMoved
		if !errors.As(err, &moved) {
			return res, err
		}
		// Rolled back: the settings changed since they were cached.
		set = moved.now
		s.settingsCache.put(userID, set)
		if attempt >= 2 {
			return BatchResult{}, errs.E(errs.Unavailable, errs.CodeServiceUnavailable,
				"The learner's settings kept changing during the request. Please try again.")
		}
	}
}

// candidate is a batch item that was read and does not repeat an earlier
// item's event_id: a new event, or a retry of a stored one.
type candidate struct {
	i    int
	id   string // the event_id as answered, "" without one
	ev   learning.Event
	subj subject
	// err is validation's refusal, the item's answer unless its event_id
	// turns out to be stored (a retry is a replay even when the rules
	// moved since its first request).
	err error
}

// recordBatchWith is one attempt of recordBatch with the settings set.
//
// Every item is validated before the retry lookup, so that the lookup can
// ride in the batch's transaction with the first read of the learner's
// state (ports.EventsStateReader): one round trip fewer than a lookup of
// its own, and exact, since an event of the learner's is stored only under
// the lock the transaction holds. A batch with no valid item has no
// transaction; its lookup runs alone.
func (s *Service) recordBatchWith(ctx context.Context, userID string, items []BatchItem, set learnerSettings, chk *checks) (BatchResult, error) {
	zone, goal := set.zone, set.goal
	received := s.now()
	today := zone.Today(received)
	out := BatchResult{Results: make([]ItemResult, len(items)), Summary: BatchSummary{Received: len(items)}}
	cands, ids := s.readCandidates(ctx, userID, items, out.Results, received, zone)
	valid := slices.ContainsFunc(cands, func(c candidate) bool { return c.err == nil })
	var (
		stored   map[string]ports.StoredEvent
		todo     []pending
		outcomes []itemOutcome
		after    *progress.Summary
		err      error
	)
	if valid {
		// Every way out from here, a cancelled batch's included, may follow
		// commits; the deferred bump runs before the caller answers.
		defer s.bump(ctx, userID)
		chk.settings = &set
		stored, todo, outcomes, after, err = s.applyBatch(ctx, userID, cands, ids, items, goal, today, received, chk)
	}
	var moved *settingsMoved
	switch {
	case valid && err == nil:
	case ctx.Err() != nil:
		return BatchResult{}, ctx.Err()
	case errors.As(err, &moved) || errs.Is(err, errs.Unauthorized):
		return BatchResult{}, err
	default:
		// No transaction, or one that failed to store: the lookup runs
		// alone, and the items that are left are stored one transaction
		// each.
		if stored, err = s.events.FindMany(ctx, userID, ids); err != nil {
			return BatchResult{}, err
		}
		if todo, err = pendingOf(cands, stored); err != nil {
			return BatchResult{}, err
		}
		outcomes = make([]itemOutcome, len(todo))
		if len(todo) > 0 {
			if err := s.fallBack(ctx, userID, todo, items, set, today, received, chk, outcomes); err != nil {
				return BatchResult{}, err
			}
		}
	}
	s.settleAll(&out, items, cands, stored, todo, outcomes)
	// The batch's effects are the learner's state after it: known from the
	// one-transaction path, else read once.
	if after == nil {
		snap, err := s.progress.Snapshot(ctx, userID, today)
		if err != nil {
			return BatchResult{}, err
		}
		sum := progress.Summarize(snap.TotalXP, snap.Streak.WithFreezeMax(s.freezeMax), snap.Today, goal)
		after = &sum
	}
	sum := *after
	out.Effects.TotalXP, out.Effects.Level = sum.TotalXP, sum.Level.Level
	out.Effects.Streak.Current, out.Effects.Streak.Longest = sum.CurrentStreak, sum.LongestStreak
	out.Effects.Streak.FreezesEquipped = sum.Freezes.Equipped
	out.Effects.DailyGoal.GoalXP, out.Effects.DailyGoal.TodayXP, out.Effects.DailyGoal.Met = sum.DailyGoal.GoalXP, sum.DailyGoal.TodayXP, sum.DailyGoal.Met
	return out, nil
}

// settleAll answers every candidate (a replay, a refusal, or its outcome
// when it was left to store), counts the results and adds up the created
// items' effects; the effects of the learner's state after the batch are
// the caller's.
func (s *Service) settleAll(out *BatchResult, items []BatchItem, cands []candidate, stored map[string]ports.StoredEvent,
	todo []pending, outcomes []itemOutcome) {
	for _, c := range cands {
		r := &out.Results[c.i]
		if e, ok := stored[c.id]; ok {
			res, err := replay(e, items[c.i].BodyHash)
			s.settle(r, res, err)
		} else if c.err != nil {
			r.Status, r.Err = ItemRejected, c.err
		}
	}
	var unlocked []string
	for k, p := range todo {
		res, err := outcomes[k].res, outcomes[k].err
		r := &out.Results[p.i]
		s.settle(r, res, err)
		if r.Status == ItemCreated {
			e := res.Effects
			out.Effects.XPAwarded += e.XPAwarded
			out.Effects.LeveledUp = out.Effects.LeveledUp || e.LeveledUp
			out.Effects.Streak.Extended = out.Effects.Streak.Extended || e.Streak.Extended
			out.Effects.DailyGoal.JustMet = out.Effects.DailyGoal.JustMet || e.DailyGoal.JustMet
			for _, a := range e.AchievementsUnlocked {
				if !slices.Contains(unlocked, a) {
					unlocked = append(unlocked, a)
				}
			}
		}
	}
	for _, r := range out.Results {
		switch r.Status {
		case ItemCreated:
			out.Summary.Created++
		case ItemDuplicate:
			out.Summary.Duplicates++
		default:
			out.Summary.Rejected++
		}
	}
	out.Effects.AchievementsUnlocked = append([]string{}, unlocked...)
}

// readCandidates settles the items that cannot be stored (unreadable, or
// repeating an earlier item's event_id) in results, and validates the
// others: the candidates, in occurred_at order (a refused candidate's time
// is not used), and their event_ids that can be stored ones.
func (s *Service) readCandidates(ctx context.Context, userID string, items []BatchItem, results []ItemResult,
	received time.Time, zone calendar.Zone) (cands []candidate, ids []string) {
	seen := map[string]bool{}
	for i, it := range items {
		r := &results[i]
		r.Index = i
		if id := it.Input.EventID; id != nil {
			r.EventID = *id
			if learning.IsUUID(*id) {
				r.EventID = strings.ToLower(*id)
			}
		}
		if it.Err != nil {
			r.Status, r.Err = ItemRejected, it.Err
			continue
		}
		if r.EventID != "" {
			if seen[r.EventID] {
				r.Status = ItemRejected
				r.Err = errs.Validation(errs.FieldCode("event_id", errs.CodeDuplicateInBatch, "repeats the event_id of an earlier item of the batch"))
				continue
			}
			seen[r.EventID] = true
			if learning.IsUUID(r.EventID) {
				ids = append(ids, r.EventID)
			}
		}
		ev, subj, err := s.validate(ctx, userID, it.Submission, received, zone)
		cands = append(cands, candidate{i: i, id: r.EventID, ev: ev, subj: subj, err: err})
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].ev.OccurredAt().Before(cands[b].ev.OccurredAt()) })
	return cands, ids
}

// pendingOf is what is left to store once the lookup found stored: the
// candidates that passed validation and were not stored, in cands' order.
// A candidate not stored whose validation failed other than on its input
// (the catalog could not be read) fails the batch.
func pendingOf(cands []candidate, stored map[string]ports.StoredEvent) ([]pending, error) {
	var todo []pending
	for _, c := range cands {
		if _, ok := stored[c.id]; ok {
			continue
		}
		switch {
		case c.err == nil:
			todo = append(todo, pending{i: c.i, ev: c.ev, subj: c.subj})
		case !errs.Is(c.err, errs.Invalid):
			return nil, c.err
		}
	}
	return todo, nil
}

// fallBack stores the items of a batch whose one transaction failed to
// store, one transaction each, so that what can be stored is. The cached
// settings the items were validated with are confirmed by a read first
// (settingsMoved when they moved; nothing is stored yet); the items'
// transactions then confirm the token, not the settings again, which is
// what a batch read its settings with before the cache.
func (s *Service) fallBack(ctx context.Context, userID string, todo []pending, items []BatchItem, set learnerSettings,
	today calendar.Date, received time.Time, chk *checks, outcomes []itemOutcome) error {
	zone, goal, err := s.settings.Settings(ctx, userID)
	if err != nil {
		return err
	}
	if now := (learnerSettings{zone: zone, goal: goal}); !now.same(set) {
		return &settingsMoved{now: now}
	}
	each := &checks{token: chk.token}
	defer func() { chk.tokenConfirmed = chk.tokenConfirmed || each.tokenConfirmed }()
	for k, p := range todo {
		res, err := s.apply(ctx, userID, p.ev, p.subj, items[p.i].BodyHash, set, today, received, each)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errs.Is(err, errs.Unauthorized) {
			// The token was cut off during the batch: the items before
			// were stored while it spoke for the learner.
			return err
		}
		outcomes[k] = itemOutcome{res: res, err: err}
	}
	return nil
}

// settle records one item's outcome. A failure to store is the item's
// rejection, not the batch's: the items before it stay stored.
func (s *Service) settle(r *ItemResult, res Result, err error) {
	switch {
	case err != nil:
		r.Status, r.Err = ItemRejected, err
		if k := errs.KindOf(err); k == errs.Internal || k == errs.Unavailable {
			r.Err = errs.Wrap(k, errs.CodeStoreFailed, err)
		}
	case res.Replay || res.AlreadyCompleted:
		ev := res.Event
		r.Status, r.Event = ItemDuplicate, &ev
		if r.EventID == "" {
			r.EventID = ev.EventID()
		}
	default:
		ev := res.Event
		r.Status, r.Event, r.EventID = ItemCreated, &ev, ev.EventID()
	}
}
