package memory

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// lifecycleData is what the account lifecycle keeps beside the other maps.
type lifecycleData struct {
	exports  map[string]ports.Export
	leases   map[string]lease
	erased   map[string]time.Time
	cleanups map[string]cleanupEntry
}

type lease struct {
	holder string
	until  time.Time
}

type cleanupEntry struct {
	c  ports.ErasureCleanup
	at time.Time
}

func newLifecycleData() lifecycleData {
	return lifecycleData{exports: map[string]ports.Export{}, leases: map[string]lease{}, erased: map[string]time.Time{}, cleanups: map[string]cleanupEntry{}}
}

// Lifecycle is the erasure and export store in memory.
type Lifecycle struct{ s *Store }

// NewLifecycle gives the store as the lifecycle store.
func NewLifecycle(s *Store) Lifecycle { return Lifecycle{s} }

func (l Lifecycle) DueForErasure(_ context.Context, now time.Time, limit int) ([]string, error) {
	l.s.mu.RLock()
	type due struct {
		id string
		at time.Time
	}
	var all []due
	for id, u := range l.s.users {
		if at, ok := u.PendingDeletion(); ok && !at.After(now) {
			all = append(all, due{id, at})
		}
	}
	l.s.mu.RUnlock()
	slices.SortFunc(all, func(a, b due) int { return cmp.Or(a.at.Compare(b.at), strings.Compare(a.id, b.id)) })
	out := []string{}
	for _, d := range all[:min(len(all), max(limit, 1))] {
		out = append(out, d.id)
	}
	return out, nil
}

// Erase removes the learner from every map of the store: this function is
// the memory store's list of where a learner's data lives (the SQL store's
// is sqlstore.ErasureTables). It holds the user's and the learner's locks,
// so no event or profile change of the learner runs across it.
func (l Lifecycle) Erase(ctx context.Context, userID string, now time.Time, dueOnly bool, msgs []webhook.Message) (ports.Erased, error) {
	var out ports.Erased
	unlockUser, err := l.s.rows.lock(ctx, "user:"+userID)
	if err != nil {
		return out, err
	}
	defer unlockUser()
	unlockLearner, err := l.s.rows.lock(ctx, "learner:"+userID)
	if err != nil {
		return out, err
	}
	defer unlockLearner()
	// The user.deleted deliveries are made before anything is removed and
	// stored after the cancellation below, as the SQL transaction orders it.
	ds, err := l.s.prepare(msgs)
	if err != nil {
		return out, err
	}
	s := l.s
	s.mu.Lock()
	u, ok := s.users[userID]
	if at, pending := u.PendingDeletion(); !ok || dueOnly && (!pending || at.After(now)) {
		s.mu.Unlock()
		return out, notFound("No user is due for erasure.")
	}
	out.AvatarKey = u.AvatarKey()
	delete(s.users, userID)
	for h, t := range s.tokens {
		if t.UserID() == userID {
			delete(s.tokens, h)
		}
	}
	delete(s.prefs, userID)
	s.leagues.forget(userID)
	if lr := s.learners[userID]; lr != nil {
		out.Events = len(lr.events)
		out.Days = len(lr.days)
		out.Achievements = len(lr.unlocks)
		delete(s.learners, userID)
	}
	s.log = slices.DeleteFunc(s.log, func(r eventRef) bool { return r.userID == userID })
	for k := range s.reminders {
		if k.user == userID {
			delete(s.reminders, k)
		}
	}
	for k := range s.sent {
		if k.user == userID {
			delete(s.sent, k)
		}
	}
	var files []string
	for id, e := range s.life.exports {
		if e.UserID == userID {
			out.Exports++
			if e.FileKey != "" {
				files = append(files, e.FileKey)
			}
			delete(s.life.exports, id)
			delete(s.life.leases, id)
		}
	}
	for id, d := range s.deliveries {
		if d.UserID == userID && d.Status == webhook.Pending {
			d.Status, d.LastError, d.NextAttemptAt = webhook.Exhausted, "cancelled: the account was erased", time.Time{}
			s.deliveries[id] = d
		}
	}
	if _, done := s.life.erased[userID]; !done {
		s.life.erased[userID] = now
	}
	out.FileKeys = files
	s.life.cleanups[userID] = cleanupEntry{c: ports.ErasureCleanup{UserID: userID, AvatarKey: out.AvatarKey, FileKeys: files}, at: now}
	s.mu.Unlock()
	l.s.deliver(context.WithoutCancel(ctx), ds)
	return out, nil
}

func (l Lifecycle) Cleanups(_ context.Context, limit int) ([]ports.ErasureCleanup, error) {
	l.s.mu.RLock()
	all := make([]cleanupEntry, 0, len(l.s.life.cleanups))
	for _, c := range l.s.life.cleanups {
		all = append(all, c)
	}
	l.s.mu.RUnlock()
	slices.SortFunc(all, func(a, b cleanupEntry) int {
		return cmp.Or(a.at.Compare(b.at), strings.Compare(a.c.UserID, b.c.UserID))
	})
	out := []ports.ErasureCleanup{}
	for _, c := range all[:min(len(all), max(limit, 1))] {
		out = append(out, c.c)
	}
	return out, nil
}

