// Package learning holds what a learner's app reports: the event types and
// their categories, the rules an event must keep, and the time rules that
// decide which day an event belongs to and whether it still earns streak and
// daily-goal credit.
package learning

import "fmt"

// Category groups event types (the OpenAPI document's Event). The zero value is not a category.
type Category int

const (
	CategorySession Category = iota + 1
	CategoryLearning
	CategoryExercise
	CategoryProgress
)

var categoryNames = map[Category]string{
	CategorySession: "session", CategoryLearning: "learning", CategoryExercise: "exercise", CategoryProgress: "progress",
}

// ParseCategory accepts the exact lower-case names.
func ParseCategory(s string) (Category, error) {
	for c, name := range categoryNames {
		if name == s {
			return c, nil
		}
	}
	return 0, fmt.Errorf("%q is not an event category", s)
}

// String is the category's wire name ("" for an invalid category).
func (c Category) String() string { return categoryNames[c] }

// Valid reports whether c is one of the four categories.
func (c Category) Valid() bool { return categoryNames[c] != "" }

// EventTypes lists the types of the category, in declaration order, so that
// a filter on category can become a filter on types.
func (c Category) EventTypes() []EventType {
	var out []EventType
	for _, t := range AllEventTypes() {
		if t.Category() == c {
			out = append(out, t)
		}
	}
	return out
}

// EventType is one of the sixteen things an event can say. The zero value is
// not an event type.
type EventType int

const (
	AppOpened EventType = iota + 1
	SessionStarted
	SessionEnded
	CourseStarted
	CourseCompleted
	LessonStarted
	LessonCompleted
	LessonAbandoned
	PracticeCompleted
	ExerciseAttempted
	ExerciseSkipped
	HintUsed
	LevelUp
	StreakExtended
	DailyGoalMet
	AchievementUnlocked
)

var eventTypes = []struct {
	t        EventType
	name     string
	category Category
}{
	{AppOpened, "app_opened", CategorySession},
	{SessionStarted, "session_started", CategorySession},
	{SessionEnded, "session_ended", CategorySession},
	{CourseStarted, "course_started", CategoryLearning},
	{CourseCompleted, "course_completed", CategoryLearning},
	{LessonStarted, "lesson_started", CategoryLearning},
	{LessonCompleted, "lesson_completed", CategoryLearning},
	{LessonAbandoned, "lesson_abandoned", CategoryLearning},
	{PracticeCompleted, "practice_completed", CategoryLearning},
	{ExerciseAttempted, "exercise_attempted", CategoryExercise},
	{ExerciseSkipped, "exercise_skipped", CategoryExercise},
	{HintUsed, "hint_used", CategoryExercise},
	{LevelUp, "level_up", CategoryProgress},
	{StreakExtended, "streak_extended", CategoryProgress},
	{DailyGoalMet, "daily_goal_met", CategoryProgress},
	{AchievementUnlocked, "achievement_unlocked", CategoryProgress},
}

// AllEventTypes lists the sixteen types in declaration order.
func AllEventTypes() []EventType {
	out := make([]EventType, len(eventTypes))
	for i, e := range eventTypes {
		out[i] = e.t
	}
	return out
}

// ParseEventType accepts the exact lower-case wire names, server-only types
// included: refusing those is a rule of client input (see NewEvent), not of
// the name, since stored progress events must parse too.
func ParseEventType(s string) (EventType, error) {
	for _, e := range eventTypes {
		if e.name == s {
			return e.t, nil
		}
	}
	return 0, fmt.Errorf("%q is not an event type", s)
}

func (t EventType) valid() bool { return t >= AppOpened && t <= AchievementUnlocked }

// Valid reports whether t is one of the sixteen types.
func (t EventType) Valid() bool { return t.valid() }

// String is the type's wire name ("" for an invalid type).
func (t EventType) String() string {
	if !t.valid() {
		return ""
	}
	return eventTypes[t-1].name
}

// Category is the type's category (the zero Category for an invalid type).
func (t EventType) Category() Category {
	if !t.valid() {
		return 0
	}
	return eventTypes[t-1].category
}

// ServerOnly reports whether only the server may record the type: the
// progress events it derives from what learners did.
func (t EventType) ServerOnly() bool { return t.Category() == CategoryProgress }

// DeviceType is the kind of device an event came from. The zero value is not
// a device type.
type DeviceType int

const (
	DevicePhone DeviceType = iota + 1
	DeviceTablet
	DeviceDesktop
	DeviceWeb
	DeviceOther
)

var deviceNames = []string{"", "phone", "tablet", "desktop", "web", "other"}

// ParseDeviceType accepts phone, tablet, desktop, web, other.
func ParseDeviceType(s string) (DeviceType, error) {
	for i, name := range deviceNames[1:] {
		if name == s {
			return DeviceType(i + 1), nil
		}
	}
	return 0, fmt.Errorf("%q is not a device type", s)
}

// String is the wire name ("" for an invalid value).
func (d DeviceType) String() string {
	if d < DevicePhone || d > DeviceOther {
		return ""
	}
	return deviceNames[d]
}

// Platform is the operating system or runtime an event came from. The zero
// value is not a platform.
type Platform int

const (
	PlatformIOS Platform = iota + 1
	PlatformAndroid
	PlatformWeb
	PlatformWindows
	PlatformMacOS
	PlatformLinux
	PlatformOther
)

var platformNames = []string{"", "ios", "android", "web", "windows", "macos", "linux", "other"}

// ParsePlatform accepts ios, android, web, windows, macos, linux, other.
func ParsePlatform(s string) (Platform, error) {
	for i, name := range platformNames[1:] {
		if name == s {
			return Platform(i + 1), nil
		}
	}
	return 0, fmt.Errorf("%q is not a platform", s)
}

// String is the wire name ("" for an invalid value).
func (p Platform) String() string {
	if p < PlatformIOS || p > PlatformOther {
		return ""
	}
	return platformNames[p]
}
