// Package reminders holds the reminder use cases: planning each learner's
// next reminder of each kind when they join or change their preferences, and
// sending the due ones from the periodic job.
package reminders

import (
	"context"
	"fmt"
	"time"

	"github.com/lingo-labs/lingo/domain/account"
	"github.com/lingo-labs/lingo/domain/calendar"
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/preferences"
	"github.com/lingo-labs/lingo/domain/reminder"
	"github.com/lingo-labs/lingo/domain/webhook"
	"github.com/lingo-labs/lingo/ports"
)

// batch is how many due rows one query takes.
const batch = 500

// Grace is how late a reminder may still be sent: a row found later (the
// job engine was down, or the row was just planned) is moved on unsent.
const Grace = time.Hour

// Deps are the ports the service uses.
type Deps struct {
	Store    ports.ReminderStore
	Prefs    ports.PreferencesRepository
	Progress ports.ProgressStore
	Outbox   ports.Outbox
	Clock    ports.Clock
	IDs      ports.IDGenerator
	// FreezeMax is the most streak freezes a learner holds (config); a
	// held freeze would save the day, so no streak alert is sent then.
	FreezeMax int
}

// Service runs the reminder use cases.
type Service struct{ d Deps }

var _ ports.ReminderRunner = (*Service)(nil)

// New returns the service.
func New(d Deps) *Service { return &Service{d: d} }

func settingsOf(p preferences.Preferences) reminder.Settings {
	rt := p.ReminderTime()
	return reminder.Settings{Zone: p.Zone(), ReminderTime: rt.Hour()*60 + rt.Minute(),
		DailyReminder: p.DailyReminder(), StreakAlerts: p.StreakAlerts(), WeeklySummary: p.WeeklySummary()}
}

// Joined plans a new learner's reminders from the default preferences, in
// the registration's transaction.
func (s *Service) Joined(ctx context.Context, u account.User) error {
	return s.plan(ctx, u.ID(), settingsOf(preferences.Default(u.CreatedAt())))
}

// Changed plans the learner's reminders again after their preferences changed.
func (s *Service) Changed(ctx context.Context, userID string, p preferences.Preferences) error {
	return s.plan(ctx, userID, settingsOf(p))
}

func (s *Service) plan(ctx context.Context, userID string, st reminder.Settings) error {
	now := s.d.Clock.Now()
	for _, k := range reminder.Kinds {
		next, _ := reminder.Next(k, st, now) // zero when off: the row goes
		if err := s.d.Store.Schedule(ctx, userID, k, next); err != nil {
			return fmt.Errorf("plan %s of %s: %w", k, userID, err)
		}
	}
	return nil
}

// RunDue sends every reminder due now and moves each row to its next time.
// It reads only due rows, through the index on the due instant.
func (s *Service) RunDue(ctx context.Context) error {
	now := s.d.Clock.Now()
	for {
		due, err := s.d.Store.Due(ctx, now, batch)
		if err != nil {
			return err
		}
		for _, d := range due {
			if err := s.handle(ctx, d, now); err != nil {
				return fmt.Errorf("reminder %s of %s: %w", d.Kind, d.UserID, err)
			}
		}
		if len(due) < batch {
			return nil
		}
	}
}

func (s *Service) handle(ctx context.Context, d ports.ReminderDue, now time.Time) error {
	p, err := s.d.Prefs.Get(ctx, d.UserID)
	if errs.Is(err, errs.NotFound) {
		return s.d.Store.Schedule(ctx, d.UserID, d.Kind, time.Time{})
	}
	if err != nil {
		return err
	}
	st := settingsOf(p)
	// The occurrence this row stands for, under the preferences as they are
	// now: a row planned under older ones moves to the right time unsent.
	occ, on := reminder.Next(d.Kind, st, d.DueAt.Add(-time.Nanosecond))
	if !on {
		return s.d.Store.Schedule(ctx, d.UserID, d.Kind, time.Time{})
	}
	if occ.After(now) {
		_, err := s.d.Store.Move(ctx, d.UserID, d.Kind, d.DueAt, occ)
		return err
	}
	next, _ := reminder.Next(d.Kind, st, now)
	var msg *webhook.Message
	date := reminder.DateOf(occ, st)
	if now.Sub(occ) <= Grace {
		if msg, err = s.message(ctx, d, st, date, p); err != nil {
			return err
		}
	}
	return s.d.Outbox.Atomically(ctx, func(ctx context.Context) error {
		moved, err := s.d.Store.Move(ctx, d.UserID, d.Kind, d.DueAt, next)
		if err != nil || !moved || msg == nil {
			return err // another instance handled the row
		}
		first, err := s.d.Store.MarkSent(ctx, d.UserID, d.Kind, date, now)
		if err != nil || !first {
			return err
		}
		return s.d.Outbox.Publish(ctx, *msg)
	})
}

// message is the reminder to send for date, or nil when the learner needs
// none: a learner whose day is already active gets no daily or streak
// reminder, and one without a streak no streak reminder.
func (s *Service) message(ctx context.Context, d ports.ReminderDue, st reminder.Settings, date calendar.Date,
	p preferences.Preferences) (*webhook.Message, error) {
	snap, err := s.d.Progress.Snapshot(ctx, d.UserID, date)
	if err != nil {
		return nil, err
	}
	settled := snap.Streak.WithFreezeMax(s.d.FreezeMax).Settle(date)
	streak, activeToday := settled.Current, settled.ActiveToday
	var data map[string]any
	switch d.Kind {
	case webhook.ReminderDaily:
		if activeToday {
			return nil, nil
		}
		data = map[string]any{"date": date.String(), "reminder_time": p.ReminderTime().String(), "timezone": st.Zone.Name()}
	case webhook.ReminderStreakAtRisk:
		// A held streak freeze would protect the day.
		if activeToday || streak < 1 || settled.Equipped > 0 {
			return nil, nil
		}
		data = map[string]any{"date": date.String(), "current_streak": streak}
	case webhook.SummaryWeekly:
		days, err := s.d.Progress.Days(ctx, d.UserID, date.AddDays(-6), date)
		if err != nil {
			return nil, err
		}
		xp, lessons, active := 0, 0, 0
		for _, day := range days {
			xp += day.XP()
			lessons += day.LessonsCompleted()
			if day.Active() {
				active++
			}
		}
		data = map[string]any{"week_ending": date.String(), "xp": xp, "lessons_completed": lessons, "active_days": active}
	default:
		return nil, nil
	}
	m, err := webhook.NewMessage(s.d.IDs.NewID(), d.Kind, s.d.Clock.Now(), d.UserID, data)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	return &m, nil
}
