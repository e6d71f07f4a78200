package analytics

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/ports"
)

// Limits of streak protection's calls (the OpenAPI document).
const (
	MaxGrant            = 10
	MaxRepairDates      = 31
	MaxCalendarDays     = 366
	DefaultCalendarDays = 30
)

// WithStreaks gives the service streak protection: the store of grants and
// repairs, the users (an admin call on an unknown user is NotFound) and the
// most freezes a learner holds (LINGO_STREAK_FREEZE_MAX).
func WithStreaks(store ports.StreakStore, users ports.UserRepository, freezeMax int) Option {
	return func(s *Service) {
		s.streaks, s.users, s.freezeMax = store, users, max(0, freezeMax)
	}
}

// FreezeInventory is the answer to a grant.
type FreezeInventory struct{ Equipped, Max int }

// CalendarDay is one date of the activity calendar.
type CalendarDay struct {
	Date             calendar.Date
	Status           progress.Status
	XP               int
	LessonsCompleted int
	GoalMet          bool
}

func (s *Service) learner(ctx context.Context, userID string) error {
	if s.streaks == nil || s.users == nil {
		return errs.Wrap(errs.Internal, "", fmt.Errorf("streak protection is not wired"))
	}
	_, err := s.users.ByID(ctx, userID)
	return err
}

// GrantFreezes gives the learner count freezes (1..10), dated by the
// learner's local date now; what goes over the cap is lost. The answer is
// what the learner holds afterwards.
func (s *Service) GrantFreezes(ctx context.Context, userID string, count int) (FreezeInventory, error) {
	if count < 1 || count > MaxGrant {
		return FreezeInventory{}, errs.Validation(errs.Field("count", "must be an integer from 1 to 10"))
	}
	if err := s.learner(ctx, userID); err != nil {
		return FreezeInventory{}, err
	}
	zone, _, err := s.settings.Settings(ctx, userID)
	if err != nil {
		return FreezeInventory{}, err
	}
	now := s.now()
	today := zone.Today(now)
	var out FreezeInventory
	err = s.streaks.Update(ctx, userID, func(tx ports.StreakTx) error {
		if err := tx.AddGrant(progress.Grant{Date: today, Count: count}, now); err != nil {
			return err
		}
		set, err := s.resettle(tx, today, now)
		out = FreezeInventory{Equipped: set.Equipped, Max: s.freezeMax}
		return err
	})
	s.bump(ctx, userID)
	return out, err
}

// resettle settles the learner's whole streak again inside tx and keeps it.
// With applyTx (Outcome.StreakSave), it is where settlements are stored:
// StreakSave.FreezesUsed, the dates newly frozen, is what a streak.freeze_used
// message would report, enqueued in this same transaction.
func (s *Service) resettle(tx ports.StreakTx, today calendar.Date, now time.Time) (progress.Settlement, error) {
	streak, err := tx.Streak()
	if err != nil {
		return progress.Settlement{}, err
	}
	sv, set := streak.WithFreezeMax(s.freezeMax).Save(today)
	return set, tx.Save(sv, now)
}

