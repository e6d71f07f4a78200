// Package progress holds the rules that turn learning events into XP,
// levels, streaks, daily goals and achievements (docs/progress-rules.md). It is pure: the
// store loads a small state, Apply decides, and the store writes the
// Outcome's deltas in the same transaction as the event.
package progress

// XPPerLevel is the XP of every level; levels do not get harder.
const XPPerLevel = 1000

// Level is where a total of XP stands.
type Level struct {
	Level         int     // floor(total / 1000) + 1
	XPInLevel     int     // total mod 1000
	XPToNextLevel int     // 1000 - XPInLevel
	Progress      float64 // XPInLevel / 1000, unrounded
}

// LevelOf computes the level of a total. A negative total cannot happen (XP
// is never taken away) and is treated as 0.
func LevelOf(totalXP int) Level {
	totalXP = max(totalXP, 0)
	in := totalXP % XPPerLevel
	return Level{
		Level:         totalXP/XPPerLevel + 1,
		XPInLevel:     in,
		XPToNextLevel: XPPerLevel - in,
		Progress:      float64(in) / XPPerLevel,
	}
}