func (l Lifecycle) CleanupDone(_ context.Context, userID string) error {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	delete(l.s.life.cleanups, userID)
	return nil
}

func (l Lifecycle) WasErased(_ context.Context, userID string) (bool, time.Time, error) {
	l.s.mu.RLock()
	defer l.s.mu.RUnlock()
	at, ok := l.s.life.erased[strings.ToLower(userID)]
	return ok, at, nil
}

func (l Lifecycle) CreateExport(ctx context.Context, e ports.Export) error {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	for _, x := range l.s.life.exports {
		if x.UserID == e.UserID && x.Status == ports.ExportPending {
			return errs.E(errs.Conflict, errs.CodeExportInProgress, "An export is already being prepared.")
		}
	}
	e.Status = ports.ExportPending
	l.s.life.exports[e.ID] = e
	onRollback(ctx, func() { delete(l.s.life.exports, e.ID) })
	return nil
}

func (l Lifecycle) Export(_ context.Context, userID, id string) (ports.Export, error) {
	l.s.mu.RLock()
	defer l.s.mu.RUnlock()
	e, ok := l.s.life.exports[strings.ToLower(id)]
	if !ok || e.UserID != userID {
		return ports.Export{}, notFound("No such export.")
	}
	return e, nil
}

func (l Lifecycle) ExportByToken(_ context.Context, token string) (ports.Export, error) {
	l.s.mu.RLock()
	defer l.s.mu.RUnlock()
	for _, e := range l.s.life.exports {
		if token != "" && e.Status == ports.ExportReady && e.DownloadToken == token {
			return e, nil
		}
	}
	return ports.Export{}, notFound("No such export.")
}

func (l Lifecycle) exports(keep func(ports.Export) bool, order func(ports.Export) time.Time, limit int) []ports.Export {
	l.s.mu.RLock()
	var all []ports.Export
	for _, e := range l.s.life.exports {
		if keep(e) {
			all = append(all, e)
		}
	}
	l.s.mu.RUnlock()
	slices.SortFunc(all, func(a, b ports.Export) int { return cmp.Or(order(a).Compare(order(b)), strings.Compare(a.ID, b.ID)) })
	return all[:min(len(all), max(limit, 1))]
}

func (l Lifecycle) PendingExports(_ context.Context, limit int) ([]ports.Export, error) {
	return l.exports(func(e ports.Export) bool { return e.Status == ports.ExportPending },
		func(e ports.Export) time.Time { return e.CreatedAt }, limit), nil
}

func (l Lifecycle) ExpiredExports(_ context.Context, now time.Time, limit int) ([]ports.Export, error) {
	return l.exports(func(e ports.Export) bool { return !e.ExpiresAt.IsZero() && !e.ExpiresAt.After(now) },
		func(e ports.Export) time.Time { return e.ExpiresAt }, limit), nil
}

func (l Lifecycle) ClaimExport(_ context.Context, id, holder string, now, until time.Time) (bool, error) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	e, ok := l.s.life.exports[id]
	if !ok || e.Status != ports.ExportPending {
		return false, nil
	}
	if cur, held := l.s.life.leases[id]; held && cur.holder != holder && !cur.until.Before(now) {
		return false, nil
	}
	l.s.life.leases[id] = lease{holder: holder, until: until}
	return true, nil
}

func (l Lifecycle) FinishExport(ctx context.Context, e ports.Export, msgs []webhook.Message) (bool, error) {
	ds, err := l.s.prepare(msgs)
	if err != nil {
		return false, err
	}
	l.s.mu.Lock()
	cur, ok := l.s.life.exports[e.ID]
	if !ok || cur.Status != ports.ExportPending {
		l.s.mu.Unlock()
		return false, nil
	}
	e.UserID, e.CreatedAt = cur.UserID, cur.CreatedAt
	l.s.life.exports[e.ID] = e
	delete(l.s.life.leases, e.ID)
	l.s.mu.Unlock()
	l.s.deliver(ctx, ds)
	return true, nil
}

func (l Lifecycle) DeleteExport(_ context.Context, id string) error {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	delete(l.s.life.exports, strings.ToLower(id))
	delete(l.s.life.leases, strings.ToLower(id))
	return nil
}

// EventsOldestFirst copies the learner's events in (occurred_at, id) order
// and hands them out; memory holds them all anyway.
func (l Lifecycle) EventsOldestFirst(ctx context.Context, userID string, _ int, fn func(ports.ExportedEvent) error) error {
	l.s.mu.RLock()
	var evs []learning.Event
	if lr := l.s.learners[userID]; lr != nil {
		for _, e := range lr.events {
			evs = append(evs, e.Event)
		}
	}
	l.s.mu.RUnlock()
	slices.SortFunc(evs, func(a, b learning.Event) int {
		return cmp.Or(a.OccurredAt().Compare(b.OccurredAt()), strings.Compare(a.ID(), b.ID()))
	})
	for _, e := range evs {
		if err := ctx.Err(); err != nil {
			return errs.Wrap(errs.Unavailable, errs.CodeDatabaseUnavailable, err)
		}
		if err := fn(ports.ExportedEvent{Event: e}); err != nil {
			return err
		}
	}
	return nil
}
