package progress

import (
	"fmt"
	"time"
)

// Achievement is one of the badges a learner unlocks once. The zero value is
// not an achievement.
type Achievement int

const (
	FirstLesson Achievement = iota + 1
	PerfectLesson
	Streak3
	Streak7
	Streak30
	Level5
	Level10
	CourseComplete
	Streak100
	Streak365
)

var achievementCodes = []string{"", "first_lesson", "perfect_lesson", "streak_3", "streak_7", "streak_30", "level_5", "level_10", "course_complete", "streak_100", "streak_365"}

// AllAchievements lists the achievements in declaration order.
func AllAchievements() []Achievement {
	out := make([]Achievement, 0, len(achievementCodes)-1)
	for a := FirstLesson; a <= Streak365; a++ {
		out = append(out, a)
	}
	return out
}

// ParseAchievement accepts the exact codes (first_lesson, ..., course_complete).
func ParseAchievement(s string) (Achievement, error) {
	for i, c := range achievementCodes[1:] {
		if c == s {
			return Achievement(i + 1), nil
		}
	}
	return 0, fmt.Errorf("%q is not an achievement", s)
}

// String is the achievement's code ("" for an invalid value).
func (a Achievement) String() string {
	if a < FirstLesson || a > Streak365 {
		return ""
	}
	return achievementCodes[a]
}

// Unlock is an achievement with the server time it was unlocked.
type Unlock struct {
	Achievement Achievement
	UnlockedAt  time.Time
}
