// Package webhook holds the rules of Lingo's outgoing messages: the event
// types a webhook endpoint can subscribe to, the message a change publishes,
// an endpoint's subscription and secret, the Standard Webhooks signature and
// the retry schedule.
package webhook

import (
	"encoding/json"
	"fmt"
	"time"
)

// EventType names a message type; its zero value is invalid.
type EventType string

// The event types of the OpenAPI document's webhook section. Adding one is
// one line here and one Publish where its change happens.
const (
	LearningEventRecorded       EventType = "learning.event_recorded"
	ProgressLevelUp             EventType = "progress.level_up"
	ProgressStreakExtended      EventType = "progress.streak_extended"
	ProgressDailyGoalMet        EventType = "progress.daily_goal_met"
	ProgressAchievementUnlocked EventType = "progress.achievement_unlocked"
	StreakFreezeUsed            EventType = "streak.freeze_used"
	LeagueWeekClosed            EventType = "league.week_closed"
	UserRegistered              EventType = "user.registered"
	UserDeleted                 EventType = "user.deleted"
	ExportReady                 EventType = "export.ready"
	ReminderDaily               EventType = "reminder.daily"
	ReminderStreakAtRisk        EventType = "reminder.streak_at_risk"
	SummaryWeekly               EventType = "summary.weekly"
)

// EventTypes lists every type, in the document's order.
var EventTypes = []EventType{
	LearningEventRecorded, ProgressLevelUp, ProgressStreakExtended, ProgressDailyGoalMet, ProgressAchievementUnlocked,
	StreakFreezeUsed, LeagueWeekClosed, UserRegistered, UserDeleted, ExportReady,
	ReminderDaily, ReminderStreakAtRisk, SummaryWeekly,
}

// ParseEventType accepts exactly one of EventTypes.
func ParseEventType(s string) (EventType, error) {
	for _, t := range EventTypes {
		if string(t) == s {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown event type %q", s)
}

// Message is one thing that happened, as every subscribed endpoint receives
// it: ID is the webhook-id of each attempt, Data the body's data.
type Message struct {
	ID     string
	Type   EventType
	At     time.Time
	UserID string
	Data   map[string]any
}

// NewMessage makes a message; data must hold user_id when the message is
// about a learner (every type but league-wide ones is).
func NewMessage(id string, t EventType, at time.Time, userID string, data map[string]any) (Message, error) {
	if id == "" {
		return Message{}, fmt.Errorf("message without id")
	}
	if _, err := ParseEventType(string(t)); err != nil {
		return Message{}, err
	}
	if data == nil {
		data = map[string]any{}
	}
	if userID != "" {
		data["user_id"] = userID
	}
	return Message{ID: id, Type: t, At: at.UTC(), UserID: userID, Data: data}, nil
}

// Body is the JSON every attempt of the message posts: {type, timestamp, data}.
func (m Message) Body() ([]byte, error) {
	return json.Marshal(struct {
		Type      EventType      `json:"type"`
		Timestamp string         `json:"timestamp"`
		Data      map[string]any `json:"data"`
	}{m.Type, m.At.UTC().Format("2006-01-02T15:04:05.000Z"), m.Data})
}
