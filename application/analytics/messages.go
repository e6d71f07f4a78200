package analytics

import (
	"github.com/lingo-labs/lingo/domain/errs"
	"github.com/lingo-labs/lingo/domain/learning"
	"github.com/lingo-labs/lingo/domain/progress"
	"github.com/lingo-labs/lingo/domain/webhook"
)

// progressMessages maps the server-recorded event types to their webhook
// types and the metadata keys their data carries.
var progressMessages = map[learning.EventType]struct {
	typ  webhook.EventType
	keys []string
}{
	learning.LevelUp:             {webhook.ProgressLevelUp, []string{"level"}},
	learning.StreakExtended:      {webhook.ProgressStreakExtended, []string{"date", "current_streak"}},
	learning.DailyGoalMet:        {webhook.ProgressDailyGoalMet, []string{"date"}},
	learning.AchievementUnlocked: {webhook.ProgressAchievementUnlocked, []string{"code"}},
}

// messagesOf is what a stored client event publishes: the event itself and
// each progress event it caused. They are stored with the event, in its
// transaction, so a replay (which stores nothing) publishes nothing.
func (s *Service) messagesOf(userID string, ev learning.Event, caused []progress.ProgressEvent) ([]webhook.Message, error) {
	at := ev.ReceivedAt()
	out := make([]webhook.Message, 0, 1+len(caused))
	m, err := webhook.NewMessage(s.ids.NewID(), webhook.LearningEventRecorded, at, userID, map[string]any{
		"event_id": ev.EventID(), "event_type": ev.Type().String(),
		"occurred_at": ev.OccurredAt().UTC().Format("2006-01-02T15:04:05.000Z"),
		"local_date":  ev.LocalDate().String(), "xp_awarded": ev.XPAwarded(),
	})
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	out = append(out, m)
	for _, pe := range caused {
		pm, ok := progressMessages[pe.Type]
		if !ok {
			continue
		}
		data := map[string]any{}
		for _, k := range pm.keys {
			data[k] = pe.Metadata[k]
		}
		m, err := webhook.NewMessage(s.ids.NewID(), pm.typ, at, userID, data)
		if err != nil {
			return nil, errs.Wrap(errs.Internal, "", err)
		}
		out = append(out, m)
	}
	return out, nil
}
