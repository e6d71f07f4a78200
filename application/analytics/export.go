package analytics

import (
	"context"

	"github.com/lingo-labs/lingo/domain/calendar"
)

// StatsSince is the learner's user stats with the history of every date
// from first (the date of their first event) to today, for a data export:
// the API's stats stop at MaxDays, an export does not. Without a first
// date the history is today alone. It reads aggregates only, never the
// cache, since an export is made once.
func (s *Service) StatsSince(ctx context.Context, userID string, first calendar.Date) (UserStats, error) {
	zone, _, err := s.settings.Settings(ctx, userID)
	if err != nil {
		return UserStats{}, err
	}
	today := zone.Today(s.now())
	days := 1
	if !first.IsZero() && first.Compare(today) < 0 {
		days = first.DaysUntil(today) + 1
	}
	return s.stats(ctx, userID, today, days, true)
}