// RepairStreak makes each missed date among dates repaired and leaves the
// others as they are; it answers the calendar of those dates, oldest first.
// dates holds 1 to 31 dates, none after the learner's today.
func (s *Service) RepairStreak(ctx context.Context, userID string, dates []calendar.Date) ([]CalendarDay, error) {
	if len(dates) < 1 || len(dates) > MaxRepairDates {
		return nil, errs.Validation(errs.Field("dates", "must hold 1 to 31 dates"))
	}
	if err := s.learner(ctx, userID); err != nil {
		return nil, err
	}
	zone, _, err := s.settings.Settings(ctx, userID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	today := zone.Today(now)
	var fields []errs.FieldError
	for i, d := range dates {
		if d.After(today) {
			fields = append(fields, errs.FieldCode(fmt.Sprintf("dates[%d]", i), "date_in_future", "must not be after the learner's today"))
		}
	}
	if err := errs.Validation(fields...); err != nil {
		return nil, err
	}
	want := slices.Clone(dates)
	slices.SortFunc(want, calendar.Date.Compare)
	want = slices.Compact(want)
	err = s.streaks.Update(ctx, userID, func(tx ports.StreakTx) error {
		streak, err := tx.Streak()
		if err != nil {
			return err
		}
		before := streak.WithFreezeMax(s.freezeMax).Settle(today)
		var missed []calendar.Date
		for _, d := range before.Days {
			if d.Status == progress.StatusMissed && slices.Contains(want, d.Date) {
				missed = append(missed, d.Date)
			}
		}
		if len(missed) == 0 {
			return nil
		}
		if err := tx.AddRepairs(missed, now); err != nil {
			return err
		}
		_, err = s.resettle(tx, today, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.bump(ctx, userID)
	days, err := s.calendar(ctx, userID, today, want[0], want[len(want)-1])
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(days, func(d CalendarDay) bool { return !slices.Contains(want, d.Date) }), nil
}

// Calendar is the learner's days in [from, to], oldest first. A zero to is
// today, a zero from the 30 days ending at to; to may not be after today
// and the range holds at most 366 days.
func (s *Service) Calendar(ctx context.Context, userID string, from, to calendar.Date) ([]CalendarDay, error) {
	zone, _, err := s.settings.Settings(ctx, userID)
	if err != nil {
		return nil, err
	}
	today := zone.Today(s.now())
	if to.IsZero() {
		to = today
	}
	if from.IsZero() {
		from = to.AddDays(1 - DefaultCalendarDays)
	}
	var fields []errs.FieldError
	if to.After(today) {
		fields = append(fields, errs.Field("to", "must not be after today ("+today.String()+")"))
	}
	switch {
	case from.After(to):
		fields = append(fields, errs.Field("from", "must not be after to"))
	case from.DaysUntil(to)+1 > MaxCalendarDays:
		fields = append(fields, errs.Field("from", "the range must hold at most 366 days"))
	}
	if err := errs.Validation(fields...); err != nil {
		return nil, err
	}
	return s.calendar(ctx, userID, today, from, to)
}

// calendar reads the days of [from, to] from aggregates: the day records,
// the stored frozen and repaired dates, and the streak resumed from its
// stored settlement, which settles in memory only the dates since.
func (s *Service) calendar(ctx context.Context, userID string, today, from, to calendar.Date) ([]CalendarDay, error) {
	snap, err := s.progress.Snapshot(ctx, userID, today)
	if err != nil {
		return nil, err
	}
	streak := snap.Streak.WithFreezeMax(s.freezeMax)
	set := streak.Settle(today)
	walked := map[calendar.Date]progress.Status{}
	for _, d := range set.Days {
		walked[d.Date] = d.Status
	}
	var stored []progress.SettledDay
	if s.streaks != nil {
		if stored, err = s.streaks.Marks(ctx, userID, from, to); err != nil {
			return nil, err
		}
	}
	for _, m := range stored {
		if _, ok := walked[m.Date]; !ok {
			walked[m.Date] = m.Status
		}
	}
	records, err := s.progress.Days(ctx, userID, from, to)
	if err != nil {
		return nil, err
	}
	byDate := map[calendar.Date]progress.Day{}
	for _, d := range records {
		byDate[d.Date()] = d
	}
	first := streak.FirstActive()
	out := make([]CalendarDay, 0, from.DaysUntil(to)+1)
	for d := from; !d.After(to); d = d.AddDays(1) {
		rec, ok := byDate[d]
		if !ok {
			rec = progress.NewDay(d)
		}
		day := CalendarDay{Date: d, XP: rec.XP(), LessonsCompleted: rec.LessonsCompleted(), GoalMet: rec.GoalMet()}
		switch st, settled := walked[d]; {
		case rec.Active():
			day.Status = progress.StatusActive
		case d == today:
			day.Status = progress.StatusPending
		case first.IsZero() || d.Before(first):
			day.Status = progress.StatusNone
		case settled:
			day.Status = st
		default:
			day.Status = progress.StatusMissed
		}
		out = append(out, day)
	}
	return out, nil
}
